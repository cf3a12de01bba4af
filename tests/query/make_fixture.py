#!/usr/bin/python3
# make_fixture.py - writes tests/query/data/v5-small.pcap: two NetFlow v5
# export packets with a dozen hand-picked flows (SMB probes, DNS, web, ICMP,
# GRE, a sampled exporter) whose values the query end-to-end test checks.
# Run with Debian's python3 (scapy): /usr/bin/python3 make_fixture.py OUT
import sys
from scapy.all import Ether, IP, UDP, wrpcap
from scapy.layers.netflow import NetflowHeader, NetflowHeaderV5, NetflowRecordV5

UNIX = 1700000000
UPTIME = 100000  # ms


def rec(src, dst, sport, dport, prot, flags, pkts, octets, first, last):
    return NetflowRecordV5(src=src, dst=dst, nexthop="0.0.0.0", input=1, output=2,
                           dpkts=pkts, dOctets=octets, first=first, last=last,
                           srcport=sport, dstport=dport, tcpFlags=flags, prot=prot,
                           tos=0, src_as=0, dst_as=0, src_mask=0, dst_mask=0)


a = [
    rec("10.1.2.3", "192.0.2.10", 40001, 445, 6, 0x02, 1, 60, 90000, 90000),
    rec("10.1.2.3", "192.0.2.11", 40002, 445, 6, 0x02, 1, 60, 90010, 90010),
    rec("10.1.2.3", "192.0.2.12", 40003, 445, 6, 0x02, 1, 60, 90020, 90020),
    rec("192.0.2.10", "10.1.2.3", 445, 40001, 6, 0x14, 1, 40, 90001, 90001),
    rec("163.1.5.5", "8.8.8.8", 51000, 53, 17, 0, 1, 70, 91000, 91000),
    rec("8.8.8.8", "163.1.5.5", 53, 51000, 17, 0, 1, 230, 91020, 91020),
    rec("10.9.9.9", "198.51.100.7", 33000, 80, 6, 0x1b, 12, 9000, 60000, 90000),
    rec("198.51.100.7", "10.9.9.9", 80, 33000, 6, 0x1b, 10, 12000, 60005, 90005),
    rec("10.1.2.3", "192.0.2.99", 0, 0x0800, 1, 0, 4, 336, 92000, 95000),
    rec("172.16.0.1", "172.16.0.2", 0, 0, 47, 0, 20, 2000, 80000, 99000),
]
b = [
    rec("10.1.2.3", "203.0.113.5", 40010, 3389, 6, 0x02, 2, 120, 95000, 95500),
    rec("203.0.113.9", "10.1.2.4", 22, 50000, 6, 0x18, 100, 150000, 93000, 99999),
]


def pkt(exporter, recs, seq, sampling):
    hdr = NetflowHeader(version=5) / NetflowHeaderV5(
        count=len(recs), sysUptime=UPTIME, unixSecs=UNIX, unixNanoSeconds=0,
        flowSequence=seq, engineType=0, engineID=0, samplingInterval=sampling)
    body = hdr
    for r in recs:
        body = body / r
    p = Ether() / IP(src=exporter, dst="127.0.0.1") / UDP(sport=40000, dport=2055) / body
    p.time = UNIX
    return p


out = sys.argv[1] if len(sys.argv) > 1 else "v5-small.pcap"
# sampling: mode 01 (deterministic) in the top two bits, interval 100
wrpcap(out, [pkt("192.0.2.250", a, 0, 0), pkt("192.0.2.251", b, 0, 0x4000 | 100)])
