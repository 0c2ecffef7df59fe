/*
 * traffic.h - a test traffic generator and receiver for the lab: DSCP-marked
 * UDP over IPv6 at a given rate, one flow per (source site, destination
 * site, class), with sequence numbers so the receiver counts loss,
 * reordering and duplicates per flow.
 *
 * The probe header is a pure codec (lab_probe_encode / _decode); the sender
 * and receiver around it are plain sockets.
 *
 * Probe (network byte order), at the start of every UDP payload:
 *   magic "NTPR" (4) | kind (1: 0 data, 1 end) | dscp (1) | reserved (2)
 *   flow id (4) | sequence (8) | count sent (8, in end probes; else 0)
 */
#ifndef NETO_LAB_TRAFFIC_H
#define NETO_LAB_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define LAB_PROBE_LEN 28
#define LAB_PROBE_MAGIC 0x4e545052u	/* "NTPR" */

enum { LAB_PROBE_DATA = 0, LAB_PROBE_END = 1 };

typedef struct lab_probe {
	uint8_t kind;
	uint8_t dscp;
	uint32_t flow;
	uint64_t seq;
	uint64_t sent;
} lab_probe;

/* Writes the probe into buf (at least LAB_PROBE_LEN octets). */
void lab_probe_encode(uint8_t *buf, const lab_probe *p);
/* Reads a probe from (buf, len); -1 with *err when it is not one. */
int lab_probe_decode(const uint8_t *buf, size_t len, lab_probe *p, neto_err *err);

/* Per-flow accounting of the receiver (pure, testable). */
typedef struct lab_flow_stats {
	uint32_t flow;
	uint8_t dscp;
	char src[48];		/* the sender's address as text */
	uint64_t received;	/* data probes, duplicates excluded */
	uint64_t duplicates;
	uint64_t reordered;	/* arrived after a higher sequence number */
	uint64_t max_seq;	/* highest seen + 1 (0: none) */
	uint64_t sent;		/* from the end probe; 0 until one arrives */
	uint64_t bytes;
	uint8_t *seen;		/* bitmap of sequence numbers, owned */
	size_t seen_cap;	/* in octets */
} lab_flow_stats;

/* Sequence numbers above this are counted but not tracked for duplicates. */
#define LAB_SEQ_TRACK_MAX (1u << 27)

/* Accounts one probe of `len` payload octets. */
void lab_flow_account(lab_flow_stats *f, const lab_probe *p, size_t len);
/* Lost probes: those sent (or, without an end probe, below the highest
 * seen) that never arrived. */
uint64_t lab_flow_lost(const lab_flow_stats *f);
void lab_flow_free(lab_flow_stats *f);

/* `neto lab traffic send|recv ...`; argv[0] is send or recv. */
int lab_traffic_cmd(int argc, char **argv);

#endif
