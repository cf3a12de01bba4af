#!/bin/sh
# bus_single.sh - the bus on one RabbitMQ node (scripts/rabbit.sh): a
# collector publishes the detection scenarios' exports (`vigil collect -r
# ... --publish`), one worker consumes all 8 partitions into a SQLite desk
# (`vigil detect --consume --drain`); the desk must hold exactly the events
# of one `vigil detect` over the same captures. Then the same again with the
# worker killed -9 after it took deliveries and a second worker started:
# same events, none twice. Skips (77) without rabbitmq-server.
set -eu
: "${VIGIL:?VIGIL must point at the vigil binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/rabbit-cluster.sh"
. "$top/scripts/rabbit.sh"
rabbit1_have || { echo "SKIP: rabbitmq-server is not installed"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bus-single.XXXXXX")
cleanup() {
	for f in "$work"/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
	rabbit_stop_node
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.err; do [ -f "$f" ] && { echo "== $f" >&2; tail -5 "$f" >&2; }; done; exit 1; }

sc="$top/tests/detect/scenarios"
sed "s#^list = lists/#list = $sc/lists/#" "$sc/detect.conf" >"$work/vigil.conf"
caps="-r $sc/exports/v9.pcap -r $sc/exports/ipfix.pcap"

eids() {
	/usr/bin/python3 - "$1" <<'PY'
import sqlite3, sys
for (e,) in sqlite3.connect(sys.argv[1]).execute("SELECT eid FROM event ORDER BY eid"):
    print(e)
PY
}
dups() {
	/usr/bin/python3 - "$1" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT COUNT(*) FROM (SELECT eid FROM event GROUP BY eid HAVING COUNT(*) > 1)").fetchone()[0])
PY
}
queued() {
	rabbit_ctl --timeout 10 list_queues name messages messages_unacknowledged --formatter json |
		/usr/bin/python3 -c '
import json, sys
qs = [q for q in json.load(sys.stdin) if q["name"].startswith("vigil.flows.")]
print(len(qs), sum(q["messages"] for q in qs), sum(q["messages_unacknowledged"] for q in qs))'
}

# drained: wait (the counters lag) until nothing is ready or unacked; 1 if not in 15 s
drained() {
	i=0
	while [ "$i" -lt 75 ]; do
		set -- $(queued)
		[ "$2" = 0 ] && [ "$3" = 0 ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	echo "$2 ready, $3 unacked"
	return 1
}

# the single-machine reference
# shellcheck disable=SC2086
"$VIGIL" detect -c "$work/vigil.conf" $caps >"$work/single.jsonl" 2>"$work/single.err" || fail "vigil detect"
"$VIGIL" incident ingest "$work/single.jsonl" --desk "sqlite:$work/single.db" >/dev/null 2>&1 ||
	fail "ingest the reference"
eids "$work/single.db" >"$work/eid.single"
[ -s "$work/eid.single" ] || fail "the reference found nothing"
echo "reference: $(wc -l <"$work/eid.single") events"

rabbit_start_node || fail "RabbitMQ did not start"
echo "broker: $RABBIT_URL"

# --- 1: publish, then one worker drains all partitions
# shellcheck disable=SC2086
"$VIGIL" collect -c "$work/vigil.conf" -w "$work/store" $caps --publish "$RABBIT_URL" \
	>"$work/c1.out" 2>"$work/c1.err" || fail "collect --publish exited $?"
grep "bus:" "$work/c1.err"
# the broker's counters lag a little behind
i=0
while :; do
	set -- $(queued)
	[ "$2" -gt 0 ] || [ "$i" -ge 50 ] && break
	sleep 0.2
	i=$((i + 1))
done
[ "$1" = 8 ] || fail "expected 8 queues vigil.flows.N, found $1"
[ "$2" -gt 0 ] || fail "nothing queued after publishing"
echo "queued: $2 messages in $1 queues"
"$VIGIL" detect -c "$work/vigil.conf" --consume "$RABBIT_URL" --partitions 0-7 \
	--desk "sqlite:$work/dist.db" --drain >/dev/null 2>"$work/w1.err" || fail "worker exited $?"
tail -1 "$work/w1.err"
eids "$work/dist.db" >"$work/eid.dist"
cmp -s "$work/eid.single" "$work/eid.dist" || {
	diff "$work/eid.single" "$work/eid.dist" >&2 || true
	fail "the worker's events differ from one vigil detect"
}
left=$(drained) || fail "queues not drained: $left"
grep -q "flows $(( $(grep -o 'flows [0-9]*' "$work/c1.err" | head -1 | cut -d' ' -f2) ))" "$work/w1.err" ||
	fail "the worker did not get every published flow"
echo "ok: one worker, same $(wc -l <"$work/eid.dist") events"

# --- 2: a worker killed -9 holding deliveries; the next one rebuilds the window
# shellcheck disable=SC2086
"$VIGIL" collect -c "$work/vigil.conf" -w "$work/store2" $caps --publish "$RABBIT_URL" \
	>/dev/null 2>"$work/c2.err" || fail "second collect exited $?"
"$VIGIL" detect -c "$work/vigil.conf" --consume "$RABBIT_URL" --partitions 0-7 \
	--desk "sqlite:$work/dist2.db" >/dev/null 2>"$work/w2.err" &
echo $! >"$work/w2.pid"
i=0
while [ "$i" -lt 100 ]; do
	set -- $(queued)
	[ "$3" -gt 0 ] && [ "$2" = 0 ] && break
	sleep 0.2
	i=$((i + 1))
done
[ "$3" -gt 0 ] || fail "the worker took no deliveries"
echo "worker holds $3 unacknowledged deliveries: kill -9"
kill -9 "$(cat "$work/w2.pid")"
wait "$(cat "$work/w2.pid")" 2>/dev/null || true
rm -f "$work/w2.pid"
"$VIGIL" detect -c "$work/vigil.conf" --consume "$RABBIT_URL" --partitions 0-7 \
	--desk "sqlite:$work/dist2.db" --drain >/dev/null 2>"$work/w3.err" || fail "second worker exited $?"
tail -1 "$work/w3.err"
grep -q "redelivered [1-9]" "$work/w3.err" || fail "the second worker saw no redeliveries"
eids "$work/dist2.db" >"$work/eid.dist2"
[ "$(dups "$work/dist2.db")" = 0 ] || fail "an event stored twice"
cmp -s "$work/eid.single" "$work/eid.dist2" || {
	diff "$work/eid.single" "$work/eid.dist2" >&2 || true
	fail "after the kill the events differ from one vigil detect"
}
left=$(drained) || fail "queues not drained after the restart: $left"
echo "ok: worker killed -9 and replaced, same events, none twice"

echo "PASS: bus_single"
