#!/usr/bin/python3
"""dat2pcap.py - wrap raw NetFlow/IPFIX UDP payloads into a capture.

Usage: dat2pcap.py OUT.pcap PAYLOAD [PAYLOAD...]

Each payload file (one export datagram, no L2-L4 headers) becomes one
Ethernet/IPv4/UDP frame from 192.0.2.1:5000 to port 2055, in the order
given, one second apart, so tshark and vigil can read them as a capture.
"""
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap


def main():
    pkts = []
    for i, path in enumerate(sys.argv[2:]):
        with open(path, "rb") as f:
            data = f.read()
        p = Ether() / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=5000, dport=2055) / Raw(data)
        p.time = 1700000000 + i
        pkts.append(p)
    wrpcap(sys.argv[1], pkts)


if __name__ == "__main__":
    main()
