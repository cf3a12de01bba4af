#!/usr/bin/python3
# make_nodes.py - writes two NetFlow v5 captures, one a node, for the test of
# queries across nodes (query_nodes.sh). Each node has ten busy sources of
# its own and one, 10.99.0.99, that is eleventh on each node by bytes but
# first over both: a merge of the nodes' top 10 would miss it.
# Run with Debian's python3 (scapy): /usr/bin/python3 make_nodes.py A.pcap B.pcap
import sys
from scapy.all import Ether, IP, UDP, wrpcap
from scapy.layers.netflow import NetflowHeader, NetflowHeaderV5, NetflowRecordV5

UNIX = 1700000000
UPTIME = 200000  # ms


def rec(src, dst, sport, dport, prot, pkts, octets, first, last):
    return NetflowRecordV5(src=src, dst=dst, nexthop="0.0.0.0", input=1, output=2,
                           dpkts=pkts, dOctets=octets, first=first, last=last,
                           srcport=sport, dstport=dport, tcpFlags=0x1b if prot == 6 else 0,
                           prot=prot, tos=0, src_as=0, dst_as=0, src_mask=0, dst_mask=0)


def node(n, t0):
    recs = []
    t = t0
    for i in range(10):
        # 600..900 bytes a source in three flows; node b slightly more
        for j in range(3):
            octets = 200 + 10 * i + n * 3 + j
            recs.append(rec("10.%d.0.%d" % (n + 1, i + 1), "192.0.2.%d" % (i + 10 * j),
                            40000 + i * 10 + j, 443 if j else 53, 6 if j else 17,
                            1 + j, octets, t, t + 500 * j))
            t += 7
    # the trap: 500 bytes on each node, 1000 over both
    for j in range(5):
        recs.append(rec("10.99.0.99", "198.51.100.%d" % j, 50000 + j, 445, 6, 1, 100, t, t + 3))
        t += 7
    return recs


def pkts(exporter, recs):
    out = []
    for k in range(0, len(recs), 30):
        chunk = recs[k:k + 30]
        hdr = NetflowHeader(version=5) / NetflowHeaderV5(
            count=len(chunk), sysUptime=UPTIME, unixSecs=UNIX, unixNanoSeconds=0,
            flowSequence=k, engineType=0, engineID=0, samplingInterval=0)
        body = hdr
        for r in chunk:
            body = body / r
        p = Ether() / IP(src=exporter, dst="127.0.0.1") / UDP(sport=40000, dport=2055) / body
        p.time = UNIX
        out.append(p)
    return out


wrpcap(sys.argv[1], pkts("192.0.2.250", node(0, 100000)))
wrpcap(sys.argv[2], pkts("192.0.2.251", node(1, 100003)))
