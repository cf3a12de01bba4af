#!/usr/bin/python3
# make_nfdump_fixture.py - writes tests/query/data/v5-mixed.pcap: eight NetFlow
# v5 export packets (240 unsampled flows) for the side-by-side test with
# nfdump (nfdump_side.sh): client/server pairs with and without the reverse
# flow, replies seen before their request (for -B), ICMP types and codes,
# GRE, AS numbers, interfaces, TOS, masks and next hops. Byte, packet and
# start values are distinct so nfdump's and vigil's orders cannot tie.
# Run with Debian's python3 (scapy): /usr/bin/python3 make_nfdump_fixture.py OUT
import random
import sys
from scapy.all import Ether, IP, UDP, wrpcap
from scapy.layers.netflow import NetflowHeader, NetflowHeaderV5, NetflowRecordV5

UNIX = 1700000000
UPTIME = 3600000  # ms
rnd = random.Random(7)
used_bytes, used_pkts, used_first = set(), set(), set()


def uniq(used, lo, hi):
    while True:
        v = rnd.randint(lo, hi)
        if v not in used:
            used.add(v)
            return v


def rec(src, dst, sport, dport, prot, flags):
    pkts = uniq(used_pkts, 1, 20000)
    first = uniq(used_first, 1000, UPTIME - 200000)
    last = first + rnd.randint(0, 120000)
    return NetflowRecordV5(src=src, dst=dst, nexthop=rnd.choice(["0.0.0.0", "192.0.2.1", "192.0.2.2"]),
                           input=rnd.choice([1, 2, 7]), output=rnd.choice([3, 4]),
                           dpkts=pkts, dOctets=uniq(used_bytes, 40, 5000000), first=first,
                           last=last, srcport=sport, dstport=dport, tcpFlags=flags, prot=prot,
                           tos=rnd.choice([0, 0, 8, 0x10, 0xb8]), src_as=rnd.choice([0, 64500, 65001]),
                           dst_as=rnd.choice([0, 3320, 15169]), src_mask=rnd.choice([0, 16, 24]),
                           dst_mask=rnd.choice([0, 8, 24]))


clients = ["10.1.%d.%d" % (rnd.randint(0, 3), rnd.randint(1, 254)) for _ in range(12)]
servers = ["198.51.100.%d" % rnd.randint(1, 254) for _ in range(6)] + \
          ["203.0.113.%d" % rnd.randint(1, 254) for _ in range(4)]
flows = []
while len(flows) < 200:
    c, s = rnd.choice(clients), rnd.choice(servers)
    cp, sp = rnd.randint(1025, 65000), rnd.choice([22, 25, 53, 80, 443, 445, 3389])
    prot = 17 if sp == 53 else 6
    fwd = (c, s, cp, sp, prot, rnd.choice([0x02, 0x12, 0x1b, 0x18]) if prot == 6 else 0)
    rev = (s, c, sp, cp, prot, rnd.choice([0x12, 0x1b, 0x14]) if prot == 6 else 0)
    kind = rnd.random()
    if kind < 0.4:
        flows += [fwd, rev]
    elif kind < 0.6:
        flows += [rev, fwd]   # the reply first: -b keeps it, -B turns it round
    elif kind < 0.8:
        flows.append(fwd)
    else:
        flows.append(rev)
for t, code in [(8, 0), (0, 0), (3, 1), (3, 3), (11, 0), (8, 0), (3, 13), (0, 0)]:
    a, b = rnd.choice(clients), rnd.choice(servers)
    flows.append((a, b, 0, t << 8 | code, 1, 0))
for _ in range(40 - (len(flows) - 200) - 8 + 8):
    if len(flows) >= 240:
        break
    flows.append((rnd.choice(clients), rnd.choice(servers), 0, 0, 47, 0))
flows = flows[:240]
recs = [rec(*f) for f in flows]


def pkt(recs, seq):
    hdr = NetflowHeader(version=5) / NetflowHeaderV5(
        count=len(recs), sysUptime=UPTIME, unixSecs=UNIX, unixNanoSeconds=0,
        flowSequence=seq, engineType=0, engineID=0, samplingInterval=0)
    body = hdr
    for r in recs:
        body = body / r
    p = Ether() / IP(src="192.0.2.250", dst="127.0.0.1") / UDP(sport=40000, dport=2055) / body
    p.time = UNIX
    return p


out = sys.argv[1] if len(sys.argv) > 1 else "v5-mixed.pcap"
wrpcap(out, [pkt(recs[i:i + 30], i) for i in range(0, len(recs), 30)])
