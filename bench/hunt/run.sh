#!/bin/sh
# bench/hunt/run.sh - retro-hunt (vigil hunt) against a large store: the time
# to look for N new list entries in FLOWS stored flows, and how many segments
# and blocks the store's address filters let it skip. The store is the flow
# benchmark's traffic model (bench/flows/model.c) written by storebench as
# `vigil collect` writes it (zstd:3, 1 s blocks); built once and kept in DIR.
#
#   sh bench/hunt/run.sh             # FLOWS=200000000 SPAN=36000 ENTRIES=10000 RUNS=3
# Knobs: FLOWS, SPAN (seconds of traffic), ENTRIES (list size), HITS (entries
# taken from addresses that are in the store, default 100), RUNS, DIR.
# The list is ENTRIES-HITS random addresses (seeded) plus HITS outside
# addresses an inside host contacted once, so the hunt finds something.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
FLOWS=${FLOWS:-200000000}
SPAN=${SPAN:-36000}
ENTRIES=${ENTRIES:-10000}
HITS=${HITS:-100}
RUNS=${RUNS:-3}
DIR=${DIR:-/tmp/vigil-huntbench}
OUT=${OUT:-$ROOT/bench/out/hunt}
mkdir -p "$OUT" "$DIR"
cmake -S "$ROOT" -B "$BUILD" -DVIGIL_SANITIZE=OFF -DVIGIL_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j2 --target vigil storebench >/dev/null
V=$BUILD/vigil
STORE="$DIR/zstd:3"
if [ ! -f "$DIR/store-$FLOWS.done" ]; then
	"$BUILD/bench/storebench" -W -n "$FLOWS" -T "$SPAN" -d "$DIR" -c zstd:3 | tee "$OUT/store.txt"
	touch "$DIR/store-$FLOWS.done"
fi
"$V" store info -R "$STORE" | tee "$OUT/store-info.txt" | tail -3

# the list: HITS outside addresses that inside hosts contacted once in the
# store's first ten minutes (a new C&C entry is a rare peer, not a CDN), the
# rest random addresses (seeded; almost all absent from the store)
if [ ! -f "$DIR/hits-$HITS.txt" ]; then
	start=$("$V" store info -R "$STORE" | sed -n 's/^span: *\([^ ]*\) .*/\1/p')
	s0=$(date -u -d "$start" +%s)
	t0=$(date -u -d "@$s0" +%Y/%m/%d.%H:%M:%S)
	t1=$(date -u -d "@$((s0 + 600))" +%Y/%m/%d.%H:%M:%S)
	"$V" flows -R "$STORE" -t "$t0-$t1" -o csv 'src net 198.18.0.0/16 and not dst net 198.18.0.0/16' |
		cut -d, -f4 | grep -E '^[0-9]+\.' | sort | uniq -u | sort -t. -k4,4n -k3,3n |
		head -n "$HITS" >"$DIR/hits-$HITS.txt" || true
fi
cp "$DIR/hits-$HITS.txt" "$DIR/hits.txt"
/usr/bin/python3 - "$ENTRIES" "$DIR/hits.txt" >"$DIR/list.txt" <<'PY'
import random, sys
n = int(sys.argv[1]); hits = [l.strip() for l in open(sys.argv[2]) if l.strip()]
rnd = random.Random(7)
out = set(hits)
while len(out) < n:
    a = rnd.getrandbits(32)
    if a >> 24 in (0, 10, 127, 198) or a >> 28 >= 14:
        continue
    out.add("%d.%d.%d.%d" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255))
print("\n".join(sorted(out)))
PY
echo "list: $(wc -l <"$DIR/list.txt") entries, $(wc -l <"$DIR/hits.txt") of them seen in the store"
for run in $(seq 1 "$RUNS"); do
	/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M kB" \
		"$V" hunt -R "$STORE" --list "kind=cc:plain:$DIR/list.txt" --network 198.18.0.0/16 \
		--network 2001:db8:1::/48 -t 2000/01/01-2100/01/01 --stats >"$OUT/events-$ENTRIES.jsonl" 2>"$OUT/run-$ENTRIES-$run.txt"
	cat "$OUT/run-$ENTRIES-$run.txt"
done
echo "events: $(wc -l <"$OUT/events-$ENTRIES.jsonl")"
