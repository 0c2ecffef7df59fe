#!/bin/sh
# Behaviour of `neto agent peering NAME` on tests/data/peer: help, bad
# options and configurations, one cycle (--once) writing the desired
# document and the audit rows to an SQLite store, a second instance taking
# over with the first one's choices, and a live run: the FRR 8.4 BMP
# capture streamed over TCP to the role's listener, measured latency in
# the store, a cycle a second, SIGTERM.
# usage: test_peer_agent.sh NETO_BINARY SOURCE_DIR
set -u
NETO=$1
SRC=$2
. "$SRC/tests/cli/lib.sh"

D="$SRC/tests/data/peer"
DB="$TMP/store.db"
q() { sqlite3 "$DB" "$1"; }

expect 0 "--once" -- "$NETO" agent peering --help
expect 0 "agent peering NAME" -- "$NETO" --help
expect 2 "expected NAME" -- "$NETO" agent peering --once
expect 2 "unknown or incomplete option" -- "$NETO" agent peering p1 --bogus
expect 2 "bad value '0' for --interval" -- "$NETO" agent peering p1 --interval 0
expect 2 "unexpected argument 'p2'" -- "$NETO" agent peering p1 p2
expect 2 "ROUTER=FILE" -- "$NETO" agent peering p1 --bmp x
expect 1 "no peering file" -- "$NETO" agent peering p1 --store "sqlite:$DB" --once

printf '[store]\nuri = sqlite:%s\n[peering]\nenabled = no\npeering_file = %s\n' "$DB" "$D/peering.txt" >"$TMP/off.ini"
expect 1 "peering is not enabled" -- "$NETO" agent peering p1 --config "$TMP/off.ini" --once
printf '[store]\nuri = sqlite:%s\n[peering]\nenabled = yes\nhold = 3\n' "$DB" >"$TMP/bad.ini"
expect 1 "bad.ini:5: \[peering\] unknown key 'hold'" -- "$NETO" agent peering p1 --config "$TMP/bad.ini" --once
printf '[store]\nuri = sqlite:%s\n[peering]\nenabled = yes\npeering_file = %s\n' "$DB" "$TMP/none.txt" >"$TMP/nofile.ini"
expect 1 "none.txt" -- "$NETO" agent peering p1 --config "$TMP/nofile.ini" --once
printf '# c\n10.0.0.1/8 0 1G\n' >"$TMP/bad-traffic"
expect 1 "bad-traffic:2: bad prefix" -- "$NETO" agent peering p1 --store "sqlite:$DB" --peering "$D/peering.txt" --routes "$D/routes.txt" --traffic "$TMP/bad-traffic" --once
expect 1 "routes.txt" -- "$NETO" agent peering p1 --store "sqlite:$DB" --peering "$D/peering.txt" --routes "$TMP/routes.txt" --once
rm -f "$DB" "$DB-wal" "$DB-shm"

# one cycle: the same choices as `neto peer` on these files (the static
# table only), written to the store
cat >"$TMP/neto.ini" <<EOT
[store]
uri = sqlite:$DB
[peering]
enabled = yes
peering_file = $D/peering.txt
static_latency = $D/static-latency.txt
community = 65000:100
local_pref = 300
EOT
RUN="--config $TMP/neto.ini --routes $D/routes.txt --traffic $D/traffic.txt --once"
expect 0 "^peering: cycle 1: prefixes 7 routes 15 demands 6 .* moves 2 (latency 1 overload 1 withdrawn 0 capped 0) announced 2 over-headroom 0" -- "$NETO" agent peering p1 $RUN
grep -q "took the lease" "$TMP/out" && fail "seeded from nothing: $(cat "$TMP/out")"
DOC=$(q "select body from kv where ns = 'peering' and name = 'desired'")
echo "$DOC" | grep -q '"cycle":1,' || fail "cycle: $DOC"
echo "$DOC" | grep -q '"local_pref":300,"community":"65000:100"' || fail "local_pref, community: $DOC"
echo "$DOC" | grep -q '{"prefix":"100.66.0.0/16","class":1,"rate":300000000.0,"egress":"isp-b","bgp":"peer-c","ingress":{}}' || fail "100.66.0.0/16: $DOC"
echo "$DOC" | grep -q '{"prefix":"2001:db8::/32","class":0,"rate":1000000000.0,"egress":"isp-a","bgp":"isp-b"' || fail "2001:db8::/32: $DOC"
echo "$DOC" | grep -q '"prefix":"198.18.0.0/15"' && fail "unrouted prefix listed: $DOC"
[ "$(q "select count(*) from audit where actor = 'peering' and action = 'egress-move'")" -eq 2 ] || fail "audit rows: $(q 'select * from audit')"
q "select detail from audit where action = 'egress-move'" | grep -q '"prefix":"100.66.0.0/16","class":1,"from":"peer-c","to":"isp-b","reason":"overload"' || fail "audit detail: $(q 'select detail from audit')"
[ "$(q "select holder from lease where name = 'peering'")" = p1 ] || fail "lease holder: $(q 'select * from lease')"

# another instance: p1 gave the lease up on exit, p2 takes it and keeps
# p1's choices; no move, so no new audit row
expect 0 "^peering: cycle 2: .* moves 0 .* announced 2 .*took the lease: kept the previous leader's choices" -- "$NETO" agent peering p2 $RUN
[ "$(q "select count(*) from audit where action = 'egress-move'")" -eq 2 ] || fail "audit rows after takeover: $(q 'select detail from audit')"
q "select body from kv where ns = 'peering'" | grep -q '"cycle":2,' || fail "cycle 2: $(q 'select body from kv')"

# a live run: the BMP capture of FRR 8.4 bgpd "border1" over TCP (the
# connection held open), text routes for isp-b, measured latency moving
# 203.0.113.0/24 from BGP's isp-a to isp-b
rm -f "$DB" "$DB-wal" "$DB-shm"
PORT=$((20000 + $$ % 20000))
cat >"$TMP/live.ini" <<EOT
[store]
uri = sqlite:$DB
[peering]
enabled = yes
peering_file = $D/frr-peering.txt
interval = 1
bmp_listen = 127.0.0.1
bmp_port = $PORT
EOT
NOW=$(($(date +%s) * 1000))
"$NETO" agent peering live1 --store "sqlite:$DB" --once --peering "$D/frr-peering.txt" --routes "$D/frr-routes.txt" --traffic "$D/frr-traffic.txt" >/dev/null 2>&1 || fail "store init"
q "insert into kv values ('pe-latency', '203.0.113.0/24 border1 192.0.2.1', '{\"ms\":50,\"at\":$NOW,\"target\":\"203.0.113.1\",\"sent\":5,\"lost\":0}', $NOW)"
q "insert into kv values ('pe-latency', '203.0.113.0/24 r1 192.0.2.2', '{\"ms\":20,\"at\":$NOW,\"target\":\"203.0.113.1\",\"sent\":5,\"lost\":0}', $NOW)"
q "delete from kv where ns = 'peering'"
"$NETO" agent peering live1 --config "$TMP/live.ini" --routes "$D/frr-routes.txt" --traffic "$D/frr-traffic.txt" >"$TMP/live.out" 2>&1 &
PID=$!
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.3
	grep -q "BMP on 127.0.0.1 port $PORT" "$TMP/live.out" && ok=1 && break
done
[ "$ok" -eq 1 ] || fail "listener: $(cat "$TMP/live.out")"
bash -c "exec 3>/dev/tcp/127.0.0.1/$PORT; cat '$D/frr-border1-up.bmp' >&3; sleep 4" &
FEED=$!
ok=0
for i in $(seq 1 30); do
	sleep 0.2
	q "select body from kv where ns = 'peering'" 2>/dev/null | grep -q '{"prefix":"203.0.113.0/24","class":0,"rate":1000000000.0,"egress":"isp-b","bgp":"isp-a"' && ok=1 && break
done
[ "$ok" -eq 1 ] || fail "live decision: $(q "select body from kv where ns = 'peering'") $(cat "$TMP/live.out")"
q "select body from kv where ns = 'peering'" | grep -q '"prefix":"100.64.0.0/16","class":0,"rate":1000000000.0,"egress":"isp-a","bgp":"isp-a"' || fail "live BMP prefix: $(q "select body from kv where ns = 'peering'")"
kill -TERM "$PID"
wait "$PID"
rc=$?
[ "$rc" -eq 0 ] || fail "SIGTERM: exit $rc: $(cat "$TMP/live.out")"
grep -q "BMP 127.0.0.1: connected" "$TMP/live.out" || fail "no connection: $(cat "$TMP/live.out")"
grep -q "^peering: cycle [0-9]*: prefixes 4 routes 5 demands 3 (unrouted rows 1, stale 0, bad 0, latencies measured 2) moves 1 (latency 1" "$TMP/live.out" || fail "live cycle line: $(cat "$TMP/live.out")"
grep -q "^peering: live1: stopped" "$TMP/live.out" || fail "stop line: $(cat "$TMP/live.out")"
[ "$(q "select expires <= $((($(date +%s) + 1) * 1000)) from lease where name = 'peering'")" = 1 ] || fail "lease not given up: $(q 'select * from lease')"
kill "$FEED" 2>/dev/null
wait "$FEED" 2>/dev/null

finish
