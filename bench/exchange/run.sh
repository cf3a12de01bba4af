#!/bin/sh
# bench/exchange/run.sh - exports and block sets at the scale of a bad day:
#
#   export  10,000 incidents (each with 3 events of evidence) written by
#           `vigil incident export` as IODEF 2.0, IODEF 1.0, X-ARF v4 and
#           JSON in one run each: incidents/s and peak RSS; then the IODEF
#           2.0 document read back by `vigil report parse`
#   render  1,000 active blocks (the default cap) rendered by `vigil block
#           render` in each router format: blocks/s
#
# Medians of RUNS (5) with hyperfine; peak RSS from /usr/bin/time. The -O2
# build without sanitizers (build-bench).
#
#   sh bench/exchange/run.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${RUNS:-5}
b=build-bench
cmake -S . -B $b -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build $b -j"$(nproc)" --target vigil >/dev/null
V=$top/$b/vigil
d=$top/bench/data/exchange
rm -rf "$d" && mkdir -p "$d" && cd "$d"
PY=/usr/bin/python3
n=${INCIDENTS:-10000}

# 10,000 hosts of one kind each (cycling through the kinds), 3 events a host
$PY - "$n" >events.jsonl <<'PYEOF'
import json, sys
n = int(sys.argv[1])
kinds = [("cc", 443), ("scan", 22), ("blocklist", 25), ("dos", 80), ("amplifier", 123)]
for i in range(n):
    host = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
    kind, port = kinds[i % len(kinds)]
    for e in range(3):
        m = 10 + e * 10
        print(json.dumps({"kind": kind, "host": host, "peer": f"198.51.100.{(i + e) % 250 + 1}",
                          "port": port, "proto": "udp" if kind in ("dos", "amplifier") else "tcp",
                          "first": f"2026-03-01T10:{m:02d}:00Z", "last": f"2026-03-01T10:{m + 5:02d}:00Z",
                          "flows": 40 + e, "packets": 400, "bytes": 60000, "why": f"bench {kind} {e}",
                          "id": f"bench-{i}-{e}"}))
PYEOF
printf '[desk]\nurl = sqlite:%s/desk.sqlite\n[exchange]\nteam = csirt.example.ac.uk\nname = Example CSIRT\nemail = csirt@example.ac.uk\n[block]\nmin_prefix4 = 24\n' "$d" >vigil.conf
"$V" incident ingest events.jsonl -c vigil.conf >/dev/null
ids=$(seq 1 "$n" | tr '\n' ' ')
echo "== export: $n incidents, 3 events each"
for fmt in iodef iodef1 xarf json; do
	# shellcheck disable=SC2086
	hyperfine -N -w 1 -r "$runs" --export-json "export-$fmt.json" \
		"$V incident export $ids -c vigil.conf -o $fmt --out out.$fmt" >/dev/null 2>&1
	med=$($PY -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(r['median'])" "export-$fmt.json")
	# shellcheck disable=SC2086
	rss=$(/usr/bin/time -f %M "$V" incident export $ids -c vigil.conf -o $fmt --out out.$fmt 2>&1 >/dev/null | tail -1)
	size=$(wc -c <out.$fmt)
	$PY -c "import sys; n,m,r,s=int(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]),int(sys.argv[4]); print(f'{sys.argv[5]:7s} {m:6.2f} s median  {n/m:9,.0f} incidents/s  peak RSS {r/1024:6.1f} MiB  {s/n:6.0f} bytes/incident')" "$n" "$med" "$rss" "$size" "$fmt"
done
# a mail part is capped (32 MiB decoded): the import reads a document of 2,000 incidents
ni=2000
# shellcheck disable=SC2086
"$V" incident export $(seq 1 $ni | tr '\n' ' ') -c vigil.conf -o iodef --out in.iodef
hyperfine -N -w 1 -r "$runs" --export-json parse.json "$V report parse in.iodef -o json" >/dev/null 2>&1
$PY -c "import json,sys; r=json.load(open('parse.json'))['results'][0]; n=int(sys.argv[1]); print(f'import  {r[\"median\"]:6.2f} s median  {n/r[\"median\"]:9,.0f} incidents/s (vigil report parse of an IODEF 2.0 document of {n})')" "$ni"

echo "== render: 1,000 active blocks"
nb=1000
i=1
while [ $i -le $nb ]; do
	echo "$i"
	i=$((i + 1))
done | while read -r k; do
	"$V" block add "10.$((k >> 16 & 255)).$((k >> 8 & 255)).$((k & 255))" --incident "$k" --until 7d \
		--reason bench -c vigil.conf >/dev/null 2>&1 || { echo "block add $k failed" >&2; exit 1; }
done
for fmt in cisco juniper exabgp flowspec; do
	hyperfine -N -w 1 -r "$runs" --export-json "render-$fmt.json" \
		"$V block render --format $fmt -c vigil.conf" >/dev/null 2>&1
	lines=$("$V" block render --format $fmt -c vigil.conf | wc -l)
	$PY -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f'{sys.argv[2]:8s} {r[\"median\"]*1000:7.1f} ms median  {int(sys.argv[3]):5d} lines')" "render-$fmt.json" "$fmt" "$lines"
done
