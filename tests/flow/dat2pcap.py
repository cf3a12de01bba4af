#!/usr/bin/python3
"""dat2pcap.py - wrap raw NetFlow/IPFIX UDP payloads into a capture.

Usage: dat2pcap.py OUT.pcap [--src IP] PAYLOAD [PAYLOAD...] [--src IP] PAYLOAD...

Each payload file (one export datagram, no L2-L4 headers) becomes one
Ethernet/IPv4/UDP frame to port 2055, in the order given, one second apart,
so tshark and vigil can read them as a capture. The source address
(default 192.0.2.1) is the exporter; --src switches it for the payloads
that follow, so several exporters' streams can share one capture.
"""
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap


def main():
    pkts = []
    src = "192.0.2.1"
    args = sys.argv[2:]
    i = 0
    while i < len(args):
        if args[i] == "--src":
            src = args[i + 1]
            i += 2
            continue
        with open(args[i], "rb") as f:
            data = f.read()
        p = Ether() / IP(src=src, dst="192.0.2.2") / UDP(sport=5000, dport=2055) / Raw(data)
        p.time = 1700000000 + len(pkts)
        pkts.append(p)
        i += 1
    wrpcap(sys.argv[1], pkts)


if __name__ == "__main__":
    main()
