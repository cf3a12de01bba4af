#!/bin/sh
# make_fixtures.sh - regenerate the collector's test fixtures in tests/collect/data:
#   traffic.pcap      small traffic capture (gen_traffic.py, python3-scapy)
#   export-v5.pcap    softflowd's NetFlow v5 export of it, captured on loopback
#   export-v9.pcap    the same as NetFlow v9
#   export-ipfix.pcap the same as IPFIX
# Needs root (capture on lo), softflowd, tshark (dumpcap), /usr/bin/python3 with scapy.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data
mkdir -p "$data"
/usr/bin/python3 "$here/gen_traffic.py" "$data/traffic.pcap" 120
port=39001
for v in 5 9 10; do
	name=$v
	[ "$v" = 10 ] && name=ipfix
	[ "$v" != 10 ] && name=v$v
	out=$data/export-$name.pcap
	rm -f "$out"
	dumpcap -q -i lo -f "udp port $port" -w "$out.tmp" >/dev/null 2>&1 &
	cap=$!
	sleep 2
	softflowd -r "$data/traffic.pcap" -n 127.0.0.1:$port -v "$v" -d >/dev/null 2>&1
	sleep 1
	kill -INT "$cap"
	wait "$cap" || true
	# plain pcap, not pcapng, so any reader takes it
	tshark -r "$out.tmp" -F pcap -w "$out" 2>/dev/null
	rm -f "$out.tmp"
	echo "$out: $(tshark -r "$out" 2>/dev/null | wc -l) packets"
done
