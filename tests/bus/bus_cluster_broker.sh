#!/bin/sh
# The broker the bus runs on, alone: a 3-node RabbitMQ cluster on loopback
# (scripts/rabbit-cluster.sh), one quorum queue replicated on the three nodes,
# messages published through one node, the queue's leader killed with -9,
# more published through a survivor once a new leader is elected, every
# message consumed exactly once from another node; then the killed node
# restarted, back in the cluster and serving the queue again.
# Skips (77) when rabbitmq-server or amqp-tools are missing.
set -u
top=${VIGIL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/scripts/rabbit-cluster.sh"

rabbit_have || { echo "SKIP: rabbitmq-server is not installed"; exit 77; }
for t in amqp-publish amqp-consume; do
	command -v $t >/dev/null 2>&1 || { echo "SKIP: $t (amqp-tools) is not installed"; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bus-broker.XXXXXX")
cleanup() {
	rabbit_cluster_stop
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

rabbit_cluster_start || fail "the cluster did not start"
q=vigil.test

# the queue: quorum, on all three nodes (no AMQP CLI takes x-queue-type)
rabbitctl 1 eval "rabbit_amqqueue:declare(rabbit_misc:r(<<\"/\">>, queue, <<\"$q\">>), true, false, [{<<\"x-queue-type\">>, longstr, <<\"quorum\">>}], none, <<\"guest\">>)." \
	>"$work/declare" 2>&1 || { cat "$work/declare" >&2; fail "declare $q"; }

# queue_field NODE FIELD: FIELD of the test queue as seen by NODE
queue_field() {
	rabbitctl "$1" --timeout 10 list_queues name type leader members messages --formatter json 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
for q in json.load(sys.stdin):
    if q["name"] == sys.argv[1]:
        v = q[sys.argv[2]]
        print(" ".join(sorted(v)) if isinstance(v, list) else v)' "$q" "$2"
}
# wait_ready NODE COUNT: until NODE says the queue holds COUNT messages. The
# CLI publisher has no confirms: a message is safe on a quorum queue only once
# a majority committed it, which this shows (the figure lags up to 5 s).
wait_ready() {
	i=0
	while [ "$(queue_field "$1" messages)" != "$2" ]; do
		i=$((i + 1))
		[ "$i" -lt 60 ] || fail "$q never held $2 messages (has $(queue_field "$1" messages))"
		sleep 0.5
	done
}
[ "$(queue_field 1 type)" = quorum ] || fail "$q is not a quorum queue"
members=$(queue_field 1 members)
[ "$members" = "vigil1@localhost vigil2@localhost vigil3@localhost" ] ||
	fail "$q members are '$members', want the three nodes"

# publish PREFIX COUNT URL: COUNT persistent messages PREFIX-1..COUNT
publish() {
	seq 1 "$2" | sed "s/^/$1-/" >>"$work/sent"
	# amqp-publish has no publisher confirms, and a quorum queue's channel
	# drops what it has not yet handed to the queue's leader when the client
	# closes (seen here: 825 of 1000 kept): hold the connection open 3 s after
	# the last line, then wait_ready checks every message is in the queue.
	{ seq 1 "$2" | sed "s/^/$1-/"; sleep 3; } | amqp-publish -u "$3" -r "$q" -p -l ||
		fail "publish $1 through $3"
}
# consume COUNT URL: COUNT messages, acked one by one, appended to got
consume() {
	timeout 60 amqp-consume -u "$2" -q "$q" -c "$1" -p 100 cat >>"$work/got" ||
		fail "consume $1 through $2 (got $(wc -l <"$work/got"))"
}
url_of() { eval echo "\$RABBIT_URL$1"; }

: >"$work/sent"
: >"$work/got"
publish a 1000 "$RABBIT_URL2"
wait_ready 1 1000

leader=$(queue_field 1 leader)
k=${leader#vigil}
k=${k%%@*}
case $k in 1 | 2 | 3) ;; *) fail "no leader for $q ('$leader')" ;; esac
alive=""
for n in 1 2 3; do [ "$n" = "$k" ] || alive="$alive $n"; done
set -- $alive
a=$1
b=$2
echo "killing the leader of $q, $leader (kill -9)"
t0=$(date +%s.%N)
rabbit_kill_node "$k" || fail "kill vigil$k"

# the survivors see two running nodes and elect a new leader among them
i=0
while :; do
	l=$(queue_field "$a" leader)
	[ "$(rabbit_running_count "$a")" = 2 ] && [ -n "$l" ] && [ "$l" != "$leader" ] && break
	i=$((i + 1))
	[ "$i" -lt 120 ] || fail "no new leader after killing $leader (leader '$l')"
	sleep 0.5
done
failover=$(/usr/bin/python3 -c "import time; print('%.1f' % (time.time() - $t0))")
echo "new leader $l after ${failover}s"

publish b 500 "$(url_of "$a")"
wait_ready "$a" 1500
consume 1500 "$(url_of "$b")"

echo "restarting vigil$k"
rabbit_restart_node "$k" || fail "restart vigil$k"
rabbit_wait_running 3 || fail "vigil$k did not rejoin"
publish c 200 "$(url_of "$k")"
wait_ready "$k" 200
consume 200 "$(url_of "$a")"

sort "$work/sent" >"$work/sent.s"
sort "$work/got" >"$work/got.s"
sent=$(wc -l <"$work/sent.s")
got=$(wc -l <"$work/got.s")
dups=$(uniq -d "$work/got.s" | wc -l)
lost=$(comm -23 "$work/sent.s" "$work/got.s" | wc -l)
extra=$(comm -13 "$work/sent.s" "$work/got.s" | wc -l)
echo "summary: cluster start ${RABBIT_START_SECONDS}s, leader failover ${failover}s;" \
	"sent $sent, consumed $got, lost $lost, duplicates $dups, unknown $extra"
[ "$lost" = 0 ] || fail "$lost messages lost"
[ "$dups" = 0 ] || fail "$dups messages twice"
[ "$extra" = 0 ] || fail "$extra messages nobody sent"
[ "$got" = "$sent" ] || fail "consumed $got, sent $sent"
echo "PASS: bus_cluster_broker"
