#!/usr/bin/env python3
"""Checks neto's collector against what was sent, nfacctd and tshark.

usage: compare.py SENT NETO_FLOWS NFACCTD_JSON TSHARK DEMANDS WINDOW_S SAMPLING
                  [INGRESS:EGRESS:BYTES ...]

SENT: gen.py's lines; NETO_FLOWS: the collector's --flows-log (exporter,
src,dst,proto,sport,dport,tos,bytes,packets,sampling); NFACCTD_JSON:
nfacctd's print plugin output (aggregate src_host, dst_host, src_port,
dst_port, proto); TSHARK: tshark -V of the export packets; DEMANDS: the demand matrices' CSV
rows, all windows ("-" to skip), whose rate x window must add up to the
bytes given per (ingress, egress). SAMPLING > 1: the exporter sampled 1
packet in SAMPLING; neto must report that rate for every sent flow, its
sampled bytes x SAMPLING and the matrices must be within 10% of what was
sent (periodic sampling over all packets of the link). Exits 1 with the
differences."""
import collections
import json
import sys

sent_f, neto_f, nfa_f, tsh_f, dem_f, window_s, sampling = sys.argv[1:8]
sampling = int(sampling)
tolerance = 0.1 if sampling > 1 else 1e-9
bad = []

neto_flow = collections.Counter()
neto_pair = collections.Counter()
neto_pkts = collections.Counter()
neto_samp = {}
for line in open(neto_f):
    exp, src, dst, proto, sport, dport, tos, nbytes, pkts, samp = line.strip().split(",")
    neto_flow[(src, dst, int(proto), int(sport), int(dport))] += int(nbytes)
    neto_pkts[(src, dst, int(proto), int(sport), int(dport))] += int(pkts)
    neto_pair[(src, dst)] += int(nbytes)
    neto_samp[(src, dst, int(proto), int(sport), int(dport))] = int(samp)

# 1. what was sent, per (src, dst) and per flow
sent_pair = collections.Counter()
for line in open(sent_f):
    src, dst, proto, sport, dport, pkts, nbytes = line.strip().split(",")
    key = (src, dst, int(proto), int(sport), int(dport))
    sent_pair[(src, dst)] += int(nbytes)
    if sampling > 1:
        if neto_samp.get(key) != sampling:
            bad.append("flow %s: neto's sampling rate %s, not %d"
                       % (key, neto_samp.get(key), sampling))
    elif neto_flow[key] != int(nbytes) or neto_pkts[key] != int(pkts):
        bad.append("flow %s: sent %s bytes %s packets, neto %d bytes %d packets"
                   % (key, nbytes, pkts, neto_flow[key], neto_pkts[key]))
for pair, nbytes in sent_pair.items():
    got = neto_pair[pair] * sampling
    if abs(got - nbytes) > tolerance * nbytes:
        bad.append("%s -> %s: sent %d bytes, neto %d x %d" % (pair + (nbytes, neto_pair[pair],
                                                                    sampling)))

# 2. tshark's decoding of the same packets (-V): each "Flow N" block has
# SrcAddr, DstAddr, Octets and, for TCP/UDP, ports and the protocol
tsh_flow = collections.Counter()
tsh = collections.Counter()
cur = {}


def commit(c):
    if "src" in c and "dst" in c and "octets" in c:
        tsh[(c["src"], c["dst"])] += c["octets"]
        tsh_flow[(c["src"], c["dst"], c.get("proto", 0), c.get("sport", 0),
                  c.get("dport", 0))] += c["octets"]


for line in open(tsh_f):
    t = line.strip()
    val = t.split(": ", 1)[1] if ": " in t else ""
    if t.startswith("Flow ") or t.startswith("FlowSet ") or t.startswith("Set ") \
            or t.startswith("Frame "):
        commit(cur)
        cur = {}
    elif t.startswith("SrcAddr: "):
        cur["src"] = val
    elif t.startswith("DstAddr: "):
        cur["dst"] = val
    elif t.startswith("Octets: "):
        cur["octets"] = int(val)
    elif t.startswith("SrcPort: "):
        cur["sport"] = int(val)
    elif t.startswith("DstPort: "):
        cur["dport"] = int(val)
    elif t.startswith("Protocol: ") and "(" in val:
        cur["proto"] = int(val.rsplit("(", 1)[1].rstrip(")"))
commit(cur)
for pair in sent_pair:
    if tsh[pair] != neto_pair[pair]:
        bad.append("%s -> %s: tshark %d bytes, neto %d" % (pair + (tsh[pair], neto_pair[pair])))

# 3. nfacctd, flow by flow. NetFlow v9 packets whose header count is too
# small (softflowd counts flow records only, RFC 3954 s5.1 counts template
# records too): nfacctd and tshark stop at the count, neto reads the
# datagram to its end. A flow neto has and nfacctd lacks is accepted only
# when tshark lacks it too (it lies past its packet's count).
nfa = collections.Counter()
names = {"udp": 17, "tcp": 6, "icmp": 1, "ipv6-icmp": 58}
for line in open(nfa_f):
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    proto = r["ip_proto"]
    proto = names.get(proto, proto) if not str(proto).isdigit() else int(proto)
    nfa[(r["ip_src"], r["ip_dst"], proto, r["port_src"], r["port_dst"])] += r["bytes"]
if not nfa:
    bad.append("nfacctd reported nothing")
for key in set(nfa) | set(neto_flow):
    if nfa[key] == neto_flow[key]:
        continue
    if nfa[key] == 0 and not any(k[:2] == key[:2] and v for k, v in tsh_flow.items()
                                 if k[2:] in (key[2:], (0, 0, 0))):
        print("note: flow %s (%d bytes) is past its packet's record count: "
              "nfacctd and tshark skip it" % (key, neto_flow[key]))
        continue
    bad.append("flow %s: nfacctd %d bytes, neto %d" % (key, nfa[key], neto_flow[key]))

# 4. the demand matrices: rate x window adds up to the bytes (x 8, Mbps)
if dem_f != "-":
    total = collections.Counter()
    for line in open(dem_f):
        parts = line.strip().split(",")
        if len(parts) == 4 and parts[0] != "src":
            total[(parts[0], parts[1])] += float(parts[3]) * float(window_s) * 1e6 / 8
    for (a, b), v in sorted(total.items()):
        print("demand %s -> %s: %.0f bytes" % (a, b, v))
    if len(sys.argv) > 8:
        for spec in sys.argv[8:]:
            a, b, nbytes = spec.split(":")
            if abs(total[(a, b)] - int(nbytes)) > max(tolerance, 1e-6) * int(nbytes) + 1:
                bad.append("demand %s -> %s: %.1f bytes in the matrices, %s sent"
                           % (a, b, total[(a, b)], nbytes))

for b in bad:
    print("MISMATCH", b)
print("compared %d sent flows, %d nfacctd flows, %d neto flows: %s"
      % (len(sent_pair), len(nfa), len(neto_flow), "ok" if not bad else "%d mismatches" % len(bad)))
sys.exit(1 if bad else 0)
