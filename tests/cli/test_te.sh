#!/bin/sh
# Behaviour of the `neto te` command line: help, exit codes, error messages
# that name file and line, unreachable demands, both engines, JSON output.
# usage: test_te.sh NETO_BINARY SOURCE_DIR
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

B4="$SRC/examples/b4"
AB="$SRC/tests/data/repetita/Abilene.graph"
ABD="$SRC/tests/data/repetita/Abilene.0000.demands"

expect 0 "te " -- "$NETO" --help
expect 2 "unknown command" -- "$NETO" frobnicate
expect 0 "--default-capacity" -- "$NETO" te --help
expect 2 "missing --topology" -- "$NETO" te --demands x
expect 2 "unknown option" -- "$NETO" te --bogus
expect 1 "nonexistent.graph" -- "$NETO" te -t "$TMP/nonexistent.graph" -d "$ABD"

# the demo: three classes in priority order, a table of links
expect 0 "^gold " -- "$NETO" te -q -t "$B4/topology.json" -d "$B4/demands.csv" -c "$B4/classes.csv"
grep -q "^silver " "$TMP/out" || fail "demo table lacks silver"
grep -q "^bronze " "$TMP/out" || fail "demo table lacks bronze"
grep -q "most loaded links" "$TMP/out" || fail "demo table lacks the link list"

# bad demand line: file and line number in the message, exit 1
printf 'src,dst,class,rate\n0_New_York,1_Chicago,default,10\n0_New_York,Atlantis,default,5\n' >"$TMP/bad.csv"
expect 1 "bad.csv:3" -- "$NETO" te -t "$AB" -d "$TMP/bad.csv"
grep -q "Atlantis" "$TMP/out" || fail "unknown node not named"
printf 'src,dst,class,rate\n0_New_York,1_Chicago,default,-4\n' >"$TMP/neg.csv"
expect 1 "neg.csv:2" -- "$NETO" te -t "$AB" -d "$TMP/neg.csv"

# an unreachable demand is reported, not fatal
cat >"$TMP/island.json" <<'JSON'
{"nodes":[{"name":"a"},{"name":"b"},{"name":"c"}],
 "links":[{"id":"a-b","src":"a","dst":"b","capacity":10,"delay":100},
          {"id":"b-a","src":"b","dst":"a","capacity":10,"delay":100}]}
JSON
printf 'src,dst,class,rate\na,b,default,4\na,c,default,3\n' >"$TMP/island.csv"
expect 0 "unreachable demands: 1" -- "$NETO" te -q -t "$TMP/island.json" -d "$TMP/island.csv"
grep -q "a -> c class default.*no path" "$TMP/out" || fail "unreachable demand not listed"

# both engines on a real network, JSON that reads back
expect 0 "" -- "$NETO" te -q -t "$AB" -d "$ABD" --format json -o "$TMP/h.json"
expect 0 "" -- "$NETO" te -q -t "$AB" -d "$ABD" --exact --format json -o "$TMP/e.json"
grep -q '"engine":"exact"' "$TMP/e.json" || fail "exact engine not recorded"
if [ -x "$(dirname "$NETO")/te_fairness" ]; then
	expect 0 "fairness=" -- "$(dirname "$NETO")/te_fairness" "$TMP/h.json" "$TMP/e.json"
fi
expect 0 "fairness=" -- "$NETO" te -q -t "$AB" -d "$ABD" --compare -o /dev/null

# an output file that cannot be written is an error, not a silent loss
expect 1 "cannot-exist" -- "$NETO" te -q -t "$AB" -d "$ABD" -o "$TMP/no/such/dir/cannot-exist"

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)" >&2
	exit 1
fi
echo "all checks passed"
