#!/bin/bash
# test_lab_small.sh - `neto lab` end to end on a 4-site square
# (tests/data/lab/square.json: a-b 10, b-c 10, c-d 15, d-a 10, 10 Mbit/s):
#   - up builds the namespaces, shaped veths, SIDs and FRR; IS-IS converges:
#     every site reaches every other site's loopback and site address;
#     status counts 8 adjacencies up and 8 daemons alive
#   - an SR policy installed on a with the rt_ module (neto lab policy/rule)
#     steers the EF flow a -> c over d (a-d-c, not the IGP's a-b-c): the
#     probes show up in the transmit counters of a:to4 and d:to3, not a:to2;
#     an unmarked flow still takes a-b-c; the receiver counts 0 loss at
#     4 Mbit/s, below the links' 10 Mbit/s
#   - a daemon killed -9 shows in status; up again over the stale state
#     cleans up first and rebuilds
#   - down leaves no namespace, no process, no FRR directory, no state file
# Usage: bash test_lab_small.sh NETO SOURCE_DIR BUILD_DIR
set -u
NETO=$1
SRC=$2
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in ip tc vtysh unshare ping; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
[ -x /usr/lib/frr/isisd ] || { echo "skip: no FRR isisd"; exit 77; }

P=nlt-l$(($$ % 10000))-
TMP=$(mktemp -d)
DIR=$TMP/lab
TOPO=$SRC/tests/data/lab/square.json
cleanup() {
	[ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null
	wait 2>/dev/null
	"$NETO" lab down --dir "$DIR" --quiet >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	"$NETO" lab status --dir "$DIR" 2>&1
	exit 1
}

tx() { # namespace device: transmitted packets
	ip -n "$1" -s link show "$2" | awk '/TX:/ { getline; print $2; exit }'
}

# wait until every site reaches every other site's loopback (locator
# address on lo) and site address
converge() {
	local deadline=$((SECONDS + 60)) ok
	while [ $SECONDS -lt $deadline ]; do
		ok=1
		for i in 1 2 3 4; do
			for j in 1 2 3 4; do
				[ $i = $j ] && continue
				for a in fc00:0:$j::ff fd00:0:$j::1; do
					ip netns exec "$P$i" ping -6 -c 1 -W 1 -q "$a" >/dev/null 2>&1 ||
						{ ok=0; break 3; }
				done
			done
		done
		[ $ok = 1 ] && return 0
		sleep 1
	done
	return 1
}

echo "== up"
"$NETO" lab up --topology "$TOPO" --dir "$DIR" --prefix "$P" || fail "lab up"
for i in 1 2 3 4; do
	ip netns list | grep -q "^$P$i\b" || fail "no namespace $P$i"
done
tc -n "${P}1" class show dev to2 | grep -q "rate 10Mbit" || fail "to2 not shaped to 10Mbit"
t0=$SECONDS
converge || fail "IS-IS did not converge in 60 s"
echo "converged in $((SECONDS - t0)) s"
st=$("$NETO" lab status --dir "$DIR") || fail "status unhealthy"
echo "$st"
echo "$st" | grep -q "8 daemons alive, 0 dead, 8 adjacencies up" || fail "status: $st"
# the IGP's own path a -> c is a-b-c (20 < 25)
ip -n "${P}1" -6 route show fd00:0:3::/64 | grep -q "dev to2" || fail "IGP path a-c not via b"

echo "== steering a -> c over d"
"$NETO" lab rule add --netns "${P}1" --dscp 46 --table 100 || fail "rule"
"$NETO" lab policy set --netns "${P}1" --table 100 --prefix fd00:0:3::/64 \
	--list 1:fc00:0:4::1,fc00:0:3::100 --dev to4 || fail "policy"
"$NETO" lab policy show --netns "${P}1" --table 100 | grep -q "segs=fc00:0:4::1,fc00:0:3::100" ||
	fail "policy not read back"

flow() { # dscp flow-id -> prints "sent received lost a:to2 a:to4 d:to3 deltas"
	local a2 a4 d3 out
	a2=$(tx "${P}1" to2); a4=$(tx "${P}1" to4); d3=$(tx "${P}4" to3)
	"$NETO" lab traffic recv --netns "${P}3" --duration 20 --flows 1 >"$TMP/recv" &
	RPID=$!
	for _ in $(seq 50); do grep -q listening "$TMP/recv" 2>/dev/null && break; sleep 0.1; done
	"$NETO" lab traffic send --netns "${P}1" --dst fd00:0:3::1 --rate 4M --dscp "$1" \
		--duration 2 --flow "$2" >"$TMP/send" || fail "send"
	wait "$RPID"; RPID=
	out=$(grep "^flow=$2 " "$TMP/recv") || fail "no probe of flow $2 arrived"
	echo "$out" >&2
	echo "$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' "$TMP/send")" \
		"$(echo "$out" | sed -n 's/.* received=\([0-9]*\).*/\1/p')" \
		"$(echo "$out" | sed -n 's/.* lost=\([0-9]*\).*/\1/p')" \
		$(($(tx "${P}1" to2) - a2)) $(($(tx "${P}1" to4) - a4)) $(($(tx "${P}4" to3) - d3))
}

read -r sent recv lost d_a2 d_a4 d_d3 < <(flow 46 1)
echo "EF: sent $sent received $recv lost $lost; tx a:to2 +$d_a2 a:to4 +$d_a4 d:to3 +$d_d3"
[ "$sent" -ge 900 ] || fail "sent only $sent"
[ "$lost" = 0 ] && [ "$recv" = "$sent" ] || fail "loss below capacity: $recv of $sent"
[ "$d_a4" -ge "$sent" ] || fail "a:to4 carried $d_a4 < $sent"
[ "$d_d3" -ge "$sent" ] || fail "d:to3 carried $d_d3 < $sent"
[ "$d_a2" -lt $((sent / 10)) ] || fail "a:to2 carried $d_a2: the flow took the IGP path"

read -r sent recv lost d_a2 d_a4 d_d3 < <(flow 0 2)
echo "best effort: sent $sent received $recv lost $lost; tx a:to2 +$d_a2 a:to4 +$d_a4"
[ "$lost" = 0 ] || fail "best-effort loss"
[ "$d_a2" -ge "$sent" ] && [ "$d_a4" -lt $((sent / 10)) ] || fail "unmarked flow was steered"

echo "== shaping: 20 Mbit/s offered to a 10 Mbit/s link"
out=$("$NETO" lab traffic run --topology "$TOPO" --prefix "$P" --flow a,b,0,20M \
	--flow b,d,0,3M --duration 2) || fail "traffic run"
echo "$out"
recv=$(echo "$out" | sed -n 's/^flow=1 a->b .* received=\([0-9]*\).*/\1/p')
# 1000-octet payloads over 2 s: the link's 10 Mbit/s (with its headers) lets
# through ~1220 of the 5000 offered per second, plus what is still queued
# when the sender stops (the socket's send buffer bounds that, ~200)
[ -n "$recv" ] && [ "$recv" -ge 1800 ] && [ "$recv" -le 2900 ] ||
	fail "a->b through a 10 Mbit/s link: received ${recv:-none} of 5000"
echo "$out" | grep -q "^flow=2 b->d dscp=0 rate=3000000 sent=750 received=750 lost=0 " ||
	fail "b->d below capacity lost probes"

echo "== crash and up again"
zpid=$(sed -n 's/^pid \([0-9]*\) zebra$/\1/p' "$DIR/lab.state" | sed -n 2p)
[ -n "$zpid" ] || fail "no zebra pid recorded"
kill -9 "$zpid"
sleep 0.2
"$NETO" lab status --dir "$DIR" >"$TMP/st" && fail "status healthy with a dead zebra"
grep -q "zebra(dead)" "$TMP/st" || fail "dead zebra not shown: $(cat "$TMP/st")"
"$NETO" lab up --topology "$TOPO" --dir "$DIR" --prefix "$P" --quiet || fail "up over stale state"
converge || fail "no convergence after rebuild"
"$NETO" lab status --dir "$DIR" | grep -q "8 daemons alive, 0 dead" || fail "rebuild unhealthy"
[ -z "$(ip -n "${P}1" -6 route show table 100 2>/dev/null)" ] || fail "old policy survived the rebuild"

echo "== down"
pids=$(sed -n 's/^pid \([0-9]*\) .*/\1/p' "$DIR/lab.state")
"$NETO" lab down --dir "$DIR" || fail "down"
ip netns list | grep -q "^$P" && fail "namespaces left: $(ip netns list | grep "^$P")"
alive() { # a process that exists and is not a zombie waiting to be reaped
	[ -e /proc/$1/stat ] && ! grep -q ') [ZX] ' /proc/$1/stat 2>/dev/null
}
for pid in $pids; do
	alive "$pid" && fail "process $pid left: $(cat /proc/$pid/cmdline | tr '\0' ' ')"
done
ls -d /etc/frr/$P* /var/run/frr/$P* 2>/dev/null && fail "FRR directories left"
[ -e "$DIR/lab.state" ] && fail "state file left"
[ -z "$(ls -A "$DIR")" ] || fail "files left in $DIR: $(ls -A "$DIR")"
echo "PASS"
