#!/usr/bin/python3
"""gen_traffic.py - write a small, deterministic traffic capture for the
collector's tests: TCP sessions (handshake, data, FIN), UDP exchanges and ICMP
echoes over IPv4 and IPv6, spread over a minute, so that softflowd can export
them as NetFlow v5/v9 and IPFIX. Usage: gen_traffic.py OUT.pcap [NFLOWS]"""
import random
import sys

from scapy.all import IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest, ICMPv6EchoReply, Ether, Raw, wrpcap

def main():
    out = sys.argv[1]
    nflows = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    rnd = random.Random(4711)
    pkts = []
    t0 = 1700000000.0
    for i in range(nflows):
        t = t0 + i * 0.5
        kind = i % 6
        v6 = i % 4 == 3
        if v6:
            a, b = "2001:db8:1::%x" % (i + 1), "2001:db8:2::%x" % (rnd.randrange(1, 60000))
            L3 = lambda s, d: IPv6(src=s, dst=d)
        else:
            a, b = "10.1.%d.%d" % (i // 250, i % 250 + 1), "192.0.2.%d" % rnd.randrange(1, 255)
            L3 = lambda s, d: IP(src=s, dst=d)
        eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        if kind in (0, 1, 2):
            sp, dp = 1024 + i, [80, 443, 22, 445, 3389][i % 5]
            seq = []
            seq.append(L3(a, b) / TCP(sport=sp, dport=dp, flags="S"))
            seq.append(L3(b, a) / TCP(sport=dp, dport=sp, flags="SA"))
            seq.append(L3(a, b) / TCP(sport=sp, dport=dp, flags="A"))
            for k in range(rnd.randrange(1, 6)):
                seq.append(L3(a, b) / TCP(sport=sp, dport=dp, flags="PA") / Raw(b"x" * rnd.randrange(10, 120)))
                seq.append(L3(b, a) / TCP(sport=dp, dport=sp, flags="PA") / Raw(b"y" * rnd.randrange(10, 200)))
            seq.append(L3(a, b) / TCP(sport=sp, dport=dp, flags="FA"))
            seq.append(L3(b, a) / TCP(sport=dp, dport=sp, flags="FA"))
            seq.append(L3(a, b) / TCP(sport=sp, dport=dp, flags="A"))
        elif kind in (3, 4):
            sp, dp = 20000 + i, [53, 123, 161][i % 3]
            seq = [L3(a, b) / UDP(sport=sp, dport=dp) / Raw(b"q" * rnd.randrange(20, 60)),
                   L3(b, a) / UDP(sport=dp, dport=sp) / Raw(b"r" * rnd.randrange(40, 200))]
        else:
            if v6:
                seq = [L3(a, b) / ICMPv6EchoRequest(id=i, seq=1), L3(b, a) / ICMPv6EchoReply(id=i, seq=1)]
            else:
                seq = [L3(a, b) / ICMP(type=8, id=i, seq=1), L3(b, a) / ICMP(type=0, id=i, seq=1)]
        for k, p in enumerate(seq):
            p = eth / p
            p.time = t + k * 0.01
            pkts.append(p)
    pkts.sort(key=lambda p: p.time)
    wrpcap(out, pkts)

if __name__ == "__main__":
    main()
