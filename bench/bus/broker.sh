#!/bin/sh
# broker.sh - the broker's cost per message alone, with amqp-tools, before the
# bus exists (bench/bus/README.md, "Measured so far"): a 3-node cluster on
# loopback, one quorum queue, N messages of SIZE bytes (default 2,000 of
# 32,000 bytes: about one batch of 1,000 flows each) published through node
# 2, then consumed through node 3. Prints per phase the Erlang VMs' CPU
# seconds per 1,000 messages and loopback bytes per message (both directions,
# client traffic plus replication). amqp-publish has no confirms: the publish
# phase ends when the queue shows all N messages.
#   sh bench/bus/broker.sh            N=5000 SIZE=1000 sh bench/bus/broker.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-2000}
SIZE=${SIZE:-32000}
. "$top/scripts/rabbit-cluster.sh"
rabbit_have || { echo "SKIP: rabbitmq-server is not installed"; exit 77; }
command -v amqp-publish >/dev/null 2>&1 || { echo "SKIP: amqp-tools is not installed"; exit 77; }
trap rabbit_cluster_stop EXIT
trap 'exit 1' INT TERM
rabbit_cluster_start
q=vigil.bench
rabbitctl 1 eval "rabbit_amqqueue:declare(rabbit_misc:r(<<\"/\">>, queue, <<\"$q\">>), true, false, [{<<\"x-queue-type\">>, longstr, <<\"quorum\">>}], none, <<\"guest\">>)." >/dev/null

beam_cpu() {
	for p in $(rabbit_beam_pids); do cat "/proc/$p/stat"; done | /usr/bin/python3 -c '
import os, sys
t = sum(int(l.rsplit(")", 1)[1].split()[11]) + int(l.rsplit(")", 1)[1].split()[12]) for l in sys.stdin)
print(t / os.sysconf("SC_CLK_TCK"))'
}
lo_bytes() { awk '$1 == "lo:" { printf "%.0f\n", $2 + $10 }' /proc/net/dev; }
messages() {
	rabbitctl 1 list_queues name messages --formatter json |
		/usr/bin/python3 -c 'import json, sys; print(sum(q["messages"] for q in json.load(sys.stdin) if q["name"] == sys.argv[1]))' "$q"
}
report() { # report PHASE SECONDS CPU0 LO0
	/usr/bin/python3 -c '
import sys
ph, s, c0, c1, l0, l1, n, size = sys.argv[1:]
n = int(n)
print("%-8s %8.1f s %9.0f msg/s %8.3f CPU s/1000 msg %10.0f lo B/msg (%.2f x the body)" % (
    ph, float(s), n / float(s), (float(c1) - float(c0)) * 1000 / n,
    (int(l1) - int(l0)) / n, (int(l1) - int(l0)) / n / int(size)))' \
		"$1" "$2" "$3" "$(beam_cpu)" "$4" "$(lo_bytes)" "$N" "$SIZE"
}
now() { date +%s.%N; }
since() { /usr/bin/python3 -c "import sys, time; print(time.time() - float(sys.argv[1]))" "$1"; }

body=$(/usr/bin/python3 -c "print('x' * ($SIZE - 8))")
c0=$(beam_cpu); l0=$(lo_bytes); t0=$(now)
seq -w 1 "$N" | sed "s/\$/ $body/" | amqp-publish -u "$RABBIT_URL2" -r "$q" -p -l &
pub=$!
while [ "$(messages)" != "$N" ]; do sleep 0.2; done
el=$(since "$t0")
kill "$pub" 2>/dev/null || true
wait "$pub" 2>/dev/null || true
report publish "$el" "$c0" "$l0"

c0=$(beam_cpu); l0=$(lo_bytes); t0=$(now)
amqp-consume -u "$RABBIT_URL3" -q "$q" -c "$N" -p 200 cat >/dev/null
report consume "$(since "$t0")" "$c0" "$l0"
echo "(consume includes a fork of cat per message by amqp-consume: its rate is the tool's, the CPU figure is the broker's)"
