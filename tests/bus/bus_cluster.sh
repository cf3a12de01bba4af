#!/bin/sh
# The bus end to end on real parts, all on loopback: a 3-node RabbitMQ cluster
# (scripts/rabbit-cluster.sh), the desk on PostgreSQL (VIGIL_PG_URL from
# scripts/services.sh), TWO collectors publishing at the same time
# (`vigil collect -r ... --publish URLS`), TWO detector workers (`vigil detect
# --consume URLS --partitions 0-3` and `4-7`). Mid-stream one broker node and
# one worker are killed with -9; the worker is restarted; then both drain.
# Checked:
#   - both collectors exit 0 (every batch confirmed) and each stored every
#     flow of its captures (its own store, as before the bus);
#   - every queue vigil.flows.0-7 ends empty with nothing unacknowledged
#     (every confirmed flow was consumed and acked);
#   - no event id twice in the desk;
#   - the findings (event ids, and the (kind, host) set of incidents) equal a
#     single-machine `vigil detect` over the same captures into a fresh desk.
# Input: the labelled detector scenarios (tests/detect/scenarios), the v9
# export for one collector and the IPFIX one for the other, each read
# BUS_CLUSTER_REPEAT times (default 30) so the stream lasts long enough to
# kill things in the middle of it.
# Skips (77) without rabbitmq-server, PostgreSQL, or a vigil built with the bus.
set -u
: "${VIGIL:?VIGIL must point at the vigil binary}"
top=${VIGIL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/scripts/rabbit-cluster.sh"
REPEAT=${BUS_CLUSTER_REPEAT:-30}
P=8

rabbit_have || { echo "SKIP: rabbitmq-server is not installed"; exit 77; }
"$VIGIL" collect --help 2>&1 | grep -q -- --publish ||
	{ echo "SKIP: this vigil has no collect --publish (the bus is not built in)"; exit 77; }
"$VIGIL" detect --help 2>&1 | grep -q -- --consume ||
	{ echo "SKIP: this vigil has no detect --consume"; exit 77; }
[ -n "${VIGIL_PG_URL:-}" ] || { echo "SKIP: no PostgreSQL (run under scripts/services.sh)"; exit 77; }
command -v psql >/dev/null 2>&1 || { echo "SKIP: psql is not installed"; exit 77; }

export PGOPTIONS="-c client_min_messages=warning"
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bus-cluster.XXXXXX")
pids=""
dist=vigil_bus_dist_$$
single=vigil_bus_single_$$
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	rabbit_cluster_stop
	psql -q "$VIGIL_PG_URL" -c "DROP SCHEMA IF EXISTS $dist CASCADE; DROP SCHEMA IF EXISTS $single CASCADE" \
		>/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
	echo "FAIL: $*" >&2
	for f in "$work"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
	done
	exit 1
}
now() { date +%s.%N; }
since() { /usr/bin/python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$1"; }

for s in $dist $single; do
	psql -q "$VIGIL_PG_URL" -c "DROP SCHEMA IF EXISTS $s CASCADE; CREATE SCHEMA $s" >/dev/null ||
		fail "cannot create schema $s"
done
DESK="$VIGIL_PG_URL?options=-csearch_path%3D$dist"
DESK1="$VIGIL_PG_URL?options=-csearch_path%3D$single"
q() { psql -At "$1" -c "$2"; }

# configuration: the scenarios' constituency, lists and thresholds
sc="$top/tests/detect/scenarios"
sed "s#^list = lists/#list = $sc/lists/#" "$sc/detect.conf" >"$work/vigil.conf"
cap1=""
cap2=""
i=0
while [ "$i" -lt "$REPEAT" ]; do
	cap1="$cap1 -r $sc/exports/v9.pcap"
	cap2="$cap2 -r $sc/exports/ipfix.pcap"
	i=$((i + 1))
done

# --- the single-machine reference: the same captures, one detect, a fresh desk
t=$(now)
# shellcheck disable=SC2086
"$VIGIL" detect -c "$work/vigil.conf" $cap1 $cap2 >"$work/single.jsonl" 2>"$work/single.err" ||
	fail "single-machine detect"
"$VIGIL" incident ingest "$work/single.jsonl" --desk "$DESK1" >/dev/null 2>"$work/ingest.err" ||
	fail "ingest into the reference desk"
echo "reference: $(wc -l <"$work/single.jsonl") events from one vigil detect in $(since "$t")s"
[ -s "$work/single.jsonl" ] || fail "the reference run found nothing: the scenarios should give events"

# flows in the captures, as the reference reads them
# shellcheck disable=SC2086
flows1=$("$VIGIL" flows -q -c 1000000000 -o line $cap1 2>/dev/null | wc -l)
# shellcheck disable=SC2086
flows2=$("$VIGIL" flows -q -c 1000000000 -o line $cap2 2>/dev/null | wc -l)

# --- the cluster
rabbit_cluster_start || fail "the RabbitMQ cluster did not start"

# detect_start NAME PARTITIONS: a worker in the background; its pid in NAME.pid
detect_start() {
	"$VIGIL" detect -c "$work/vigil.conf" --consume "$RABBIT_URLS" --partitions "$2" \
		--desk "$DESK" --drain >"$work/$1.out" 2>>"$work/$1.err" &
	echo $! >"$work/$1.pid"
	pids="$pids $!"
}
detect_start w1 0-3
detect_start w2 4-7

t=$(now)
# shellcheck disable=SC2086
"$VIGIL" collect -c "$work/vigil.conf" -w "$work/store1" $cap1 --publish "$RABBIT_URLS" \
	--partitions $P >"$work/c1.out" 2>"$work/c1.err" &
c1=$!
# shellcheck disable=SC2086
"$VIGIL" collect -c "$work/vigil.conf" -w "$work/store2" $cap2 --publish "$RABBIT_URLS" \
	--partitions $P >"$work/c2.out" 2>"$work/c2.err" &
c2=$!
pids="$pids $c1 $c2"

# mid-stream: wait until the workers have work queued, then kill a broker
# node (not node 1, whose CLI we keep asking) and worker 1, restart worker 1
queued() {
	rabbitctl 1 --timeout 10 list_queues name messages --formatter json 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
print(sum(q["messages"] for q in json.load(sys.stdin) if q["name"].startswith("vigil.flows.")))'
}
i=0
while [ "$(queued)" = 0 ] && [ "$i" -lt 100 ]; do
	kill -0 $c1 2>/dev/null || kill -0 $c2 2>/dev/null || break
	sleep 0.2
	i=$((i + 1))
done
midstream=no
kill -0 $c1 2>/dev/null && kill -0 $c2 2>/dev/null && midstream=yes
echo "kill -9 broker node vigil3 at $(since "$t")s ($(queued) messages queued, both collectors still publishing: $midstream)"
rabbit_kill_node 3 || fail "kill vigil3"
sleep 1
echo "kill -9 worker 1 (partitions 0-3) at $(since "$t")s"
kill -9 "$(cat "$work/w1.pid")" 2>/dev/null
wait "$(cat "$work/w1.pid")" 2>/dev/null
echo "--- restarted" >>"$work/w1.err"
detect_start w1 0-3

wait $c1 || fail "collector 1 exited $? (not every batch confirmed?)"
wait $c2 || fail "collector 2 exited $? (not every batch confirmed?)"
echo "collectors done at $(since "$t")s"
rabbit_restart_node 3 || fail "restart vigil3"
wait "$(cat "$work/w1.pid")" || fail "worker 1 (restarted) exited $?"
wait "$(cat "$work/w2.pid")" || fail "worker 2 exited $?"
elapsed=$(since "$t")
echo "workers drained at ${elapsed}s"

# --- every flow stored and every confirmed flow consumed
s1=$("$VIGIL" flows -q -c 1000000000 -o line -R "$work/store1" 2>/dev/null | wc -l)
s2=$("$VIGIL" flows -q -c 1000000000 -o line -R "$work/store2" 2>/dev/null | wc -l)
[ "$s1" = "$flows1" ] || fail "collector 1 stored $s1 flows, its captures hold $flows1"
[ "$s2" = "$flows2" ] || fail "collector 2 stored $s2 flows, its captures hold $flows2"
rabbitctl 1 --timeout 30 list_queues name type messages messages_unacknowledged --formatter json \
	>"$work/queues.json" 2>/dev/null || fail "list_queues"
/usr/bin/python3 - "$work/queues.json" "$P" <<'PY' || fail "queues not drained"
import json, sys
qs = {q["name"]: q for q in json.load(open(sys.argv[1]))}
bad = 0
for n in range(int(sys.argv[2])):
    q = qs.get("vigil.flows.%d" % n)
    if q is None:
        print("missing queue vigil.flows.%d" % n); bad = 1; continue
    if q["type"] != "quorum" or q["messages"] or q["messages_unacknowledged"]:
        print("vigil.flows.%d: %s, %d left, %d unacked" % (n, q["type"], q["messages"], q["messages_unacknowledged"]))
        bad = 1
sys.exit(bad)
PY
# the workers' own counts (stats on stderr at exit), for the summary
consumed=$(cat "$work/w1.err" "$work/w2.err" | /usr/bin/python3 -c '
import re, sys
n = 0
for line in sys.stdin:
    if "--- restarted" in line:
        continue
    m = re.search(r"\bflows[ =:]+(\d+)", line)
    if m:
        n += int(m.group(1))
print(n)')

# --- the desk: no event twice, the same findings as one machine
dup=$(q "$DESK" "SELECT COUNT(*) FROM (SELECT eid FROM event GROUP BY eid HAVING COUNT(*) > 1) x")
[ "$dup" = 0 ] || fail "$dup event ids stored more than once"
q "$DESK" "SELECT eid FROM event ORDER BY eid" >"$work/eid.dist"
q "$DESK1" "SELECT eid FROM event ORDER BY eid" >"$work/eid.single"
q "$DESK" "SELECT DISTINCT kind || ' ' || host FROM event ORDER BY 1" >"$work/kh.dist"
q "$DESK1" "SELECT DISTINCT kind || ' ' || host FROM event ORDER BY 1" >"$work/kh.single"
inc=$(q "$DESK" "SELECT COUNT(*) FROM incident")
inc1=$(q "$DESK1" "SELECT COUNT(*) FROM incident")
ev=$(wc -l <"$work/eid.dist")
ev1=$(wc -l <"$work/eid.single")
echo "summary: captures $flows1 + $flows2 flows; stored $s1 + $s2; queues drained;" \
	"workers report $consumed flows (the killed run's count is lost, redeliveries counted again);" \
	"events $ev (single machine $ev1), incidents $inc ($inc1), duplicate event ids $dup;" \
	"cluster start ${RABBIT_START_SECONDS}s, stream ${elapsed}s, kills mid-stream: $midstream"
if ! cmp -s "$work/kh.dist" "$work/kh.single"; then
	diff "$work/kh.single" "$work/kh.dist" | head -20 >&2
	fail "the (kind, host) findings differ from the single-machine run (< single, > cluster)"
fi
cmp -s "$work/eid.dist" "$work/eid.single" || fail "the event ids differ from the single-machine run"
[ "$inc" = "$inc1" ] || fail "$inc incidents, the single-machine run made $inc1"
# a stream over before the kills proves nothing about them: say so, do not pass
[ "$midstream" = yes ] || fail "the collectors had finished before the kills (raise BUS_CLUSTER_REPEAT)"
echo "PASS: bus_cluster"
