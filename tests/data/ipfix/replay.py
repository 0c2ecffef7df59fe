#!/usr/bin/env python3
"""Sends the UDP payloads of a capture (pcap, Ethernet or cooked, IPv4) to
HOST:PORT in order: the same export stream to a second collector.

usage: replay.py PCAP HOST PORT [FIXED_PCAP]

With FIXED_PCAP, NetFlow v9 packets are sent with their header count set
to the number of records they hold (RFC 3954 s5.1: template, options
template and data records), and the capture is written again so, for
tshark. softflowd 1.1 counts its flow records only, and collectors that
stop at the count (nfacctd, tshark) would skip what follows."""
import socket
import struct
import sys

path, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fixed_path = sys.argv[4] if len(sys.argv) > 4 else None
data = bytearray(open(path, "rb").read())
order = "<" if struct.unpack("<I", data[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
link = struct.unpack(order + "I", data[20:24])[0]
l2 = {1: 14, 113: 16, 0: 4}.get(link, 14)
templates = {}  # (source id, template id) -> record length


def v9_records(p):
    """Records in a v9 packet, learning its templates on the way."""
    source = struct.unpack("!I", p[16:20])[0]
    off, n = 20, 0
    while off + 4 <= len(p):
        fid, flen = struct.unpack("!HH", p[off:off + 4])
        if flen < 4:
            break
        body = p[off + 4:off + flen]
        if fid == 0:
            b = 0
            while b + 4 <= len(body):
                tid, cnt = struct.unpack("!HH", body[b:b + 4])
                if tid == 0:
                    break
                fields = [struct.unpack("!HH", body[b + 4 + 4 * i:b + 8 + 4 * i])
                          for i in range(cnt)]
                templates[(source, tid)] = sum(ln for _, ln in fields)
                b += 4 + 4 * cnt
                n += 1
        elif fid == 1:
            b = 0
            while b + 6 <= len(body):
                tid, sl, ol = struct.unpack("!HHH", body[b:b + 6])
                if tid == 0:
                    break
                fields = [struct.unpack("!HH", body[b + 6 + 4 * i:b + 10 + 4 * i])
                          for i in range((sl + ol) // 4)]
                templates[(source, tid)] = sum(ln for _, ln in fields)
                b += 6 + sl + ol
                b += (4 - b % 4) % 4
                n += 1
        elif (source, fid) in templates and templates[(source, fid)] > 0:
            n += len(body) // templates[(source, fid)]
        off += flen
    return n


off, sent = 24, 0
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while off + 16 <= len(data):
    incl = struct.unpack(order + "I", data[off + 8:off + 12])[0]
    start = off + 16 + l2
    off += 16 + incl
    ip = data[start:off]
    if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
        continue
    ihl = (ip[0] & 15) * 4
    pay = start + ihl + 8
    if fixed_path and struct.unpack("!H", data[pay:pay + 2])[0] == 9:
        data[pay + 2:pay + 4] = struct.pack("!H", v9_records(bytes(data[pay:off])))
        data[start + ihl + 6:start + ihl + 8] = b"\0\0"  # no UDP checksum
    sock.sendto(bytes(data[pay:off]), (host, port))
    sent += 1
if fixed_path:
    open(fixed_path, "wb").write(data)
print(sent)
