#!/bin/bash
# test_e2e_peering_measured.sh - the peering loop of test_e2e_peering.sh on
# measured inputs: the peering role reads kv "pe-traffic" (softflowd at the
# border routers' interfaces toward the ISPs, a flow agent per peering) and
# kv "pe-latency" (a prober per border router), with no traffic file and no
# latency table. What it asserts besides: test_e2e_peering.sh's header.
# Usage: bash test_e2e_peering_measured.sh NETO_BINARY SOURCE_DIR BUILD_DIR
PEERING_INPUTS=measured exec bash "$2/tests/lab/test_e2e_peering.sh" "$@"
