#!/usr/bin/python3
"""gen_traffic.py - write a small, varied, deterministic traffic capture.

Usage: gen_traffic.py OUT.pcap [SEED]

A few hundred flows over IPv4 and IPv6: TCP sessions (handshake, data,
FIN), UDP request/response pairs (DNS, NTP, SNMP, high ports), ICMP and
ICMPv6 echo, spread over a few minutes of capture time so softflowd's
exports carry distinct start/end times. Used by make_fixtures.sh.
"""
import random
import sys

from scapy.all import Ether, ICMP, IP, IPv6, ICMPv6EchoRequest, ICMPv6EchoReply, TCP, UDP, Raw, wrpcap


def main():
    out = sys.argv[1]
    rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    base = 1700000000.0
    pkts = []
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")

    def v4(i):
        return "10.%d.%d.%d" % (rnd.randrange(256), rnd.randrange(256), 1 + i % 250)

    def v6(i):
        return "2001:db8:%x::%x" % (rnd.randrange(65536), 1 + i)

    def ip(src, dst, six):
        return IPv6(src=src, dst=dst) if six else IP(src=src, dst=dst)

    for i in range(300):
        six = i % 4 == 3
        a = v6(i) if six else v4(i)
        b = v6(i + 1000) if six else "192.0.2.%d" % (1 + i % 200)
        t = base + rnd.uniform(0, 240)
        kind = rnd.choice(["tcp", "tcp", "udp", "udp", "icmp"])
        if kind == "tcp":
            sp, dp = rnd.randrange(1024, 65535), rnd.choice([22, 80, 443, 445, 3389, 8080])
            seq = rnd.randrange(1 << 31)
            flow = [(a, b, sp, dp, "S", b""), (b, a, dp, sp, "SA", b""), (a, b, sp, dp, "A", b"")]
            for _ in range(rnd.randrange(1, 6)):
                flow.append((a, b, sp, dp, "PA", bytes(rnd.randrange(1, 400))))
                flow.append((b, a, dp, sp, "PA", bytes(rnd.randrange(1, 1400))))
            flow.append((a, b, sp, dp, "FA", b""))
            flow.append((b, a, dp, sp, "FA", b""))
            for s, d, x, y, fl, pl in flow:
                p = eth / ip(s, d, six) / TCP(sport=x, dport=y, flags=fl, seq=seq) / Raw(pl)
                p.time = t
                t += rnd.uniform(0.001, 0.5)
                pkts.append(p)
        elif kind == "udp":
            sp, dp = rnd.randrange(1024, 65535), rnd.choice([53, 123, 161, 5353, 40000])
            for _ in range(rnd.randrange(1, 4)):
                for s, d, x, y, n in ((a, b, sp, dp, rnd.randrange(20, 80)),
                                      (b, a, dp, sp, rnd.randrange(40, 1200))):
                    p = eth / ip(s, d, six) / UDP(sport=x, dport=y) / Raw(bytes(n))
                    p.time = t
                    t += rnd.uniform(0.001, 0.2)
                    pkts.append(p)
        else:
            for k in range(rnd.randrange(1, 4)):
                if six:
                    req = eth / IPv6(src=a, dst=b) / ICMPv6EchoRequest(id=i, seq=k)
                    rep = eth / IPv6(src=b, dst=a) / ICMPv6EchoReply(id=i, seq=k)
                else:
                    req = eth / IP(src=a, dst=b) / ICMP(type=8, id=i, seq=k)
                    rep = eth / IP(src=b, dst=a) / ICMP(type=0, id=i, seq=k)
                for p in (req, rep):
                    p.time = t
                    t += rnd.uniform(0.001, 1.0)
                    pkts.append(p)
    pkts.sort(key=lambda p: p.time)
    wrpcap(out, pkts)


if __name__ == "__main__":
    main()
