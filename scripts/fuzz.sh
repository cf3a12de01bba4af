#!/bin/sh
# Build every libFuzzer target in fuzz/ with clang and run each for N seconds
# (default 20) on its seed corpus. A crash fails the run.
set -eu
secs=${1:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
ls fuzz/*.c >/dev/null 2>&1 || { echo "fuzz: no targets"; exit 0; }
build=build-fuzz
CC=clang cmake -S . -B "$build" -DVIGIL_FUZZ=ON -DVIGIL_TESTS=OFF >/dev/null
targets=$(for f in fuzz/fuzz_*.c; do basename "$f" .c; done)
# shellcheck disable=SC2086
cmake --build "$build" -j"$(nproc)" --target $targets >/dev/null
for t in "$build"/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	corpus="$build/corpus/$name"
	mkdir -p "$corpus"
	seeds="fuzz/corpus/${name#fuzz_}"
	[ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
	echo "fuzz: $name for ${secs}s"
	"$t" -max_total_time="$secs" -max_len=65535 -print_final_stats=0 -artifact_prefix="$build/$name-" "$corpus" >"$build/$name.log" 2>&1 ||
		{ tail -50 "$build/$name.log"; echo "fuzz: $name FAILED" >&2; exit 1; }
done
echo "fuzz: all targets ran clean"
