# lib.sh - shell helpers shared by the collector's end-to-end tests (sourced).
# Sets: here (this folder), data (fixtures), work (a temp dir removed at exit).
: "${VIGIL:?VIGIL is the vigil binary}"
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skip: $PY missing"; exit 77; }
work=$(mktemp -d)
chmod 755 "$work"   # the collector drops to nobody when started as root
collector_pid=""
cleanup() {
	if [ -n "$collector_pid" ]; then kill -KILL "$collector_pid" 2>/dev/null; fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; [ -f "$work/collect.log" ] && sed 's/^/  log: /' "$work/collect.log"; exit 1; }

need() { for t in "$@"; do command -v "$t" >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }; done; }

free_port() {
	"$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_collector ARGS...: vigil -v collect ARGS in the background, wait until bound.
start_collector() {
	"$VIGIL" -v collect "$@" >"$work/collect.log" 2>&1 &
	collector_pid=$!
	i=0
	while ! grep -q "listening on" "$work/collect.log" 2>/dev/null; do
		kill -0 "$collector_pid" 2>/dev/null || fail "collector did not start"
		i=$((i + 1))
		[ $i -gt 400 ] && fail "collector not listening after 20 s"
		sleep 0.05
	done
	sleep 0.1
}

# stop_collector: SIGTERM, expect exit 0.
stop_collector() {
	kill -TERM "$collector_pid"
	wait "$collector_pid"
	rc=$?
	collector_pid=""
	[ $rc -eq 0 ] || fail "collector exited $rc after SIGTERM"
}

# tshark_records FILE PORT: data records tshark decodes (v4 + v6 source addresses).
tshark_records() {
	tshark -r "$1" -d "udp.port==$2,cflow" -T fields -e cflow.srcaddr -e cflow.srcaddrv6 2>/dev/null |
		tr '\t' ',' | tr ',' '\n' | grep -c .
}
