#!/bin/sh
# kill9.sh - nothing acknowledged is ever lost, nothing is stored twice.
# A producer feeds event lines to `vigil incident ingest - --progress` (and,
# second, to `vigil incident follow DIR`); the desk process is killed with
# SIGKILL at random moments during heavy ingest (10 times each, each time
# after it acknowledged something), restarted, and finally run to the end. Then: every event acknowledged before any kill
# is present, every event is present exactly once (rows per event id), and
# the audit chain is intact. SQLite always; PostgreSQL when VIGIL_PG_URL is set.
set -eu
: "${VIGIL:?VIGIL must point at the vigil binary}"
N=${KILL9_EVENTS:-6000}
KILLS=${KILL9_KILLS:-10}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-kill9.XXXXXX")
pgdb=""
cleanup() {
	[ -n "$pgdb" ] && psql -q "$VIGIL_PG_URL" -c "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# N distinct events over 500 hosts, so most join an open incident (rules on).
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) {
	h = i % 500; s = i % 60; m = int(i / 60) % 60; hr = int(i / 3600) % 24
	printf "{\"kind\":\"%s\",\"host\":\"10.9.%d.%d\",\"first\":\"2025-11-21T%02d:%02d:%02dZ\",\"flows\":%d,\"packets\":%d,\"bytes\":%d,\"score\":1,\"why\":\"ev-%d\"}\n", (i % 3 ? "scan" : "dos"), int(h / 250), h % 250, hr, m, s, i, i, i * 60, i
} }' >"$tmp/events.jsonl"

# wait_ack FILE TENTHS: until the desk has acknowledged something (at most
# TENTHS/10 s), so each kill lands during ingest, after events were promised.
wait_ack() {
	w=0
	until grep -q '^ack [1-9]' "$1" 2>/dev/null || [ "$w" -ge "$2" ]; do
		sleep 0.1
		w=$((w + 1))
	done
}

# rand_delay LO HI SEED: a pseudo-random delay in seconds with millisecond precision.
rand_delay() { awk -v lo="$1" -v hi="$2" -v seed="$3" 'BEGIN { srand(seed); printf "%.3f", lo + rand() * (hi - lo) }'; }

# count SQL on the desk under test
q() {
	case "$url" in
	sqlite:*) sqlite3 "${url#sqlite:}" "$1" ;;
	*) psql -At "$url" -c "$1" ;;
	esac
}

check() { # check MODE MAXACK
	dup=$(q "SELECT COUNT(*) FROM (SELECT eid FROM event GROUP BY eid HAVING COUNT(*) > 1) x")
	[ "$dup" = 0 ] || fail "$1: $dup event ids stored more than once"
	dup=$(q "SELECT COUNT(*) FROM (SELECT why FROM event GROUP BY why HAVING COUNT(*) > 1) x")
	[ "$dup" = 0 ] || fail "$1: $dup events stored more than once"
	total=$(q "SELECT COUNT(*) FROM event")
	[ "$total" = "$N" ] || fail "$1: $total events stored, expected $N"
	reports=$(q "SELECT COUNT(*) FROM report")
	[ "$reports" = "$N" ] || fail "$1: $reports reports stored, expected $N"
	sum=$(q "SELECT SUM(events) FROM incident")
	[ "$sum" = "$N" ] || fail "$1: incident event counters add up to $sum, expected $N"
	"$VIGIL" incident verify --desk "$url" >/dev/null || fail "$1: audit chain broken"
	echo "ok: $1: $N events exactly once after $KILLS kills (highest acknowledged before a kill: $2)"
}

run_ingest() { # acknowledged lines must all be there after each kill
	maxack=0
	i=1
	while [ "$i" -le "$KILLS" ]; do
		"$VIGIL" incident ingest - --progress --desk "$url" <"$tmp/events.jsonl" >"$tmp/ack" 2>"$tmp/err" &
		pid=$!
		wait_ack "$tmp/ack" 300
		sleep "$(rand_delay 0.05 0.6 "$i$$")"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		ack=$(grep '^ack ' "$tmp/ack" | tail -n 1 | cut -d' ' -f2)
		ack=${ack:-0}
		# lines are read in order: acknowledged N means lines 1..N are committed
		have=$(q "SELECT COUNT(*) FROM event WHERE CAST(substr(why, 4) AS INTEGER) <= $ack")
		[ "$have" = "$ack" ] || fail "ingest: kill $i: $ack acknowledged but only $have stored"
		[ "$ack" -gt "$maxack" ] && maxack=$ack
		i=$((i + 1))
	done
	"$VIGIL" incident ingest - --desk "$url" <"$tmp/events.jsonl" >"$tmp/final" || fail "final ingest"
	check "ingest ($url_kind)" "$maxack"
}

run_follow() { # the follower resumes from its stored position; a producer keeps appending
	mkdir -p "$tmp/log"
	head -n $((N / 2)) "$tmp/events.jsonl" >"$tmp/log/events-20251121T000000Z.jsonl"
	tail -n +$((N / 2 + 1)) "$tmp/events.jsonl" >"$tmp/second"
	: >"$tmp/log/events-20251121T120000Z.jsonl"
	(   # the producer: append the second half in bursts, complete lines only
		split -l 200 "$tmp/second" "$tmp/part."
		for p in "$tmp"/part.*; do
			cat "$p" >>"$tmp/log/events-20251121T120000Z.jsonl"
			sleep 0.2
		done
	) &
	producer=$!
	maxack=0
	i=1
	while [ "$i" -le "$KILLS" ]; do
		"$VIGIL" incident follow "$tmp/log" --progress --desk "$url" >"$tmp/ack" 2>"$tmp/err" &
		pid=$!
		wait_ack "$tmp/ack" 30
		sleep "$(rand_delay 0.05 0.6 "$i$$")"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		ack=$(grep '^ack ' "$tmp/ack" | tail -n 1 | cut -d' ' -f2)
		[ "${ack:-0}" -gt "$maxack" ] && maxack=$ack
		i=$((i + 1))
	done
	wait "$producer"
	# the last run goes to the end and is stopped politely
	"$VIGIL" incident follow "$tmp/log" --progress --desk "$url" >"$tmp/ack" 2>"$tmp/err" &
	pid=$!
	t=0
	until grep -q '^following' "$tmp/ack" || [ "$t" -gt 600 ]; do # signal handler is in place
		sleep 0.1
		t=$((t + 1))
	done
	while [ "$(q "SELECT COUNT(*) FROM event")" != "$N" ] && [ "$t" -lt 1200 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	kill -TERM "$pid"
	wait "$pid" || fail "follow did not stop cleanly: $(cat "$tmp/err")"
	dups=$(q "SELECT COALESCE(SUM(dups), 0) FROM event")
	[ "$dups" = 0 ] || fail "follow: $dups events read twice (position not resumed exactly)"
	check "follow ($url_kind)" "$maxack"
}

url_kind=sqlite
url="sqlite:$tmp/ingest.sqlite"
run_ingest
url="sqlite:$tmp/follow.sqlite"
run_follow

if [ -n "${VIGIL_PG_URL:-}" ] && command -v psql >/dev/null; then
	url_kind=postgresql
	for mode in ingest follow; do
		pgdb="vigil_kill9_$$_$mode"
		psql -q "$VIGIL_PG_URL" -c "CREATE DATABASE $pgdb" >/dev/null
		url="${VIGIL_PG_URL%/*}/$pgdb"
		rm -rf "$tmp/log" "$tmp"/part.*
		"run_$mode"
		psql -q "$VIGIL_PG_URL" -c "DROP DATABASE $pgdb" >/dev/null
	done
	pgdb=""
else
	echo "skip: PostgreSQL part (VIGIL_PG_URL not set; scripts/test.sh starts a server)"
fi
echo "kill9: all good"
