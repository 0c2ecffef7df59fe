#!/bin/bash
# test_e2e_ipfix.sh - the demand matrix measured from the lab's traffic with
# IPFIX, on the 4-site square (tests/data/lab/square.json, Mbit/s):
# `neto lab up --neto --ipfix` puts a host namespace behind each site router,
# softflowd on the router's host-facing veth (IPFIX, 5 s timeouts) and the
# flow agent `ipfix` (5 s windows) writing demand matrices to the store.
# The generators send known rates per (src, dst, DSCP) from the hosts (the
# traffic command picks the host namespaces when they exist); after the
# flows are exported (a filler burst, softflowctl expire-all) and two
# windows have closed,
# the bytes of the store's matrices written since the start (rate x 5 s,
# summed) per (src, dst) equal the bytes sent (probes of 1000 octets + 48 of
# UDP and IPv6 headers) within 5%, and pairs that sent nothing have at
# most 0.2 Mbit; the controller planned from those matrices, and the
# routers confirmed a policy for every pair that sent. down removes the
# host namespaces and stops softflowd.
# Usage: bash test_e2e_ipfix.sh NETO SOURCE_DIR BUILD_DIR
set -u
NETO=$1
SRC=$2
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in ip tc vtysh softflowd softflowctl sqlite3 awk; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
[ -x /usr/lib/frr/isisd ] || { echo "skip: no FRR isisd"; exit 77; }

P=nli-$(($$ % 10000))-
TMP=$(mktemp -d)
DIR=$TMP/lab
TOPO=$SRC/tests/data/lab/square.json
PORT=$((20000 + ($$ + 7) % 20000))
WINDOW=5
T_START=$SECONDS
cleanup() {
	"$NETO" lab down --dir "$DIR" --quiet >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	"$NETO" lab status --dir "$DIR" 2>&1
	for f in "$DIR"/neto-ipfix.log "$DIR"/softflowd-*.log; do echo "--- $f"; tail -n 5 "$f"; done
	exit 1
}
wait_for() { # seconds command...: polls every 0.2 s
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while [ "$(date +%s%N)" -lt $deadline ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
declare -A IDX=([a]=1 [b]=2 [c]=3 [d]=4)

echo "== up --neto --ipfix ($P)"
mkdir -p "$DIR"
"$NETO" lab up --topology "$TOPO" --dir "$DIR" --prefix "$P" --neto --ipfix \
	--api "127.0.0.1:$PORT" --period 5s --quiet || fail "lab up --neto --ipfix"
echo "up in $((SECONDS - T_START)) s"
for s in a b c d; do
	ns=$P"h"${IDX[$s]}
	ip netns list | grep -q "^$ns" || fail "no host namespace $ns"
done
# a host reaches the other sites once its link-local address is usable
reach() { ip netns exec "$P"h1 ping -6 -c 1 -W 1 "fd00:0:3::1" >/dev/null 2>&1; }
wait_for 20 reach || fail "host of a does not reach site c"
collecting() { grep -q "collecting" "$DIR/neto-ipfix.log" 2>/dev/null; }
wait_for 10 collecting || fail "flow agent not collecting"

BEFORE=$(sqlite3 "$DIR/neto.db" "select coalesce(max(id), 0) from demand")
# (src, dst, dscp, bit/s of payload): 5 flows of each, 1000-octet probes
SPEC="a,c,46,4000000 b,d,26,2000000 d,a,10,3000000 c,b,46,1000000"
ARGS=""
for f in $SPEC; do
	IFS=, read -r s d c r <<<"$f"
	for _ in 1 2 3 4 5; do ARGS="$ARGS --flow $s,$d,$c,$((r / 5))"; done
done
echo "== traffic from the hosts: $SPEC (10 s)"
# shellcheck disable=SC2086
OUT=$("$NETO" lab traffic run --topology "$TOPO" --prefix "$P" $ARGS --duration 10 \
	--size 1000) || fail "traffic run"
# softflowd's libpcap hands packets over a buffer block at a time: a filler
# burst from each host to its router's host-facing address (its own site, a
# pair left out below) pushes the generators' last packets out
for s in a b c d; do
	ip netns exec "$P"h${IDX[$s]} ping -6 -f -q -c 3000 -s 1000 "fd00:0:${IDX[$s]}::1:0:1" \
		>/dev/null 2>&1 || fail "filler burst from host $s"
done
for s in a b c d; do
	ip netns exec "$P${IDX[$s]}" softflowctl -c "$DIR/softflowd-$P${IDX[$s]}.ctl" expire-all \
		>/dev/null 2>&1 || fail "softflowctl expire-all in site $s"
done
# the last flows are in the collector now; two windows close them
sleep $((2 * WINDOW + 1))

# sent Mbit per pair (IPv6 + UDP header: 48 octets a probe)
declare -A SENT
while read -r line; do
	pair=$(echo "$line" | sed -n 's/^flow=[0-9]* \([a-d]\)->\([a-d]\) .*/\1,\2/p')
	n=$(echo "$line" | sed -n 's/.* sent=\([0-9]*\).*/\1/p')
	[ -n "$pair" ] && SENT[$pair]=$(awk -v a="${SENT[$pair]:-0}" -v n="$n" 'BEGIN { printf "%.4f", a + n * 1048 * 8 / 1e6 }')
done <<<"$OUT"
# measured Mbit per pair: every matrix since BEFORE, rate x window
declare -A MEAS
while IFS=, read -r s d c r; do
	[ -n "$r" ] || continue
	MEAS[$s,$d]=$(awk -v a="${MEAS[$s,$d]:-0}" -v r="$r" -v w=$WINDOW 'BEGIN { printf "%.4f", a + r * w }')
	echo "matrix: $s,$d,$c,$r"
done < <(sqlite3 "$DIR/neto.db" "select body from demand where id > $BEFORE order by id" |
	grep -E '^[a-d],[a-d],')
MATRICES=$(sqlite3 "$DIR/neto.db" "select count(*) from demand where id > $BEFORE")
echo "$MATRICES matrices since the traffic started"
bad=0
for s in a b c d; do
	for d in a b c d; do
		[ "$s" = "$d" ] && continue
		sent=${SENT[$s,$d]:-0} meas=${MEAS[$s,$d]:-0}
		if [ "$sent" = 0 ]; then
			ok=$(awk -v m="$meas" 'BEGIN { print (m <= 0.2) }')
		else
			ok=$(awk -v m="$meas" -v s="$sent" 'BEGIN { d = m - s; if (d < 0) d = -d; print (d <= 0.05 * s) }')
		fi
		printf "%s->%s sent %s Mbit, IPFIX %s Mbit %s\n" "$s" "$d" "$sent" "$meas" \
			"$([ "$ok" = 1 ] && echo ok || echo BAD)"
		[ "$ok" = 1 ] || bad=1
	done
done
[ $bad = 0 ] || fail "the IPFIX demand does not match what was sent"

# the controller planned from the measured demand: plans on the matrices
# written since the traffic started, whose tasks the routers confirmed for
# every pair that sent (policy DST/CLASS at the source's router)
echo "== the controller's plans on the measured demand"
sqlite3 "$DIR/neto.db" "select id, state, demand_id, nsteps from plan where demand_id > $BEFORE" |
	sed 's/^/plan: /'
for f in $SPEC; do
	IFS=, read -r s d c r <<<"$f"
	n=$(sqlite3 "$DIR/neto.db" "select count(*) from task t join plan p on t.plan_id = p.id
		where p.demand_id > $BEFORE and t.router = '$s' and t.policy like '$d/%'
		and t.action = 'apply' and t.state = 'done'")
	echo "$s->$d: $n confirmed task(s) from plans on the measured demand"
	[ "$n" -ge 1 ] || fail "no confirmed policy $s->$d planned from the IPFIX demand"
done

echo "== down"
"$NETO" lab down --dir "$DIR" --quiet || fail "lab down"
for s in a b c d; do
	ip netns list | grep -q "^$P""h${IDX[$s]}" && fail "host namespace left"
done
pgrep -f "softflowd-$P" >/dev/null && fail "softflowd left running"
echo "PASS in $((SECONDS - T_START)) s"
