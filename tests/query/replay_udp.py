#!/usr/bin/python3
# replay_udp.py - sends the UDP payloads of a pcap (Ethernet/IPv4/UDP, as
# make_fixture.py writes) to HOST:PORT in order, for feeding the same NetFlow
# exports to nfcapd that `vigil flows -r` reads from the capture.
# usage: replay_udp.py CAPTURE HOST PORT
import socket
import struct
import sys
import time


def payloads(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        while True:
            ph = f.read(16)
            if len(ph) < 16:
                return
            incl = struct.unpack(end + "IIII", ph)[2]
            frame = f.read(incl)
            if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
                continue
            ihl = (frame[14] & 0x0f) * 4
            if frame[14 + 9] != 17:
                continue
            udp = 14 + ihl
            ulen = struct.unpack(">H", frame[udp + 4:udp + 6])[0]
            yield frame[udp + 8:udp + ulen]


def main():
    path, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = 0
    for p in payloads(path):
        s.sendto(p, (host, port))
        n += 1
        if n % 50 == 0:
            time.sleep(0.01)
    print(n)


main()
