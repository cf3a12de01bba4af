#!/bin/sh
# bench/store/run.sh - the figures in bench/store/README.md: bytes per flow
# for each codec and level, write and read throughput (flows per CPU second),
# and the host lookup through the segment index, on the flow benchmark's
# traffic model (bench/flows/model.c). Builds storebench without sanitizers
# in build-bench-store/ and runs each configuration RUNS times (default 3).
#
#   sh bench/store/run.sh            # FLOWS=2000000 SPAN=360 RUNS=3 by default
# Knobs: FLOWS, SPAN (seconds of traffic: 360 s for 2 M flows is the density
# of the 20 M flows / hour of bench/flows), RUNS, DIR (scratch, default /tmp),
# CODECS (the configurations, default all eight below), BIG (0: skip the
# big-block run), WRITE_ONLY (1: no read measurements, storebench -W).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench-store}
FLOWS=${FLOWS:-2000000}
SPAN=${SPAN:-360}
RUNS=${RUNS:-3}
DIR=${DIR:-/tmp/vigil-storebench}
OUT=${OUT:-$ROOT/bench/out/store}
mkdir -p "$OUT"
cmake -S "$ROOT" -B "$BUILD" -DVIGIL_SANITIZE=OFF -DVIGIL_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_FLAGS="-Wno-error=format-truncation -Wno-error=maybe-uninitialized" >/dev/null
cmake --build "$BUILD" -j2 --target storebench >/dev/null
CODECS=${CODECS:-"zstd:1 zstd:3 zstd:6 zstd:9 zstd:19 lz4:0 lz4:9 none:0"}
BIG=${BIG:-1}
W=
[ "${WRITE_ONLY:-0}" = 1 ] && W=-W
CARGS=
for c in $CODECS; do CARGS="$CARGS -c $c"; done
for run in $(seq 1 "$RUNS"); do
	# shellcheck disable=SC2086
	"$BUILD/bench/storebench" $W -n "$FLOWS" -T "$SPAN" -d "$DIR" $CARGS |
		tee "$OUT/run$run.txt"
done
# big blocks (no flush pressure): what a 1 s flush costs in bytes
if [ "$BIG" = 1 ]; then
	"$BUILD/bench/storebench" $W -n "$FLOWS" -T "$SPAN" -d "$DIR" -f 100000000 -c zstd:3 -c lz4:0 |
		tee "$OUT/bigblocks.txt"
fi
rm -rf "$DIR"
