#!/bin/sh
# run.sh - neto's benchmarks; prints a markdown report on stdout (and keeps a
# copy in BUILD_DIR/bench/report.md). Progress goes to stderr.
#
# Usage: bench/run.sh BUILD_DIR        (`make bench` runs it on build/)
#
# Four parts (docs/benchmarks.md explains the method):
#   quality  heuristic against the exact LP engine on REPETITA instances, each
#            demand matrix x2 and x3 split into gold/silver/bronze: the
#            fairness number and total allocated ratio class by class on the
#            same residual capacity (neto te --compare) and end to end
#            (bench/te_fairness.c), engine times
#   speed    UsCarrier, three classes, x1: median time of `neto te` pinned to
#            one core (hyperfine when installed, else a plain loop)
#   kdl      Topology Zoo Kdl with a gravity matrix over all ordered pairs of
#            its largest strongly connected component: wall time, peak RSS
#   plan     the transition planner (neto plan) on real changes: consecutive
#            REPETITA matrices (.0000 -> .0001) at a few demand scales, a day
#            of real Abilene hourly matrices on the 12-site example WAN (hour
#            to hour), and link failures (target allocated without the
#            busiest link); steps, SWAN bound, peak transient utilisation,
#            throttling, compute and wall time, peak RSS, and whether
#            `neto plan --verify` accepts every plan
#
# Environment:
#   BENCH_DATA           data sets (default /work/shared/data)
#   BENCH_PARTS          parts to run (default "quality speed kdl plan")
#   BENCH_INSTANCES      REPETITA instances of the quality part
#   BENCH_SCALES         demand multipliers of the quality part (default "2 3")
#   BENCH_EXACT_TIMEOUT  seconds allowed to one exact run (default 600)
#   BENCH_END_TO_END     1 (default): also compare whole runs; 0: skip
#   BENCH_RUNS           timed runs of the speed part (default 10)
#   BENCH_KDL_TIMEOUT    seconds allowed to the Kdl run (default 1800)
#   BENCH_HYPERFINE      hyperfine command (default hyperfine; empty: time the
#                        speed runs with a plain loop)
#   BENCH_PLAN_INSTANCES REPETITA instances of the plan part (default
#                        "Abilene Geant2009 UsCarrier")
#   BENCH_PLAN_SCALES    demand multipliers of the plan part (default "0.4 1 3":
#                        0.4 leaves slack on every link, 1 and 3 fill some)
#   BENCH_PLAN_FAILURES  instances of the link-failure transitions (default
#                        "Abilene Geant2009"), at demands x1
#   BENCH_PLAN_HOUR      first hour (line of abilene_hourly.txt) of the day of
#                        hourly transitions (default 73: hours 73 to 97, the
#                        day of the busiest hour, 83)
#   BENCH_PLAN_HOURS     hourly transitions (default 24)
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
PARTS=${BENCH_PARTS:-quality speed kdl plan}
INSTANCES=${BENCH_INSTANCES:-Abilene Geant2009 Janetbackbone Bellcanada synth50_opt_hard rf1239_real_hard UsCarrier}
SCALES=${BENCH_SCALES:-2 3}
EXACT_TIMEOUT=${BENCH_EXACT_TIMEOUT:-600}
RUNS=${BENCH_RUNS:-10}
KDL_TIMEOUT=${BENCH_KDL_TIMEOUT:-1800}
HYPERFINE=${BENCH_HYPERFINE-hyperfine}
END_TO_END=${BENCH_END_TO_END:-1}
PLAN_INSTANCES=${BENCH_PLAN_INSTANCES:-Abilene Geant2009 UsCarrier}
PLAN_SCALES=${BENCH_PLAN_SCALES:-0.4 1 3}
PLAN_FAILURES=${BENCH_PLAN_FAILURES-Abilene Geant2009}
PLAN_HOUR=${BENCH_PLAN_HOUR:-73}
PLAN_HOURS=${BENCH_PLAN_HOURS:-24}

NETO=$BUILD/neto
FAIRNESS=$BUILD/te_fairness
GRAVITY=$BUILD/gravity
RUNSTAT=$BUILD/runstat
TO_CSV=$ROOT/bench/repetita-to-csv
CLASSES=$ROOT/bench/classes3.csv
PLAN_STATS=$ROOT/bench/plan-stats
PLAN_DROP_LINK=$ROOT/bench/plan-drop-link
PLAN_HOURLY_CSV=$ROOT/bench/plan-hourly-csv
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

# ---------------------------------------------------------------- plan
if has_part plan; then
	plan_start=$(date +%s)
	plan_failures=0 verify_failures=0 bound_plans=0 bound_violations=0 tiny_bounds=0
	: > "$WORK/plan.violations"

	# te_alloc TOPOLOGY CSV CLASSES OUT.json: heuristic allocation as JSON
	te_alloc() {
		"$NETO" te --topology "$1" --demands "$2" --classes "$3" --format json \
			--output "$4" --quiet 2> "$4.err"
	}
	# bound_cell B: summary.swan_bound for a table; 0 means no uniform slack
	# (some link full in the installed or the target allocation); a bound of
	# a million steps or more means a link with less than 1e-6 of its
	# capacity free (full up to floating-point rounding, in practice), and
	# shows the slack 1/B it stands for
	bound_cell() {
		awk -v b="$1" 'BEGIN {
			if (b == "") printf "-"
			else if (b + 0 == 0) printf "none"
			else if (b + 0 >= 1e6) printf "%.1e (slack %.1e)", b, 1 / b
			else printf "%d", b
		}'
	}

	# plan_one LABEL TOPOLOGY FROM.json TO.json BASE: plans FROM -> TO on
	# TOPOLOGY under runstat, reads the plan with plan-stats, checks it with
	# `neto plan --verify`; leaves BASE.plan.json, .plan.err, .plan.stat,
	# .stats and .verify, and sets plan_row (a table row) and plan_tsv
	# (steps bound max_util throttled_tunnels compute_s wall_s rss_mib verify)
	plan_one() {
		pl_label=$1
		set +e
		"$RUNSTAT" -o "$5.plan.stat" "$NETO" plan --topology "$2" --from "$3" \
			--to "$4" --format json --output "$5.plan.json" 2> "$5.plan.err"
		rc=$?
		set -e
		pl_wall=$(field wall_seconds "$5.plan.stat")
		pl_rss=$(field max_rss_kb "$5.plan.stat")
		pl_mib=$(awk -v k="$pl_rss" 'BEGIN { if (k != "") printf "%.0f", k / 1024 }')
		pl_tunnels=$(sed -n 's/^neto plan: \([0-9]*\) tunnels (.*/\1/p' "$5.plan.err" | head -n 1)
		pl_util=$(sed -n 's/.*peak utilisation \([0-9.]*%\) installed, \([0-9.]*%\) target.*/\1 \/ \2/p' \
			"$5.plan.err" | head -n 1)
		plan_tsv=""
		if [ $rc -eq 0 ] && ! "$PLAN_STATS" "$5.plan.json" > "$5.stats" 2>&1; then
			rc=1
			first_line "$5.stats" >> "$5.plan.err"
		fi
		if [ $rc -ne 0 ]; then
			plan_failures=$((plan_failures + 1))
			why="$(tail -n 1 "$5.plan.err" | tr '|' '/' | cut -c 1-100)"
			progress "plan: $pl_label: FAILED (status $rc): $why"
			plan_row="| $pl_label | $pl_tunnels | $pl_util | **planner failed (status $rc): $why** | | | | | | | | | |"
			return 0
		fi
		steps=$(field steps "$5.stats")
		bound=$(field swan_bound "$5.stats")
		maxu=$(field max_util "$5.stats")
		thr=$(field throttled_tunnels "$5.stats")
		vol=$(field throttled_volume "$5.stats")
		peak=$(field throttled_peak "$5.stats")
		secs=$(field compute_seconds "$5.stats")
		unit=$(sed -n 's/^"summary":.*"unit":"\([^"]*\)".*/\1/p' "$5.plan.json" | tail -n 1)
		total=$(sed -n 's/.*"total_allocated":\([0-9.eE+-]*\).*/\1/p' "$4" | tail -n 1)
		# SWAN's bound, where there is real slack, against the steps taken
		case $(awk -v b="$bound" 'BEGIN { print (b + 0 == 0 ? "none" : b + 0 >= 1e6 ? "tiny" : "finite") }') in
		finite)
			bound_plans=$((bound_plans + 1))
			if [ "$steps" -gt "$bound" ]; then
				bound_violations=$((bound_violations + 1))
				echo "$pl_label: $steps steps, SWAN bound $bound" >> "$WORK/plan.violations"
				progress "plan: $pl_label: $steps steps ABOVE the SWAN bound $bound"
			fi
			;;
		tiny) tiny_bounds=$((tiny_bounds + 1)) ;;
		esac
		if "$NETO" plan --verify --topology "$2" "$5.plan.json" > "$5.verify" 2>&1; then
			pl_verify=ok
		else
			verify_failures=$((verify_failures + 1))
			pl_verify="**FAILED: $(tail -n 1 "$5.verify" | tr '|' '/' | cut -c 1-80)**"
			progress "plan: $pl_label: VERIFY FAILED: $(tail -n 1 "$5.verify")"
		fi
		if [ "$thr" = 0 ]; then
			vol_cell=0 held_cell=0
		else
			vol_cell=$(awk -v v="$vol" -v u="$unit" 'BEGIN { printf "%.3g %s", v, u }')
			held_cell=$(awk -v p="$peak" -v t="$total" 'BEGIN {
				if (t + 0 > 0) printf "%.2f%%", 100 * p / t; else printf "-" }')
		fi
		progress "plan: $pl_label: $steps steps (SWAN bound $bound), $thr throttled, ${secs}s compute, ${pl_wall}s wall, verify $pl_verify"
		plan_row="| $pl_label | $pl_tunnels | $pl_util | $steps | $(bound_cell "$bound") | $(fmt %.2f "$(awk -v u="$maxu" 'BEGIN { print 100 * u }')")% | $thr | $vol_cell | $held_cell | $(fmt %.4f "$secs") | $(fmt %.2f "$pl_wall") | $pl_mib | $pl_verify |"
		plan_tsv="$steps $bound $maxu $thr $secs $pl_wall $pl_mib $pl_verify"
	}
	plan_header() {
		report "| transition | tunnels | peak util installed / target | steps | SWAN bound | max transient util | throttled tunnels | throttled volume | peak held back | plan compute s | neto plan wall s | peak RSS MiB | verify |"
		report "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	}

	report "## Transition planning: neto plan"
	report ""
	report "From one \`neto te\` allocation (heuristic, three classes) to the next:" \
		"\`neto plan --format json\` under runstat, then \`neto plan --verify\` on the plan." \
		"Steps, SWAN bound, transient utilisation and throttling are read from the plan file" \
		"(bench/plan-stats); \"plan compute s\" is summary.compute_seconds (plan_make alone)," \
		"\"neto plan wall s\" and peak RSS the whole command (reading both allocations included)." \
		"SWAN bound \"none\": some link is full in the installed or the target allocation" \
		"(no uniform slack); a bound of a million or more is shown with the slack it stands" \
		"for (under 1e-6 of a link free: a link full up to floating-point rounding)." \
		"Throttled volume: sum over throttle records of (normal - limit) x configurations held;" \
		"peak held back: the most rate held back in one configuration, in % of the target's total."
	report ""

	# REPETITA .0000 -> .0001
	progress "plan: REPETITA .0000 -> .0001 ($PLAN_INSTANCES; x$PLAN_SCALES)"
	report "### REPETITA matrices .0000 -> .0001, and link failures"
	report ""
	plan_header
	for inst in $PLAN_INSTANCES; do
		graph=$DATA/repetita/$inst.graph
		if [ ! -f "$graph" ] || [ ! -f "$DATA/repetita/$inst.0000.demands" ] ||
			[ ! -f "$DATA/repetita/$inst.0001.demands" ]; then
			progress "plan: $inst: no data, skipped"
			report "| $inst | no data | | | | | | | | | | | |"
			continue
		fi
		for scale in $PLAN_SCALES; do
			base=$WORK/plan.$inst.x$scale
			ok=1
			for i in 0 1; do
				if ! "$TO_CSV" "$graph" "$DATA/repetita/$inst.000$i.demands" "$scale" \
					> "$base.$i.csv" 2> "$base.$i.csv.log" ||
					! te_alloc "$graph" "$base.$i.csv" "$CLASSES" "$base.$i.json"; then
					progress "plan: $inst x$scale: allocation $i failed: $(first_line "$base.$i.json.err")"
					report "| $inst x$scale | allocation of .000$i failed: $(first_line "$base.$i.json.err") | | | | | | | | | | | |"
					ok=0
					break
				fi
			done
			[ $ok = 1 ] || continue
			plan_one "$inst x$scale" "$graph" "$base.0.json" "$base.1.json" "$base"
			report "$plan_row"
		done
	done

	# link failures: the same matrix (.0000 x1) allocated without the
	# busiest link, planned on the full topology
	for inst in $PLAN_FAILURES; do
		graph=$DATA/repetita/$inst.graph
		if [ ! -f "$graph" ] || [ ! -f "$DATA/repetita/$inst.0000.demands" ]; then
			progress "plan: $inst failure: no data, skipped"
			report "| $inst, link down | no data | | | | | | | | | | | |"
			continue
		fi
		base=$WORK/plan.$inst.fail
		if ! "$TO_CSV" "$graph" "$DATA/repetita/$inst.0000.demands" 1 \
			> "$base.csv" 2> "$base.csv.log" ||
			! te_alloc "$graph" "$base.csv" "$CLASSES" "$base.0.json" ||
			! "$PLAN_DROP_LINK" "$graph" "$base.0.json" > "$base.graph" 2> "$base.graph.log" ||
			! te_alloc "$base.graph" "$base.csv" "$CLASSES" "$base.1.json"; then
			progress "plan: $inst failure: inputs failed"
			report "| $inst x1, link down | inputs failed (see $base.*) | | | | | | | | | | | |"
			continue
		fi
		link=$(sed -n 's/^plan-drop-link: removed \([^ ]*\) (\([^,]*\),.*/\1 (\2)/p' "$base.graph.log")
		plan_one "$inst x1, $link down" "$graph" "$base.0.json" "$base.1.json" "$base"
		report "$plan_row"
	done
	report ""
	report "Link down: the busiest link of the x1 allocation of .0000 (largest load; one direction)" \
		"is removed from the .graph (bench/plan-drop-link), the same matrix is allocated on" \
		"the rest, and the move is planned on the full topology, where that link carries" \
		"nothing in the target."
	report ""

	# a day of real hourly matrices on the example WAN
	tm=$DATA/abilene-tm/abilene_hourly.txt
	b4=$ROOT/examples/b4/topology.json
	b4_classes=$ROOT/examples/b4/classes.csv
	last=$((PLAN_HOUR + PLAN_HOURS))
	report "### A day of real matrices: Abilene hourly on the 12-site example WAN"
	report ""
	if [ ! -f "$tm" ] || [ ! -f "$b4" ]; then
		progress "plan: no hourly data, skipped"
		report "No data ($tm), skipped."
	else
		progress "plan: hourly, hours $PLAN_HOUR to $last"
		report "Hours $PLAN_HOUR to $last of abilene_hourly.txt (bench/plan-hourly-csv: the rule" \
			"and scale of scripts/make-b4-example, which overloads the network at busy hours)," \
			"examples/b4/topology.json and classes.csv; one plan from each hour to the next."
		report ""
		plan_header
		: > "$WORK/plan.hourly.tsv"
		h=$PLAN_HOUR
		while [ "$h" -le "$last" ]; do
			base=$WORK/plan.hour$h
			if ! "$PLAN_HOURLY_CSV" "$tm" "$b4" "$h" > "$base.csv" 2> "$base.csv.log" ||
				! te_alloc "$b4" "$base.csv" "$b4_classes" "$base.json"; then
				echo "run.sh: hour $h: $(first_line "$base.csv.log") $(first_line "$base.json.err")" >&2
				exit 1
			fi
			h=$((h + 1))
		done
		h=$PLAN_HOUR
		while [ "$h" -lt "$last" ]; do
			plan_one "hour $h -> $((h + 1))" "$b4" "$WORK/plan.hour$h.json" \
				"$WORK/plan.hour$((h + 1)).json" "$WORK/plan.hour$h"
			report "$plan_row"
			[ -z "$plan_tsv" ] || echo "$plan_tsv" >> "$WORK/plan.hourly.tsv"
			h=$((h + 1))
		done
		report ""
		# medians (and max) over the planned transitions
		# shellcheck disable=SC2046 # numbers, split on purpose
		set -- $(awk '
			function med(col,    i, j, t, a, n) {
				n = 0
				for (i = 1; i <= NR; i++) a[++n] = v[i, col] + 0
				for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
				return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
			}
			function mx(col,    i, m) {
				m = v[1, col] + 0
				for (i = 2; i <= NR; i++) if (v[i, col] + 0 > m) m = v[i, col] + 0
				return m
			}
			{ for (c = 1; c <= NF; c++) v[NR, c] = $c; if ($4 > 0) thr++; if ($8 == "ok") ok++ }
			END {
				if (NR == 0) { print "0 - - - - - - - - - - - -"; exit }
				printf "%d %d %g %g %.2f %.2f %d %.4f %.4f %.3f %.3f %d %d\n", NR, ok + 0,
				    med(1), mx(1), 100 * med(3), 100 * mx(3), thr + 0,
				    med(5), mx(5), med(6), mx(6), med(7), mx(7)
			}' "$WORK/plan.hourly.tsv")
		n_h=$1 ok_h=$2
		report "| hourly transitions | planned | verified | steps median (max) | max transient util median (max) | with throttling | plan compute s median (max) | neto plan wall s median (max) | peak RSS MiB median (max) |"
		report "|---|---|---|---|---|---|---|---|---|"
		report "| $PLAN_HOURS | $n_h | $ok_h | $3 ($4) | $5% ($6%) | $7 | $8 ($9) | ${10} (${11}) | ${12} (${13}) |"
		report ""
		report "SWAN bound over the day: $(awk '{ b = $2 + 0; if (b == 0) n++; else if (b >= 1e6) r++; else f++ }
			END { printf "finite on %d transitions, none on %d, a million steps or more on %d", f, n, r }' "$WORK/plan.hourly.tsv")."
	fi
	report ""
	plan_secs=$(($(date +%s) - plan_start))
	report "Checks: $plan_failures planner failures; $verify_failures plans rejected by \`neto plan --verify\`;" \
		"$bound_plans plans with a finite SWAN bound, $bound_violations with more steps than it$(
			[ "$bound_violations" = 0 ] || printf ' (%s)' "$(tr '\n' ';' < "$WORK/plan.violations")");" \
		"$tiny_bounds bounds of a million steps or more (slack under 1e-6). Plan part: ${plan_secs}s."
	if [ "$plan_failures" != 0 ] || [ "$verify_failures" != 0 ]; then
		report ""
		report "**WARNING: $plan_failures planner failures, $verify_failures verify failures (details in $WORK/plan.*.err, .verify)**"
	fi
	report ""
fi

progress "report: $REPORT"
