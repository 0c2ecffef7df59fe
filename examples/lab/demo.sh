#!/bin/bash
# demo.sh - neto steering a lab WAN of real routers: the 12-site B4 topology
# (examples/b4) as namespaces with FRR and kernel SRv6 (`neto lab up
# --neto`), a day of demand (examples/b4/series.csv) compressed to a few
# minutes: every STEP seconds the next hour's largest demands go into neto's
# store, the controller plans, the router agents install the policies, and
# generators send that demand through the lab. Per hour it prints the
# controller's cycle, then the measured utilisation of the busiest links and
# the loss per class. The lab is torn down at the end (and on Ctrl-C).
# Usage (root): bash examples/lab/demo.sh NETO [HOURS] [TOP]
set -u
NETO=${1:?usage: demo.sh NETO [HOURS] [TOP]}
HOURS=${2:-0 6 12 18}
TOP=${3:-24}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
TOPO=$SRC/examples/b4/topology.json
SERIES=$SRC/examples/b4/series.csv
MULT=${DEMO_MULT:-1.5}	# demand multiplier: B4's hours load its links lightly
DUR=${DEMO_SECONDS:-8}
[ "$(id -u)" = 0 ] || { echo "demo.sh: needs root (network namespaces)"; exit 1; }
P=nld-
DIR=$(mktemp -d /tmp/neto-lab-demo.XXXXXX)
PORT=18480
API=http://127.0.0.1:$PORT
cleanup() {
	echo "== tearing down"
	"$NETO" lab down --dir "$DIR"
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== lab up (12 sites, 19 links, FRR IS-IS, neto)"
"$NETO" lab up --topology "$TOPO" --dir "$DIR" --prefix "$P" --neto --api 127.0.0.1:$PORT \
	--period 10s --state-timeout 10s | tee "$DIR/up.out" | grep -v '^  ' || exit 1
SCALE=$(sed -n 's/.*capacities x \([0-9.e+-]*\) .*/\1/p' "$DIR/up.out")
echo -n "waiting for IS-IS and the PCEP sessions"
for _ in $(seq 60); do
	n=$(grep -l 'session up' "$DIR"/router-*.log 2>/dev/null | wc -l)
	[ "$n" = 12 ] && break
	echo -n .
	sleep 1
done
echo " $n/12 routers connected"
sleep 3	# IS-IS on 19 links

for h in $HOURS; do
	echo
	echo "== hour $h: the $TOP largest (src, dst, class) demands x $MULT"
	python3 - "$SERIES" "$h" "$TOP" "$MULT" "$DIR/demand.csv" <<'EOF'
import csv, sys
series, hour, top, mult, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rows = [r for r in csv.DictReader(open(series)) if r["hour"] == hour]
rows.sort(key=lambda r: -float(r["rate"]))
with open(out, "w") as f:
    f.write("src,dst,class,rate\n")
    for r in rows[:top]:
        f.write("%s,%s,%s,%.3f\n" % (r["src"], r["dst"], r["class"], float(r["rate"]) * mult))
EOF
	k=$("$NETO" lab demand --dir "$DIR" --file "$DIR/demand.csv" | sed -n 's/demand matrix \([0-9]*\) stored/\1/p')
	[ -n "$k" ] || exit 1
	t0=$(date +%s%N)
	# the controller's cycle on matrix k (the demand changed), its plan applied
	for _ in $(seq 300); do
		grep -q "demands #$k," "$DIR/neto-controller.log" &&
			grep -A4 "demands #$k," "$DIR/neto-controller.log" | grep -q "plan #" && break
		sleep 0.1
	done
	id=$(grep -A4 "demands #$k," "$DIR/neto-controller.log" | sed -n 's/.*plan #\([0-9]*\).*/\1/p' | head -1)
	for _ in $(seq 300); do
		read -r state step < <("$NETO" show plans --api "$API" --limit 20 2>/dev/null |
			awk -v id="${id:-x}" '$1 == id { print $3, $4 }')
		[ -n "${state:-}" ] && [ "$state" != running ] && break
		sleep 0.2
	done
	echo "plan #$id $state (steps $step) $((($(date +%s%N) - t0) / 1000000)) ms after the demand"
	grep -A4 "demands #$k," "$DIR/neto-controller.log" | head -5 | sed 's/^/  controller: /'
	n=0
	for ns in $(ip netns list | awk -v p="$P" 'index($1, p) == 1 && $1 !~ /m$/ { print $1 }'); do
		for t in 100 200 300; do
			n=$((n + $(ip -n "$ns" -6 route show table $t 2>/dev/null | grep -c "encap seg6")))
		done
	done
	echo "  kernel: $n seg6 policy routes in the routers' class tables"
	# generators: each demand as 4 flows, in the lab's scaled rates
	python3 - "$DIR/demand.csv" "$SCALE" >"$DIR/flows" <<'EOF'
import csv, sys
dscp = {"gold": 46, "silver": 26, "bronze": 10}
for r in csv.DictReader(open(sys.argv[1])):
    bps = float(r["rate"]) * 1e6 * float(sys.argv[2]) / 4
    for _ in range(4):
        print("--flow %s,%s,%d,%d" % (r["src"], r["dst"], dscp[r["class"]], bps))
EOF
	python3 - "$TOPO" "$P" >"$DIR/links" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
idx = {n["name"]: i + 1 for i, n in enumerate(t["nodes"])}
for l in t["links"]:
    print(l["id"], "%s%d" % (sys.argv[2], idx[l["src"]]), "to%d" % idx[l["dst"]], l["capacity"])
EOF
	tx() { ip -n "$1" -s link show "$2" | awk '/TX:/ { getline; print $2; exit }'; }
	# utilisation over the middle of the run (not the start, nor the
	# queues draining after the senders stop)
	# shellcheck disable=SC2046
	"$NETO" lab traffic run --topology "$TOPO" --prefix "$P" $(cat "$DIR/flows") \
		--duration "$DUR" --size 1000 >"$DIR/traffic.out" &
	gen=$!
	sleep 2
	declare -A before=()
	while read -r id ns dev cap; do before[$id]=$(tx "$ns" "$dev"); done <"$DIR/links"
	sleep $((DUR - 4))
	while read -r id ns dev cap; do
		echo "$id $(($(tx "$ns" "$dev") - before[$id])) $cap"
	done <"$DIR/links" | awk -v t=$((DUR - 4)) -v s="$SCALE" '
		{ u = $2 * 8000 / t / ($3 * 1e6 * s); printf "%s %.1f\n", $1, 100 * u }' |
		sort -k2 -n -r >"$DIR/util"
	wait $gen || exit 1
	echo "  measured utilisation, busiest links:" \
		"$(head -4 "$DIR/util" | awk '{ printf "%s %s%%  ", $1, $2 }')"
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       c = v["dscp"] == 46 ? "gold" : v["dscp"] == 26 ? "silver" : "bronze"
	       sent[c] += v["sent"]; lost[c] += v["lost"] }
	     END { printf "  loss per class:"
	           for (c in sent) printf "  %s %d/%d (%.2f%%)", c, lost[c], sent[c], 100 * lost[c] / sent[c]
	           print "" }' "$DIR/traffic.out"
done
echo
