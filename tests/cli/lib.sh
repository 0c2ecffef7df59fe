# lib.sh - what the command-line tests share; sourced by tests/cli/test_*.sh
# after they set NETO and SRC:
#   TMP         a temporary directory, removed on exit
#   fail MSG    records a failure (the test goes on)
#   expect STATUS PATTERN -- COMMAND...
#               runs the command, checks its exit status and that its
#               combined output ($TMP/out) matches the grep pattern
#   finish      exits 1 after any failure, else prints "all passed"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

expect() {
	want=$1
	pat=$2
	shift 3
	"$@" >"$TMP/out" 2>&1
	got=$?
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want: $(head -c 600 "$TMP/out")"
	[ -z "$pat" ] || grep -q -- "$pat" "$TMP/out" || fail "'$*' output lacks '$pat': $(head -c 600 "$TMP/out")"
}

finish() {
	[ "$fails" -eq 0 ] || exit 1
	echo "all passed"
	exit 0
}
