#!/bin/bash
# test_router_pcep.sh - `neto router run` on a head-end in a namespace,
# driven over PCEP by neto's PCE (`neto router pce`, the pce_ module):
#
#   A (head-end, neto router) --ab/ba-- B (End fc00:0:2::1, the PCE)
#   A --ac/ca-- C (End.DT6 fc00:0:3::100, site fd00:0:3::/64 behind h0/h1)
#   B --bc/cb-- C
#
# The IGP (static routes) takes A -> C directly over ac. The PCE initiates
# an SRv6 policy of colour 10 (EF -> table 100) through B; the test checks
#   - the seg6 route in table 100 and the PCE's LSP database (the PCRpt,
#     built from the kernel's read back) agree;
#   - EF probes cross the ab link (counters), unmarked ones do not;
#   - updates (PCUpd) while a flow runs: the route changes, no probe lost;
#   - a path whose first SID is unreachable is reported down with an
#     LSP-ERROR-CODE and never reaches the kernel;
#   - removal (R flag) deletes the route;
#   - the PCE killed and restarted within the state timeout: the router
#     reconnects and its state report lists the policy as the kernel holds it;
#   - the PCE killed for good: after the state timeout the route is gone
#     and EF traffic still arrives, over the direct link.
# Usage: bash test_router_pcep.sh NETO SOURCE_DIR BUILD_DIR
set -u
NETO=$1
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
command -v ip >/dev/null || { echo "skip: no iproute2"; exit 77; }

A=nr-a$$
B=nr-b$$
C=nr-c$$
TMP=$(mktemp -d)
PCC=fd00:1:1::1
cleanup() {
	for p in ${RTR:-} ${PCE:-} ${RPID:-} ${SPID:-}; do kill "$p" 2>/dev/null; done
	exec 3>&- 2>/dev/null
	wait 2>/dev/null
	for n in "$A" "$B" "$C"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "--- router log"; cat "$TMP/router.log" 2>/dev/null
	echo "--- pce out"; cat "$TMP/pce.out" 2>/dev/null
	echo "--- pce log"; tail -20 "$TMP/pce.log" 2>/dev/null
	exit 1
}

for n in "$A" "$B" "$C"; do
	ip netns add "$n" || exit 77
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.all.seg6_enabled=1 net.ipv6.conf.default.seg6_enabled=1 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 || fail sysctl
	ip -n "$n" link set lo up
done
ip -n "$A" link add ab type veth peer name ba netns "$B" || fail veth
ip -n "$A" link add ac type veth peer name ca netns "$C" || fail veth
ip -n "$B" link add bc type veth peer name cb netns "$C" || fail veth
ip -n "$C" link add h0 type veth peer name h1 || fail veth
for l in "$A ab" "$A ac" "$B ba" "$B bc" "$C ca" "$C cb" "$C h0" "$C h1"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$A" addr add $PCC/64 dev ab nodad
ip -n "$B" addr add fd00:1:1::2/64 dev ba nodad
ip -n "$A" addr add fd00:1:2::1/64 dev ac nodad
ip -n "$C" addr add fd00:1:2::3/64 dev ca nodad
ip -n "$B" addr add fd00:2:3::2/64 dev bc nodad
ip -n "$C" addr add fd00:2:3::3/64 dev cb nodad
ip -n "$C" addr add fd00:ff::3/128 dev lo
ip -n "$C" addr add fd00:0:3::ff/64 dev h0 nodad
ip -n "$C" addr add fd00:0:3::1/64 dev h1 nodad noprefixroute
# the underlay: A reaches C and its site directly, B through ab
ip -n "$A" -6 route add fc00:0:2::/48 via fd00:1:1::2 || fail route
ip -n "$A" -6 route add fc00:0:3::/48 via fd00:1:2::3 || fail route
ip -n "$A" -6 route add fd00:0:3::/64 via fd00:1:2::3 || fail route
ip -n "$A" -6 route add fd00:ff::3/128 via fd00:1:2::3 || fail route
ip -n "$B" -6 route add fc00:0:3::/48 via fd00:2:3::3 || fail route
ip -n "$C" -6 route add fd00:1:1::/64 via fd00:1:2::1 || fail route
ip -n "$B" -6 route add fc00:0:2::1/128 encap seg6local action End dev ba || fail End
ip -n "$C" -6 route add fc00:0:3::100/128 encap seg6local action End.DT6 table 254 dev ca ||
	fail End.DT6

cat >"$TMP/neto.ini" <<EOF
[store]
uri = sqlite:$TMP/neto.db

[router]
name = nr-a
pce = [fd00:1:1::2]:4189
state_timeout = 4s
reconnect = 200ms
keepalive = 5
class = 10 46 100
endpoint = fd00:ff::3 fd00:0:3::/64
EOF

start_pce() {
	rm -f "$TMP/pce.in"
	mkfifo "$TMP/pce.in"
	"$NETO" router pce --netns "$B" --listen "[fd00:1:1::2]:4189" --keepalive 5 \
		<"$TMP/pce.in" >>"$TMP/pce.out" 2>>"$TMP/pce.log" &
	PCE=$!
	exec 3>"$TMP/pce.in"
}
pce() { echo "$*" >&3; }
# the PCE's view of LSP $1 (one line), after a fresh `show`
show_lsp() {
	local mark=$(wc -l <"$TMP/pce.out")
	pce show $PCC
	for _ in $(seq 40); do
		tail -n +"$((mark + 1))" "$TMP/pce.out" | grep -q '^end$\|^error' && break
		sleep 0.05
	done
	tail -n +"$((mark + 1))" "$TMP/pce.out" | grep "^lsp $1 " | tail -1
}
# waits until LSP $1's line matches the regular expression $2
wait_lsp() {
	for _ in $(seq 50); do
		show_lsp "$1" | grep -q -- "$2" && return 0
		sleep 0.1
	done
	fail "lsp $1 never matched '$2': $(show_lsp "$1")"
}
wait_session() {
	for _ in $(seq 100); do
		local mark=$(wc -l <"$TMP/pce.out")
		pce sessions
		sleep 0.1
		tail -n +"$((mark + 1))" "$TMP/pce.out" | grep -q "^session $PCC state=up synced=1" &&
			return 0
	done
	fail "no synchronised session"
}
counter() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_packets"; }
table100() { ip -n "$A" -6 route show table 100; }

start_pce
"$NETO" router run --netns "$A" --config "$TMP/neto.ini" 2>"$TMP/router.log" &
RTR=$!
wait_session
ip -n "$A" -6 rule | grep -q "tos EF lookup 100" || fail "no DSCP rule: $(ip -n "$A" -6 rule)"

# 1. PCInitiate: through B
pce initiate $PCC neto/c/ef/0 fd00:ff::3 10 fc00:0:2::1,fc00:0:3::100
wait_lsp neto/c/ef/0 "req=done"
line=$(show_lsp neto/c/ef/0)
echo "$line" | grep -q "exists=1 .* oper=1 delegated=1 created=1 .* lsp_error=0 segs=fc00:0:2::1,fc00:0:3::100$" ||
	fail "PCE's view: $line"
table100 | grep -q "^fd00:0:3::/64 .*encap seg6 mode encap segs 2 \[ fc00:0:2::1 fc00:0:3::100 \] .*dev ab" ||
	fail "kernel: $(table100)"

# EF probes go through B, unmarked ones straight to C
"$NETO" lab traffic recv --netns "$C" --duration 20 --flows 2 >"$TMP/recv1" &
RPID=$!
for _ in $(seq 50); do grep -q listening "$TMP/recv1" 2>/dev/null && break; sleep 0.1; done
ab0=$(counter "$A" ab); ac0=$(counter "$A" ac)
"$NETO" lab traffic send --netns "$A" --dst fd00:0:3::1 --rate 5M --dscp 46 --duration 1 \
	--flow 1 >"$TMP/send1" || fail "send"
ab1=$(counter "$A" ab); ac1=$(counter "$A" ac)
"$NETO" lab traffic send --netns "$A" --dst fd00:0:3::1 --rate 5M --dscp 0 --duration 1 \
	--flow 2 >"$TMP/send2" || fail "send"
ab2=$(counter "$A" ab); ac2=$(counter "$A" ac)
wait "$RPID"; RPID=
s1=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$TMP/send1")
s2=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$TMP/send2")
grep -q "^flow=1 .* received=$s1 sent=$s1 lost=0 " "$TMP/recv1" || fail "EF flow: $(cat "$TMP/recv1")"
grep -q "^flow=2 .* received=$s2 sent=$s2 lost=0 " "$TMP/recv1" || fail "BE flow: $(cat "$TMP/recv1")"
[ "$((ab1 - ab0))" -ge "$s1" ] && [ "$((ac1 - ac0))" -lt 50 ] ||
	fail "EF not on the tunnel: ab +$((ab1 - ab0)) ac +$((ac1 - ac0)) for $s1 probes"
[ "$((ac2 - ac1))" -ge "$s2" ] && [ "$((ab2 - ab1))" -lt 50 ] ||
	fail "BE not on the IGP path: ab +$((ab2 - ab1)) ac +$((ac2 - ac1)) for $s2 probes"
echo "EF: $s1 probes, ab +$((ab1 - ab0)); BE: $s2 probes, ac +$((ac2 - ac1))"

# 2. PCUpd while a flow runs: alternate between B's path and the direct one
"$NETO" lab traffic recv --netns "$C" --duration 20 --flows 1 >"$TMP/recv2" &
RPID=$!
for _ in $(seq 50); do grep -q listening "$TMP/recv2" 2>/dev/null && break; sleep 0.1; done
"$NETO" lab traffic send --netns "$A" --dst fd00:0:3::1 --rate 20M --dscp 46 --duration 3 \
	--flow 3 >"$TMP/send3" &
SPID=$!
for i in $(seq 10); do
	if [ $((i % 2)) = 1 ]; then
		pce update $PCC neto/c/ef/0 fc00:0:3::100
	else
		pce update $PCC neto/c/ef/0 fc00:0:2::1,fc00:0:3::100
	fi
	sleep 0.25
done
pce update $PCC neto/c/ef/0 fc00:0:3::100
wait "$SPID"; SPID=
wait "$RPID"; RPID=
s3=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$TMP/send3")
[ "${s3:-0}" -gt 5000 ] || fail "sender sent ${s3:-0}"
# the sender's address follows the path's interface (ab or ac), so the
# receiver sees flow 3 from two sources: together they must hold every probe
got=$(awk '/^flow=3 /{for(i=1;i<=NF;i++) if ($i ~ /^received=/) {sub("received=","",$i); n+=$i}} END{print n+0}' "$TMP/recv2")
dup=$(awk '/^flow=3 /{for(i=1;i<=NF;i++) if ($i ~ /^duplicates=/) {sub("duplicates=","",$i); n+=$i}} END{print n+0}' "$TMP/recv2")
[ "$got" = "$s3" ] && [ "$dup" = 0 ] ||
	fail "loss during updates: $got of $s3 probes: $(cat "$TMP/recv2")"
wait_lsp neto/c/ef/0 "segs=fc00:0:3::100$"
show_lsp neto/c/ef/0 | grep -q "req=done.*oper=1\|oper=1.*req=done" || fail "update: $(show_lsp neto/c/ef/0)"
table100 | grep -q "encap seg6 mode encap segs 1 \[ fc00:0:3::100 \] .*dev ac" ||
	fail "kernel after updates: $(table100)"
echo "updates: $s3 probes, none lost"
n=$(grep -c "segment list(s) in table 100" "$TMP/router.log")
[ "$n" -ge 12 ] || fail "$n REPLACEs logged, expected 12"


# a second path of the same colour and end point: one route, two weighted
# next hops (the weights from BANDWIDTH: 3 MB/s and 1 MB/s)
pce update $PCC neto/c/ef/0 fc00:0:3::100 3000000
pce initiate $PCC neto/c/ef/3 fd00:ff::3 10 fc00:0:2::1,fc00:0:3::100 1000000
wait_lsp neto/c/ef/3 "req=done"
show_lsp neto/c/ef/3 | grep -q "oper=1 .*segs=fc00:0:2::1,fc00:0:3::100$" || fail "second path"
table100 | grep -q "nexthop *encap seg6 mode encap segs 1 \[ fc00:0:3::100 \] .*dev ac weight 256" ||
	fail "multipath: $(table100)"
table100 | grep -q "nexthop *encap seg6 mode encap segs 2 \[ fc00:0:2::1 fc00:0:3::100 \] .*dev ab weight 85" ||
	fail "multipath: $(table100)"
pce remove $PCC neto/c/ef/3
wait_lsp neto/c/ef/3 "exists=0"
[ "$(table100 | grep -c 'segs')" = 1 ] || fail "after removing one path: $(table100)"
table100 | grep -q "segs 1 \[ fc00:0:3::100 \]" || fail "after removing one path: $(table100)"

# 3. a path the router cannot use: reported down with an LSP error, kernel unchanged
pce initiate $PCC neto/c/ef/1 fd00:ff::3 10 fc00:0:9::1,fc00:0:3::100
wait_lsp neto/c/ef/1 "req=failed"
show_lsp neto/c/ef/1 | grep -q "exists=1 .* oper=0 .* lsp_error=4 segs=-$" ||
	fail "unusable path: $(show_lsp neto/c/ef/1)"
table100 | grep -q "fc00:0:9::1" && fail "unusable path in the kernel"
[ "$(table100 | grep -c 'segs')" = 1 ] || fail "kernel: $(table100)"
pce remove $PCC neto/c/ef/1
wait_lsp neto/c/ef/1 "exists=0"

# 4. removal (R flag)
pce remove $PCC neto/c/ef/0
wait_lsp neto/c/ef/0 "exists=0"
[ -z "$(table100)" ] || fail "route left after removal: $(table100)"

# 5. the PCE restarts within the state timeout: state synchronisation
pce initiate $PCC neto/c/ef/2 fd00:ff::3 10 fc00:0:2::1,fc00:0:3::100
wait_lsp neto/c/ef/2 "req=done"
kill -9 "$PCE"; wait "$PCE" 2>/dev/null; PCE=
exec 3>&-
: >"$TMP/pce.out"
start_pce
wait_session
line=$(show_lsp neto/c/ef/2)
echo "$line" | grep -q "exists=1 .* oper=1 delegated=1 created=1 .*segs=fc00:0:2::1,fc00:0:3::100$" ||
	fail "state report after reconnect: $line"
table100 | grep -q "segs 2 \[ fc00:0:2::1 fc00:0:3::100 \]" || fail "kernel after reconnect"

# 6. the PCE dies: after the state timeout (4 s) the policy goes, EF still flows
kill -9 "$PCE"; wait "$PCE" 2>/dev/null; PCE=
exec 3>&-
t0=$(date +%s.%N)
sleep 1
[ -n "$(table100)" ] || fail "policy removed before the state timeout"
for _ in $(seq 80); do [ -z "$(table100)" ] && break; sleep 0.1; done
t1=$(date +%s.%N)
[ -z "$(table100)" ] || fail "policy still there after the state timeout: $(table100)"
echo "policy removed $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s after the PCE died (state timeout 4 s)"
grep -q "state timeout: removed 1 policy path" "$TMP/router.log" || fail "no state timeout logged"
"$NETO" lab traffic recv --netns "$C" --duration 20 --flows 1 >"$TMP/recv3" &
RPID=$!
for _ in $(seq 50); do grep -q listening "$TMP/recv3" 2>/dev/null && break; sleep 0.1; done
ac0=$(counter "$A" ac)
"$NETO" lab traffic send --netns "$A" --dst fd00:0:3::1 --rate 5M --dscp 46 --duration 1 \
	--flow 4 >"$TMP/send4" || fail send
ac1=$(counter "$A" ac)
wait "$RPID"; RPID=
s4=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$TMP/send4")
grep -q "^flow=4 .* received=$s4 sent=$s4 lost=0 " "$TMP/recv3" ||
	fail "EF after fallback: $(cat "$TMP/recv3")"
[ "$((ac1 - ac0))" -ge "$s4" ] || fail "EF not on the IGP path after fallback"

# 7. the router exits cleanly: its DSCP rule goes with it
kill "$RTR"; wait "$RTR"; rc=$?; RTR=
[ "$rc" = 0 ] || fail "router exit status $rc"
ip -n "$A" -6 rule | grep -q "lookup 100" && fail "DSCP rule left"
echo "PASS"
