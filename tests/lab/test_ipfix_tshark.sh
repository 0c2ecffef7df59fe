#!/bin/bash
# test_ipfix_tshark.sh NETO SOURCE_DIR BUILD_DIR
#
# neto's own encoder against an independent decoder: the messages of the
# fuzz seed corpus that neto's encoder wrote (IPFIX, NetFlow v9 and v5,
# templates before data) are put in a capture (text2pcap) and decoded by
# tshark, which must find no malformed field and read the values the
# encoder was given (addresses, octets, sampling). No namespace, no
# network: skips only when tshark or text2pcap is missing.
set -u
SRC=$2
for t in tshark text2pcap od; do
	command -v $t >/dev/null 2>&1 || { echo "skip: $t missing"; exit 77; }
done
TMP=$(mktemp -d /tmp/nf-ipfix-tshark.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
CORPUS=$SRC/fuzz/corpus/ipfix
fail() {
	echo "FAIL: $*"
	exit 1
}

# decode FILE: tshark -V of one message sent to UDP port 4739
decode() {
	od -Ax -tx1 -v "$CORPUS/$1" >"$TMP/hex"
	text2pcap -q -u 40000,4739 "$TMP/hex" "$TMP/$1.pcap" >/dev/null 2>&1 || fail "text2pcap $1"
	tshark -r "$TMP/$1.pcap" -d udp.port==4739,cflow -V >"$TMP/$1.txt" 2>&1 || fail "tshark $1"
	if grep -qi "malformed" "$TMP/$1.txt"; then
		grep -i -B8 "malformed" "$TMP/$1.txt" | head -20
		fail "$1: tshark finds malformed fields"
	fi
}

# expect FILE PATTERN...: each pattern is a line of tshark's output
expect() {
	local f=$1
	shift
	for p in "$@"; do
		grep -qE "^ +$p\$" "$TMP/$f.txt" || fail "$f: tshark does not show '$p'"
	done
}

decode ipfix-v4-template-data
expect ipfix-v4-template-data "Version: 10" "SrcAddr: 10.0.0.1" "DstAddr: 10.1.0.1" \
	"Octets: 1500" "Octets: 64000" "DstAddr: 198.51.100.1" "Octets: 40" \
	"SrcPort: 5000 \\(5000\\)" "DstPort: 53 \\(53\\)"
decode ipfix-v6-varlen-enterprise
expect ipfix-v6-varlen-enterprise "SrcAddr: 2001:db8::1" "DstAddr: 2001:db8::2" "Octets: 1500"
decode ipfix-sampling-selector
expect ipfix-sampling-selector "Sampling Packet Interval: 1" "Sampling Packet Space: 99" \
	"Selector Id: 5"
decode netflow-v9-options-data
expect netflow-v9-options-data "Version: 9" "Sampling interval: 1000" "SrcAddr: 10.0.0.1" \
	"Octets: 9000" "SourceId: 77"
decode netflow-v5-30
expect netflow-v5-30 "Version: 5" "Count: 30" "SrcAddr: 10.0.0.29" "DstAddr: 11.0.0.29" \
	"Octets: 2940" ".*= SampleRate: 100"
echo "PASS: tshark decodes neto's IPFIX, NetFlow v9 and v5 messages as written"
