#!/bin/sh
# Behaviour of `neto api`, `neto show` and `neto intent`: help, exit codes,
# an unreachable API, and a real server (`neto api` on a free loopback port
# over an SQLite store) read and changed through the command line, with the
# token from --token, NETO_TOKEN or --config.
# usage: test_show.sh NETO_BINARY SOURCE_DIR
set -u
NETO=$1
TMP=$(mktemp -d)
SERVER=""
cleanup() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
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

unset NETO_TOKEN

# help and command-line errors (exit 2)
expect 0 "show " -- "$NETO" --help
grep -q "intent " "$TMP/out" || fail "neto --help lacks intent"
grep -q "api " "$TMP/out" || fail "neto --help lacks api"
expect 0 "neto show WHAT" -- "$NETO" show --help
grep -q -- "--json" "$TMP/out" || fail "show --help lacks --json"
expect 0 "neto intent add KIND JSON" -- "$NETO" intent --help
expect 0 "neto api \[--config FILE\]" -- "$NETO" api --help
expect 2 "what to show" -- "$NETO" show
expect 2 "cannot show 'routers'" -- "$NETO" show routers
expect 2 "apply to .neto show tasks." -- "$NETO" show links --state done
expect 2 "not an http:// or https:// URL" -- "$NETO" show links --api 127.0.0.1:8080
expect 2 "add, list or delete" -- "$NETO" intent
expect 2 "intent add needs the intent" -- "$NETO" intent add pin
expect 2 "unknown option" -- "$NETO" api --bogus

# nothing listens on port 1: a clear error, exit 1
expect 1 "cannot reach the API at http://127.0.0.1:1" -- "$NETO" show health --api http://127.0.0.1:1
grep -q "serving there" "$TMP/out" || fail "unreachable API: no hint"
expect 1 "cannot reach the API" -- "$NETO" intent list --api http://127.0.0.1:1

# an invalid intent is refused before anything is sent (nothing listens there)
expect 2 "invalid pin intent: dst: missing" -- "$NETO" intent add pin '{"src":"a"}' --api http://127.0.0.1:1
expect 2 "invalid JSON" -- "$NETO" intent add drain-router '{"router":' --api http://127.0.0.1:1
expect 2 "another kind" -- "$NETO" intent add drain-router '{"kind":"pin","router":"a"}' --api http://127.0.0.1:1

# a public address needs a token
expect 1 "needs a token" -- "$NETO" api --store "sqlite:$TMP/x.db" --listen 0.0.0.0:0

# a server on a free port, with a token from its configuration file
TOKEN=cli-test-token-0123456789
cat >"$TMP/neto.ini" <<EOF
[store]
uri = sqlite:$TMP/neto.db
[api]
listen = 127.0.0.1:0
token = $TOKEN
EOF
"$NETO" api --config "$TMP/neto.ini" 2>"$TMP/server.log" &
SERVER=$!
port=""
i=0
while [ $i -lt 100 ] && [ -z "$port" ]; do
	port=$(sed -n 's/^neto api: listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/server.log")
	[ -n "$port" ] || sleep 0.1
	i=$((i + 1))
done
if [ -z "$port" ]; then
	fail "neto api did not start: $(cat "$TMP/server.log")"
	exit 1
fi
API="--api=http://127.0.0.1:$port"

expect 0 "^ok: store sqlite" -- "$NETO" show health "$API"
grep -q "^controller  none" "$TMP/out" || fail "show health: no controller line"
expect 0 '"ok":true' -- "$NETO" show health "$API" --json
expect 1 "answered 404: no topology in the store yet" -- "$NETO" show topology "$API"
expect 1 "no demand matrix" -- "$NETO" show demands "$API"
expect 1 "no plan in the store yet" -- "$NETO" show plan "$API"
expect 1 "answered 404: no such plan" -- "$NETO" show plan 5 "$API"
expect 0 "^plan  kind" -- "$NETO" show plans "$API"
expect 0 "^task  plan" -- "$NETO" show tasks "$API" --state pending
expect 0 "^agent  role" -- "$NETO" show agents "$API"
expect 0 'neto_tasks{state="pending"} 0' -- "$NETO" show metrics "$API"

# mutating requests: refused without the token or with a wrong one
expect 1 "answered 401" -- "$NETO" intent add drain-router '{"router":"a"}' "$API"
grep -q -- "--token, NETO_TOKEN or --config" "$TMP/out" || fail "401: no hint about the token"
expect 1 "answered 403: wrong token" -- "$NETO" intent add drain-router '{"router":"a"}' "$API" --token nope
expect 0 "^intent  kind" -- "$NETO" intent list "$API"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "intents were added without a token: $(cat "$TMP/out")"

# accepted with the token from the option, the environment or the file
expect 0 '^intent 1 added: drain-router {"router":"a"}' -- \
	"$NETO" intent add drain-router '{"router":"a"}' "$API" --token "$TOKEN"
expect 0 '^intent 2 added: drain-link {"src":"a","dst":"b"}' -- \
	env NETO_TOKEN="$TOKEN" "$NETO" intent add drain-link '{"dst":"b","src":"a"}' "$API"
printf '%s' '{"class":"bronze","share":0.5,"pairs":[["a","b"]]}' >"$TMP/share.json"
expect 1 "port 0 (any free port): give --api URL" -- "$NETO" intent add share --file "$TMP/share.json" --config "$TMP/neto.ini"
expect 0 "^intent 3 added: share" -- "$NETO" intent add share --file "$TMP/share.json" --config "$TMP/neto.ini" "$API"
expect 0 "^intent 4 added: pin" -- sh -c "printf '%s' '{\"src\":\"a\",\"dst\":\"c\",\"class\":\"gold\",\"path\":[\"a\",\"b\",\"c\"]}' | \"$NETO\" intent add pin --file - --config \"$TMP/neto.ini\" $API"
expect 0 '"id":5' -- "$NETO" intent add classes '{"classes":[{"name":"gold","priority":0}]}' "$API" --token "$TOKEN" --json

expect 0 "^     5  classes" -- "$NETO" intent list "$API"
[ "$(wc -l <"$TMP/out")" -eq 6 ] || fail "intent list: $(cat "$TMP/out")"
expect 0 '{"router":"a"}' -- "$NETO" show intents "$API"
expect 0 '"intents":\[{"id":1,' -- "$NETO" intent list "$API" --json

expect 1 "answered 401" -- "$NETO" intent delete 1 "$API"
expect 0 "^intent 1 deleted" -- "$NETO" intent delete 1 "$API" --token "$TOKEN"
expect 1 "answered 404: no live intent" -- "$NETO" intent delete 1 "$API" --token "$TOKEN"
expect 0 "" -- "$NETO" intent list "$API"
grep -q "drain-router" "$TMP/out" && fail "deleted intent still listed"

expect 0 "intent-delete  intent 1" -- "$NETO" show audit "$API"
expect 0 '"action":"intent-add"' -- "$NETO" show audit "$API" --after 0 --limit 2 --json

# SIGTERM stops the server cleanly
kill -TERM "$SERVER"
wait "$SERVER"
status=$?
SERVER=""
[ "$status" -eq 0 ] || fail "neto api exited $status after SIGTERM"
grep -q "SIGTERM, stopping" "$TMP/server.log" || fail "neto api: no stop message"
expect 1 "cannot reach the API" -- "$NETO" show health "$API"

[ "$fails" -eq 0 ] || { echo "$fails failures" >&2; exit 1; }
echo "ok"
