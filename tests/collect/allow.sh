#!/bin/sh
# allow.sh - the exporter allow-list, bad packets and SIGHUP/SIGUSR1 on a
# running `vigil collect`: packets from an exporter not on the list are dropped
# and counted per source; garbage is counted as bad and the collector keeps
# running; a SIGHUP after editing vigil.conf lets the other exporter in and
# applies its configured sampling rate; SIGUSR1 prints the per-exporter table.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
: "${COLLECT_DUMP:?}"
port=$(free_port)
conf=$work/vigil.conf
printf '[collect]\nallow = 127.0.0.2/32\nsampling = 127.0.0.1 100\n' >"$conf"
start_collector -c "$conf" -w "$work/store" -l "127.0.0.1:$port"
send() { "$PY" "$here/send_pcap.py" --port "$port" "$@" >/dev/null || fail "send $*"; }
send --bind 127.0.0.1 "$data/export-v5.pcap"            # denied: 6 packets
send --bind 127.0.0.2 "$data/export-v5.pcap"            # allowed: 180 flows
send --bind 127.0.0.2 --garbage 20                      # bad
sleep 0.3
kill -0 "$collector_pid" 2>/dev/null || fail "collector died on garbage"

printf '[collect]\nallow = 127.0.0.0/24\nsampling = 127.0.0.1 100\n' >"$conf"
kill -HUP "$collector_pid"
i=0
until grep -q "reloaded" "$work/collect.log"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "no reload after SIGHUP"; sleep 0.05
done
send --bind 127.0.0.1 "$data/export-v5.pcap"            # now allowed, sampled 1:100
sleep 0.3
kill -USR1 "$collector_pid"
i=0
until grep -q "source address" "$work/collect.log"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "no table after SIGUSR1"; sleep 0.05
done
stop_collector

summary=$(grep "^vigil collect:" "$work/collect.log" | tail -1)
echo "$summary"
echo "$summary" | grep -q "32 packets, 360 flows (360 stored)" || fail "summary: $summary"
echo "$summary" | grep -q " 20 bad packets" || fail "bad count: $summary"
echo "$summary" | grep -q " 6 denied" || fail "denied count: $summary"
grep -Eq "^  127\.0\.0\.1 +6 +0$" "$work/collect.log" || fail "per-source denied row"
grep -Eq "^  127\.0\.0\.2 +0 +20$" "$work/collect.log" || fail "per-source bad row"

"$COLLECT_DUMP" -e -R "$work/store" >"$work/flows.txt" 2>"$work/stats" || fail "read store"
# column 12 is the sampling rate, the last the exporter
n1=$(awk '$NF == "127.0.0.1" && $12 == 100' "$work/flows.txt" | wc -l)
n2=$(awk '$NF == "127.0.0.2" && $12 == 1' "$work/flows.txt" | wc -l)
[ "$n1" -eq 180 ] || fail "127.0.0.1: $n1 flows at 1:100, want 180"
[ "$n2" -eq 180 ] || fail "127.0.0.2: $n2 flows at 1:1, want 180"
if [ "$(id -u)" = 0 ]; then
	# started as root: it must have become nobody, and written the store as nobody
	grep -q "running as nobody" "$work/collect.log" || fail "no privilege drop"
	owners=$(find "$work/store" -type f -name '*.seg*' -exec stat -c %U {} + | sort -u)
	[ "$owners" = nobody ] || fail "segments owned by '$owners', not nobody"
fi
echo "ok: allow-list, reload, sampling override, bad packets"
