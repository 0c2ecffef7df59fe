#!/bin/sh
# pg-stop.sh DIR - stops the cluster pg-start.sh started in DIR and removes
# DIR (CTest fixture cleanup).
set -eu

dir=${1:?usage: pg-stop.sh DIR}
[ -d "$dir" ] || exit 0

bin=""
for b in /usr/lib/postgresql/*/bin; do
	[ -x "$b/pg_ctl" ] && bin=$b
done
run=""
[ "$(id -u)" -eq 0 ] && run="runuser -u postgres --"

status=0
if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
	$run "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || status=1
fi
if [ "$status" -ne 0 ]; then
	echo "pg-stop: could not stop the cluster in $dir; server log:" >&2
	tail -n 20 "$dir/server.log" >&2 || true
	exit 1
fi
rm -rf "$dir"
