#!/bin/sh
# pg-start.sh DIR - starts a throwaway PostgreSQL cluster in DIR for the
# store tests (a CTest fixture; pg-stop.sh DIR is its cleanup).
#
# The cluster listens on a Unix socket in DIR only (no TCP), so clusters of
# several build directories running their tests at the same time do not
# collide. PostgreSQL refuses to run as root: as root, DIR is given to the
# `postgres` system user (Debian package postgresql) and the server runs as
# that user. Authentication is trust for the socket's owner and role "neto";
# fsync is off: nothing here outlives the test run. The default collation
# is ICU English, where text does not sort bytewise (as on most real
# servers), so the tests see whether the store orders text like SQLite.
#
# Connect with: host=DIR port=5432 user=neto dbname=postgres
set -eu

dir=${1:?usage: pg-start.sh DIR}
here=$(dirname "$0")

bin=""
for b in /usr/lib/postgresql/*/bin; do
	[ -x "$b/initdb" ] && bin=$b
done
if [ -z "$bin" ]; then
	echo "pg-start: no PostgreSQL server in /usr/lib/postgresql/*/bin" \
		"(Debian package postgresql; see scripts/bootstrap)" >&2
	exit 1
fi

# a cluster left running by an interrupted run
if [ -f "$dir/data/postmaster.pid" ]; then
	sh "$here/pg-stop.sh" "$dir" || true
fi
rm -rf "$dir"
mkdir -p "$dir"

run=""
if [ "$(id -u)" -eq 0 ]; then
	if ! id -u postgres >/dev/null 2>&1; then
		echo "pg-start: running as root and there is no postgres user" >&2
		exit 1
	fi
	chown postgres "$dir"
	run="runuser -u postgres --"
	if ! $run test -w "$dir"; then
		echo "pg-start: user postgres cannot write $dir (a parent directory" \
			"is not searchable by others?)" >&2
		exit 1
	fi
fi

if ! $run "$bin/initdb" -D "$dir/data" -A trust -U neto -E UTF8 --locale=C.UTF-8 \
	--locale-provider=icu --icu-locale=en \
	--no-sync >"$dir/initdb.log" 2>&1; then
	cat "$dir/initdb.log" >&2
	exit 1
fi
if ! $run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	-o "-k $dir -p 5432 -c listen_addresses= -c fsync=off -c full_page_writes=off" \
	start >"$dir/pg_ctl.log" 2>&1; then
	cat "$dir/pg_ctl.log" "$dir/server.log" >&2
	exit 1
fi
echo "pg-start: PostgreSQL ($bin) on host=$dir port=5432"
