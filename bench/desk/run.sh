#!/bin/sh
# run.sh - the desk's figures (bench/desk/README.md):
#   1. events/s ingested with the aggregation rules on, into SQLite and into
#      PostgreSQL: N events (default 100,000) over 5,000 hosts and two kinds,
#      so 10,000 incidents and 90,000 joins; fresh desk each run; RUNS runs
#      (default 3), median; wall time and the process's CPU time.
#   2. list/show latency with a million incidents (made through the ingest
#      API in transactions of 10,000), median of REPS calls each.
# PostgreSQL: uses VIGIL_PG_URL if set, else starts a scratch server with
# scripts/services.sh. Builds bench_desk without sanitizers in build-bench-desk.
#
#   sh bench/desk/run.sh            everything
#   INCIDENTS=100000 sh bench/desk/run.sh   a smaller desk for the latency part
#   INCIDENTS=0 sh bench/desk/run.sh        ingest rates only
# (VIGIL_PG_PORT picks the scratch server's port, default 55432.)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-100000}
RUNS=${RUNS:-3}
REPS=${REPS:-21}
INCIDENTS=${INCIDENTS:-1000000}
build=${BUILD_DIR:-$top/build-bench-desk}
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-desk.XXXXXX")
started_pg=""
cleanup() {
	[ -n "$started_pg" ] && services_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target bench_desk >/dev/null
B="$build/bench/desk/bench_desk"

awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) {
	h = i % 5000; s = i % 60; m = int(i / 60) % 60; hr = int(i / 3600) % 24
	printf "{\"kind\":\"%s\",\"host\":\"10.%d.%d.%d\",\"first\":\"2025-11-21T%02d:%02d:%02dZ\",\"flows\":%d,\"packets\":%d,\"bytes\":%d,\"score\":1.5,\"why\":\"scanned %d hosts on 445/tcp\",\"source\":\"bench\"}\n", (i % 3 ? "scan" : "dos"), int(h / 65536), int(h / 256) % 256, h % 256, hr, m, s, i, i, i * 60, i
} }' >"$work/events.jsonl"

if [ -z "${VIGIL_PG_URL:-}" ]; then
	. "$top/scripts/services.sh"
	services_start
	started_pg=1
fi

# CPU ticks used by finished PostgreSQL backends (children of the postmaster
# we started); empty when the server is not ours.
pg_ticks() {
	[ -n "$started_pg" ] || return 0
	pm=$(head -n 1 "$PG_DATA/postmaster.pid")
	awk '{ print $16 + $17 }' "/proc/$pm/stat"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

pgdb() { # pgdb NAME: a fresh database, prints its URL
	psql -q "$VIGIL_PG_URL" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1
	echo "${VIGIL_PG_URL%/*}/$1"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (shared with other builds)"
for backend in sqlite postgresql; do
	: >"$work/rates"
	: >"$work/cpu"
	: >"$work/allcpu"
	r=1
	while [ "$r" -le "$RUNS" ]; do
		if [ "$backend" = sqlite ]; then
			rm -f "$work"/ingest.sqlite*
			url="sqlite:$work/ingest.sqlite"
		else
			url=$(pgdb vigil_bench_ingest)
		fi
		t0=$(pg_ticks)
		/usr/bin/time -f "%U %S" -o "$work/time" "$B" "$url" ingest "$work/events.jsonl" >"$work/out"
		sleep 1
		t1=$(pg_ticks)
		cat "$work/out"
		if [ "$backend" = postgresql ] && [ -n "$t0" ]; then
			hz=$(getconf CLK_TCK)
			awk -v n="$N" -v s="$(( t1 - t0 ))" -v hz="$hz" '{ c = $1 + $2 + s / hz; printf "%.0f\n", n / c }' "$work/time" >>"$work/allcpu"
			echo "  server CPU $(( (t1 - t0) * 100 / hz ))/100 s, client CPU $(cat "$work/time")"
		fi
		sed -n 's/.* = \([0-9]*\) events\/s/\1/p' "$work/out" >>"$work/rates"
		awk -v n="$N" '{ printf "%.0f\n", n / ($1 + $2) }' "$work/time" >>"$work/cpu"
		r=$((r + 1))
	done
	echo "RESULT ingest $backend: median $(median <"$work/rates") events/s wall, $(median <"$work/cpu") events/s per CPU-second of the client"
	[ -s "$work/allcpu" ] && echo "RESULT ingest $backend: median $(median <"$work/allcpu") events/s per CPU-second of client + server"
done

[ "$INCIDENTS" -gt 0 ] || exit 0
for backend in sqlite postgresql; do
	if [ "$backend" = sqlite ]; then
		url="sqlite:$work/million.sqlite"
	else
		url=$(pgdb vigil_bench_million)
	fi
	"$B" "$url" gen "$INCIDENTS"
	"$B" "$url" query "$REPS" | sed 's/^/RESULT /'
done
