#!/bin/sh
# in_run.sh VIGIL - `vigil run` with [web] listen set serves the web desk
# too: /metrics answers on loopback with the collector's counters next to
# the desk's, and a NetFlow v5 datagram sent to the collector shows in them.
set -eu
VIGIL=${1:-${VIGIL:-}}
[ -n "$VIGIL" ] && [ -x "$VIGIL" ] || { echo "usage: in_run.sh VIGIL" >&2; exit 2; }
VIGIL=$(cd "$(dirname "$VIGIL")" && pwd)/$(basename "$VIGIL")
command -v curl >/dev/null 2>&1 || { echo "SKIP: no curl"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-web-run.XXXXXX")
# run as root, vigil run drops to nobody: its directory must be reachable
chmod 755 "$tmp"
pid=""
trap '[ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/run.log" ] && tail -20 "$tmp/run.log" | sed 's/^/  run: /' >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
udp=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/vigil.conf" <<CONF
[store]
dir = $tmp/flows
[detect]
events_dir = $tmp/events
[desk]
url = sqlite:$tmp/desk.sqlite
[web]
listen = 127.0.0.1:$port
root = $tmp
CONF
(cd "$tmp" && exec "$VIGIL" run -c "$tmp/vigil.conf" -p "127.0.0.1:$udp") >"$tmp/run.log" 2>&1 &
pid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/metrics"; do
	i=$((i + 1))
	[ $i -gt 150 ] && fail "vigil run did not serve [web] listen 127.0.0.1:$port"
	kill -0 "$pid" 2>/dev/null || { pid=""; fail "vigil run exited"; }
	sleep 0.1
done
# one NetFlow v5 datagram with one flow record (header 24 bytes, record 48)
python3 - "$udp" <<'PY'
import socket, struct, sys, time
now = int(time.time())
hdr = struct.pack("!HHIIIIBBH", 5, 1, 1000, now, 0, 1, 0, 0, 0)
rec = struct.pack("!IIIHHIIIIHHBBBBHHBBH", 0x0a0a0101, 0xc0000201, 0, 1, 2, 10, 1000, 500, 900,
                  40000, 443, 0, 0x18, 6, 0, 0, 0, 24, 24, 0)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(hdr + rec, ("127.0.0.1", int(sys.argv[1])))
PY
i=0
while :; do
	curl -s "http://127.0.0.1:$port/metrics" >"$tmp/metrics"
	grep -q '^vigil_collector_packets_total [1-9]' "$tmp/metrics" && break
	i=$((i + 1))
	[ $i -gt 50 ] && fail "the collector's datagram never showed in /metrics: $(grep collector "$tmp/metrics")"
	sleep 0.1
done
grep -q '^vigil_collector_flows_total 1$' "$tmp/metrics" || fail "flows: $(grep collector_flows "$tmp/metrics")"
grep -q '^vigil_events_total ' "$tmp/metrics" || fail "no desk metrics next to the collector's"
echo "ok: vigil run serves the web desk; /metrics has the collector's counters"
