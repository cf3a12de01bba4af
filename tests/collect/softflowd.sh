#!/bin/sh
# softflowd.sh - softflowd as a real exporter: it reads a traffic capture and
# exports NetFlow v5, v9 and IPFIX to a running `vigil collect`; the store must
# then hold every flow of each export (both directions of 120 sessions; v5
# carries IPv4 only), and the flows' packets must add up to the capture's.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
: "${COLLECT_DUMP:?}"
need softflowd tshark
port=$(free_port)
start_collector -w "$work/store" -l "127.0.0.1:$port"
for v in 5 9 10; do
	timeout 20 softflowd -r "$data/traffic.pcap" -n "127.0.0.1:$port" -v "$v" -d \
		>/dev/null 2>&1 ||
		fail "softflowd -v $v"
done
sleep 0.5
stop_collector
"$COLLECT_DUMP" -R "$work/store" >"$work/flows.txt" 2>"$work/stats" || fail "read store"
grep -q "bad_blocks=0" "$work/stats" || fail "bad blocks: $(cat "$work/stats")"

pk_all=$(tshark -r "$data/traffic.pcap" 2>/dev/null | wc -l)
pk_v4=$(tshark -r "$data/traffic.pcap" -Y ip 2>/dev/null | wc -l)
for v in 5 9 10; do
	# columns: first last src sport dst dport proto packets bytes flags tos sampling version ...
	n=$(awk -v v=$v '$13 == v' "$work/flows.txt" | wc -l)
	p=$(awk -v v=$v '$13 == v {s += $8} END {print s + 0}' "$work/flows.txt")
	if [ $v = 5 ]; then want_n=180; want_p=$pk_v4; else want_n=240; want_p=$pk_all; fi
	[ "$n" -eq "$want_n" ] || fail "v$v: $n flows stored, softflowd exported $want_n"
	[ "$p" -eq "$want_p" ] || fail "v$v: flows add up to $p packets, the capture has $want_p"
	echo "ok: v$v: $n flows, $p packets"
done
grep -q "lost by sequence" "$work/collect.log" || fail "no summary"
