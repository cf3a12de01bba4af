#!/bin/sh
# run.sh - measure decode speed of vigil's flow decoders on the softflowd
# fixtures (tests/flow/data). Builds vigil_flow without sanitizers in
# build-bench-flow, compiles bench_decode.c against it, runs each capture
# RUNS times (default 5) and prints the median M records/s per capture.
# Usage: sh bench/flow/run.sh [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build="$src/build-bench-flow"
runs=${1:-5}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target vigil_flow vigil_util >/dev/null
cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$src/src" "$here/bench_decode.c" \
	"$build/src/flow/libvigil_flow.a" "$build/src/util/libvigil_util.a" -lpcap \
	-o "$build/bench_decode"
for f in softflowd-v5.pcap softflowd-v9.pcapng softflowd-ipfix.pcap softflowd-ipfix-ns.pcap; do
	for i in $(seq "$runs"); do
		"$build/bench_decode" "$src/tests/flow/data/$f" 1
	done >"$build/bench-$f.txt"
	dec=$(grep '^decode' "$build/bench-$f.txt" | sed 's/.*= \([0-9.]*\) M.*/\1/' | sort -n |
		awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
	rd=$(grep '^pcap_read' "$build/bench-$f.txt" | sed 's/.*: \([0-9.]*\) M.*/\1/' | sort -n |
		awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
	echo "$f: decode ${dec} M records/s, flow_pcap_read ${rd} M records/s (median of $runs)"
done
