#!/bin/bash
# test_e2e_peering.sh - peering engineering end to end with real packets, on
# the ISP lab (`neto lab up --neto --isps`, docs/lab.md): the square, border
# routers a and b (FRR bgpd, BMP to neto), three BIRD ISPs (transit1 20 ms
# at a, transit2 35 ms at a and b, peer3 10 ms at b over a 5 Mbit/s link),
# neto's controller and scheduler on the lab's store, plus the peering role
# (BMP station) and an updating agent with the egress driver (iBGP to both
# border routers) in the management namespace.
#
# Eight prefixes that peer3 and another ISP both offer carry 0.5 Mbit/s
# each, sent from site a: two gold (class 0), six bronze (class 2). The
# role knows these rates from a traffic file (the generator's rates) and
# the ISPs' latencies from a static table.
#   1. every prefix goes to peer3, the lowest latency: both border
#      routers' best paths are neto's (LOCAL_PREF 200, next hop peer3's
#      address), and peer3's link carries the traffic (veth counters);
#   2. peer3's link shrinks to 2 Mbit/s (tc on both ends, the peering
#      file's capacity edited: the role re-reads it): the role moves
#      bronze prefixes off it until its load is under 95% of 2 Mbit/s, the
#      gold prefixes stay on peer3; once the routers have the moves, the
#      link's measured rate is under that headroom and its queue stops
#      dropping;
#   3. kill -9 of every neto process: the iBGP sessions drop, the border
#      routers' best paths are their own BGP choice again (no LOCAL_PREF
#      200 left), and the traffic still reaches the ISPs (no black hole).
#
# With PEERING_INPUTS=measured (test_e2e_peering_measured.sh) the role gets
# no traffic file and no latency table: `neto lab isp-measure` runs
# softflowd on every border interface toward an ISP, exporting IPFIX to a
# flow agent per peering (pe_traffic = yes, kv "pe-traffic"), and a prober
# per border site (`neto router run`, kv "pe-latency") sending probes out
# each ISP to the first address of every prefix, answered by the ISPs'
# `neto probe-responder` after each ISP's configured latency. The traffic
# is marked (gold DSCP 46, bronze DSCP 10) and totals 2.8 Mbit/s.
# Besides the outcomes above, asserted then:
#   - every pe-latency row of an ISP that offers the prefix has a median
#     within [-0.5, +8] ms of that ISP's configured latency (20, 35, 10);
#   - the pe-traffic rows, summed over the flow agents, per 12 s window over
#     26 s, are -35%..+50% of the sent rate per prefix (IP octets of
#     1000-octet payloads: 360 kbit/s; a window holds two or three of
#     softflowd's 5.6 s flow chunks) and within 25% on average, each with
#     the class of its DSCP;
#   - the role used them: its summary counts measured latencies, and its
#     decision's rates are measured ones (0.85 to 1.5 x 360 kbit/s).
# The probers count as the border routers' own agents: step 3 kills the
# flow agents with neto's roles, not them.
# Usage: bash test_e2e_peering.sh NETO_BINARY SOURCE_DIR BUILD_DIR
NETO=$(realpath "$1")
SRC=$(realpath "$2")
. "$SRC/tests/lab/lib.sh"
lab_need_root
MEASURED=false
[ "${PEERING_INPUTS:-files}" = measured ] && MEASURED=true
lab_need ip tc vtysh bird birdc sqlite3 jq awk
$MEASURED && lab_need softflowd python3
lab_need_frr bgpd isisd
[ -f /usr/lib/frr/modules/bgpd_bmp.so ] || ls /usr/lib/*/frr/modules/bgpd_bmp.so >/dev/null 2>&1 ||
	{ echo "skip: FRR bgpd BMP module missing"; exit 77; }

P=npx$(($$ % 10000))-
lab_tmpdir npx
DIR=$TMP/lab
DB=$DIR/neto.db
T_START=$SECONDS
lab_on_exit "[ -f '$DIR/lab.state' ] && '$NETO' lab down --dir '$DIR' --quiet"
fail() {
	echo "FAIL: $*"
	sqlite3 "$DB" "select t.router, t.policy, t.action, t.state, t.error from task t where t.policy like 'egress/%' order by t.id" 2>/dev/null | tail -30
	echo "--- peering role"; grep -v "cycle" "$TMP/pe.out" 2>/dev/null | tail -5
	tail -3 "$TMP/pe.out" 2>/dev/null
	echo "--- egress agent"; grep -v "^egress: a " "$TMP/eg.out" 2>/dev/null | tail -40; vtysh -N "$B" -c "show ip bgp 20.0.4.0/24" 2>/dev/null | head -30
	echo "--- controller"; grep -i "peering\|egress\|refused" "$DIR"/neto-controller.log 2>/dev/null | tail -10
	exit 1
}
doc() { sqlite3 "$DB" "select body from kv where ns = 'peering' and name = 'desired'" 2>/dev/null; }

"$NETO" lab up --topology "$SRC/tests/data/lab/square.json" --dir "$DIR" --prefix "$P" \
	--isps "$SRC/tests/data/lab/isps_square.txt" --neto --period 3s --buffer 50ms --quiet || fail "lab up"
A=${P}1 B=${P}2 M=${P}m I3=${P}i3
PEER3_NH=$(awk '$1 == "egress" && $2 == "peer3-b" {print $4}' "$DIR/peering.txt")
[ -n "$PEER3_NH" ] || fail "no peer3-b in the peering file"

# what each ISP offers: its kernel's local routes
for i in 1 2 3; do
	ip -n "${P}i$i" -4 route show table local type local dev lo | awk '{print $2}' |
		grep -v '^127\.' | sort > "$TMP/isp$i"
	[ -s "$TMP/isp$i" ] || fail "ISP $i absorbs nothing"
done
# eight /24s offered by peer3 and by another ISP
sort -u "$TMP/isp1" "$TMP/isp2" | comm -12 - "$TMP/isp3" | grep '/24$' | head -8 > "$TMP/pfx"
[ "$(wc -l < "$TMP/pfx")" = 8 ] || fail "fewer than 8 prefixes shared by peer3 and another ISP"
head -2 "$TMP/pfx" > "$TMP/gold"
tail -n +3 "$TMP/pfx" > "$TMP/bronze"

cp "$DIR/peering.txt" "$TMP/peering.txt"
if $MEASURED; then
	# the measured inputs: flow agents and probers for these prefixes
	"$NETO" lab isp-measure --dir "$DIR" $(sed 's/^/--to /' "$TMP/pfx") --probe-interval 2 \
		--window 12 --quiet || fail "lab isp-measure"
	inputs=()
else
	# the generator's rates and the ISPs' configured latencies
	awk 'NR <= 2 {print $1, 0, "500k"; next} {print $1, 2, "500k"}' "$TMP/pfx" > "$TMP/traffic.txt"
	printf '0.0.0.0/0 %s\n' "transit1-a 20" "transit2-a 35" "transit2-b 35" "peer3-b 10" \
		> "$TMP/static.txt"
	inputs=(--static-latency "$TMP/static.txt" --traffic "$TMP/traffic.txt")
fi

lab_egress_ini "$DB" > "$TMP/egress.ini"
ip netns exec "$M" "$NETO" agent update egress1 --config "$TMP/egress.ini" > "$TMP/eg.out" 2>&1 &
EG_PID=$!
LAB_PIDS+=($EG_PID)
ip netns exec "$M" "$NETO" agent peering pe1 --store "sqlite:$DB" --peering "$TMP/peering.txt" \
	"${inputs[@]}" --interval 2 > "$TMP/pe.out" 2>&1 &
PE_PID=$!
LAB_PIDS+=($PE_PID)

if $MEASURED; then
	# 2.8 Mbit/s toward the eight prefixes from site a, for the whole
	# test: 0.35 Mbit/s each, gold marked DSCP 46, bronze DSCP 10 (the
	# lab's classes). Less than the 4 Mbit/s of the file inputs: the
	# measured rates read up to 1.4 times the true ones (softflowd's 5.6 s
	# chunks in 12 s windows), and 1.4 x 2.8 still fits peer3's 5 Mbit/s
	# under headroom.
	"$NETO" lab isp-traffic --dir "$DIR" --from a $(sed 's/^/--to /' "$TMP/gold") --rate 700k \
		--dscp 46 --seconds 600 > "$TMP/traffic-gold.out" 2>&1 &
	LAB_PIDS+=($!)
	"$NETO" lab isp-traffic --dir "$DIR" --from a $(sed 's/^/--to /' "$TMP/bronze") \
		--rate 2100k --dscp 10 --seconds 600 > "$TMP/traffic-bronze.out" 2>&1 &
	LAB_PIDS+=($!)
	SENT=2.2	# Mbit/s at least on peer3's link
else
	# 4 Mbit/s toward the eight prefixes from site a, for the whole test
	"$NETO" lab isp-traffic --dir "$DIR" --from a $(sed 's/^/--to /' "$TMP/pfx") --rate 4M \
		--seconds 600 > "$TMP/traffic.out" 2>&1 &
	LAB_PIDS+=($!)
	SENT=3.0
fi

egress_of() { doc | jq -r --arg p "$1" '.prefixes[] | select(.prefix == $p) | .egress' 2>/dev/null; }
best() {	# namespace prefix: "LOCALPREF NEXTHOP" of the best path
	vtysh -N "$1" -c "show ip bgp $2 json" 2>/dev/null |
		jq -r '.paths[]? | select(.bestpath.overall == true) | "\(.locPrf // 100) \(.nexthops[0].ip)"'
}
# every prefix of file $1 on egress $2 in the decision and, through neto's
# announcement, at both border routers
routers_follow() {
	local p e nh
	while read -r p; do
		e=$(egress_of "$p")
		nh=$(awk -v e="$e" '$1 == "egress" && $2 == e {print $4}' "$DIR/peering.txt")
		[ -n "$e" ] || return 1
		if [ "$(doc | jq -r --arg p "$p" '.prefixes[] | select(.prefix == $p) | .bgp')" = "$e" ]; then
			# BGP's own choice: neto announces nothing, at neither router
			best "$A" "$p" | grep -q '^200 ' && return 1
			best "$B" "$p" | grep -q '^200 ' && return 1
			continue
		fi
		[ "$(best "$A" "$p")" = "200 $nh" ] && [ "$(best "$B" "$p")" = "200 $nh" ] || return 1
	done < "$1"
}
all_on() { local p; while read -r p; do [ "$(egress_of "$p")" = "$2" ] || return 1; done < "$1"; }
tx_bytes() { ip -n "$B" -s -j link show dev isp3 | jq '.[0].stats64.tx.bytes'; }
drops() { tc -n "$B" -s -j qdisc show dev isp3 | jq '[.[].drops] | add'; }
rate_peer3() {	# Mbit/s out of b into peer3 over 4 s
	local b0 b1
	b0=$(tx_bytes); sleep 4; b1=$(tx_bytes)
	awk -v a="$b0" -v b="$b1" 'BEGIN { printf "%.2f", (b - a) * 8 / 4 / 1e6 }'
}

# 1. lowest latency: everything on peer3
t0=$SECONDS
wait_for 90 all_on "$TMP/pfx" peer3-b || fail "the prefixes do not all go to peer3 (lowest latency)"
wait_for 60 routers_follow "$TMP/pfx" || fail "the border routers do not follow the decision"
echo "ok: 8 prefixes on peer3-b, both border routers' best paths via $PEER3_NH, $((SECONDS - t0)) s"

if $MEASURED; then
	# the probes: every row of an ISP that offers the prefix, against the
	# ISP's configured latency (lab.state: isp NAME NS AS PREFIXES LATENCY)
	lat_rows() { sqlite3 "$DB" "select name || '|' || body from kv where ns = 'pe-latency'"; }
	awk '$1 == "isp" {print $2, $3, $6}' "$DIR/lab.state" > "$TMP/isps"
	awk '$1 == "egress" {print $2, $3, $4}' "$DIR/peering.txt" > "$TMP/egresses"
	lat_ok() {
		lat_rows > "$TMP/lat"
		python3 - "$TMP/lat" "$TMP/pfx" "$TMP/isps" "$TMP/egresses" "$TMP/isp1" "$TMP/isp2" "$TMP/isp3" "$1" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    k, b = line.rstrip("\n").split("|", 1)
    rows[k] = json.loads(b)
pfx = [l.split()[0] for l in open(sys.argv[2]) if l.strip()]
isps = [l.split() for l in open(sys.argv[3]) if l.strip()]
egs = [l.split() for l in open(sys.argv[4]) if l.strip()]
offers = [set(l.strip() for l in open(f)) for f in sys.argv[5:8]]
verbose = sys.argv[8] == "print"
ok, n = True, 0
for name, router, peer in egs:
    isp = name.rsplit("-", 1)[0]
    ix = [i for i, x in enumerate(isps) if x[0] == isp][0]
    want = float(isps[ix][2])
    ms = []
    for p in pfx:
        if p not in offers[ix]:
            continue
        r = rows.get("%s %s %s" % (p, router, peer))
        if r is None or r.get("ms") is None:
            ok = False
            continue
        n += 1
        ms.append(r["ms"])
        if not (want - 0.5 <= r["ms"] <= want + 8):
            ok = False
    if verbose:
        print("  %-11s configured %4.0f ms, probed %s" % (name, want,
              " ".join("%.1f" % m for m in sorted(ms))))
sys.exit(0 if ok and n > 0 else 1)
PY
	}
	wait_for 20 lat_ok quiet || { lat_ok print; fail "pe-latency rows not within a few ms of the ISPs' latencies"; }
	echo "ok: the probes measure each ISP's latency:"
	lat_ok print
	# the flow agents: every document of every writer over 14 s (three of
	# their 4 s windows or more) (the peering role reads the same rows)
	snap() { sqlite3 "$DB" "select name || '|' || body from kv where ns = 'pe-traffic'"; }
	: > "$TMP/ptr"
	last=
	end=$((SECONDS + 26))
	while [ $SECONDS -lt $end ]; do
		cur=$(snap)
		[ "$cur" != "$last" ] && echo "$cur" >> "$TMP/ptr"
		last=$cur
		sleep 0.25
	done
	python3 - "$TMP/ptr" "$TMP/gold" "$TMP/bronze" > "$TMP/ptr.out" <<'PY'
import json, sys
docs = {}	# (writer, at) -> rows
for line in open(sys.argv[1]):
    if "|" not in line:
        continue
    w, b = line.rstrip("\n").split("|", 1)
    d = json.loads(b)
    docs[(w, d["at"])] = d
gold = [l.strip() for l in open(sys.argv[2]) if l.strip()]
bronze = [l.strip() for l in open(sys.argv[3]) if l.strip()]
# windows: sum every writer's rows per window end
win = {}
ingress = set()
for (w, at), d in docs.items():
    for r in d["rows"]:
        ingress.add(r.get("ingress"))
        win.setdefault(at, {}).setdefault((r["prefix"], r["class"]), 0.0)
        win[at][(r["prefix"], r["class"])] += r["rate"]
ats = sorted(win)
want = 350e3 * 1028 / 1000
ok = len(ats) >= 2
print("windows used: %d" % len(ats))
tot = []
for p, c in [(p, 0) for p in gold] + [(p, 2) for p in bronze]:
    rates = [win[a].get((p, c), 0.0) for a in ats]
    m = sum(rates) / len(rates) if rates else 0
    err = (m - want) / want * 100
    print("  %-16s class %d: %.0f bit/s measured (sent %.0f), %+.1f%%" % (p, c, m, want, err))
    tot.append(err)
    # a window holds two or three of softflowd's 5.6 s chunks
    if not -35 <= err <= 50:
        ok = False
mean = sum(tot) / len(tot)
print("  all prefixes: %+.1f%% on average" % mean)
# exported at the border routers' interfaces toward the ISPs, the traffic
# is attributed to the site its source belongs to: a, where it entered
print("  ingress sites: %s" % sorted(str(i) for i in ingress))
if ingress != {"a"}:
    ok = False
if abs(mean) > 25:
    ok = False
sys.exit(0 if ok else 1)
PY
	rc=$?
	cat "$TMP/ptr.out"
	[ $rc = 0 ] || fail "pe-traffic rates are not within sampling error of the sent rates"
	echo "ok: pe-traffic rates within sampling error of the sent rates"
	grep -q "latencies measured [1-9]" "$TMP/pe.out" || fail "the role counts no measured latency"
	for p in $(cat "$TMP/pfx"); do
		doc | jq -e --arg p "$p" '.prefixes[] | select(.prefix == $p) | .rate > 0.85 * 360e3 and .rate < 1.5 * 360e3' >/dev/null ||
			fail "the decision's rate of $p is not the measured one: $(doc | jq -c --arg p "$p" '.prefixes[] | select(.prefix == $p)')"
	done
	doc | jq -e '[.prefixes[] | select(.class == 0)] | length == 2' >/dev/null ||
		fail "the decision does not have the two gold prefixes as class 0"
	echo "ok: the role decides on the measured rates and latencies"
fi
r1=$(rate_peer3)
echo "peer3 link (5 Mbit/s): $r1 Mbit/s measured"
awk -v r="$r1" -v s="$SENT" 'BEGIN { exit !(r >= s) }' || fail "peer3's link carries $r1 Mbit/s, less than $SENT"

# 2. peer3's link shrinks to 2 Mbit/s
for spec in "$B isp3" "$I3 $(ip -n "$I3" -o link | awk -F'[ :@]+' '$2 ~ /^b/ {print $2; exit}')"; do
	set -- $spec
	tc -n "$1" class change dev "$2" parent 1: classid 1:1 htb rate 2mbit ceil 2mbit ||
		fail "tc on $1 $2"
done
sed -i 's/^link peer3-b .*/link peer3-b 2000000/' "$TMP/peering.txt"
t0=$SECONDS
relieved() {
	doc | jq -e '.links[] | select(.name == "peer3-b") | .load <= 0.95 * 2e6 + 1' >/dev/null 2>&1 &&
		all_on "$TMP/gold" peer3-b
}
wait_for 60 relieved || fail "the role does not relieve peer3-b (load $(doc | jq -c '.links'))"
moved=$(while read -r p; do [ "$(egress_of "$p")" != peer3-b ] && echo "$p $(egress_of "$p")"; done < "$TMP/pfx")
echo "ok: relieved in $((SECONDS - t0)) s; moved off peer3: $(echo "$moved" | tr '\n' ' ')"
echo "$moved" | grep -q . || fail "nothing moved off peer3"
wait_for 60 routers_follow "$TMP/pfx" || fail "the border routers do not follow the relief"
echo "ok: the border routers follow, $((SECONDS - t0)) s after the shrink"
# the queue the overload filled drains first (50 ms of it: --buffer)
backlog() { tc -n "$B" -s -j qdisc show dev isp3 | jq '[.[].qlen // 0] | add'; }
drained() { [ "$(backlog)" -le 2 ]; }
wait_for 10 drained || fail "peer3's queue does not drain ($(backlog) packets)"
d0=$(drops); r2=$(rate_peer3); d1=$(drops)
load=$(doc | jq '.links[] | select(.name == "peer3-b") | .load / 1e6')
echo "peer3 link (2 Mbit/s, headroom 1.9): decision $load Mbit/s, measured $r2 Mbit/s, queue drops $((d1 - d0)) in 4 s"
while read -r p; do
	echo "  $p: decision $(egress_of "$p") (BGP's $(doc | jq -r --arg p "$p" '.prefixes[] | select(.prefix == $p) | .bgp')), best at a: $(best "$A" "$p"), at b: $(best "$B" "$p"), a's kernel: $(ip -n "$A" -4 route get "${p%/*}" | head -1 | cut -c1-60)"
done < "$TMP/pfx"
awk -v r="$r2" 'BEGIN { exit !(r <= 1.9 * 1.05) }' || fail "peer3's link over headroom: $r2 Mbit/s"
[ $((d1 - d0)) -le 5 ] || fail "peer3's link still drops ($((d1 - d0)) packets in 4 s)"
for s in a b; do
	for l in transit1-a transit2-a transit2-b; do
		doc | jq -e --arg l "$l" '.links[] | select(.name == $l) | .load <= 0.95 * .cap' >/dev/null ||
			fail "link $l over headroom in the decision"
	done
done
echo "ok: gold on peer3, no peering link over headroom"

# 3. neto dies: the routers fall back to BGP, and the traffic still leaves
kill -KILL "$PE_PID" "$EG_PID" 2>/dev/null
wait "$PE_PID" "$EG_PID" 2>/dev/null
# and every neto role of the lab (not the routers' own agents)
pids=$(awk '$1 == "proc" && $4 !~ /^router:/ { print $2 }' "$DIR/lab.state")
[ -n "$pids" ] || fail "no neto role recorded"
kill -KILL $pids
echo "killed the peering role, the egress agent and $(echo $pids | wc -w) lab roles"
t0=$SECONDS
plain() {
	local p
	while read -r p; do
		best "$A" "$p" | grep -q '^200 ' && return 1
		best "$B" "$p" | grep -q '^200 ' && return 1
		[ -n "$(best "$A" "$p")" ] || return 1
	done < "$TMP/pfx"
}
wait_for 30 plain || fail "neto's routes stay at the border routers"
echo "ok: both border routers on their own BGP choice $((SECONDS - t0)) s after kill -9"
isp_rx() {	# octets the three ISPs received from the WAN
	local i n t=0
	for i in 1 2 3; do
		for n in $(ip -n "${P}i$i" -o link | awk -F'[ :@]+' '$2 ~ /^b/ {print $2}'); do
			t=$((t + $(ip -n "${P}i$i" -s -j link show dev "$n" | jq '.[0].stats64.rx.bytes')))
		done
	done
	echo $t
}
x0=$(isp_rx); sleep 4; x1=$(isp_rx)
rx=$(awk -v a="$x0" -v b="$x1" 'BEGIN { printf "%.2f", (b - a) * 8 / 4 / 1e6 }')
echo "the ISPs receive $rx Mbit/s after the fallback"
awk -v r="$rx" 'BEGIN { exit !(r >= 1.5) }' || fail "traffic black-holed after the fallback ($rx Mbit/s)"
echo "PASS in $((SECONDS - T_START)) s"
