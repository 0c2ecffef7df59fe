#!/usr/bin/env python3
"""Sends known UDP flows (bursts of thousands of packets, paced so that no
queue on the way drops any) and prints what it sent, one line per flow:
src,dst,proto,sport,dport,packets,bytes (bytes counted at the IP layer).

usage: gen.py SRC FLOW... with FLOW = DST:DPORT:PACKETS:PAYLOAD (SRC and
DST both IPv4 or both IPv6)"""
import socket
import sys
import time

src = sys.argv[1]
v6 = ":" in src
sock = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((src, 0))
sport = sock.getsockname()[1]
sent = []
for spec in sys.argv[2:]:
    dst, dport, n, size = spec.rsplit(":", 3)
    dport, n, size = int(dport), int(n), int(size)
    data = b"n" * size
    for i in range(n):
        sock.sendto(data, (dst, dport))
        if i % 50 == 49:
            time.sleep(0.002)
    sent.append((dst, dport, n, n * (size + (48 if v6 else 28))))
for dst, dport, n, nbytes in sent:
    print("%s,%s,17,%d,%d,%d,%d" % (src, dst, sport, dport, n, nbytes))
