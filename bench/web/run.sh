#!/bin/sh
# bench/web/run.sh [N] - the web desk's speed on loopback: the queue's server
# time with N incidents (default 1 000 000; median of 9 requests of each
# kind, measured by curl as time to the first byte, target < 100 ms) and
# requests/s with wrk for the queue page and one incident (Bearer token).
# Incidents are inserted with one SQL statement (gen.sql), not ingested.
# Uses the -O2 build: VIGIL=path/to/vigil (default build/vigil).
set -eu
n=${1:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
VIGIL=${VIGIL:-$top/build/vigil}
[ -x "$VIGIL" ] || { echo "no vigil at $VIGIL (cmake --build build --target vigil)" >&2; exit 2; }
for t in sqlite3 curl wrk python3; do
	command -v $t >/dev/null 2>&1 || { echo "needs $t (scripts/deps.sh)" >&2; exit 2; }
done
out=${OUT:-$top/bench/out/web}
mkdir -p "$out"
db="$out/desk-$n.sqlite"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; true' EXIT INT TERM

if [ ! -f "$db" ]; then
	rm -f "$db.tmp"
	printf 'pw\n' | "$VIGIL" web user add bench --role analyst --desk "sqlite:$db.tmp" >/dev/null
	start=$(date +%s.%N)
	sqlite3 "$db.tmp" "CREATE TEMP TABLE gen_n AS SELECT $n AS n, $(($(date +%s) * 1000 - 90 * 86400000)) AS t0;" \
		".read $here/gen.sql"
	echo "generated $n incidents in $(echo "$(date +%s.%N) - $start" | bc) s"
	mv "$db.tmp" "$db"
fi
token=$("$VIGIL" web token add bench --label bench --desk "sqlite:$db")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$VIGIL" web --desk "sqlite:$db" --listen "127.0.0.1:$port" --root "$top/web" >"$out/web.log" 2>&1 &
pid=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/me"; do sleep 0.1; done
base="http://127.0.0.1:$port"
auth="Authorization: Bearer $token"
mid=$((n / 2))

# median over 9 runs (after one warm-up) of curl's time to the first byte, ms
ttfb() {
	curl -s -o /dev/null -H "$auth" "$base$1"
	for i in 1 2 3 4 5 6 7 8 9; do
		curl -s -o /dev/null -H "$auth" -w '%{time_starttransfer}\n' "$base$1"
	done | sort -n | sed -n 5p | awk '{ printf "%.1f", $1 * 1000 }'
}
echo "queue server time, $n incidents (median of 9, ms):"
for q in "/api/v1/incidents?limit=50" "/api/v1/incidents?limit=50&offset=5000" \
	"/api/v1/incidents?state=new,open&limit=50" "/api/v1/incidents?site=site7&limit=50" \
	"/api/v1/incidents?kind=cc&state=open&limit=50" "/api/v1/incidents?sort=-last_seen&limit=50" \
	"/api/v1/incidents?owner=ana&limit=50" "/api/v1/incidents?q=10.1.2.3&limit=50" \
	"/api/v1/incidents/$mid"; do
	printf '  %-48s %s\n' "$q" "$(ttfb "$q")"
done
echo "wrk -t2 -c8 -d10s (requests/s):"
for q in "/api/v1/incidents?limit=50" "/api/v1/incidents/$mid"; do
	rps=$(wrk -t2 -c8 -d10s -H "$auth" "$base$q" | awk '/Requests\/sec/ { print $2 }')
	printf '  %-48s %s\n' "$q" "$rps"
done
