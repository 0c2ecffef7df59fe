#!/bin/bash
# test_router_telemetry.sh - `neto router run`'s interface telemetry: the
# agent samples its namespace's counters (RTM_GETLINK, stats64) every
# 500 ms and merges the transmit rate of link "a-b" (interface ab) into the
# store's telemetry document (kv telemetry/links, what GET /links reads).
# A 8 Mbit/s flow of UDP probes from A to B must show as a load near 8 (the
# unit is Mbps); an entry of another router in the document is kept.
# Usage: bash test_router_telemetry.sh NETO SOURCE_DIR BUILD_DIR
set -u
NETO=$1
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in ip sqlite3 python3; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
A=nr-ta$$
B=nr-tb$$
TMP=$(mktemp -d)
cleanup() {
	for p in ${RTR:-} ${RPID:-}; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- router log"; cat "$TMP/router.log"; exit 1; }

ip netns add "$A" || exit 77
ip netns add "$B" || exit 77
ip -n "$A" link add ab type veth peer name ba netns "$B" || fail veth
ip -n "$A" addr add fd00:9::1/64 dev ab nodad
ip -n "$B" addr add fd00:9::2/64 dev ba nodad
for l in "$A lo" "$A ab" "$B lo" "$B ba"; do set -- $l; ip -n "$1" link set "$2" up; done

cat >"$TMP/neto.ini" <<EOF2
[store]
uri = sqlite:$TMP/neto.db

[router]
name = a
telemetry_store = sqlite:$TMP/neto.db
telemetry_period = 500ms
telemetry_unit = Mbps
link = ab a-b a b
EOF2
"$NETO" router run --netns "$A" --config "$TMP/neto.ini" 2>"$TMP/router.log" &
RTR=$!
doc() { sqlite3 "$TMP/neto.db" "select body from kv where ns='telemetry' and name='links'" 2>/dev/null; }
for _ in $(seq 50); do [ -n "$(doc)" ] && break; sleep 0.1; done
[ -n "$(doc)" ] || fail "no telemetry document"
# another router's entry, written behind the agent's back
python3 - "$TMP/neto.db" <<'EOF2'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
body = json.loads(db.execute("select body from kv where ns='telemetry' and name='links'").fetchone()[0])
body["links"].append({"id": "c-d", "src": "c", "dst": "d", "load": 3.0})
db.execute("update kv set body=? where ns='telemetry' and name='links'", (json.dumps(body),))
db.commit()
EOF2
"$NETO" lab traffic recv --netns "$B" --duration 10 --flows 1 >"$TMP/recv" &
RPID=$!
for _ in $(seq 50); do grep -q listening "$TMP/recv" 2>/dev/null && break; sleep 0.1; done
"$NETO" lab traffic send --netns "$A" --dst fd00:9::2 --rate 8M --duration 3 --flow 1 \
	>"$TMP/send" &
sleep 2
load=$(doc | python3 -c 'import json,sys; d=json.load(sys.stdin); print([l["load"] for l in d["links"] if l["id"]=="a-b"][0])')
other=$(doc | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len([l for l in d["links"] if l["id"]=="c-d"]))')
wait "$RPID"; RPID=
echo "measured load of a-b during an 8 Mbit/s flow: $load Mbps"
python3 -c "import sys; sys.exit(0 if 6.5 < $load < 10.5 else 1)" ||
	fail "load $load is not near 8 Mbps"
[ "$other" = 1 ] || fail "another router's entry was dropped: $(doc)"
kill "$RTR"; wait "$RTR"; rc=$?; RTR=
[ "$rc" = 0 ] || fail "router exit status $rc"
echo "PASS"
