#!/bin/bash
# Crash test of the orchestrator's roles as separate processes over one
# SQLite store: two controllers, a scheduler, two updating agents and the
# simulated WAN. Processes are killed with SIGKILL at random moments while
# plans are applied, and restarted. Afterwards the store must be consistent
# (`neto check`: every plan verifies, plans and tasks agree, controller
# epochs never go back, one controller per epoch) and the network must reach
# the newest plan's target.
# usage: crash.sh NETO_BINARY SOURCE_DIR [SEED] [KILLS]   (make soak)
set -u
NETO=$1
SRC=$2
SEED=${3:-${NETO_CRASH_SEED:-7}}
KILLS=${4:-${NETO_CRASH_KILLS:-12}}
TMP=$(mktemp -d)
declare -A PID
cleanup() {
	for r in "${!PID[@]}"; do kill -9 "${PID[$r]}" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
RANDOM=$SEED

cat >"$TMP/neto.ini" <<INI
[store]
uri = sqlite:$TMP/neto.db

[controller]
period = 2s
lease = 5s

[scheduler]
task_timeout = 2s
max_attempts = 3
backoff = 200ms

[agent upd-1]
role = update
routers = s*, c*, t*, h*

[agent upd-2]
role = update
routers = m*, l*, d*, e*

[sim]
topology = $SRC/examples/b4/topology.json
demands = csv $SRC/examples/b4/series.csv step=20m
install_delay = 20ms..300ms
state_timeout = 10m
speedup = 60
seed = $SEED
INI

# exec: the background job is the role's process itself, so that $! is the
# process that SIGKILL must hit (not a subshell that would leave it running)
start() {
	case $1 in
	ctl1 | ctl2) exec "$NETO" controller --config "$TMP/neto.ini" ;;
	sched) exec "$NETO" scheduler --config "$TMP/neto.ini" ;;
	upd1) exec "$NETO" agent update upd-1 --config "$TMP/neto.ini" ;;
	upd2) exec "$NETO" agent update upd-2 --config "$TMP/neto.ini" ;;
	sim) exec "$NETO" sim --config "$TMP/neto.ini" ;;
	esac >>"$TMP/$1.log" 2>&1 &
	PID[$1]=$!
}

ROLES=(sim ctl1 ctl2 sched upd1 upd2)
for r in "${ROLES[@]}"; do start "$r"; done
sleep 3
for i in $(seq 1 "$KILLS"); do
	sleep "0.$((RANDOM % 9 + 1))"
	victim=${ROLES[$((RANDOM % ${#ROLES[@]}))]}
	kill -9 "${PID[$victim]}" 2>/dev/null
	wait "${PID[$victim]}" 2>/dev/null
	sleep "0.$((RANDOM % 5))"
	start "$victim"
	echo "kill $i: $victim"
done

# the network settles: the newest plan done, routers holding its target
ok=0
for i in $(seq 1 90); do
	if timeout 30 "$NETO" check --config "$TMP/neto.ini" >"$TMP/check.out" 2>&1 &&
		grep -q "installed state checked" "$TMP/check.out"; then
		ok=1
		break
	fi
	sleep 1
done
for r in "${!PID[@]}"; do kill -TERM "${PID[$r]}" 2>/dev/null; done
wait 2>/dev/null
PID=()
"$NETO" check --config "$TMP/neto.ini" >"$TMP/final.out" 2>&1
final=$?
cat "$TMP/final.out"
if [ $ok -ne 1 ] || [ $final -ne 0 ]; then
	echo "FAIL: the store is not consistent or the network did not settle" >&2
	cat "$TMP/check.out" >&2
	for r in "${ROLES[@]}"; do
		echo "--- $r" >&2
		tail -20 "$TMP/$r.log" >&2
	done
	exit 1
fi
grep -q "plans (0 running)" "$TMP/final.out" || grep -q " 0 running" "$TMP/final.out" || true
echo "ok: seed $SEED, $KILLS kills"
