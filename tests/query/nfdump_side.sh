#!/bin/sh
# nfdump_side.sh - the same command line to nfdump and to `vigil flows` gives
# the same rows. The NetFlow v5 exports of data/v5-mixed.pcap (240 flows,
# make_nfdump_fixture.py) and data/v5-small.pcap are sent to Debian's nfcapd
# on a free loopback port; nfdump reads what nfcapd stored, vigil reads the
# captures. Both run in UTC (nfdump prints local time). Skips without
# nfdump/nfcapd.
#
# Left out on purpose, where nfdump 1.7.1 itself differs (see vigil-flows(1)):
# -t (nfdump keeps flows inside the window, vigil those overlapping it), masks
# (nfcapd 1.7.1 drops v5 src/dst masks), -O bps/pps/bpp (nfdump's order is
# not by the value shown or ties unstably), -B on the mixed set (nfdump
# compares the ports in network byte order), AS filters (nfdump 1.7.1 as
# packaged refuses "as N" for want of a geo database), the summary lines.
set -u
: "${VIGIL:?set VIGIL to the vigil binary}"
[ -x "$VIGIL" ] || { echo "skip: no vigil binary at $VIGIL"; exit 77; }
for t in nfdump nfcapd; do
	command -v $t >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }
done
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skip: $PY missing"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export TZ=UTC
fails=0 n=0

# store CAPTURE NAME: replay the capture to a fresh nfcapd, leaves $tmp/NAME.nf
store() {
	port=$("$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$tmp/$2"
	nfcapd -w "$tmp/$2" -p "$port" -b 127.0.0.1 >"$tmp/$2.log" 2>&1 &
	pid=$!
	i=0
	while ! grep -q "Startup" "$tmp/$2.log" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 0.2
	"$PY" "$here/replay_udp.py" "$1" 127.0.0.1 "$port" >/dev/null
	sleep 0.5
	kill "$pid"
	wait "$pid" 2>/dev/null
	pid=
	f=$(ls "$tmp/$2"/nfcapd.* 2>/dev/null | head -1)
	[ -n "$f" ] || { echo "FAIL: nfcapd stored nothing"; cat "$tmp/$2.log"; exit 1; }
	mv "$f" "$tmp/$2.nf"
}

# same NF CAPTURE ARGS...: nfdump -r NF ARGS and vigil flows -r CAPTURE ARGS print the same
same() {
	nf=$1 cap=$2
	shift 2
	n=$((n + 1))
	nfdump -r "$nf" "$@" >"$tmp/a" 2>&1
	"$VIGIL" flows -r "$cap" "$@" >"$tmp/b" 2>&1
	if cmp -s "$tmp/a" "$tmp/b"; then
		echo "ok: $* ($(wc -l <"$tmp/a") lines)"
	else
		echo "FAIL: $*"
		diff "$tmp/a" "$tmp/b" | head -8
		fails=$((fails + 1))
	fi
}

mixed="$here/data/v5-mixed.pcap"
small="$here/data/v5-small.pcap"
store "$mixed" mixed
store "$small" small
M="$tmp/mixed.nf"
S="$tmp/small.nf"
all='%ts %te %td %tds %pr %sa %da %sap %dap %sp %dp %pkt %byt %fl %flg %tos %stos %in %out %sas %das %bps %pps %bpp %ipkt %ibyt %opkt %obyt %nh %it %ic %dir'

# output formats, -q, -N
same "$M" "$mixed" -q -o line
same "$M" "$mixed" -q -o long
same "$M" "$mixed" -q -o extended
same "$M" "$mixed" -q -N -o extended
same "$M" "$mixed" -q -o "fmt:$all"
same "$M" "$mixed" -q -N -o "fmt:$all"
same "$M" "$mixed" -o "fmt:$all" -c 1 -q
same "$S" "$small" -q -o "fmt:%ts|%sap|%dap|%it|%ic|%pr"
# the header line
nfdump -r "$M" -o "fmt:$all" -c 1 | head -1 >"$tmp/a"
"$VIGIL" flows -r "$mixed" -o "fmt:$all" -c 1 | head -1 >"$tmp/b"
n=$((n + 1))
cmp -s "$tmp/a" "$tmp/b" && echo "ok: fmt header" || { echo "FAIL: fmt header"; diff "$tmp/a" "$tmp/b"; fails=$((fails + 1)); }
# -c, -O
same "$M" "$mixed" -q -O tstart -c 5 -o line
same "$M" "$mixed" -q -O tstart -c 5 -o "fmt:%ts %te %sap %dap %pkt"
same "$M" "$mixed" -q -O tend -o line
same "$M" "$mixed" -q -O bytes -o line
same "$M" "$mixed" -q -O packets -c 50 -o long
same "$M" "$mixed" -q -O duration -o extended
# aggregation
same "$M" "$mixed" -q -a -O bytes -o line
same "$M" "$mixed" -q -b -O tstart
same "$M" "$mixed" -q -b -O bytes -o bilong
same "$M" "$mixed" -q -b -O packets
same "$M" "$mixed" -q -b -O tstart -o "fmt:%ts %te %td %pr %sap %dap %flg %tos %in %out %sas %das %nh %ipkt %opkt %ibyt %obyt %fl"
same "$S" "$small" -q -B -O tstart
same "$M" "$mixed" -q -A srcip,proto -O bytes
same "$M" "$mixed" -q -A srcip4/16,dstport -O bytes
same "$M" "$mixed" -q -A dstip,dstport -O packets -o "fmt:%da %dp %pkt %byt %fl"
same "$M" "$mixed" -q -A srcas,dstas,inif,outif,tos -O bytes
same "$M" "$mixed" -q -A next,proto -O bytes
# several -s in one run
same "$M" "$mixed" -q -s srcip/bytes -s dstport/packets -s proto/bytes -n 5
same "$M" "$mixed" -q -N -s dstip/bytes -n 5
same "$M" "$mixed" -q -s srcas/bytes -s inif/packets -s outif/bytes -s tos/bytes -s dstas/bytes -n 5
same "$M" "$mixed" -q -s ip/bytes -s port/bytes -s as/bytes -s if/bytes -n 4
same "$M" "$mixed" -q -s srcip/pps -s dstip/bps -s dstip/bpp -n 4
# filters
same "$M" "$mixed" -q -o line "icmp-type 3"
same "$M" "$mixed" -q -o line "icmp-type 8 and icmp-code 0"
same "$M" "$mixed" -q -o line "icmp-type 0"
same "$M" "$mixed" -q -o line "proto tcp and dst port 445"
same "$M" "$mixed" -q -o line "next ip 192.0.2.1 and in if 7"
same "$M" "$mixed" -q -o line "tos 8 or proto udp"
same "$M" "$mixed" -q -o line "flags S and not flags A"
same "$M" "$mixed" -q -o line "bpp > 500 and duration > 60000"
same "$M" "$mixed" -q -o line "net 10.1.0.0/16 and packets > 10k"
same "$M" "$mixed" -q -o line "in packets > 5000 and flowdir ingress"
same "$M" "$mixed" -q -o line "src net 10.1.2.0 255.255.255.0 and bytes < 1M"
same "$M" "$mixed" -q -o line "proto gre and out if 4"
same "$M" "$mixed" -q -o line -s dstport/bytes -n 3 "proto udp"

echo "nfdump side by side: $((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
