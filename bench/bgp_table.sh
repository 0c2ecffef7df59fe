#!/bin/bash
# bgp_table.sh - a full IPv4 table over one BGP session: how long a receiver
# takes from the session coming up to holding every prefix, and its peak
# resident memory. The sender is `neto bgp --announce-many N` (N consecutive
# /24s, 800 per UPDATE, then End-of-RIB); the receivers, in turn and in the
# same run, are `neto bgp --count` and BIRD 2 (`bird`, no kernel export: the
# routes stay in BIRD's table). Each is measured REPEATS times; the medians
# are printed.
#
# usage: sudo bash bench/bgp_table.sh NETO_BINARY [PREFIXES] [REPEATS]
# Not part of `make test`: it takes a minute and needs root.
set -u
NETO=$(realpath "$1")
N=${2:-1000000}
REPS=${3:-3}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 1; }
command -v bird >/dev/null || { echo "needs bird (Debian bird2)"; exit 1; }
TX=nb-bench-tx
RX=nb-bench-rx
TMP=$(mktemp -d /tmp/nb-bench.XXXXXX)
chmod 755 "$TMP"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	ip netns del $TX 2>/dev/null
	ip netns del $RX 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns del $TX 2>/dev/null; ip netns del $RX 2>/dev/null
ip netns add $TX && ip netns add $RX || exit 1
ip link add nbb-a netns $TX type veth peer name nbb-b netns $RX || exit 1
ip -n $TX addr add 10.80.0.1/24 dev nbb-a
ip -n $RX addr add 10.80.0.2/24 dev nbb-b
for n in $TX $RX; do ip -n $n link set lo up; done
ip -n $TX link set nbb-a up
ip -n $RX link set nbb-b up

cat > "$TMP/tx.ini" <<EOF2
[bgp]
local-as = 65010
router-id = 10.80.0.1
listen = 10.80.0.1
[peer rx]
address = 10.80.0.2
remote-as = 65020
families = ipv4-unicast
EOF2
cat > "$TMP/rx.ini" <<EOF2
[bgp]
local-as = 65020
router-id = 10.80.0.2
[peer tx]
address = 10.80.0.1
remote-as = 65010
families = ipv4-unicast
EOF2
cat > "$TMP/bird.conf" <<EOF2
router id 10.80.0.2;
protocol device {}
protocol bgp feed {
	local 10.80.0.2 as 65020;
	neighbor 10.80.0.1 as 65010;
	ipv4 { import all; export none; };
}
EOF2

now() { date +%s.%N; }
hwm() { awk '/VmHWM/ {print $2}' /proc/$1/status; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

start_tx() {
	: > "$TMP/tx.log"
	ip netns exec $TX "$NETO" bgp --config "$TMP/tx.ini" --announce-many "$N" >"$TMP/tx.log" 2>&1 &
	TXPID=$!
	PIDS+=($TXPID)
}
wait_line() {	# file pattern seconds
	for _ in $(seq $(($3 * 50))); do grep -q "$2" "$1" && return 0; sleep 0.02; done
	return 1
}

run_neto() {
	start_tx
	ip netns exec $RX "$NETO" bgp --config "$TMP/rx.ini" --count >"$TMP/rx.log" 2>&1 &
	local rx=$!
	PIDS+=($rx)
	wait_line "$TMP/tx.log" '"to":"Established"' 30 || { echo "no session"; return 1; }
	local t0; t0=$(now)
	wait_line "$TMP/rx.log" '"event":"end-of-rib"' 300 || { echo "no end-of-rib"; return 1; }
	local t1; t1=$(now)
	local line; line=$(grep -m1 end-of-rib "$TMP/rx.log")
	local got; got=$(sed 's/.*"prefixes":\([0-9]*\).*/\1/' <<<"$line")
	[ "$got" = "$N" ] || { echo "neto received $got of $N"; return 1; }
	echo "$(echo "$t1 - $t0" | bc -l) $(hwm $rx) $(sed 's/.*"seconds":\([0-9.]*\).*/\1/' <<<"$line")"
	kill $rx $TXPID; wait $rx $TXPID 2>/dev/null
}

run_bird() {
	start_tx
	rm -f "$TMP/bird.ctl"
	ip netns exec $RX bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl" -P "$TMP/bird.pid" \
		>"$TMP/bird.log" 2>&1 &
	local rx=$!
	PIDS+=($rx)
	wait_line "$TMP/tx.log" '"to":"Established"' 30 || { echo "no session"; cat "$TMP/tx.log" "$TMP/bird.log" >&2; return 1; }
	local t0; t0=$(now)
	local t1=""
	for _ in $(seq 15000); do
		if birdc -s "$TMP/bird.ctl" show route count 2>/dev/null | grep -q "^$N of $N routes"; then
			t1=$(now); break
		fi
		sleep 0.02
	done
	[ -n "$t1" ] || { echo "BIRD never had $N routes"; return 1; }
	echo "$(echo "$t1 - $t0" | bc -l) $(hwm "$(cat "$TMP/bird.pid")")"
	kill $rx $TXPID; wait $rx $TXPID 2>/dev/null
}

echo "prefixes: $N, repeats: $REPS"
# (not in pipelines: the runs must stay in this shell so that cleanup knows
# every process they started)
for r in $(seq "$REPS"); do
	run_neto > "$TMP/one" || { cat "$TMP/one"; exit 1; }
	cat "$TMP/one" >> "$TMP/neto.res"
	sed "s/^/neto run $r: seconds rss_kb internal_seconds: /" "$TMP/one"
	run_bird > "$TMP/one" || { cat "$TMP/one"; exit 1; }
	cat "$TMP/one" >> "$TMP/bird.res"
	sed "s/^/bird run $r: seconds rss_kb: /" "$TMP/one"
done
nm=$(cut -d' ' -f1 "$TMP/neto.res" | median)
bm=$(cut -d' ' -f1 "$TMP/bird.res" | median)
printf 'median neto: %.1f ms (%.1f ms Established to End-of-RIB by its own clock), peak RSS %d kB\n' \
	"$(echo "$nm * 1000" | bc -l)" "$(echo "$(cut -d' ' -f3 "$TMP/neto.res" | median) * 1000" | bc -l)" \
	"$(cut -d' ' -f2 "$TMP/neto.res" | median)"
printf 'median BIRD: %.1f ms, peak RSS %d kB\n' "$(echo "$bm * 1000" | bc -l)" \
	"$(cut -d' ' -f2 "$TMP/bird.res" | median)"
printf 'BIRD / neto time: %.1f\n' "$(echo "$bm / $nm" | bc -l)"
