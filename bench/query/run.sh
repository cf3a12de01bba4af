#!/bin/sh
# bench/query/run.sh - builds bench_query without sanitizers (build-bench-query)
# and runs it: filter and aggregation rates on in-memory columns.
#   sh bench/query/run.sh [ROWS (10000000)] [RUNS (5)]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench-query}
# -O2 without sanitizers warns in shared code where sanitizer builds do not
# (format-truncation): keep those warnings, not fatal (as bench/flows does).
cmake -S "$ROOT" -B "$BUILD" -DVIGIL_SANITIZE=OFF -DVIGIL_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_FLAGS="-Wno-error=format-truncation -Wno-error=maybe-uninitialized" >/dev/null
cmake --build "$BUILD" -j2 --target bench_query >/dev/null
"$BUILD/bench/bench_query" "${1:-10000000}" "${2:-5}"
