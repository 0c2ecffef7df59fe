#!/usr/bin/env python3
# test_bgp_split.py - helper of the BGP lab tests: reads `tshark -T fields -e
# tcp.stream -e tcp.srcport -e tcp.seq -e tcp.payload` lines, rebuilds each
# direction's byte stream, cuts it into BGP messages and writes them as a
# text2pcap input with one message per packet. tshark 4.0 loses track inside
# one TCP segment holding a BGP-LS UPDATE followed by an IPv4 UPDATE (each
# dissects cleanly alone), so the tests dissect message by message.
import sys

streams = {}
for line in sys.stdin:
    f = line.split()
    if len(f) < 4 or not f[3]:
        continue
    key = (f[0], f[1])
    streams.setdefault(key, {})[int(f[2])] = bytes.fromhex(f[3].replace(':', ''))
n = 0
for key in sorted(streams):
    data = b''.join(v for _, v in sorted(streams[key].items()))
    i = 0
    while i + 19 <= len(data):
        ln = int.from_bytes(data[i + 16:i + 18], 'big')
        if ln < 19 or i + ln > len(data):
            break
        print('000000 ' + ' '.join('%02x' % b for b in data[i:i + ln]))
        i += ln
        n += 1
sys.stderr.write('%d messages\n' % n)
