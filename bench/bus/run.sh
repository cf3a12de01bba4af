#!/bin/sh
# run.sh - the bus's figures (bench/bus/README.md), on a 3-node RabbitMQ
# cluster on loopback (scripts/rabbit-cluster.sh):
#   1. publish: one `vigil collect -r FLOWS.pcap --publish URLS` (FLOWS
#      NetFlow v9 flows from bench/flows' genflows, default 2,000,000, the
#      flow benchmark's model: constituency 198.18.0.0/16), timed until it
#      exits (every batch confirmed): flows/s;
#   2. consume: W workers (`vigil detect --consume --drain`, partitions split
#      evenly over them) drain the queues into a fresh desk, timed until the
#      last exits: flows/s, for W = 1 and W = 2 (the same published input
#      each time: phase 1 is repeated before each W);
#   3. the broker's cost: CPU seconds (utime+stime from /proc/PID/stat) of
#      the three nodes' Erlang VMs per million flows, publish and consume
#      apart; bytes per flow on the wire: loopback bytes (/proc/net/dev "lo",
#      both directions: client traffic plus quorum replication between the
#      nodes) per flow. (/proc/PID/io rchar stays 0 for the VMs: they read
#      sockets with recv, which it does not count.)
# Skips (exit 77) when this vigil has no --publish. Desk: PostgreSQL when
# VIGIL_PG_URL is set, else a SQLite file. Builds vigil and genflows
# without sanitizers in build-bench-bus (BUILD_DIR).
#
#   sh bench/bus/run.sh                  everything, 2 M flows
#   FLOWS=500000 WORKERS="1" sh bench/bus/run.sh
#   VIGIL=build/vigil sh bench/bus/run.sh   an existing binary
# A quiet 2-core box is assumed; one run takes a few minutes.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
FLOWS=${FLOWS:-2000000}
WORKERS=${WORKERS:-1 2}
P=${PARTITIONS:-8}
build=${BUILD_DIR:-$top/build-bench-bus}
. "$top/scripts/rabbit-cluster.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-bus.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	rabbit_cluster_stop
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rabbit_have || { echo "SKIP: rabbitmq-server is not installed"; exit 77; }
# VIGIL=path/to/vigil uses that binary (and still builds genflows)
if [ -z "${VIGIL:-}" ]; then
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_TESTS=OFF >/dev/null
	cmake --build "$build" -j2 --target vigil >/dev/null
fi
V=${VIGIL:-$build/vigil}
"$V" collect --help 2>&1 | grep -q -- --publish ||
	{ echo "SKIP: this vigil has no collect --publish (the bus is not built in)"; exit 77; }
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target genflows >/dev/null

"$build/bench/genflows" gen -n "$FLOWS" -o "$work/flows.pcap" 2>"$work/gen.err"
cat >"$work/vigil.conf" <<CONF
[detect]
network = 198.18.0.0/16
window = 30m
CONF

now() { date +%s.%N; }
sub() { /usr/bin/python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) - float(sys.argv[2])))" "$1" "$2"; }
# beam_cpu: CPU seconds used so far by the nodes' VMs
beam_cpu() {
	for p in $(rabbit_beam_pids); do cat "/proc/$p/stat"; done | /usr/bin/python3 -c '
import os, sys
hz = os.sysconf("SC_CLK_TCK")
t = 0
for line in sys.stdin:
    f = line.rsplit(")", 1)[1].split()
    t += int(f[11]) + int(f[12])
print("%.2f" % (t / hz))'
}
lo_bytes() { awk '$1 == "lo:" { printf "%.0f\n", $2 + $10 }' /proc/net/dev; }
rate() { /usr/bin/python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
per_m() { /usr/bin/python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) * 1e6 / float(sys.argv[2])))" "$1" "$2"; }

rabbit_cluster_start
flows=$("$V" flows -q -c 1000000000 -o line -r "$work/flows.pcap" 2>/dev/null | wc -l)
echo "input: $flows flows in $(du -h "$work/flows.pcap" | cut -f1) of NetFlow v9; cluster up in ${RABBIT_START_SECONDS}s"
printf '%-8s %10s %12s %14s %12s\n' phase seconds flows/s beam-cpu-s/Mf lo-B/flow

measure() { # measure NAME SECONDS CPU0 LO0
	cpu=$(sub "$(beam_cpu)" "$3")
	lo=$(sub "$(lo_bytes)" "$4")
	printf '%-8s %10s %12s %14s %12s\n' "$1" "$2" "$(rate "$flows" "$2")" \
		"$(per_m "$cpu" "$flows")" "$(rate "$lo" "$flows")"
}

for w in $WORKERS; do
	for n in $(seq 0 $((P - 1))); do rabbitctl 1 delete_queue "vigil.flows.$n" >/dev/null 2>&1 || true; done
	rm -rf "$work/store"
	c0=$(beam_cpu); l0=$(lo_bytes); t0=$(now)
	"$V" collect -c "$work/vigil.conf" -w "$work/store" -r "$work/flows.pcap" --publish "$RABBIT_URLS" \
		--partitions "$P" 2>"$work/collect.err"
	measure publish "$(sub "$(now)" "$t0")" "$c0" "$l0"

	case ${VIGIL_PG_URL:-} in
	"") desk="sqlite:$work/desk-$w.sqlite" ;;
	*)
		psql -q "$VIGIL_PG_URL" -c "DROP SCHEMA IF EXISTS bench_bus_$w CASCADE; CREATE SCHEMA bench_bus_$w" >/dev/null
		desk="$VIGIL_PG_URL?options=-csearch_path%3Dbench_bus_$w"
		;;
	esac
	c0=$(beam_cpu); l0=$(lo_bytes); t0=$(now)
	per=$((P / w))
	wpids=""
	for i in $(seq 0 $((w - 1))); do
		lo_p=$((i * per))
		hi_p=$((i == w - 1 ? P - 1 : lo_p + per - 1))
		"$V" detect -c "$work/vigil.conf" --consume "$RABBIT_URLS" --partitions "$lo_p-$hi_p" \
			--desk "$desk" --drain >/dev/null 2>"$work/detect-$w-$i.err" &
		wpids="$wpids $!"
	done
	pids="$pids $wpids"
	for p in $wpids; do wait "$p"; done
	# --drain waits 2 s idle before it exits: not consumption time
	measure "consume$w" "$(sub "$(sub "$(now)" "$t0")" 2)" "$c0" "$l0"
done
echo "(consume times less the 2 s --drain idle wait; lo bytes are both directions of every loopback socket, client and replication)"
