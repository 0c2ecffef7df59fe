#!/bin/sh
# Behaviour of the `neto peer` command line on the small instance in
# tests/data/peer: help, exit codes, errors naming file and line, the moves
# (latency, overload of the peer's link with class precedence), routes from
# a BMP stream, the exact model's verdict, splitting, and every link under
# headroom.
# usage: test_peer.sh NETO_BINARY SOURCE_DIR
set -u
NETO=$1
SRC=$2
. "$SRC/tests/cli/lib.sh"

D="$SRC/tests/data/peer"
BASE="--peering $D/peering.txt --routes $D/routes.txt --traffic $D/traffic.txt --latency $D/latency.txt --static-latency $D/static-latency.txt"

expect 0 "peer " -- "$NETO" --help
expect 0 "--static-latency" -- "$NETO" peer --help
expect 2 "are required" -- "$NETO" peer --peering "$D/peering.txt"
expect 2 "unknown or incomplete option" -- "$NETO" peer --bogus
expect 2 "bad value '1.5' for --headroom" -- "$NETO" peer $BASE --headroom 1.5
expect 2 "ROUTER=FILE" -- "$NETO" peer $BASE --bmp nofile
expect 2 "nonexistent" -- "$NETO" peer --peering "$TMP/nonexistent" --routes x --traffic y

# errors name the file and the line
printf 'link a 1G\negress e r1 192.0.2.1 b\n' >"$TMP/bad-peering"
expect 2 "bad-peering:2: unknown link 'b'" -- "$NETO" peer --peering "$TMP/bad-peering" --routes "$D/routes.txt" --traffic "$D/traffic.txt"
printf '10.0.0.0/8 r1 192.0.2.1 64501 64501,x 192.0.2.1\n' >"$TMP/bad-routes"
expect 2 "bad-routes:1: bad AS path" -- "$NETO" peer --peering "$D/peering.txt" --routes "$TMP/bad-routes" --traffic "$D/traffic.txt"
printf '# c\n10.0.0.1/8 0 1G\n' >"$TMP/bad-traffic"
expect 2 "bad-traffic:2: bad prefix" -- "$NETO" peer --peering "$D/peering.txt" --routes "$D/routes.txt" --traffic "$TMP/bad-traffic"
printf '\003\000\000\000' >"$TMP/cut.bmp"
expect 2 "cut short" -- "$NETO" peer $BASE --bmp "r1=$TMP/cut.bmp"

# the decision: A is faster for the content network (BGP picked B), the
# peer's link (1G, 95% = 950M) cannot take 1.2G: class 1 leaves it, the
# two class 0 prefixes stay
expect 0 "" -- "$NETO" peer $BASE --quiet
O="$TMP/out"
grep -q '^move 203.0.113.0/24 class 0 isp-b -> isp-a because latency, 41.0 -> 12.0 ms' "$O" || fail "latency move: $(cat "$O")"
grep -q '^move 100.66.0.0/16 class 1 peer-c -> .* because overload on lnk-c' "$O" || fail "overload move: $(cat "$O")"
grep -q '^move 100.6[45].0.0/16 class 0' "$O" && fail "a class 0 prefix left the peer: $(cat "$O")"
grep -q '^move 192.0.2.128/25' "$O" && fail "a prefix with one route moved: $(cat "$O")"
grep -q '^move 2001:db8::/32 class 0 isp-b -> isp-a because latency, 90.0 -> 70.0 ms' "$O" || fail "IPv6 static latency move: $(cat "$O")"
grep -q 'OVER HEADROOM' "$O" && fail "a link over headroom: $(cat "$O")"
grep -q '^link lnk-c load 9e+08 capacity 1e+09 utilisation 90.0%' "$O" || fail "lnk-c load: $(cat "$O")"
grep -q '^demands 6,' "$O" || fail "demand count: $(cat "$O")"

# a stricter gain threshold keeps IPv6 where BGP put it (20 ms gain)
expect 0 "" -- "$NETO" peer $BASE --quiet --min-gain 25
grep -q '^move 2001:db8' "$O" && fail "min-gain: $(cat "$O")"
grep -q '^move 203.0.113.0/24' "$O" || fail "min-gain kept the 29 ms move: $(cat "$O")"
# the cap: one latency move, the other held back
expect 0 "held back by the cap 1" -- "$NETO" peer $BASE --quiet --max-moves 1

# routes from a BMP stream of r1 (transit A's Route Monitoring): its
# prefixes become routable
expect 0 "demands 7," -- "$NETO" peer $BASE --bmp "r1=$SRC/fuzz/corpus/bmp/route_mon_as4"
grep -q 'BMP messages so far' "$O" || fail "no progress line: $(cat "$O")"

# a real BMP stream from FRR 8.4 bgpd (Initiation, Peer Up, Route
# Monitoring of 4 IPv4 and 1 IPv6 prefixes, the withdrawal of
# 198.51.100.0/24, then Peer Downs): cut before the Peer Downs, the
# announced prefixes are routable through isp-a and the withdrawn one is
# not; BGP picks isp-a for 203.0.113.0/24 (shorter path: FRR 8.4 puts its own
# AS first in the pre-policy path, 3 ASNs against 4), measured latency
# moves it to isp-b
F="--peering $D/frr-peering.txt --routes $D/frr-routes.txt --traffic $D/frr-traffic.txt --latency $D/frr-latency.txt --quiet"
expect 0 "^demands 4, traffic 3e+09 bit/s, unroutable 1$" -- "$NETO" peer $F --bmp "border1=$D/frr-border1-up.bmp"
grep -q '^move 203.0.113.0/24 class 0 isp-a -> isp-b because latency, 50.0 -> 20.0 ms' "$O" || fail "FRR stream move: $(cat "$O")"
grep -q '^link lnk-a load 2e+09' "$O" || fail "FRR stream lnk-a: $(cat "$O")"
# the whole stream ends with the session down: isp-a's routes are gone
expect 0 "^demands 4, traffic 1e+09 bit/s, unroutable 3$" -- "$NETO" peer $F --bmp "border1=$D/frr-border1.bmp"

# the exact model agrees on this instance
expect 0 "exact: optimal, .* heuristic/exact 1.0000" -- "$NETO" peer $BASE --quiet --exact 10

# one prefix alone too big for any link: exit 1, unless split
printf 'link l1 1G\nlink l2 1G\negress e1 r1 192.0.2.1 l1\negress e2 r1 192.0.2.2 l2\n' >"$TMP/small"
printf '10.0.0.0/16 r1 192.0.2.1 1 1 192.0.2.1\n10.0.0.0/16 r1 192.0.2.2 2 2,3 192.0.2.2\n' >"$TMP/r"
printf '10.0.0.0/16 0 1.5G\n' >"$TMP/t"
expect 1 "OVER HEADROOM" -- "$NETO" peer --peering "$TMP/small" --routes "$TMP/r" --traffic "$TMP/t" --quiet
expect 0 "^split 10.0.128.0/17 class 0 -> e" -- "$NETO" peer --peering "$TMP/small" --routes "$TMP/r" --traffic "$TMP/t" --quiet --split
[ "$(grep -c '^split 10.0.\(0\|128\).0/17 class 0 -> e[12]$' "$O")" -eq 2 ] || fail "split: $(cat "$O")"
[ "$(grep '^split' "$O" | awk '{print $NF}' | sort -u | wc -l)" -eq 2 ] || fail "split halves on one egress: $(cat "$O")"
grep -q '^link l[12] load 7.5e+08' "$O" || fail "split loads: $(cat "$O")"

finish
