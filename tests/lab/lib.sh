# lib.sh - shell functions shared by the lab and interoperability tests.
#
# Sourced (not run) by tests/lab/test_*.sh, which CTest runs as
# `bash test_X.sh NETO SOURCE_DIR BUILD_DIR`. A test that cannot run here
# (not root, a tool missing) exits 77, which CTest reports as skipped.
#
# Cleanup: processes a test starts in the background go into LAB_PIDS
# (`cmd & LAB_PIDS+=($!)`); every namespace, daemon and temporary directory is
# registered with lab_on_exit as it is created. Whatever way the test ends,
# the EXIT trap stops LAB_PIDS (TERM, then KILL) and then undoes the
# registrations in reverse order. A test that needs its own EXIT trap calls
# lab_cleanup from it.
#
# Usage:
#   . "$SRC/tests/lab/lib.sh"
#   lab_need_root; lab_need ip vtysh jq
#   lab_tmpdir nb-frr            # sets TMP, removed at exit
#   lab_netns NS1 NS2            # created with lo up, deleted at exit
#   frr_start NAME NS zebra bgpd # config in /etc/frr/NAME/frr.conf first
#   "$NETO" bgp ... & LAB_PIDS+=($!)   # stopped at exit
#   wait_for 20 some_check || fail "..."

LAB_EXIT=()
LAB_PIDS=()

# Stops LAB_PIDS, then runs the registered cleanups, last registered first.
# Safe to call twice.
lab_cleanup() {
	local i p
	if [ ${#LAB_PIDS[@]} -gt 0 ]; then
		for p in "${LAB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
		sleep 0.5
		for p in "${LAB_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
		LAB_PIDS=()
	fi
	for ((i = ${#LAB_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${LAB_EXIT[$i]}" >/dev/null 2>&1
	done
	LAB_EXIT=()
}
trap lab_cleanup EXIT

# lab_on_exit 'command ...': registers a cleanup command (eval'd at exit).
lab_on_exit() {
	LAB_EXIT+=("$1")
}

lab_need_root() {
	[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
}

# lab_need TOOL...: skips the test unless every tool is on PATH.
lab_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "skip: $t missing"; exit 77; }
	done
}

# lab_need_frr DAEMON...: skips unless FRR's daemons are installed.
lab_need_frr() {
	local d
	for d in "$@"; do
		[ -x /usr/lib/frr/"$d" ] || { echo "skip: FRR $d missing"; exit 77; }
	done
}

# lab_tmpdir PREFIX: a fresh directory in $TMP, readable by FRR's user,
# removed at exit.
lab_tmpdir() {
	TMP=$(mktemp -d /tmp/"$1".XXXXXX) || exit 1
	chmod 755 "$TMP"
	lab_on_exit "rm -rf '$TMP'"
}

# lab_netns NS...: creates each namespace with its loopback up; deleted at
# exit (which also removes the veths inside).
lab_netns() {
	local n
	for n in "$@"; do
		ip netns add "$n" || exit 1
		lab_on_exit "ip netns del '$n'"
		ip -n "$n" link set lo up
	done
}

# lab_veth NS1 IF1 NS2 IF2 [ADDR1 ADDR2]...: a veth pair IF1 (in NS1) - IF2
# (in NS2), both up, with each pair of addresses (CIDR; IPv6 without DAD)
# given to IF1 and IF2 in turn.
lab_veth() {
	local n1=$1 i1=$2 n2=$3 i2=$4
	shift 4
	ip link add "$i1" netns "$n1" type veth peer name "$i2" netns "$n2" || exit 1
	while [ $# -ge 2 ]; do
		lab_addr "$n1" "$i1" "$1"
		lab_addr "$n2" "$i2" "$2"
		shift 2
	done
	ip -n "$n1" link set "$i1" up
	ip -n "$n2" link set "$i2" up
}

# lab_addr NS IF ADDR: IPv6 addresses without duplicate address detection
# (a test cannot wait for it).
lab_addr() {
	case "$3" in
	*:*) ip -n "$1" addr add "$3" dev "$2" nodad ;;
	*) ip -n "$1" addr add "$3" dev "$2" ;;
	esac
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds;
# fails (status 1) after SECONDS.
wait_for() {
	local n=$1 i
	shift
	for ((i = 0; i < n * 5; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# frr_stop NAME: stops the FRR daemons of instance NAME by their PID files
# (TERM, then KILL after half a second), and removes its directories.
frr_stop() {
	local f
	for f in /var/run/frr/"$1"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	sleep 0.5
	for f in /var/run/frr/"$1"/*.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	rm -rf /etc/frr/"$1" /var/run/frr/"$1"
}

# frr_prepare NAME: the directories of FRR instance NAME (pathspace -N NAME);
# write /etc/frr/NAME/frr.conf after this, then frr_start.
frr_prepare() {
	mkdir -p /etc/frr/"$1" /var/run/frr/"$1"
	lab_on_exit "frr_stop '$1'"
}

# frr_start NAME NS DAEMON... [-- EXTRA-ARGS...]: starts FRR DAEMONs
# (zebra first) of instance NAME in namespace NS and loads frr.conf with
# vtysh. EXTRA-ARGS go to every daemon but zebra (e.g. `-M bmp` for bgpd).
# Returns 1 when a daemon or the configuration fails.
frr_start() {
	local name=$1 ns=$2 d
	shift 2
	local daemons=() extra=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do daemons+=("$1"); shift; done
	[ "${1:-}" = "--" ] && { shift; extra=("$@"); }
	[ -d /etc/frr/"$name" ] || frr_prepare "$name"
	touch /etc/frr/"$name"/vtysh.conf
	chown -R frr:frr /etc/frr/"$name" /var/run/frr/"$name"
	for d in "${daemons[@]}"; do
		if [ "$d" = zebra ]; then
			ip netns exec "$ns" /usr/lib/frr/zebra -N "$name" -d -u frr -g frr \
				-i /var/run/frr/"$name"/zebra.pid || return 1
		else
			ip netns exec "$ns" /usr/lib/frr/"$d" -N "$name" -d -u frr -g frr \
				"${extra[@]}" -i /var/run/frr/"$name"/"$d".pid || return 1
		fi
	done
	sleep 1
	vtysh -N "$name" -b >/dev/null
}

# frr_isp_conf LOG AS ROUTER-ID NEIGHBOUR PREPEND PREFIX...: prints the
# frr.conf of an ISP's bgpd (AS) with one eBGP neighbour (in AS 65000)
# that announces every PREFIX; with PREPEND "yes" its AS is prepended
# twice toward the neighbour, so that BGP prefers another ISP.
frr_isp_conf() {
	local log=$1 as=$2 rid=$3 nb=$4 prepend=$5 p
	shift 5
	echo "frr defaults traditional"
	echo "log file $log"
	if [ "$prepend" = yes ]; then
		echo "route-map PREPEND permit 10"
		echo " set as-path prepend $as $as"
		echo "!"
	fi
	echo "router bgp $as"
	echo " bgp router-id $rid"
	echo " no bgp ebgp-requires-policy"
	echo " no bgp network import-check"
	echo " timers bgp 3 9"
	echo " neighbor $nb remote-as 65000"
	echo " address-family ipv4 unicast"
	for p in "$@"; do echo "  network $p"; done
	[ "$prepend" = yes ] && echo "  neighbor $nb route-map PREPEND out"
	echo " exit-address-family"
}

# pe_latency_put DB PREFIX ROUTER PEER MS: a measured latency row (kv
# "pe-latency", docs/peering.md) as a router's prober writes it, now, its
# target the prefix's first address (a /24's .1).
pe_latency_put() {
	local now target
	now=$(($(date +%s) * 1000))
	target=${2%0/24}1
	sqlite3 "$1" "insert or replace into kv values ('pe-latency', '$2 $3 $4', '{\"ms\":$5,\"at\":$now,\"target\":\"$target\",\"sent\":5,\"lost\":0}', $now)"
}

# pe_doc DB: the peering role's decision document (kv peering/desired).
pe_doc() {
	sqlite3 "$1" "select body from kv where ns = 'peering' and name = 'desired'" 2>/dev/null
}

# pe_is DB EGRESS BGP N: the document lists N prefixes whose choice is
# EGRESS and BGP's own choice BGP.
pe_is() {
	[ "$(pe_doc "$1" | grep -o "\"egress\":\"$2\",\"bgp\":\"$3\"" | wc -l)" = "$4" ]
}

# lab_egress_ini DB: the configuration of an updating agent "egress1" with
# the egress driver for the ISP lab (docs/lab.md): iBGP from the
# management namespace to the passive neighbour 10.254.N.2 of border
# routers a and b, its store DB.
lab_egress_ini() {
	cat <<EOF
[store]
uri = sqlite:$1
[agent egress1]
role = update
driver = egress
routers = a, b
[bgp]
local-as = 65000
router-id = 10.254.1.2
hold-time = 9
connect-retry = 2
[peer a]
address = 10.254.1.1
remote-as = 65000
families = ipv4-unicast
[peer b]
address = 10.254.2.1
remote-as = 65000
families = ipv4-unicast
EOF
}
