#!/bin/sh
# make_fixtures.sh - regenerate tests/flow/data/: a traffic capture made with
# scapy (gen_traffic.py) is exported by softflowd (a real exporter) as
# NetFlow v5, v9 and IPFIX (relative times, absolute ms/us/ns times,
# and 1:10 sampled), and each export is captured on loopback with dumpcap.
# Needs root (capture on lo), softflowd, dumpcap, Debian's
# python3-scapy. Run from anywhere: sh tests/flow/make_fixtures.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/data"
work=$(mktemp -d)
chmod 755 "$work" # softflowd and dumpcap may drop privileges
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
/usr/bin/python3 "$here/gen_traffic.py" "$work/t.pcap" 7
port=39555

# export NAME FORMAT softflowd-args...: one softflowd run captured into $out/NAME
export_one() {
	name=$1 fmt=$2
	shift 2
	if [ "$fmt" = pcapng ]; then fmt=-n; else fmt=-P; fi
	dumpcap -q -i lo -f "udp port $port" "$fmt" -w "$work/cap" -a duration:6 2>/dev/null &
	dc=$!
	sleep 2
	# softflowd 1.1.0 mangles a long -r path (then waits forever on its
	# control socket): give it a short relative one. It exits at pcap EOF.
	(cd "$work" && exec timeout 60 softflowd -r t.pcap -n "127.0.0.1:$port" -d -c ctl -p pid "$@") \
		>/dev/null 2>&1 || echo "softflowd $* failed" >&2
	wait "$dc" || true
	cp "$work/cap" "$out/$name"
	echo "$name: $(wc -c <"$out/$name") bytes"
}

export_one softflowd-v5.pcap pcap -v 5
export_one softflowd-v9.pcapng pcapng -v 9 -6
export_one softflowd-ipfix.pcap pcap -v 10 -6
export_one softflowd-ipfix-ms.pcap pcap -v 10 -6 -A milli
export_one softflowd-ipfix-us.pcap pcap -v 10 -6 -A micro
export_one softflowd-ipfix-ns.pcap pcap -v 10 -6 -A nano
export_one softflowd-v9-sampled.pcap pcap -v 9 -6 -s 10
