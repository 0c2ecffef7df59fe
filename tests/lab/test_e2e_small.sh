#!/bin/bash
# test_e2e_small.sh - neto running a lab WAN end to end, on the 4-site square
# (tests/data/lab/square.json, 10 Mbit/s links) with `neto lab up --neto`:
#   (a) discovery: the topology in neto's store (the API's JSON) has the
#       lab's nodes and links, and each link's capacity is the rate its veth
#       is shaped to (tc in the namespaces)
#   (b) steering: the demand of tests/data/lab/e2e_square_demands.csv (12
#       Mbit/s a->c, more than the IGP path a-b-c carries) goes into the
#       store; after a controller cycle every head-end holds neto's policies
#       in its class tables (ip -6 route show table 100/200/300) as the PCE
#       reported them; generators send each (src, dst, class) as 32 UDP
#       flows with the class's DSCP, and the packets each link transmits
#       match the plan's load on it within 2.5 Mbit/s (a quarter of the
#       capacity: the kernel spreads flows over a policy's lists by a hash
#       of their ports, so the split is the plan's only on average, about
#       0.6 Mbit/s standard deviation here); links the plan uses carry
#       traffic, the others none; under 1% loss
#   (c) fallback: kill -9 of every neto role (controller, scheduler, PCE,
#       topology agent, API); within the state timeout (6 s) the router
#       agents withdraw the policies; half the demand then flows on the IGP
#       paths with no loss; `neto lab respawn` starts the roles again and
#       the policies come back
#   (d) link a-d down (`neto lab link`: the veth pair, and the topology file
#       the topology agent follows): every policy moves off it (timed);
#       repaired: used again
#   down stops every process and removes namespaces and files
# Usage: bash test_e2e_small.sh NETO SOURCE_DIR BUILD_DIR
set -u
NETO=$1
SRC=$2
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in ip tc vtysh unshare python3; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
[ -x /usr/lib/frr/isisd ] || { echo "skip: no FRR isisd"; exit 77; }

P=nle-$(($$ % 10000))-
TMP=$(mktemp -d)
DIR=$TMP/lab
TOPO=$SRC/tests/data/lab/square.json
DEMANDS=$SRC/tests/data/lab/e2e_square_demands.csv
PORT=$((20000 + $$ % 20000))
API=http://127.0.0.1:$PORT
STATE_TIMEOUT=6
T_START=$SECONDS
cleanup() {
	"$NETO" lab down --dir "$DIR" --quiet >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	"$NETO" lab status --dir "$DIR" 2>&1
	for f in "$DIR"/*.log; do echo "--- $f"; tail -n 5 "$f"; done
	exit 1
}
declare -A IDX=([a]=1 [b]=2 [c]=3 [d]=4)
declare -A DSCP=([gold]=46 [silver]=26 [bronze]=10)
declare -A TABLE=([gold]=100 [silver]=200 [bronze]=300)
LINKS="a-b b-a b-c c-b c-d d-c d-a a-d"
txp() { # link: packets transmitted by its source end
	local s=${1%-*} d=${1#*-}
	ip -n "$P${IDX[$s]}" -s link show "to${IDX[$d]}" | awk '/TX:/ { getline; print $2; exit }'
}
# flows FRACTION: --flow arguments, each demand as 8 flows (rates in Mbit/s,
# the square's unit, at scale 1)
FLOWS_PER=32
flows() {
	local s d c r
	while IFS=, read -r s d c r; do
		[ "$s" = src ] && continue
		local each
		each=$(awk -v r="$r" -v f="$1" -v n=$FLOWS_PER 'BEGIN { printf "%d", r * f * 1e6 / n }')
		for _ in $(seq $FLOWS_PER); do echo "--flow $s,$d,${DSCP[$c]},$each"; done
	done <"$DEMANDS"
}
# send FRACTION DURATION: runs the generators; sets SENT LOST and RATE[link]
# (payload Mbit/s from the transmitted packets, 1000-octet probes)
declare -A RATE
send() {
	local -A before
	local l out
	for l in $LINKS; do before[$l]=$(txp "$l"); done
	# shellcheck disable=SC2046
	out=$("$NETO" lab traffic run --topology "$TOPO" --prefix "$P" $(flows "$1") \
		--duration "$2" --size 1000) || fail "traffic run"
	for l in $LINKS; do
		RATE[$l]=$(awk -v n=$(($(txp "$l") - before[$l])) -v t="$2" 'BEGIN { printf "%.2f", n * 8000 / t / 1e6 }')
	done
	SENT=$(echo "$out" | sed -n 's/.* sent=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	LOST=$(echo "$out" | sed -n 's/.* lost=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
}
policies() { # site: seg6 routes in the class tables
	local t n=0
	for t in 100 200 300; do
		n=$((n + $(ip -n "$P${IDX[$1]}" -6 route show table $t 2>/dev/null | grep -c "encap seg6")))
	done
	echo $n
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

echo "== up --neto ($P, API $API)"
"$NETO" lab up --topology "$TOPO" --dir "$DIR" --prefix "$P" --neto --api "127.0.0.1:$PORT" \
	--period 5s --state-timeout ${STATE_TIMEOUT}s || fail "lab up --neto"
echo "up in $((SECONDS - T_START)) s"
sessions_up() { [ "$(grep -c 'session up' "$DIR"/router-"$P"*.log 2>/dev/null | awk -F: '$2 > 0' | wc -l)" = 4 ]; }
wait_for 30 sessions_up || fail "router agents without a PCEP session"
api_up() { "$NETO" show health --api "$API" >/dev/null 2>&1; }
wait_for 20 api_up || fail "API not answering"

echo "== (a) discovery: neto's topology against the lab"
topo_ok() { "$NETO" show topology --json --api "$API" >"$TMP/topo.json" 2>/dev/null &&
	grep -q '"links"' "$TMP/topo.json"; }
wait_for 20 topo_ok || fail "no topology in the store"
python3 - "$TMP/topo.json" "$TOPO" >"$TMP/links" <<'EOF' || fail "store topology differs from the lab's file"
import json, sys
st = json.load(open(sys.argv[1]))["topology"]
lab = json.load(open(sys.argv[2]))
assert sorted(n["name"] for n in st["nodes"]) == sorted(n["name"] for n in lab["nodes"]), "nodes"
key = lambda l: (l["src"], l["dst"], float(l["capacity"]))
assert sorted(map(key, st["links"])) == sorted(map(key, lab["links"])), "links"
unit = {"bps": 1, "kbps": 1e3, "mbps": 1e6, "gbps": 1e9}[st.get("unit", "kbps").lower()]
for l in st["links"]:
    print(l["src"], l["dst"], int(float(l["capacity"]) * unit))
EOF
nlinks=0
while read -r s d bps; do
	rate=$(tc -n "$P${IDX[$s]}" class show dev "to${IDX[$d]}" | sed -n 's/.* rate \([0-9A-Za-z]*\) .*/\1/p')
	want="$((bps / 1000000))Mbit"
	[ "$rate" = "$want" ] || fail "link $s-$d: store capacity $bps bit/s, shaped to $rate"
	nlinks=$((nlinks + 1))
done <"$TMP/links"
[ $nlinks = 8 ] || fail "store lists $nlinks links, not 8"
echo "store: 4 nodes, $nlinks links, each capacity = the shaped rate of its veth"

echo "== (b) steering"
"$NETO" lab demand --dir "$DIR" --file "$DEMANDS" || fail "lab demand"
t0=$SECONDS
installed() {
	"$NETO" show plans --api "$API" 2>/dev/null | awk '$4 == "1/1" && $3 == "done"' | grep -q . &&
		[ "$(policies a)" -ge 3 ] && [ "$(policies b)" -ge 1 ]
}
wait_for 40 installed || fail "neto's policies not installed"
echo "policies installed $((SECONDS - t0)) s after the demand"
for c in gold silver bronze; do
	ip -n "${P}1" -6 route show table ${TABLE[$c]} | grep -q "fd00:0:3::/64" ||
		fail "a: no $c policy to c in table ${TABLE[$c]}"
done
ip -n "${P}1" -6 route show table 100 | sed 's/^/  a table 100: /'
# what the kernel holds is what the PCE's routers reported as done
"$NETO" show tasks --api "$API" --state done >"$TMP/tasks" 2>&1 || true
"$NETO" show links --api "$API" >"$TMP/plan" || fail "show links"
cat "$TMP/plan"
declare -A PLAN
while read -r l s d cap planned rest; do
	case "$l" in ?-?) PLAN[$l]=$planned ;; esac
done <"$TMP/plan"
send 1 5
echo "generators: sent $SENT probes, lost $LOST"
[ "$SENT" -ge 5000 ] || fail "sent only $SENT"
[ $((LOST * 100)) -le "$SENT" ] || fail "loss $LOST of $SENT with neto's plan (>1%)"
printf "  %-4s %8s %9s\n" link planned measured
for l in $LINKS; do
	printf "  %-4s %8s %9s\n" "$l" "${PLAN[$l]}" "${RATE[$l]}"
	awk -v p="${PLAN[$l]}" -v m="${RATE[$l]}" 'BEGIN { d = p - m; exit !(d <= 2.5 && d >= -2.5) }' ||
		fail "link $l: measured ${RATE[$l]} Mbit/s, planned ${PLAN[$l]}"
	# a link the plan loads carries some of it; one it leaves empty, none
	awk -v p="${PLAN[$l]}" -v m="${RATE[$l]}" 'BEGIN { exit !(p >= 1 ? m >= 0.3 : m < 0.1) }' ||
		fail "link $l: measured ${RATE[$l]} Mbit/s, planned ${PLAN[$l]}: not the plan's paths"
done
# the IGP alone would put a->c (12) on a-b-c: a:to4 carries a->c only
# because of neto's policies
awk -v m="${RATE[a-d]}" 'BEGIN { exit !(m >= 4) }' || fail "a-d carries ${RATE[a-d]}: not steered"

echo "== (d) link a-d down: replanned"
t0=$(date +%s%N)
"$NETO" lab link --dir "$DIR" --link a-d --state down || fail "lab link down"
avoids_d() { # no list of a's policies to c through d, and b's to d not through a
	local t
	for t in 100 200 300; do
		ip -n "${P}1" -6 route show table $t | grep -q "fc00:0:4:1::" && return 1
		ip -n "${P}1" -6 route show table $t | grep -q "fd00:0:3::/64" || return 1
	done
	! ip -n "${P}2" -6 route show table 300 | grep -q "fc00:0:1:1::"
}
wait_for 40 avoids_d || fail "policies still through the failed link"
echo "replanned around a-d: $((($(date +%s%N) - t0) / 1000000)) ms from the link going down to every policy off it"
"$NETO" show topology --api "$API" | grep -q "^a-d .* down" || fail "store does not show a-d down"
t0=$(date +%s%N)
"$NETO" lab link --dir "$DIR" --link a-d --state up || fail "lab link up"
uses_d() { ip -n "${P}1" -6 route show table 100 | grep -q "fc00:0:4:1::"; }
wait_for 40 uses_d || fail "a-d not used again after its repair"
echo "a-d back in use $((($(date +%s%N) - t0) / 1000000)) ms after its repair"

echo "== (c) fallback: kill -9 every neto role"
pids=$(awk '$1 == "proc" && $4 !~ /^router:/ { print $2 }' "$DIR/lab.state")
[ "$(echo $pids | wc -w)" = 5 ] || fail "not 5 roles recorded: $pids"
t0=$(date +%s%N)
kill -9 $pids
none() { [ "$(policies a)" = 0 ] && [ "$(policies b)" = 0 ]; }
wait_for $((STATE_TIMEOUT + 6)) none || fail "policies still in the kernel after the state timeout"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "policies withdrawn ${ms} ms after the kill (state timeout ${STATE_TIMEOUT} s)"
[ $ms -ge $((STATE_TIMEOUT * 1000 - 500)) ] || fail "withdrawn before the state timeout"
"$NETO" lab status --dir "$DIR" >"$TMP/st" && fail "status healthy with dead roles"
grep -q "controller .* DEAD" "$TMP/st" || fail "dead controller not shown"
send 0.5 3
echo "IGP only, half the demand: sent $SENT lost $LOST; a-b ${RATE[a-b]} b-c ${RATE[b-c]} d-c ${RATE[d-c]} Mbit/s"
[ "$LOST" = 0 ] || fail "loss on the IGP paths: $LOST"
# the IGP's paths: a->c all on a-b-c (6), b->d on b-a-d; nothing on d-c
awk -v m="${RATE[d-c]}" -v b="${RATE[b-c]}" 'BEGIN { exit !(m < 0.5 && b > 5) }' ||
	fail "not on the IGP paths: d-c ${RATE[d-c]}, b-c ${RATE[b-c]}"
t0=$(date +%s%N)
"$NETO" lab respawn --dir "$DIR" || fail "respawn"
back() { [ "$(policies a)" -ge 3 ] && [ "$(policies b)" -ge 1 ]; }
wait_for 40 back || fail "neto did not take the network back"
echo "policies back $((($(date +%s%N) - t0) / 1000000)) ms after the restart"
"$NETO" lab status --dir "$DIR" | tail -1 | grep -q "9 processes running, 0 dead" || fail "status after respawn"

echo "== down"
pids=$(awk '$1 == "proc" || $1 == "pid" { print $2 }' "$DIR/lab.state")
"$NETO" lab down --dir "$DIR" || fail "down"
ip netns list | grep -q "^$P" && fail "namespaces left: $(ip netns list | grep "^$P")"
alive() { [ -e /proc/$1/stat ] && ! grep -q ') [ZX] ' /proc/$1/stat 2>/dev/null; }
sleep 0.3
for pid in $pids; do
	alive "$pid" && fail "process $pid left: $(tr '\0' ' ' </proc/$pid/cmdline)"
done
[ -z "$(ls -A "$DIR")" ] || fail "files left in $DIR: $(ls -A "$DIR")"
echo "PASS in $((SECONDS - T_START)) s"
