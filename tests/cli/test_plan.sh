#!/bin/sh
# Behaviour of the `neto plan` command line: help, exit codes, error messages
# that name the file and the JSON path, plans that verify, and the verifier
# on hand-made plans (a swap over full links is caught, the same swap staged
# through a free link passes).
# usage: test_plan.sh NETO_BINARY SOURCE_DIR
set -u
NETO=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect STATUS PATTERN -- command...: runs the command, checks its exit
# status and that its combined output matches the grep pattern
expect() {
	want=$1
	pat=$2
	shift 3
	"$@" >"$TMP/out" 2>&1
	got=$?
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want: $(head -c 400 "$TMP/out")"
	[ -z "$pat" ] || grep -q -- "$pat" "$TMP/out" || fail "'$*' output lacks '$pat': $(head -c 400 "$TMP/out")"
}

AB="$SRC/tests/data/repetita/Abilene.graph"
D="$SRC/tests/data/plan"

# help and command-line errors (exit 2)
expect 0 "plan " -- "$NETO" --help
expect 0 "--max-steps" -- "$NETO" plan --help
grep -q -- "--verify" "$TMP/out" || fail "plan --help lacks --verify"
expect 2 "missing --from" -- "$NETO" plan -t "$AB" --to "$D/next.json"
expect 2 "1..1000" -- "$NETO" plan -t "$AB" --from "$D/cur.json" --to "$D/next.json" --max-steps 0
expect 2 "unknown option" -- "$NETO" plan --bogus
expect 2 "does not apply to --verify" -- "$NETO" plan --verify -t "$AB" --from "$D/cur.json" x.json
expect 2 "needs a plan file" -- "$NETO" plan --verify -t "$AB"

# bad inputs (exit 1): the file and the JSON path are named
expect 1 "nonexistent.json" -- "$NETO" plan -t "$AB" --from "$TMP/nonexistent.json" --to "$D/next.json"
sed 's/"edge_4"/"edge_x"/' "$D/cur.json" >"$TMP/badlink.json"
expect 1 "badlink.json: demands\[[0-9]*\]\.paths\[[0-9]*\]\.links\[[0-9]*\]: unknown link 'edge_x'" -- \
	"$NETO" plan -q -t "$AB" --from "$TMP/badlink.json" --to "$D/next.json"
sed 's/"rate":0,/"rate":-1,/' "$D/next.json" >"$TMP/negrate.json"
expect 1 "negrate.json: demands\[[0-9]*\]\.paths\[[0-9]*\]\.rate" -- \
	"$NETO" plan -q -t "$AB" --from "$D/cur.json" --to "$TMP/negrate.json"
sed 's/"class":"gold","demand"/"class":"silver","demand"/' "$D/cur.json" >"$TMP/badclass.json"
expect 1 "unknown class 'silver'" -- "$NETO" plan -q -t "$AB" --from "$TMP/badclass.json" --to "$D/next.json"
head -c 300 "$D/cur.json" >"$TMP/cut.json"
expect 1 "cut.json:.*invalid JSON" -- "$NETO" plan -q -t "$AB" --from "$TMP/cut.json" --to "$D/next.json"

# a plan between two real allocations: table and JSON, and the JSON verifies
expect 0 "SWAN bound" -- "$NETO" plan -q -t "$AB" --from "$D/cur.json" --to "$D/next.json"
grep -q "^throttled tunnels: " "$TMP/out" || fail "plan table lacks the throttled tunnels"
grep -q "peak util" "$TMP/out" || fail "plan table lacks the step table"
expect 0 "" -- "$NETO" plan -q -t "$AB" --from "$D/cur.json" --to "$D/next.json" -f json -o "$TMP/p.json"
grep -q '"initial":{"tunnels":\[' "$TMP/p.json" || fail "plan file lacks the initial configuration"
grep -q '"summary":{"steps":' "$TMP/p.json" || fail "plan file lacks the summary"
steps=$(sed -n 's/.*"summary":{"steps":\([0-9]*\).*/\1/p' "$TMP/p.json")
expect 0 "plan verifies: $steps steps" -- "$NETO" plan --verify -t "$AB" "$TMP/p.json"
# the same, read from stdin
expect 0 "plan verifies" -- sh -c "\"$NETO\" plan --verify -t \"$AB\" - <\"$TMP/p.json\""
# from an allocation to itself: nothing to do, still a valid plan
expect 0 "" -- "$NETO" plan -q -t "$AB" --from "$D/cur.json" --to "$D/cur.json" -f json -o "$TMP/same.json"
expect 0 "plan verifies" -- "$NETO" plan --verify -t "$AB" "$TMP/same.json"

# tight allocations (full links): a plan, if there is one, verifies and
# respects --max-steps; without one, nothing is written and the reason is said
# (the second run writes the plan to stdout, which must hold nothing else)
for m in 1 10; do
	rm -f "$TMP/tight.json"
	if [ $m -eq 1 ]; then
		"$NETO" plan -q -t "$AB" --from "$D/cur_tight.json" --to "$D/next_tight.json" \
			--max-steps $m -f json -o "$TMP/tight.json" >"$TMP/out" 2>&1
	else
		"$NETO" plan -q -t "$AB" --from "$D/cur_tight.json" --to "$D/next_tight.json" \
			--max-steps $m -f json >"$TMP/tight.json" 2>"$TMP/out"
	fi
	rc=$?
	if [ $rc -eq 0 ]; then
		expect 0 "plan verifies" -- "$NETO" plan --verify -t "$AB" "$TMP/tight.json"
		steps=$(sed -n 's/.*"summary":{"steps":\([0-9]*\).*/\1/p' "$TMP/tight.json")
		[ "$steps" -le $m ] || fail "plan of $steps steps with --max-steps $m"
	elif [ $rc -eq 1 ]; then
		grep -q "no plan" "$TMP/out" || fail "failure without a reason: $(head -c 400 "$TMP/out")"
		[ ! -s "$TMP/tight.json" ] || fail "a partial plan was written with --max-steps $m"
	else
		fail "tight plan with --max-steps $m exited $rc"
	fi
done

# hand-made plans on three parallel links of capacity 10
cat >"$TMP/par.json" <<'JSON'
{"nodes":[{"name":"a"},{"name":"b"}],
 "links":[{"id":"l1","src":"a","dst":"b","capacity":10,"delay":100},
          {"id":"l2","src":"a","dst":"b","capacity":10,"delay":100},
          {"id":"l3","src":"a","dst":"b","capacity":10,"delay":100},
          {"id":"back","src":"b","dst":"a","capacity":10,"delay":100}]}
JSON
CL='"classes":[{"name":"gold","priority":0},{"name":"bronze","priority":1}]'
G1='{"src":"a","dst":"b","class":"gold","paths":[{"links":["l1"],"rate":10}]}'
G2='{"src":"a","dst":"b","class":"gold","paths":[{"links":["l2"],"rate":10}]}'
G3='{"src":"a","dst":"b","class":"gold","paths":[{"links":["l3"],"rate":10}]}'
B1='{"src":"a","dst":"b","class":"bronze","paths":[{"links":["l1"],"rate":10}]}'
B2='{"src":"a","dst":"b","class":"bronze","paths":[{"links":["l2"],"rate":10}]}'
echo "{$CL,\"initial\":{\"tunnels\":[$G1,$B2]},\"steps\":[{\"tunnels\":[$G2,$B1]}]}" >"$TMP/swap.json"
expect 1 "step 0: link l1 (a -> b): load 20 > capacity 10" -- "$NETO" plan --verify -t "$TMP/par.json" "$TMP/swap.json"
grep -q "step 0: link l2 (a -> b): load 20 > capacity 10" "$TMP/out" || fail "second violation not listed"
grep -q "plan does not verify: 2 violations" "$TMP/out" || fail "violation count not given"
echo "{$CL,\"initial\":{\"tunnels\":[$G1,$B2]},\"steps\":[{\"tunnels\":[$G3]},{\"tunnels\":[$B1]},{\"tunnels\":[$G2]}]}" >"$TMP/staged.json"
expect 0 "plan verifies: 3 steps" -- "$NETO" plan --verify -t "$TMP/par.json" "$TMP/staged.json"

# malformed plan files: exit 1, file and JSON path named
echo "{$CL,\"initial\":{\"tunnels\":[$G1]},\"steps\":[{\"index\":4,\"tunnels\":[]}]}" >"$TMP/badidx.json"
expect 1 "badidx.json: steps\[0\]\.index: must be 0" -- "$NETO" plan --verify -t "$TMP/par.json" "$TMP/badidx.json"
echo "{$CL,\"initial\":{\"tunnels\":[$G1]},\"steps\":[{\"tunnels\":[{\"src\":\"a\",\"dst\":\"b\",\"class\":\"gold\",\"paths\":[{\"links\":[\"l9\"],\"rate\":1}]}]}]}" >"$TMP/badstep.json"
expect 1 "badstep.json: steps\[0\]\.tunnels\[0\]\.paths\[0\]\.links\[0\]: unknown link 'l9'" -- \
	"$NETO" plan --verify -t "$TMP/par.json" "$TMP/badstep.json"
printf '{"classes":[' >"$TMP/trunc.json"
expect 1 "trunc.json:1: invalid JSON" -- "$NETO" plan --verify -t "$TMP/par.json" "$TMP/trunc.json"
# a plan made for another topology
expect 1 "unknown" -- "$NETO" plan --verify -t "$TMP/par.json" "$TMP/p.json"

# an output file that cannot be written is an error, not a silent loss
expect 1 "cannot-exist" -- "$NETO" plan -q -t "$AB" --from "$D/cur.json" --to "$D/next.json" -o "$TMP/no/such/dir/cannot-exist"

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)" >&2
	exit 1
fi
echo "all checks passed"
