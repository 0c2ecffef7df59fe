#!/bin/sh
# run.sh - neto's benchmarks; prints a markdown report on stdout (and keeps a
# copy in BUILD_DIR/bench/report.md). Progress goes to stderr.
#
# Usage: bench/run.sh BUILD_DIR        (`make bench` runs it on build/)
#
# Three parts (docs/benchmarks.md explains the method):
#   quality  heuristic against the exact LP engine on REPETITA instances, each
#            demand matrix x2 and x3 split into gold/silver/bronze: the
#            fairness number and total allocated ratio class by class on the
#            same residual capacity (neto te --compare) and end to end
#            (bench/te_fairness.c), engine times
#   speed    UsCarrier, three classes, x1: median time of `neto te` pinned to
#            one core (hyperfine when installed, else a plain loop)
#   kdl      Topology Zoo Kdl with a gravity matrix over all ordered pairs of
#            its largest strongly connected component: wall time, peak RSS
#
# Environment:
#   BENCH_DATA           data sets (default /work/shared/data)
#   BENCH_PARTS          parts to run (default "quality speed kdl")
#   BENCH_INSTANCES      REPETITA instances of the quality part
#   BENCH_SCALES         demand multipliers of the quality part (default "2 3")
#   BENCH_EXACT_TIMEOUT  seconds allowed to one exact run (default 600)
#   BENCH_END_TO_END     1 (default): also compare whole runs; 0: skip
#   BENCH_RUNS           timed runs of the speed part (default 10)
#   BENCH_KDL_TIMEOUT    seconds allowed to the Kdl run (default 1800)
#   BENCH_HYPERFINE      hyperfine command (default hyperfine; empty: time the
#                        speed runs with a plain loop)
#
# Generated inputs and outputs stay under BUILD_DIR/bench/. Needs only
# coreutils (timeout), util-linux (taskset) and awk; hyperfine (Debian package
# `hyperfine`) is used for the speed part when present.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: bench/run.sh BUILD_DIR" >&2
	exit 2
fi
BUILD=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${BENCH_DATA:-/work/shared/data}
PARTS=${BENCH_PARTS:-quality speed kdl}
INSTANCES=${BENCH_INSTANCES:-Abilene Geant2009 Janetbackbone Bellcanada synth50_opt_hard rf1239_real_hard UsCarrier}
SCALES=${BENCH_SCALES:-2 3}
EXACT_TIMEOUT=${BENCH_EXACT_TIMEOUT:-600}
RUNS=${BENCH_RUNS:-10}
KDL_TIMEOUT=${BENCH_KDL_TIMEOUT:-1800}
HYPERFINE=${BENCH_HYPERFINE-hyperfine}
END_TO_END=${BENCH_END_TO_END:-1}

NETO=$BUILD/neto
FAIRNESS=$BUILD/te_fairness
GRAVITY=$BUILD/gravity
RUNSTAT=$BUILD/runstat
TO_CSV=$ROOT/bench/repetita-to-csv
CLASSES=$ROOT/bench/classes3.csv
WORK=$BUILD/bench
REPORT=$WORK/report.md

for x in "$NETO" "$FAIRNESS" "$GRAVITY" "$RUNSTAT"; do
	if [ ! -x "$x" ]; then
		echo "run.sh: $x is missing: build first (make build)" >&2
		exit 1
	fi
done
mkdir -p "$WORK"
: > "$REPORT"

progress() { printf '==> %s %s\n' "$(date '+%H:%M:%S')" "$*" >&2; }
report() { printf '%s\n' "$*" | tee -a "$REPORT"; }
# field NAME FILE: the value of NAME=<value> in FILE (last occurrence)
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" "$2" | tail -n 1; }
# fmt PRINTF-FORMAT NUMBER: formats a number, or prints "-" for an empty one
fmt() { if [ -n "$2" ]; then awk -v v="$2" "BEGIN { printf \"$1\", v }"; else printf -- '-'; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b + 0 > 0) printf "%.1f", a / b; else printf "-" }'; }
# first line of a file, for error cells (pipes would break the table)
first_line() { head -n 1 "$1" 2>/dev/null | tr '|' '/' | cut -c 1-100; }

has_part() {
	case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# demands file of an instance: NAME.0000.demands, else the single NAME.demands
demands_of() {
	if [ -f "$DATA/repetita/$1.0000.demands" ]; then
		echo "$DATA/repetita/$1.0000.demands"
	else
		echo "$DATA/repetita/$1.demands"
	fi
}

# pinning to core 0, when the machine allows it
PIN=""
if command -v taskset > /dev/null 2>&1 && taskset -c 0 true 2> /dev/null; then
	PIN="taskset -c 0"
fi

report "# neto benchmark report"
report ""
report "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
report "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)"
report "- machine: $(uname -srm), $(grep -m 1 'model name' /proc/cpuinfo 2> /dev/null | sed 's/.*: //'), $(nproc) CPUs"
report "- build: $BUILD"
report ""

# ---------------------------------------------------------------- quality
if has_part quality; then
	progress "quality: heuristic vs exact (timeout ${EXACT_TIMEOUT}s per exact run)"
	report "## Quality: heuristic against exact"
	report ""
	report "REPETITA demands x scale, split gold 20% / silver 30% / bronze 50%" \
		"(bench/classes3.csv, K = 4). Fairness, total ratio and times are class" \
		"by class on the same residual capacity (\`neto te --compare\`); times" \
		"are the two engines' allocation times in the same run. The end-to-end" \
		"columns compare two whole runs (bench/te_fairness)."
	report ""
	report "| instance | scale | demands | fairness | total ratio | heuristic s | exact s | exact / heuristic | end-to-end fairness | end-to-end total ratio |"
	report "|---|---|---|---|---|---|---|---|---|---|"
	for inst in $INSTANCES; do
		graph=$DATA/repetita/$inst.graph
		dem=$(demands_of "$inst")
		if [ ! -f "$graph" ] || [ ! -f "$dem" ]; then
			progress "$inst: no data, skipped"
			report "| $inst | | | no data | | | | | | |"
			continue
		fi
		timed_out=""
		for scale in $SCALES; do
			base=$WORK/$inst.x$scale
			if [ -n "$timed_out" ]; then
				progress "$inst x$scale: skipped (exact timed out at x$timed_out)"
				report "| $inst | x$scale | | skipped: exact over ${EXACT_TIMEOUT}s at x$timed_out | | | | | | |"
				continue
			fi
			progress "$inst x$scale: demands"
			if ! "$TO_CSV" "$graph" "$dem" "$scale" > "$base.csv" 2> "$base.csv.log"; then
				progress "$inst x$scale: conversion failed: $(first_line "$base.csv.log")"
				report "| $inst | x$scale | | conversion failed: $(first_line "$base.csv.log") | | | | | | |"
				continue
			fi
			n_dem=$(($(wc -l < "$base.csv") - 1))

			# Class by class on the same residual capacity (neto te
			# --compare): the measure of the engine itself.
			progress "$inst x$scale: heuristic and exact, class by class"
			set +e
			"$RUNSTAT" -o "$base.cmp.stat" timeout "$EXACT_TIMEOUT" "$NETO" te \
				--topology "$graph" --demands "$base.csv" --classes "$CLASSES" \
				--compare --format json --output "$base.heur.json" --quiet \
				2> "$base.compare"
			rc=$?
			set -e
			if [ $rc -eq 124 ]; then
				progress "$inst x$scale: exact over ${EXACT_TIMEOUT}s, skipped"
				report "| $inst | x$scale | $n_dem | skipped: exact over ${EXACT_TIMEOUT}s | | | | | | |"
				timed_out=$scale
				continue
			fi
			if [ $rc -ne 0 ]; then
				progress "$inst x$scale: failed (status $rc): $(first_line "$base.compare")"
				report "| $inst | x$scale | $n_dem | failed (status $rc): $(tail -n 1 "$base.compare" | tr '|' '/' | cut -c 1-100) | | | | | | |"
				continue
			fi
			fair=$(field fairness "$base.compare")
			tot=$(field total_ratio "$base.compare")
			hs=$(field heur_seconds "$base.compare")
			es=$(field exact_seconds "$base.compare")

			# End to end: two whole runs compared (bench/te_fairness.c).
			# Lower classes then see different residual networks, because
			# equally fair higher-class allocations may be routed
			# differently; this column shows how much that matters.
			e2e_f="" e2e_t=""
			if [ "$END_TO_END" = 1 ]; then
				progress "$inst x$scale: exact end to end"
				set +e
				timeout "$EXACT_TIMEOUT" "$NETO" te --topology "$graph" \
					--demands "$base.csv" --classes "$CLASSES" --exact \
					--format json --output "$base.exact.json" --quiet \
					2> "$base.exact.err" &&
					"$FAIRNESS" "$base.heur.json" "$base.exact.json" \
						> "$base.fairness" 2>&1
				rc=$?
				set -e
				if [ $rc -eq 0 ]; then
					e2e_f=$(field fairness "$base.fairness")
					e2e_t=$(field total_ratio "$base.fairness")
				fi
			fi
			progress "$inst x$scale: fairness $fair, total ratio $tot, heuristic ${hs}s, exact ${es}s"
			report "| $inst | x$scale | $n_dem | $(fmt %.4f "$fair") | $(fmt %.4f "$tot") | $(fmt %.4f "$hs") | $(fmt %.3f "$es") | $(ratio "$es" "$hs") | $(fmt %.4f "$e2e_f") | $(fmt %.4f "$e2e_t") |"
		done
	done
	report ""
	report "Per-class tables: $WORK/<instance>.x<scale>.compare (class by class) and .fairness (end to end)"
	report ""
fi

# ---------------------------------------------------------------- speed
if has_part speed; then
	inst=UsCarrier
	graph=$DATA/repetita/$inst.graph
	dem=$DATA/repetita/$inst.0000.demands
	base=$WORK/speed.$inst.x1
	report "## Speed: UsCarrier, three classes"
	report ""
	if [ ! -f "$graph" ] || [ ! -f "$dem" ]; then
		progress "speed: no UsCarrier data, skipped"
		report "No data ($graph), skipped."
	else
		progress "speed: demands"
		if ! "$TO_CSV" "$graph" "$dem" 1 > "$base.csv" 2> "$base.csv.log"; then
			echo "run.sh: $(first_line "$base.csv.log")" >&2
			exit 1
		fi
		n_dem=$(($(wc -l < "$base.csv") - 1))
		set -- "$NETO" te --topology "$graph" --demands "$base.csv" \
			--classes "$CLASSES" --format json --output /dev/null --quiet
		pin_note="pinned to CPU 0 (taskset -c 0)"
		[ -n "$PIN" ] || pin_note="not pinned (taskset unavailable)"
		if [ -n "$HYPERFINE" ] && command -v "$HYPERFINE" > /dev/null 2>&1; then
			progress "speed: hyperfine, $RUNS runs, $pin_note"
			cmd=""
			for a in "$@"; do cmd="$cmd '$a'"; done
			$PIN "$HYPERFINE" -N --warmup 1 --runs "$RUNS" --style basic \
				--export-json "$base.hyperfine.json" "$cmd" >&2
			hf_stat() {
				# shellcheck disable=SC2020
				tr ',{}' '\n\n\n' < "$base.hyperfine.json" |
					sed -n "s/^ *\"$1\": *\([0-9.eE+-]*\).*/\1/p" | head -n 1
			}
			med=$(hf_stat median)
			mean=$(hf_stat mean)
			sd=$(hf_stat stddev)
			lo=$(hf_stat min)
			hi=$(hf_stat max)
			usr=$(hf_stat user)
			tool="hyperfine $("$HYPERFINE" --version | sed 's/^hyperfine //')"
		else
			progress "speed: no hyperfine; plain loop, $RUNS runs, $pin_note"
			$PIN "$RUNSTAT" -o "$base.warmup.stat" "$@" 2> /dev/null || true
			: > "$base.times"
			: > "$base.user"
			i=0
			while [ $i -lt "$RUNS" ]; do
				$PIN "$RUNSTAT" -o "$base.run.stat" "$@" 2> "$base.err" || {
					progress "speed: neto failed: $(first_line "$base.err")"
					break
				}
				field wall_seconds "$base.run.stat" >> "$base.times"
				field user_seconds "$base.run.stat" >> "$base.user"
				i=$((i + 1))
			done
			# shellcheck disable=SC2046 # five numbers, split on purpose
			set -- $(sort -n "$base.times" | awk '
				{ v[NR] = $1; s += $1; ss += $1 * $1 }
				END {
					if (NR == 0) { print "- - - - -"; exit }
					m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
					mu = s / NR; var = ss / NR - mu * mu
					printf "%g %g %g %g %g\n", m, mu, (var > 0 ? sqrt(var) : 0), v[1], v[NR]
				}')
			med=$1 mean=$2 sd=$3 lo=$4 hi=$5
			usr=$(awk '{ s += $1 } END { if (NR) printf "%g", s / NR }' "$base.user")
			tool="a runstat loop (no hyperfine)"
		fi
		progress "speed: median ${med}s"
		report "\`neto te\` heuristic, $n_dem demands (UsCarrier.0000 x1, three classes), JSON to /dev/null; $RUNS runs after one warm-up, $pin_note, measured with $tool."
		report ""
		report "| median s | mean s | stddev s | min s | max s | mean user CPU s |"
		report "|---|---|---|---|---|---|"
		report "| $(fmt %.4f "$med") | $(fmt %.4f "$mean") | $(fmt %.4f "$sd") | $(fmt %.4f "$lo") | $(fmt %.4f "$hi") | $(fmt %.4f "$usr") |"
		report ""
		report "Wall time counts waiting for the core when the machine is busy; user CPU time does not."
	fi
	report ""
fi

# ---------------------------------------------------------------- kdl
if has_part kdl; then
	graph=$DATA/zoo/Kdl.graphml
	base=$WORK/kdl
	report "## Scale: Kdl, gravity matrix over all pairs"
	report ""
	if [ ! -f "$graph" ]; then
		progress "kdl: no data, skipped"
		report "No data ($graph), skipped."
	else
		progress "kdl: gravity matrix"
		if ! "$GRAVITY" "$graph" --classes 1 > "$base.csv" 2> "$base.csv.log"; then
			echo "run.sh: $(first_line "$base.csv.log")" >&2
			exit 1
		fi
		n_dem=$(($(wc -l < "$base.csv") - 1))
		progress "kdl: $n_dem demands; neto te (timeout ${KDL_TIMEOUT}s)"
		set +e
		"$RUNSTAT" -o "$base.stat" timeout "$KDL_TIMEOUT" "$NETO" te --topology "$graph" \
			--demands "$base.csv" --default-capacity 1000 --format json \
			--output /dev/null --quiet 2> "$base.err"
		rc=$?
		set -e
		wall=$(field wall_seconds "$base.stat")
		rss=$(field max_rss_kb "$base.stat")
		usr=$(field user_seconds "$base.stat")
		mib=$(awk -v k="$rss" 'BEGIN { if (k != "") printf "%.0f", k / 1024; else printf "-" }')
		report "Gravity matrix: $(sed 's/^gravity: //' "$base.csv.log"). Capacity 1000 on every link, one class, heuristic engine, JSON to /dev/null."
		report ""
		report "| demands | status | wall s | user CPU s | peak RSS MiB |"
		report "|---|---|---|---|---|"
		if [ $rc -eq 124 ]; then
			progress "kdl: over ${KDL_TIMEOUT}s"
			report "| $n_dem | over ${KDL_TIMEOUT}s | >$KDL_TIMEOUT | | $mib |"
		elif [ $rc -ne 0 ]; then
			progress "kdl: failed (status $rc): $(first_line "$base.err")"
			report "| $n_dem | failed: $(first_line "$base.err") | $(fmt %.2f "$wall") | | |"
		else
			progress "kdl: ${wall}s, peak RSS ${rss} kB"
			report "| $n_dem | ok | $(fmt %.2f "$wall") | $(fmt %.2f "$usr") | $mib |"
		fi
	fi
	report ""
fi

progress "report: $REPORT"
