#!/bin/sh
# ab.sh - before/after ingest comparison that survives a noisy shared
# machine: runs an older bench_desk and this tree's one interleaved (old,
# new, old, new, ...) on the same 100,000 events as run.sh, RUNS times each,
# into SQLite and PostgreSQL, printing CPU (user, system) and wall per run
# and, for PostgreSQL, the server's CPU (finished backends of the scratch
# server). Sequential runs of run.sh do not compare when the other
# jobs' load changes between them.
#
#   git archive OLDCOMMIT | tar -x -C /tmp/old
#   cmake -S /tmp/old -B /tmp/old/build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_TESTS=OFF
#   cmake --build /tmp/old/build --target bench_desk
#   OLD=/tmp/old/build/bench/desk/bench_desk sh bench/desk/ab.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${OLD:?OLD=path of the older bench_desk}"
N=${N:-100000}
RUNS=${RUNS:-3}
build=${BUILD_DIR:-$top/build-bench-desk}
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-desk-ab.XXXXXX")
cleanup() {
	services_stop 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target bench_desk >/dev/null
NEW="$build/bench/desk/bench_desk"
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) {
	h = i % 5000; s = i % 60; m = int(i / 60) % 60; hr = int(i / 3600) % 24
	printf "{\"kind\":\"%s\",\"host\":\"10.%d.%d.%d\",\"first\":\"2025-11-21T%02d:%02d:%02dZ\",\"flows\":%d,\"packets\":%d,\"bytes\":%d,\"score\":1.5,\"why\":\"scanned %d hosts on 445/tcp\",\"source\":\"bench\"}\n", (i % 3 ? "scan" : "dos"), int(h / 65536), int(h / 256) % 256, h % 256, hr, m, s, i, i, i * 60, i
} }' >"$work/events.jsonl"

. "$top/scripts/services.sh"
services_start
pm=$(head -n 1 "$PG_DATA/postmaster.pid")
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $16 + $17 }' "/proc/$pm/stat"; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (shared with other builds)"
r=1
while [ "$r" -le "$RUNS" ]; do
	for v in old new; do
		if [ "$v" = old ]; then B=$OLD; else B=$NEW; fi
		rm -f "$work"/ab.sqlite*
		/usr/bin/time -f "%U %S %e" -o "$work/t" "$B" "sqlite:$work/ab.sqlite" ingest "$work/events.jsonl" >/dev/null
		echo "sqlite $v user sys wall: $(cat "$work/t") load $(cut -d' ' -f1 /proc/loadavg)"
	done
	for v in old new; do
		if [ "$v" = old ]; then B=$OLD; else B=$NEW; fi
		psql -q "$VIGIL_PG_URL" -c "DROP DATABASE IF EXISTS vigil_bench_ab" -c "CREATE DATABASE vigil_bench_ab" >/dev/null 2>&1
		t0=$(ticks)
		/usr/bin/time -f "%U %S %e" -o "$work/t" "$B" "${VIGIL_PG_URL%/*}/vigil_bench_ab" ingest "$work/events.jsonl" >/dev/null
		sleep 1
		t1=$(ticks)
		echo "postgresql $v user sys wall: $(cat "$work/t") server CPU $(( (t1 - t0) * 100 / hz ))/100 s load $(cut -d' ' -f1 /proc/loadavg)"
	done
	r=$((r + 1))
done
