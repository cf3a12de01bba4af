#!/bin/sh
# run.sh - build bench_detect (optimised, no sanitizers) and run the full
# detector set RUNS times (default 5) on one window of N flows (default 20 M)
# with 4 M distinct outside addresses and 10,000 list entries, then the same
# with 1:10 sampling; prints each run and the medians. Peak RSS from
# /usr/bin/time -v. Usage: sh bench/detect/run.sh [RUNS] [N]
set -eu
runs=${1:-5}
n=${2:-20000000}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build-bench-detect
# warnings of other stages must not stop a benchmark build
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_TESTS=OFF \
	-DCMAKE_C_FLAGS="-Wno-error=format-truncation -Wno-error=maybe-uninitialized -Wno-error=stringop-truncation -Wno-error=array-bounds" >/dev/null
cmake --build "$build" -j2 --target bench_detect >/dev/null
bin=$build/bench/detect/bench_detect
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for s in 1 10; do
	out=$(mktemp)
	i=0
	while [ $i -lt "$runs" ]; do
		/usr/bin/time -v "$bin" -n "$n" -s "$s" >"$out.run" 2>"$out.time"
		rate=$(awk '/^detect_rate/ {print $2}' "$out.run")
		rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$out.time")
		ovf=$(awk '/^events / {print $6}' "$out.run")
		echo "sampling 1:$s run $i: $rate M flows/s, peak RSS $rss MiB, overflow $ovf"
		echo "$rate $rss" >>"$out"
		i=$((i + 1))
	done
	echo "sampling 1:$s median: $(cut -d' ' -f1 "$out" | median) M flows/s per core," \
		"peak RSS $(cut -d' ' -f2 "$out" | median) MiB"
	rm -f "$out" "$out.run" "$out.time"
done
