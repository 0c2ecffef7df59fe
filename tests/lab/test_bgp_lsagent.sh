#!/bin/bash
# test_bgp_lsagent.sh - BGP-LS into the store: `neto agent topology NAME
# --bgp` collects BGP-LS from a BGP speaker (here `neto bgp --announce-ls`,
# in another namespace) and writes the topology it builds to the store.
#
# The stored topology must have the announced nodes, links, capacities (in
# kbps), IGP metrics, delays, SRLGs and SRv6 locators. The speaker then
# restarts with a smaller topology: the entries of the lost session turn
# stale, the new announcements replace them, and once the stale hold time
# has passed the store's topology no longer has the removed links.
#
# usage: bash test_bgp_lsagent.sh NETO_BINARY SOURCE_DIR BUILD_DIR
set -u
NETO=$1
SRC=$2
. "$SRC/tests/lab/lib.sh"
lab_need_root
lab_need sqlite3 jq ip
NS1=nb-lsag-speaker-$$
NS2=nb-lsag-agent-$$
lab_tmpdir nb-lsag
fail() {
	echo "FAIL: $*"
	echo "--- speaker"; cat "$TMP/speaker.log"
	echo "--- agent"; cat "$TMP/agent.log"
	exit 1
}
lab_netns $NS1 $NS2
lab_veth $NS1 nbl-a $NS2 nbl-b 10.79.0.1/24 10.79.0.2/24

cat > "$TMP/speaker.ini" <<EOF
[bgp]
local-as = 65010
router-id = 10.79.0.1
listen = 10.79.0.1
[peer collector]
address = 10.79.0.2
remote-as = 65010
families = ls
passive = yes
password = nb-md5-key
EOF
cat > "$TMP/agent.ini" <<EOF
[store]
uri = sqlite:$TMP/neto.db
[bgp]
local-as = 65010
router-id = 10.79.0.2
hold-time = 9
connect-retry = 2
[peer speaker]
address = 10.79.0.1
remote-as = 65010
families = ls
password = nb-md5-key
EOF
# the same topology without the LON-AMS links
jq 'del(.links[] | select(.src == "AMS" or .dst == "AMS"))' \
	"$SRC/tests/data/bgp/ls-topology.json" > "$TMP/smaller.json"

start_speaker() {
	ip netns exec $NS1 "$NETO" bgp --config "$TMP/speaker.ini" --announce-ls "$1" \
		>>"$TMP/speaker.log" 2>&1 &
	SPEAKER=$!
	LAB_PIDS+=($SPEAKER)
}
start_speaker "$SRC/tests/data/bgp/ls-topology.json"
ip netns exec $NS2 "$NETO" agent topology coll --bgp --config "$TMP/agent.ini" \
	--stale-hold 4 >"$TMP/agent.log" 2>&1 &
AGENT=$!
LAB_PIDS+=($AGENT)

latest() { sqlite3 "$TMP/neto.db" 'SELECT body FROM topology ORDER BY version DESC LIMIT 1' 2>/dev/null; }
has_links() { [ "$(latest | jq '.links | length' 2>/dev/null)" = "$1" ]; }
wait_for 30 has_links 4 || fail "the store never had the 4 links: $(latest)"
latest > "$TMP/t1.json"
[ "$(sqlite3 "$TMP/neto.db" 'SELECT source FROM topology ORDER BY version DESC LIMIT 1')" = bgp ] ||
	fail "the snapshot's source is not bgp"
jq -e '[.nodes[].name] | sort == ["AMS", "LON", "PAR"]' "$TMP/t1.json" >/dev/null || fail "wrong nodes: $(jq -c .nodes "$TMP/t1.json")"
jq -e '.unit == "kbps"' "$TMP/t1.json" >/dev/null || fail "unit is not kbps"
jq -e '.nodes[] | select(.name == "PAR") | .locator == "fc00:0:1::/48"' "$TMP/t1.json" >/dev/null ||
	fail "PAR's locator lost: $(jq -c '.nodes' "$TMP/t1.json")"
jq -e '.links[] | select(.src == "PAR" and .dst == "LON") | .capacity == 100000000 and .igp == 10 and .delay == 3500 and .srlgs == [17] and .adj_sid == "fc00:0:1:e001::"' \
	"$TMP/t1.json" >/dev/null || fail "PAR->LON wrong: $(jq -c '.links[] | select(.src == "PAR")' "$TMP/t1.json")"
jq -e '.links[] | select(.src == "AMS" and .dst == "LON") | .capacity == 40000000 and .igp == 30 and .delay == 2900' \
	"$TMP/t1.json" >/dev/null || fail "AMS->LON wrong"

# the speaker goes away and comes back with less: stale entries expire
# (reaped before the new one starts: until then the old process still holds
# the listening socket, and the new one's bind fails)
kill -KILL $SPEAKER
wait $SPEAKER 2>/dev/null
start_speaker "$TMP/smaller.json"
wait_for 40 has_links 2 || fail "the removed links stayed in the store: $(latest | jq -c '[.links[] | .id]')"
latest | jq -e '[.nodes[].name] | sort == ["AMS", "LON", "PAR"]' >/dev/null || fail "nodes changed"
kill -TERM $AGENT
wait $AGENT
rc=$?
[ $rc = 0 ] || fail "the agent exited with $rc"
echo "ok: BGP-LS collected into the store (nodes, links, attributes), stale entries expired after a session loss"
exit 0
