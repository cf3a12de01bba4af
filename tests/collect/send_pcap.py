#!/usr/bin/python3
"""send_pcap.py - replay the UDP payloads of a capture to a collector, in
order, from one local socket (so the collector sees one exporter, as a router
would look). Plain pcap reader (Ethernet, Linux SLL, raw IP, BSD loopback),
IPv4 and IPv6, no scapy needed.

  send_pcap.py [--host H] [--port P] [--bind ADDR] [--pps N] [--repeat K] FILE.pcap ...
  send_pcap.py --garbage N ...     send N datagrams of random bytes first
Prints the number of datagrams sent."""
import argparse
import random
import socket
import struct
import sys
import time


def payloads(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        raise SystemExit("%s: not a classic pcap file" % path)
    link = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if link == 1:                      # Ethernet, maybe VLAN-tagged
            et, p = struct.unpack(">H", pkt[12:14])[0], 14
            while et == 0x8100 and len(pkt) >= p + 4:
                et, p = struct.unpack(">H", pkt[p + 2:p + 4])[0], p + 4
        elif link == 113:                  # Linux SLL
            et, p = struct.unpack(">H", pkt[14:16])[0], 16
        elif link in (101, 12, 14):        # raw IP
            et, p = (0x86DD if pkt[0] >> 4 == 6 else 0x800), 0
        elif link == 0:                    # BSD loopback
            fam = struct.unpack("<I", pkt[:4])[0]
            et, p = (0x800 if fam == 2 else 0x86DD), 4
        else:
            continue
        if et == 0x800:
            ihl = (pkt[p] & 15) * 4
            if pkt[p + 9] != 17:
                continue
            u = p + ihl
        elif et == 0x86DD:
            if pkt[p + 6] != 17:
                continue
            u = p + 40
        else:
            continue
        ulen = struct.unpack(">H", pkt[u + 4:u + 6])[0]
        yield pkt[u + 8:u + ulen]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind", default=None, help="local source address")
    ap.add_argument("--pps", type=float, default=0, help="pace to N datagrams/s (0 = fast)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--garbage", type=int, default=0)
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if a.bind:
        s.bind((a.bind, 0))
    dst = (a.host, a.port)
    sent = 0
    rnd = random.Random(99)
    for _ in range(a.garbage):
        s.sendto(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300))), dst)
        sent += 1
    pk = [p for f in a.files for p in payloads(f)]
    t0 = time.monotonic()
    for _ in range(a.repeat):
        for p in pk:
            s.sendto(p, dst)
            sent += 1
            if a.pps:
                delay = t0 + sent / a.pps - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
    print(sent)


if __name__ == "__main__":
    main()
