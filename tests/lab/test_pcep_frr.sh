#!/bin/bash
# test_pcep_frr.sh - neto's PCE (the PCEP driver, through bench/pcep_ctl)
# against FRR pathd 8.4 as the PCC, in two network namespaces joined by a
# veth pair: the session comes up with the SR capability; a PCE-initiated
# SR-MPLS policy appears in `show sr-te policy` with its colour and is
# reported back with a PLSP-ID; an update changes its segment list (the
# PCRpt echoes the new labels); a removal deletes it (or, if pathd drops
# the session on the R flag, neto notices and the policy is gone after
# pathd reconnects); killing pathd is noticed as a closed session. The
# whole exchange is captured and tshark's PCEP dissector must find no
# malformed field.
#
# Usage: bash test_pcep_frr.sh NETO_BINARY SOURCE_DIR BUILD_DIR
set -u
BUILD=${3:?usage: test_pcep_frr.sh NETO SOURCE_DIR BUILD_DIR}
CTL=$BUILD/pcep_ctl

[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in /usr/lib/frr/zebra /usr/lib/frr/pathd; do
	[ -x $t ] || { echo "skip: no $t"; exit 77; }
done
for t in vtysh tcpdump tshark ip; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
[ -x "$CTL" ] || { echo "skip: $CTL not built"; exit 77; }

A=np-pf$$-a	# the PCC (pathd)
B=np-pf$$-b	# the PCE (neto)
TMP=$(mktemp -d /tmp/np-pcep-frr.XXXXXX)
chmod 755 "$TMP"
FRRETC=/etc/frr/$A
FRRRUN=/var/run/frr/$A
CTL_PID= HOLD_PID= DUMP_PID=

cleanup() {
	exec 7>&- 2>/dev/null
	for p in "$CTL_PID" "$HOLD_PID" "$DUMP_PID"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null
	done
	for d in pathd zebra; do
		[ -f $FRRRUN/$d.pid ] && kill "$(cat $FRRRUN/$d.pid)" 2>/dev/null
	done
	sleep 0.3
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$FRRETC" "$FRRRUN" "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "--- pcep_ctl output"; cat "$TMP/out"
	echo "--- pcep_ctl log"; tail -20 "$TMP/err"
	echo "--- pathd log"; tail -30 "$FRRRUN/frr.log" 2>/dev/null
	exit 1
}

ip netns add $A && ip netns add $B || exit 1
ip link add np$$a type veth peer name np$$b || exit 1
ip link set np$$a netns $A
ip link set np$$b netns $B
ip -n $A addr add 10.0.0.1/24 dev np$$a
ip -n $B addr add 10.0.0.2/24 dev np$$b
ip -n $A link set np$$a up
ip -n $B link set np$$b up
ip -n $A link set lo up
ip -n $B link set lo up
# pathd 8.4 will not connect until zebra gives it an IPv6 router id too
ip -n $A addr add fc00::1/128 dev lo

mkdir -p "$FRRETC" "$FRRRUN"
cat > "$FRRETC/frr.conf" <<EOF
frr defaults traditional
hostname r1
log file $FRRRUN/frr.log
!
segment-routing
 traffic-eng
  pcep
   pce PCE1
    address ip 10.0.0.2
    pce-initiated
    sr-draft07
   !
   pcc
    peer PCE1
   !
  !
 !
!
EOF
touch "$FRRETC/vtysh.conf"
chown -R frr:frr "$FRRETC" "$FRRRUN"

cat > "$TMP/map" <<EOF
# labels of the SRv6 SIDs of this lab (node SIDs, SRGB 16000)
label fc00:0:2:1:: 16002 10.0.0.2
label fc00:0:3:1:: 16003 10.0.0.3
label fc00:0:4:1:: 16004 10.0.0.4
color gold 100
router r3 10.0.0.3
EOF

ip netns exec $B tcpdump -i np$$b -w "$TMP/pcep.pcap" -U tcp port 4189 2>/dev/null &
DUMP_PID=$!
mkfifo "$TMP/in"
ip netns exec $B "$CTL" --listen 10.0.0.2:4189 --peers r1=10.0.0.1 --map "$TMP/map" \
	< "$TMP/in" > "$TMP/out" 2> "$TMP/err" &
CTL_PID=$!
exec 7> "$TMP/in"
sleep 0.5

start_pathd() {
	ip netns exec $A /usr/lib/frr/pathd -N $A -d -u frr -g frr -M pathd_pcep \
		-i $FRRRUN/pathd.pid || fail "pathd does not start"
	sleep 0.5
	ip netns exec $A vtysh -N $A -b >/dev/null 2>&1
}
ip netns exec $A /usr/lib/frr/zebra -N $A -d -u frr -g frr -i $FRRRUN/zebra.pid \
	|| fail "zebra does not start"
sleep 0.5
start_pathd

# ctl COMMAND: sends one command, waits for its answer, prints it
ctl() {
	local n
	n=$(($(grep -c -E '^(OK|FAIL)' "$TMP/out") + 1))
	echo "$*" >&7
	for _ in $(seq 1200); do
		[ "$(grep -c -E '^(OK|FAIL)' "$TMP/out")" -ge $n ] && break
		sleep 0.1
	done
	grep -E '^(OK|FAIL)' "$TMP/out" | sed -n "${n}p"
}
vty() { ip netns exec $A vtysh -N $A -c "$1"; }

# 1. the session, with the SR capability on both sides
r=$(ctl wait-up r1 60)
case "$r" in OK*) ;; *) fail "session not up: $r" ;; esac
vty "show sr-te pcep session" | grep -q "Session Status UP" || fail "pathd: session not UP"
vty "show sr-te pcep session" | grep -q "PCE SR Version draft07" || fail "no SR"

# 2. a PCE-initiated SR-MPLS policy
J1='{"src":"r1","dst":"r3","class":"gold","priority":0,"paths":[{"links":["r1-r2","r2-r3"],"segments":["fc00:0:2:1::","fc00:0:3:1::"],"rate":1,"weight":1}]}'
r=$(ctl apply r1 r3/gold "$J1")
[ "$r" = OK ] || fail "apply: $r"
r=$(ctl wait r1 r3/gold "$J1" 20)
case "$r" in "OK done"*) ;; *) fail "initiate not confirmed: $r" ;; esac
echo "$r" | grep -q '"plsp_id":[1-9]' || fail "no PLSP-ID in the readback: $r"
echo "$r" | grep -q '"pce_initiated":true' || fail "not reported as PCE-initiated: $r"
vty "show sr-te policy" | grep -E '10\.0\.0\.3 +100 +neto/r3/gold/0' >/dev/null \
	|| { vty "show sr-te policy"; fail "policy not in pathd"; }
vty "show sr-te policy detail" | grep -q "Protocol-Origin: PCEP" || fail "not from PCEP"

# 3. an update: another segment list, confirmed by a report of it
J2='{"src":"r1","dst":"r3","class":"gold","priority":0,"paths":[{"links":["r1-r4","r4-r3"],"segments":["fc00:0:4:1::","fc00:0:3:1::"],"rate":1,"weight":1}]}'
r=$(ctl apply r1 r3/gold "$J2")
[ "$r" = OK ] || fail "update: $r"
r=$(ctl wait r1 r3/gold "$J2" 20)
case "$r" in "OK done"*) ;; *) fail "update not confirmed: $r" ;; esac
echo "$r" | grep -q 'fc00:0:4:1::' || fail "update readback: $r"

# 4. removal (PCInitiate with R); pathd 8.4 may drop the session instead
r=$(ctl remove r1 r3/gold)
[ "$r" = OK ] || fail "remove: $r"
r=$(ctl wait r1 r3/gold - 20)
case "$r" in
"OK done"*)
	echo "removal confirmed by a report"
	vty "show sr-te policy" | grep -q 'neto/r3/gold/0' && fail "policy still in pathd"
	;;
*)
	echo "removal not confirmed ($r); pathd may have dropped the session"
	r=$(ctl wait-down r1 5)
	case "$r" in OK*) ;; *) fail "removal neither confirmed nor session closed: $r" ;; esac
	r=$(ctl wait-up r1 90)
	case "$r" in OK*) ;; *) fail "no reconnection: $r" ;; esac
	for _ in $(seq 60); do
		vty "show sr-te policy" | grep -q 'neto/r3/gold/0' || break
		sleep 1
	done
	vty "show sr-te policy" | grep -q 'neto/r3/gold/0' && fail "policy never went"
	;;
esac

# 5. a lost session: kill pathd; neto notices
kill "$(cat $FRRRUN/pathd.pid)"
r=$(ctl wait-down r1 20)
case "$r" in OK*) echo "session loss noticed: $r" ;; *) fail "pathd killed, session not closed: $r" ;; esac
r=$(ctl apply r1 r3/gold "$J1")
case "$r" in FAIL*) ;; *) fail "apply to a closed session accepted: $r" ;; esac

# 6. an independent decoder on every byte
sleep 0.5
kill "$DUMP_PID" 2>/dev/null
wait "$DUMP_PID" 2>/dev/null
DUMP_PID=
tshark -r "$TMP/pcep.pcap" -d tcp.port==4189,pcep -V > "$TMP/tshark.txt" 2>&1
grep -q "Path Computation Element communication Protocol" "$TMP/tshark.txt" \
	|| fail "tshark saw no PCEP"
grep -E "^ *Message Type:" "$TMP/tshark.txt" | sort | uniq -c
# both Opens, the initiation and the removal, the update, pathd's reports
for m in "Open:2" "Initiate:2" "Update:1" "Report:3"; do
	c=$(grep -E "^ *Message Type:" "$TMP/tshark.txt" | grep -ci "${m%%:*}")
	[ "$c" -ge "${m##*:}" ] || fail "tshark shows $c '${m%%:*}' messages, expected ${m##*:}"
done
if grep -qiE "malformed|Expert Info \(Error" "$TMP/tshark.txt"; then
	grep -iE -B5 "malformed|Expert Info \(Error" "$TMP/tshark.txt" | head -40
	fail "tshark finds malformed PCEP"
fi
grep -q "SID: 16004\|16004" "$TMP/tshark.txt" || fail "the update's label is not on the wire"
echo "PASS: pathd session, initiate, update, removal, session loss; tshark clean"
exit 0
