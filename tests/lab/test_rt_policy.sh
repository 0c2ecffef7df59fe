#!/bin/bash
# test_rt_policy.sh - kernel SR policy programming (src/router) on real
# namespaces: a head-end A and a far end B joined by a veth.
#   - B gets its SIDs (End fc00:0:2::1, End.DT6 fc00:0:2::100) through
#     `neto lab sid`; A a DSCP rule (EF -> table 100) and a policy through
#     `neto lab policy`.
#   - A has no route to B's site prefix fd00:0:2::/64 except the policy, so
#     a flow that arrives at all went through the tunnels.
#   - Read back equals what was asked.
#   - 30 REPLACEs of weights and segment lists while an EF flow runs: the
#     receiver counts every probe (make-before-break, no loss).
#   - Removal: the routes and the rule are gone, the flow stops arriving.
# Usage: bash test_rt_policy.sh NETO SOURCE_DIR BUILD_DIR
set -u
NETO=$1
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
command -v ip >/dev/null || { echo "skip: no iproute2"; exit 77; }

A=nlt-rt-a$$
B=nlt-rt-b$$
TMP=$(mktemp -d)
cleanup() {
	[ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null
	[ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

ip netns add "$A" || exit 77
ip netns add "$B" || exit 77
for n in "$A" "$B"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.all.seg6_enabled=1 net.ipv6.conf.default.seg6_enabled=1 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 || fail sysctl
	ip -n "$n" link set lo up
done
ip -n "$A" link add eb type veth peer name ea netns "$B" || fail veth
# the site of B: a veth pair inside B, the receiving end holding the site
# address (End.DT6 forwards; it never delivers to a local address itself)
ip -n "$B" link add h0 type veth peer name h1 || fail veth
for l in "$A eb" "$B ea" "$B h0" "$B h1"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$A" addr add fd00:1:1::1/64 dev eb nodad
ip -n "$B" addr add fd00:1:1::2/64 dev ea nodad
ip -n "$B" addr add fd00:0:2::ff/64 dev h0 nodad
ip -n "$B" addr add fd00:0:2::1/64 dev h1 nodad noprefixroute
ip -n "$A" -6 route add fc00:0:2::/48 via fd00:1:1::2 || fail route

"$NETO" lab sid add --netns "$B" --sid fc00:0:2::1 --action end --dev ea || fail sid End
"$NETO" lab sid add --netns "$B" --sid fc00:0:2::100 --action end.dt6 --table 254 --dev ea ||
	fail sid End.DT6
ip -n "$B" -6 route show | grep -q "fc00:0:2::100.*seg6local action End.DT6" || fail "no End.DT6"
"$NETO" lab rule add --netns "$A" --dscp 46 --table 100 || fail rule
ip -n "$A" -6 rule | grep -q "tos EF lookup 100" || fail "no rule: $(ip -n "$A" -6 rule)"
[ "$("$NETO" lab rule show --netns "$A")" = "dscp 46 table 100 prio 1046" ] ||
	fail "rule read back: $("$NETO" lab rule show --netns "$A")"

set_policy() { # weight1 segs1 weight2 segs2
	"$NETO" lab policy set --netns "$A" --table 100 --prefix fd00:0:2::/64 \
		--list "$1:$2" --list "$3:$4" --dev eb --via fd00:1:1::2
}
set_policy 1 fc00:0:2::1,fc00:0:2::100 3 fc00:0:2::100 || fail "policy set"

# read back: canonical order (shorter list first)
got=$("$NETO" lab policy show --netns "$A" --table 100)
oif=$(ip -n "$A" -o link show eb | cut -d: -f1)
want="table 100 prefixes fd00:0:2::/64 lists w=3 oif=$oif via=fd00:1:1::2 segs=fc00:0:2::100; w=1 oif=$oif via=fd00:1:1::2 segs=fc00:0:2::1,fc00:0:2::100"
[ "$got" = "$want" ] || fail "read back: got '$got' want '$want'"
ip -n "$A" -6 route show table 100 | grep -q "encap seg6 mode encap segs 2 \[ fc00:0:2::1 fc00:0:2::100 \]" ||
	fail "iproute2 does not see the segment list"

# a flow of EF probes at 20 Mbit/s for 3 s while the policy changes 30 times
"$NETO" lab traffic recv --netns "$B" --duration 15 --flows 1 >"$TMP/recv" &
RPID=$!
for _ in $(seq 50); do grep -q listening "$TMP/recv" 2>/dev/null && break; sleep 0.1; done
"$NETO" lab traffic send --netns "$A" --dst fd00:0:2::1 --rate 20M --dscp 46 \
	--duration 3 --flow 1 >"$TMP/send" &
SPID=$!
for i in $(seq 30); do
	w=$((i % 5 + 1))
	if [ $((i % 2)) = 0 ]; then
		set_policy "$w" fc00:0:2::1,fc00:0:2::100 3 fc00:0:2::100 || fail "replace $i"
	else
		set_policy 2 fc00:0:2::100 "$w" fc00:0:2::1,fc00:0:2::1,fc00:0:2::100 || fail "replace $i"
	fi
	sleep 0.08
done
wait "$SPID"; SPID=
wait "$RPID"; RPID=
cat "$TMP/send" "$TMP/recv"
line=$(grep '^flow=1 ' "$TMP/recv") || fail "receiver saw no probe"
sent=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' "$TMP/send")
[ "${sent:-0}" -gt 5000 ] || fail "sender sent ${sent:-0}"
echo "$line" | grep -q " received=$sent sent=$sent lost=0 " || fail "loss during replace: $line"
echo "$line" | grep -q " dscp=46 " || fail "DSCP not kept: $line"

# the last REPLACE (i=30) is what the kernel holds
got=$("$NETO" lab policy show --netns "$A" --table 100)
want="table 100 prefixes fd00:0:2::/64 lists w=3 oif=$oif via=fd00:1:1::2 segs=fc00:0:2::100; w=1 oif=$oif via=fd00:1:1::2 segs=fc00:0:2::1,fc00:0:2::100"
[ "$got" = "$want" ] || fail "after replaces: got '$got'"

# removal: routes, then the rule; unmarked or unrouted traffic does not arrive
"$NETO" lab policy del --netns "$A" --table 100 --prefix fd00:0:2::/64 || fail "policy del"
[ -z "$(ip -n "$A" -6 route show table 100)" ] || fail "routes left in table 100"
[ -z "$("$NETO" lab policy show --netns "$A" --table 100)" ] || fail "policy still read"
"$NETO" lab policy del --netns "$A" --table 100 --prefix fd00:0:2::/64 || fail "second del is not idempotent"
"$NETO" lab rule del --netns "$A" --dscp 46 --table 100 || fail "rule del"
ip -n "$A" -6 rule | grep -q "lookup 100" && fail "rule left"
[ -z "$("$NETO" lab rule show --netns "$A")" ] || fail "rule still read back"
"$NETO" lab traffic send --netns "$A" --dst fd00:0:2::1 --rate 1M --dscp 46 --duration 0.5 \
	--flow 2 >"$TMP/send2"
grep -q " sent=0 " "$TMP/send2" || fail "traffic still routed after removal: $(cat "$TMP/send2")"
"$NETO" lab sid del --netns "$B" --sid fc00:0:2::100 || fail "sid del"
ip -n "$B" -6 route show | grep -q "End.DT6" && fail "End.DT6 left"
echo "PASS"
