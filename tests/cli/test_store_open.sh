#!/bin/bash
# Several roles starting together open the same new SQLite store: each
# switches it to WAL mode, which takes an exclusive lock that SQLite may
# refuse at once (SQLITE_BUSY without the busy handler). Every process must
# open the store all the same: 8 at once, 20 times over, no failure.
# usage: test_store_open.sh NETO_BINARY SOURCE_DIR
set -u
NETO=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
for r in $(seq 1 20); do
	for i in 1 2 3 4 5 6 7 8; do
		"$NETO" check --store "sqlite:$TMP/s$r.db" > "$TMP/out-$r-$i" 2>&1 &
	done
	wait
	for i in 1 2 3 4 5 6 7 8; do
		if grep -q "sqlite" "$TMP/out-$r-$i"; then
			echo "round $r, process $i: $(head -1 "$TMP/out-$r-$i")"
			fails=$((fails + 1))
		fi
	done
done
[ "$fails" = 0 ] || { echo "FAIL: $fails of 160 opens failed"; exit 1; }
echo "PASS: 160 concurrent opens of 20 new stores"
