#!/bin/bash
# pe_fulltable.sh - full Internet tables from 4 ISPs at one border router,
# watched over BMP: how long the border router (FRR 8.4 bgpd) and the BMP
# collector (`neto bmp`) take to hold every (prefix, path), and how much
# memory each needs per (prefix, path), measured in the same run; then BIRD 2
# holding the same four feeds, as a second BGP implementation.
#
#   ISP k (k = 1..4) is `neto bgp --announce-many N` in namespace npf-ik,
#   AS 6450k: N consecutive /24s from 11.0.0.0, 800 per UPDATE, AS path
#   (6450k), next hop its own address; the four tables hold the same
#   prefixes with a different path each.
#   The border router, namespace npf-br, AS 65000, is in turn
#   (a) FRR bgpd (`-M bmp -n`: BMP module, no routes to the kernel) with
#       `soft-reconfiguration inbound` on every ISP (FRR 8.4 reports
#       pre-policy routes over BMP only from the soft-reconfiguration copy),
#       an outbound route-map that denies everything (a border router does
#       not pass one ISP's routes to another), and `bmp monitor ipv4
#       unicast pre-policy` towards `neto bmp` on 127.0.0.1 in the same
#       namespace;
#   (b) BIRD 2 with four BGP protocols, `import all; export none`, no kernel
#       protocol (the routes stay in BIRD's table).
#
# Clock: t0 is when the ISP speakers are started (the receivers already
# listening, FRR's BMP session already up). FRR holds the paths when the
# sum of pfxRcd over its four neighbours (`show bgp ipv4 unicast summary
# json`) is 4N; neto when its summary (every 0.5 s) says `routes 4N`; BIRD
# when `show route count` says 4N routes. Memory: VmRSS once the count is
# reached and the stream has drained (no more messages for 2 s), and the
# peak (VmHWM); bytes per (prefix, path) = VmRSS x 1024 / 4N, the whole
# process (baseline included). CPU: user + system seconds of each process
# (all its threads) from /proc/PID/stat at that point, a fairer measure
# than wall time on a shared machine, and the one that shows whether neto
# bmp waited for FRR's BMP stream or the reverse; so do the BMP
# connection's Recv-Q (octets received, not yet read by neto) and Send-Q
# (octets FRR wrote, not yet acknowledged), averaged over the polls between
# FRR holding every path and neto holding every route: full queues mean
# neto is behind, empty ones that FRR has not written the rest yet.
#
# usage: sudo nice bash bench/pe_fulltable.sh NETO_BINARY [PREFIXES] [REPEATS] [PARTS]
#   PREFIXES per ISP (default 1000000), REPEATS (default 3), PARTS "frr bird"
#   (default both); PE_FULLTABLE_KEEP=1 keeps the logs. Needs root, FRR 8.4 with bgpd_bmp, BIRD 2. Prints each
#   run and the medians. Not part of `make test` or `make bench`: at 1M
#   prefixes it takes one to two minutes per run (4 to 5 for three).
set -u
NETO=$(realpath "$1")
N=${2:-1000000}
REPS=${3:-3}
PARTS=${4:-frr bird}
TIMEOUT=${PE_FULLTABLE_TIMEOUT:-1800}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 1; }
[ -x /usr/lib/frr/bgpd ] || { echo "needs FRR (Debian frr)"; exit 1; }
command -v bird >/dev/null || { echo "needs bird (Debian bird2)"; exit 1; }
TOTAL=$((4 * N))
BR=npf-br
FB=npf-br	# FRR pathspace of the border router
TMP=$(mktemp -d /tmp/npf.XXXXXX)
chmod 755 "$TMP"
PIDS=()

frr_pids() { cat /var/run/frr/$FB/*.pid 2>/dev/null; }
stop_frr() {
	local p
	for p in $(frr_pids); do kill "$p" 2>/dev/null; done
	for _ in $(seq 50); do
		local alive=0
		for p in $(frr_pids); do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in $(frr_pids); do kill -9 "$p" 2>/dev/null; done
	rm -f /var/run/frr/$FB/*.pid
}
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	stop_frr
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	ip netns del $BR 2>/dev/null
	for k in 1 2 3 4; do ip netns del npf-i$k 2>/dev/null; done
	[ -n "${PE_FULLTABLE_KEEP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"
	rm -rf /etc/frr/$FB /var/run/frr/$FB
}
trap cleanup EXIT

ip netns add $BR || exit 1
ip -n $BR link set lo up
for k in 1 2 3 4; do
	ip netns add npf-i$k || exit 1
	ip link add npf-b$k netns $BR type veth peer name npf-i$k netns npf-i$k || exit 1
	ip -n $BR addr add 10.82.$k.1/24 dev npf-b$k
	ip -n npf-i$k addr add 10.82.$k.2/24 dev npf-i$k
	ip -n npf-i$k link set lo up
	ip -n npf-i$k link set npf-i$k up
	ip -n $BR link set npf-b$k up
	cat > "$TMP/isp$k.ini" <<EOF
[bgp]
local-as = 6450$k
router-id = 10.82.$k.2
listen = 10.82.$k.2
[peer border]
address = 10.82.$k.1
remote-as = 65000
families = ipv4-unicast
EOF
done

mkdir -p /etc/frr/$FB /var/run/frr/$FB
{
	echo "frr defaults traditional"
	echo "hostname npf-border"
	echo "log file $TMP/frr.log"
	echo "router bgp 65000"
	echo " bgp router-id 10.82.0.1"
	echo " no bgp ebgp-requires-policy"
	for k in 1 2 3 4; do echo " neighbor 10.82.$k.2 remote-as 6450$k"; done
	echo " address-family ipv4 unicast"
	for k in 1 2 3 4; do
		echo "  neighbor 10.82.$k.2 soft-reconfiguration inbound"
		echo "  neighbor 10.82.$k.2 route-map NOTHING out"
	done
	echo " exit-address-family"
	echo " bmp targets neto"
	echo "  bmp connect 127.0.0.1 port 11019 min-retry 100 max-retry 1000"
	echo "  bmp monitor ipv4 unicast pre-policy"
	echo " exit"
	echo "route-map NOTHING deny 10"
} > /etc/frr/$FB/frr.conf
touch /etc/frr/$FB/vtysh.conf
chown -R frr:frr /etc/frr/$FB /var/run/frr/$FB "$TMP"
{
	echo "router id 10.82.0.1;"
	echo "protocol device {}"
	for k in 1 2 3 4; do
		echo "protocol bgp isp$k {"
		echo "	local 10.82.$k.1 as 65000;"
		echo "	neighbor 10.82.$k.2 as 6450$k;"
		echo "	ipv4 { import all; export none; };"
		echo "}"
	done
} > "$TMP/bird.conf"

now() { date +%s.%N; }
kb() { awk -v k="$2" '$1 == k":" {print $2}' /proc/"$1"/status; }	# pid VmRSS|VmHWM
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
since() { echo "$(now) - $1" | bc -l; }
TCK=$(getconf CLK_TCK)
# user + system CPU seconds of a process, all threads (fields 14, 15 after
# the command name, which may hold blanks: counted from its closing paren)
cpu() { sed 's/.*) //' /proc/"$1"/stat | awk -v t="$TCK" '{printf "%.2f", ($12 + $13) / t}'; }

start_isps() {
	local k
	for k in 1 2 3 4; do
		ip netns exec npf-i$k "$NETO" bgp --config "$TMP/isp$k.ini" --announce-many "$N" \
			--count >"$TMP/isp$k.log" 2>&1 &
		ISP[$k]=$!
		PIDS+=("$!")
	done
}
stop_isps() {
	local k
	for k in 1 2 3 4; do kill "${ISP[$k]}" 2>/dev/null; done
	for k in 1 2 3 4; do wait "${ISP[$k]}" 2>/dev/null; done
}
frr_count() {
	vtysh -N $FB -c 'show bgp ipv4 unicast summary json' 2>/dev/null |
		grep -o '"pfxRcd":[0-9]*' | awk -F: '{s += $2} END {print s + 0}'
}
established() {	# every ISP speaker's session is up
	local k
	for k in 1 2 3 4; do grep -q '"to":"Established"' "$TMP/isp$k.log" || return 1; done
}
neto_routes() { awk '/^bmp: / {r = $NF} END {print r + 0}' "$TMP/bmp.out"; }
# "RECVQ SENDQ": the BMP connection's queues at neto's end and at FRR's
bmp_queues() {
	ip netns exec $BR ss -tnH state established 2>/dev/null | awk '
		$3 ~ /:11019$/ {r = $1} $4 ~ /:11019$/ {s = $2} END {print r + 0, s + 0}'
}
neto_msgs() { awk '/^router / {m = $6} END {print m + 0}' "$TMP/bmp.out"; }

# run_frr: prints "frr_s neto_s frr_rss frr_hwm neto_rss neto_hwm zebra_rss"
run_frr() {
	: > "$TMP/bmp.out"
	ip netns exec $BR "$NETO" bmp --listen 127.0.0.1 --port 11019 --interval 0.5 \
		>"$TMP/bmp.out" 2>"$TMP/bmp.err" &
	local bmp=$!
	PIDS+=("$bmp")
	ip netns exec $BR /usr/lib/frr/zebra -N $FB -d -u frr -g frr \
		-i /var/run/frr/$FB/zebra.pid || { echo "zebra did not start"; return 1; }
	ip netns exec $BR /usr/lib/frr/bgpd -N $FB -d -u frr -g frr -M bmp -n \
		-i /var/run/frr/$FB/bgpd.pid || { echo "bgpd did not start"; return 1; }
	sleep 1
	vtysh -N $FB -b >/dev/null || { echo "vtysh could not load the configuration"; return 1; }
	local ok=0
	for _ in $(seq 100); do
		grep -q '^bmp: routers 1 ' "$TMP/bmp.out" && { ok=1; break; }
		sleep 0.1
	done
	[ $ok = 1 ] || { echo "FRR never connected to neto bmp"; cat "$TMP/bmp.err"; return 1; }
	local bgpd zebra
	bgpd=$(cat /var/run/frr/$FB/bgpd.pid)
	zebra=$(cat /var/run/frr/$FB/zebra.pid)
	local t0; t0=$(now)
	start_isps
	local tf="" tn="" te="" deadline=$(($(date +%s) + TIMEOUT)) sumr=0 sums=0 nq=0 rq sq
	while [ -z "$tf" ] || [ -z "$tn" ]; do
		[ "$(date +%s)" -lt "$deadline" ] ||
			{ echo "timeout: FRR $(frr_count), neto $(neto_routes) of $TOTAL"; return 1; }
		[ -z "$te" ] && established && te=$(since "$t0")
		if [ -n "$tf" ]; then
			read -r rq sq <<<"$(bmp_queues)"
			sumr=$((sumr + rq)) sums=$((sums + sq)) nq=$((nq + 1))
		fi
		[ -z "$tf" ] && [ "$(frr_count)" = "$TOTAL" ] && tf=$(since "$t0")
		[ -z "$tn" ] && [ "$(neto_routes)" = "$TOTAL" ] && tn=$(since "$t0")
		sleep 0.25
	done
	# drained: no BMP message for 2 s (statistics reports aside, none configured)
	local m1 m2
	m1=$(neto_msgs)
	while sleep 2; m2=$(neto_msgs); [ "$m1" != "$m2" ]; do m1=$m2; done
	echo "$tf $tn $(kb "$bgpd" VmRSS) $(kb "$bgpd" VmHWM) $(kb $bmp VmRSS) $(kb $bmp VmHWM) $(kb "$zebra" VmRSS) ${te:-0} $(cpu "$bgpd") $(cpu $bmp) $((sumr / (nq ? nq : 1))) $((sums / (nq ? nq : 1))) $nq"
	vtysh -N $FB -c 'show bgp memory' > "$TMP/frr-memory.txt" 2>&1
	tail -n 6 "$TMP/bmp.out" > "$TMP/bmp-summary.txt"
	stop_isps
	stop_frr
	kill $bmp; wait $bmp 2>/dev/null
}

# run_bird: prints "bird_s bird_rss bird_hwm"
run_bird() {
	rm -f "$TMP/bird.ctl"
	ip netns exec $BR bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl" -P "$TMP/bird.pid" \
		>"$TMP/bird.log" 2>&1 &
	local rx=$!
	PIDS+=("$rx")
	for _ in $(seq 100); do [ -S "$TMP/bird.ctl" ] && break; sleep 0.1; done
	local t0; t0=$(now)
	start_isps
	local tb="" te="" deadline=$(($(date +%s) + TIMEOUT))
	while [ -z "$tb" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: BIRD"; return 1; }
		[ -z "$te" ] && established && te=$(since "$t0")
		birdc -s "$TMP/bird.ctl" show route count 2>/dev/null |
			grep -q "^$TOTAL of $TOTAL routes" && tb=$(since "$t0")
		sleep 0.25
	done
	local pid; pid=$(cat "$TMP/bird.pid")
	sleep 2
	echo "$tb $(kb "$pid" VmRSS) $(kb "$pid" VmHWM) ${te:-0} $(cpu "$pid")"
	birdc -s "$TMP/bird.ctl" show memory > "$TMP/bird-memory.txt" 2>&1
	stop_isps
	kill $rx; wait $rx 2>/dev/null
}

has() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
echo "prefixes per ISP: $N, ISPs: 4, (prefix, path) pairs: $TOTAL, repeats: $REPS"
for r in $(seq "$REPS"); do
	if has frr; then
		run_frr > "$TMP/one" || { cat "$TMP/one"; tail -5 "$TMP/frr.log" "$TMP/bmp.err"; exit 1; }
		cat "$TMP/one" >> "$TMP/frr.res"
		sed "s/^/frr run $r: frr_s neto_s frr_rss_kb frr_hwm_kb neto_rss_kb neto_hwm_kb zebra_rss_kb established_s frr_cpu_s neto_cpu_s mean_recvq mean_sendq polls: /" "$TMP/one"
	fi
	if has bird; then
		run_bird > "$TMP/one" || { cat "$TMP/one"; tail -5 "$TMP/bird.log"; exit 1; }
		cat "$TMP/one" >> "$TMP/bird.res"
		sed "s/^/bird run $r: bird_s rss_kb hwm_kb established_s cpu_s: /" "$TMP/one"
	fi
done
col() { cut -d' ' -f"$2" "$TMP/$1.res" | median; }
# seconds from the last ISP session Established to holding everything
after() { awk -v a="$2" -v b="$3" '{print $a - $b}' "$TMP/$1.res" | median; }
bpp() { echo "$1 * 1024 / $TOTAL" | bc -l; }
if has frr; then
	echo "--- FRR 'show bgp memory' (last run)"
	cat "$TMP/frr-memory.txt"
	echo "--- neto bmp summary (last run)"
	cat "$TMP/bmp-summary.txt"
	printf 'median sessions Established after %.1f s\n' "$(col frr 8)"
	printf 'median FRR bgpd: %.1f s to hold %d paths (%.1f s after Established), RSS %d kB (peak %d kB), %.1f bytes per (prefix, path)\n' \
		"$(col frr 1)" "$TOTAL" "$(after frr 1 8)" "$(col frr 3)" "$(col frr 4)" "$(bpp "$(col frr 3)")"
	printf 'median neto bmp: %.1f s to hold %d routes (%.1f s after Established, %.1f s after FRR), RSS %d kB (peak %d kB), %.1f bytes per (prefix, path)\n' \
		"$(col frr 2)" "$TOTAL" "$(after frr 2 8)" "$(after frr 2 1)" "$(col frr 5)" "$(col frr 6)" "$(bpp "$(col frr 5)")"
	printf 'median FRR zebra (no routes from bgpd: -n): RSS %d kB\n' "$(col frr 7)"
	printf 'median CPU: FRR bgpd %.1f s, neto bmp %.1f s\n' "$(col frr 9)" "$(col frr 10)"
	printf 'median BMP queues after FRR is done: %d octets unread at neto, %d unacknowledged at FRR (mean of the polls)\n' \
		"$(col frr 11)" "$(col frr 12)"
fi
if has bird; then
	echo "--- BIRD 'show memory' (last run)"
	cat "$TMP/bird-memory.txt"
	printf 'median BIRD: %.1f s to hold %d routes (%.1f s after Established), RSS %d kB (peak %d kB), %.1f bytes per (prefix, path)\n' \
		"$(col bird 1)" "$TOTAL" "$(after bird 1 4)" "$(col bird 2)" "$(col bird 3)" "$(bpp "$(col bird 2)")"
	printf 'median CPU: BIRD %.1f s\n' "$(col bird 5)"
fi
