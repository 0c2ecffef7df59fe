#!/bin/bash
# test_e2e_transition.sh - a congestion-free transition with real packets, on
# the 4-site square (tests/data/lab/square.json, 10 Mbit/s links) with
# `neto lab up --neto`.
#
# Demand A (tests/data/lab/transition_a.csv): gold a->c and b->d, 6 Mbit/s
# each, installed on their shortest paths a-b-c and b-a-d. Demand B
# (transition_b.csv) announces gold transfers a->b and b->a of 9 Mbit/s: the
# target moves most of a->c to a-d-c and b->d to b-c-d, on links that the
# other flow leaves, so the order of the head-ends' updates matters (`neto
# plan` offline: 2 steps; one step overloads a link while it is applied).
# The a<->b transfers are announced, not yet sent: the packets on the wire
# are the two gold flows, the same before, during and after the change, so
# any loss is the transition's.
#
# Real routers apply an update with some control-plane and FIB latency, and
# not all alike: the lab's router agent at a waits APPLY_DELAY before
# programming each request of the PCE (`neto lab up --apply-delay a=...`,
# the agent's apply_delay), and reports only after it did. Every link
# direction buffers 50 ms at its rate (--buffer), as a router's interface
# does, instead of the veth's 1000 packets (about 0.9 s at 10 Mbit/s, which
# turns an overload of seconds into delay rather than loss).
#
# Each run: A installed, gold sent continuously (32 UDP flows per demand,
# sequence-numbered probes, the receivers count losses), B stored during the
# traffic, the plan carried out by the scheduler and the PCE; the gold loss
# of the whole window is the run's figure.
#   (1) planned ([controller] transition = planned, the default): a plan of
#       2 steps or more, each step confirmed before the next, so a's delay
#       makes it slower but not lossy: (almost) no lost probes unless a
#       head-end's kernel refused a route update during it (bounds below)
#   (2) one-shot (transition = one-shot written into the lab's neto.ini,
#       the controller restarted with `neto lab respawn`): a plan of 1 step,
#       the controller logging that the verifier finds transient overloads;
#       b applies at once and a APPLY_DELAY later, so for that long all of
#       b->d is on b-c-d while a->c still crosses b-c: 10 Mbit/s of payload,
#       plus headers and the SRv6 encapsulation, on a 10 Mbit/s link. The
#       one-shot loss must exceed 1% of the gold probes (1.35 to 1.67% in six
#       runs with a 4 s delay, docs/lab.md)
# Usage: bash test_e2e_transition.sh NETO SOURCE_DIR BUILD_DIR
set -u
NETO=$1
SRC=$2
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in ip tc vtysh unshare; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
[ -x /usr/lib/frr/isisd ] || { echo "skip: no FRR isisd"; exit 77; }

P=nlt2-$(($$ % 10000))-
TMP=$(mktemp -d)
DIR=$TMP/lab
TOPO=$SRC/tests/data/lab/square.json
DA=$SRC/tests/data/lab/transition_a.csv
DB=$SRC/tests/data/lab/transition_b.csv
PORT=$((20000 + ($$ + 7919) % 20000))
API=http://127.0.0.1:$PORT
T_START=$SECONDS
cleanup() {
	"$NETO" lab down --dir "$DIR" --quiet >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	"$NETO" lab status --dir "$DIR" 2>&1
	for f in "$DIR"/*.log; do echo "--- $f"; tail -n 8 "$f"; done
	exit 1
}
declare -A IDX=([a]=1 [b]=2 [c]=3 [d]=4)
wait_for() { # seconds command...: polls every 0.2 s
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while [ "$(date +%s%N)" -lt $deadline ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
# the plans in the store: "ID STATE STEP/NSTEPS" rows
plans() { "$NETO" show plans --api "$API" 2>/dev/null; }
last_id() { plans | awk '$1 ~ /^[0-9]+$/ && $1 > m { m = $1 } END { print m + 0 }'; }
moved() { # a plan newer than $1 that changes something is done
	plans | awk -v b="$1" '$1 ~ /^[0-9]+$/ && $1 > b && $4 !~ /^0\/0$/' >"$TMP/moved" &&
		grep -q . "$TMP/moved" && ! awk '$3 != "done"' "$TMP/moved" | grep -q .
}
steered_a() { # a's gold policy to c and b's to d in the class table
	ip -n "${P}1" -6 route show table 100 | grep -q "fd00:0:3::/64" &&
		ip -n "${P}2" -6 route show table 100 | grep -q "fd00:0:4::/64"
}
refusals() { # updates a head-end's kernel refused so far (router agents' logs)
	cat "$DIR"/router-"$P"*.log 2>/dev/null | grep -c "^router .*: policy .*: kernel refused" || true
}
GOLD_FLOWS=32
gold_flows() { # --flow arguments of the gold demands both matrices share
	local each=$((5000000 / GOLD_FLOWS))
	for _ in $(seq $GOLD_FLOWS); do echo "--flow a,c,46,$each --flow b,d,46,$each"; done
}

# run NAME: demand A in place, gold sent for DURATION seconds, demand B
# stored after 3 s; sets SENT LOST STEPS MS (transition time)
DURATION=20
run() {
	local before out r0
	before=$(last_id)
	r0=$(refusals)
	# shellcheck disable=SC2046
	"$NETO" lab traffic run --topology "$TOPO" --prefix "$P" $(gold_flows) \
		--duration $DURATION --size 1000 >"$TMP/traffic.$1" 2>&1 &
	local tpid=$!
	sleep 3
	local t0
	t0=$(date +%s%N)
	"$NETO" lab demand --dir "$DIR" --file "$DB" >/dev/null || fail "lab demand B"
	wait_for $((DURATION - 5)) moved "$before" || fail "$1: transition not done during the traffic"
	MS=$((($(date +%s%N) - t0) / 1000000))
	wait $tpid || fail "$1: traffic run: $(cat "$TMP/traffic.$1")"
	out=$(cat "$TMP/traffic.$1")
	SENT=$(echo "$out" | sed -n 's/.* sent=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	LOST=$(echo "$out" | sed -n 's/.* lost=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	REFUSED=$(($(refusals) - r0))
	plans >"$TMP/plans.$1"
	# the steps of the plan that moved the tunnels (one, unless a cycle
	# replanned in between)
	STEPS=$(awk '{ sub(/.*\//, "", $4); print $4 }' "$TMP/moved" | sort -n | tail -n 1)
	[ "$SENT" -ge $((DURATION * 1000)) ] || fail "$1: sent only $SENT probes"
}
# back to A (planned, no traffic) before the next run
back_to_a() {
	local before
	before=$(last_id)
	"$NETO" lab demand --dir "$DIR" --file "$DA" >/dev/null || fail "lab demand A"
	wait_for 30 moved "$before" || fail "back to A: no plan done"
	wait_for 10 steered_a || fail "back to A: policies missing"
}

APPLY_DELAY=4s
echo "== up --neto ($P, API $API), a applies updates after $APPLY_DELAY"
"$NETO" lab up --topology "$TOPO" --dir "$DIR" --prefix "$P" --neto --api "127.0.0.1:$PORT" \
	--period 5s --buffer 50ms --apply-delay a=$APPLY_DELAY || fail "lab up --neto"
grep -q "^apply-delay ${P}1 $APPLY_DELAY\$" "$DIR/lab.state" || fail "apply delay not recorded"
"$NETO" lab status --dir "$DIR" 2>&1 | grep -q "router:${P}1 applies the PCE's requests after" ||
	fail "lab status does not show the apply delay"
sessions_up() { [ "$(grep -c 'session up' "$DIR"/router-"$P"*.log 2>/dev/null | awk -F: '$2 > 0' | wc -l)" = 4 ]; }
wait_for 30 sessions_up || fail "router agents without a PCEP session"
api_up() { "$NETO" show health --api "$API" >/dev/null 2>&1; }
wait_for 20 api_up || fail "API not answering"
topo_ok() { "$NETO" show topology --api "$API" 2>/dev/null | grep -q "^a-b "; }
wait_for 20 topo_ok || fail "no topology in the store"
echo "up in $((SECONDS - T_START)) s"

echo "== demand A"
"$NETO" lab demand --dir "$DIR" --file "$DA" >/dev/null || fail "lab demand A"
wait_for 40 moved 0 || fail "no plan for demand A"
wait_for 10 steered_a || fail "A: policies not installed"
ip -n "${P}1" -6 route show table 100 | sed 's/^/  a table 100: /'

echo "== (1) planned transition A -> B"
run planned
P_LOST=$LOST P_SENT=$SENT P_STEPS=$STEPS P_MS=$MS
cat "$TMP/plans.planned"
echo "planned: $P_STEPS steps in $P_MS ms; gold sent $P_SENT, lost $P_LOST"
[ "$P_STEPS" -ge 2 ] || fail "planned transition in $P_STEPS step(s), expected 2 or more"
# Zero loss is the plan's promise. A head-end whose kernel refuses a route
# replacement ("File exists", logged by the router agent) fails that LSP
# and programs the policy without it until the scheduler retries the task
# ([scheduler] backoff, 1 s, then the PCE's round trip): for that long the
# demand's traffic is not where the plan puts it. That is not the plan's
# doing (see docs/lab.md: the PCE names LSPs by path index, and an
# intermediate step can give two LSPs of one policy the same segment list
# for a moment); with refusals the loss is bounded by 2 s of one demand
# (5 Mbit/s of 1000-octet probes: 1250 per refusal). The router agent now
# makes equal segment lists of one policy one next hop, so there should be
# none; without any, the plan itself loses nothing on a quiet machine (0 in
# every run of docs/lab.md), but the test also runs beside the rest of the
# suite on 2 cores, where a generator or a router namespace starved of CPU
# for a moment drops a few probes that no plan could save: at most 0.5% of
# the gold probes (100 of about 20,000; 34 were seen once under that load).
P_REFUSED=$REFUSED
if [ "$P_REFUSED" = 0 ]; then
	[ "$P_LOST" -le $((P_SENT / 200)) ] ||
		fail "planned transition lost $P_LOST gold probes of $P_SENT (more than 0.5%)"
else
	echo "planned: $P_REFUSED kernel refusal(s) of a route update during the transition"
	[ "$P_LOST" -le $((P_REFUSED * 1250)) ] ||
		fail "planned transition lost $P_LOST gold probes, more than $P_REFUSED refusal(s) explain"
fi

echo "== (2) one-shot transition A -> B"
back_to_a
grep -q "^transition" "$DIR/neto.ini" && fail "neto.ini already has a transition key"
sed -i 's/^\[controller\]$/[controller]\ntransition = one-shot/' "$DIR/neto.ini"
pid=$(awk '$1 == "proc" && $4 == "controller" { p = $2 } END { print p }' "$DIR/lab.state")
[ -n "$pid" ] || fail "no controller in lab.state"
kill "$pid"
gone() { ! kill -0 "$pid" 2>/dev/null; }
wait_for 10 gone || fail "controller $pid did not stop"
"$NETO" lab respawn --dir "$DIR" >/dev/null || fail "respawn"
# the restarted controller leads and plans one-shot (its period cycle says so)
one_shot_on() { grep -q "one-shot transition" "$DIR/neto-controller.log"; }
wait_for 20 one_shot_on || fail "the restarted controller does not plan one-shot"
run one-shot
O_LOST=$LOST O_SENT=$SENT O_STEPS=$STEPS O_MS=$MS O_REFUSED=$REFUSED
cat "$TMP/plans.one-shot"
grep "one-shot transition" "$DIR/neto-controller.log" | grep overload | head -n 1 | sed 's/^/  controller: /'
echo "one-shot: $O_STEPS step in $O_MS ms; gold sent $O_SENT, lost $O_LOST"
[ "$O_STEPS" = 1 ] || fail "one-shot transition in $O_STEPS steps"
grep -q "one-shot transition (planning disabled): the verifier finds [0-9]* transient overload" \
	"$DIR/neto-controller.log" || fail "controller log without the one-shot verdict"
# a's agent waited before programming (the delay was applied, not skipped)
grep -q "apply delay: programming in" "$DIR/router-${P}1.log" || fail "a never waited"
grep -q "apply delay" "$DIR/router-${P}2.log" && fail "b waited too"
[ $((O_LOST * 100)) -gt "$O_SENT" ] ||
	fail "one-shot transition lost $O_LOST gold probes of $O_SENT (1% or less): no overload seen"

echo "RESULT (a delayed $APPLY_DELAY) planned: lost $P_LOST of $P_SENT gold probes ($P_STEPS steps, $P_MS ms," \
	"$P_REFUSED refused); one-shot: lost $O_LOST of $O_SENT ($O_STEPS step, $O_MS ms," \
	"$O_REFUSED refused)"
grep -l "Sanitizer" "$DIR"/*.log 2>/dev/null && fail "sanitizer report in a log"
echo "== down"
"$NETO" lab down --dir "$DIR" --quiet || fail "down"
ip netns list | grep -q "^$P" && fail "namespaces left: $(ip netns list | grep "^$P")"
echo "PASS in $((SECONDS - T_START)) s"
