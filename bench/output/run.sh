#!/bin/sh
# bench/output/run.sh - JSON and CSV output of a whole store, vigil against
# nfdump on the same flows: `vigil flows -R STORE -q -o csv|json` and
# `nfdump -R DIR -q -o csv|json` (nfdump's files LZ4-compressed, its fastest
# reader), both to /dev/null, medians of RUNS with hyperfine. Builds vigil and
# genflows without sanitizers at -O2 in build-bench; the flows are the flow
# benchmark's synthetic traffic (bench/flows/model.c), generated into
# bench/data if missing, stored by `vigil collect -r` and by nfcapd -y from a
# loopback replay (loss checked). Raw results in bench/out/output.
#
#   sh bench/output/run.sh            # FLOWS=2000000 RUNS=5
#
# Knobs: FLOWS, SEED (2009), RUNS (5), RATE (replay flows/s to nfcapd, 100000).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
DATA=${DATA:-$ROOT/bench/data}
OUT=${OUT:-$ROOT/bench/out/output}
FLOWS=${FLOWS:-2000000}
SEED=${SEED:-2009}
RUNS=${RUNS:-5}
RATE=${RATE:-100000}
PCAP=$DATA/flows-$FLOWS-$SEED.pcap
VG=$DATA/output-$FLOWS-$SEED-vigil
NF=$DATA/output-$FLOWS-$SEED-nfdump
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
for t in nfdump nfcapd hyperfine; do
	command -v $t >/dev/null || { echo "missing $t (scripts/deps.sh installs it)"; exit 1; }
done
mkdir -p "$DATA" "$OUT"

cmake -S "$ROOT" -B "$BUILD" -DVIGIL_SANITIZE=OFF -DVIGIL_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_FLAGS="-Wno-error=format-truncation -Wno-error=maybe-uninitialized" >/dev/null
cmake --build "$BUILD" -j2 --target genflows vigil >/dev/null
VIGIL=$BUILD/vigil

[ -s "$PCAP" ] || { log "generating $FLOWS flows"; "$BUILD/bench/genflows" gen -n "$FLOWS" -s "$SEED" -o "$PCAP"; }
if [ ! -d "$VG" ]; then
	log "vigil store"
	"$VIGIL" collect -w "$VG" -r "$PCAP" >"$OUT/collect.txt" 2>&1
fi
if [ ! -d "$NF" ]; then
	log "nfcapd (lz4) from a replay at $RATE flows/s"
	mkdir -p "$NF.tmp"
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	nfcapd -w "$NF.tmp" -p "$port" -b 127.0.0.1 -y -t 3600 -B 8388608 >"$OUT/nfcapd.txt" 2>&1 &
	pid=$!
	sleep 1
	"$BUILD/bench/genflows" send -r "$PCAP" -u "127.0.0.1:$port" -R "$RATE" -c "$FLOWS" >"$OUT/send.txt" 2>&1
	sleep 2
	kill "$pid"
	wait "$pid" || true
	grep -q "Flows: $FLOWS," "$OUT/nfcapd.txt" || { echo "nfcapd lost flows:"; tail -3 "$OUT/nfcapd.txt"; exit 1; }
	mv "$NF.tmp" "$NF"
fi
n=$("$VIGIL" flows -R "$VG" -q -o csv | wc -l)
m=$(nfdump -R "$NF" -q -o csv | wc -l)
log "rows: vigil $n, nfdump $m"
[ "$n" -eq "$FLOWS" ] && [ "$m" -eq "$FLOWS" ] || { echo "row counts differ from $FLOWS"; exit 1; }

for o in csv json; do
	hyperfine -N -w 1 -r "$RUNS" --export-json "$OUT/$o.json" \
		-n "vigil -o $o" "$VIGIL flows -R $VG -q -o $o" \
		-n "nfdump -o $o" "nfdump -R $NF -q -o $o" 2>&1 | tee "$OUT/$o.txt" || true
done
