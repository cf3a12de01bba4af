#!/bin/sh
# query_nodes.sh - `vigil flows --node` over two nodes equals `vigil flows -R`
# over one store holding the flows of both: two captures (make_nodes.py)
# collected into a store each and into one together, two `vigil web` on
# loopback ports serving the two stores; -s tables (with a key eleventh on
# each node and first overall, which a merge of per-node top Ns gets wrong),
# listings sorted with -O, -a aggregation, csv and json; a node that is down
# is named and the exit code says the answer is partial (0 with --partial-ok).
set -u
: "${VIGIL:?set VIGIL to the vigil binary}"
[ -x "$VIGIL" ] || { echo "skip: no vigil binary at $VIGIL"; exit 77; }
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
/usr/bin/python3 -c 'import scapy' 2>/dev/null || { echo "skip: no scapy for /usr/bin/python3"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-nodes.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
freeport() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

/usr/bin/python3 "$here/make_nodes.py" "$tmp/a.pcap" "$tmp/b.pcap" || { echo "FAIL: make_nodes.py"; exit 1; }
"$VIGIL" collect -w "$tmp/sa" -r "$tmp/a.pcap" >/dev/null 2>&1 || fail "collect a"
"$VIGIL" collect -w "$tmp/sb" -r "$tmp/b.pcap" >/dev/null 2>&1 || fail "collect b"
"$VIGIL" collect -w "$tmp/all" -r "$tmp/a.pcap" -r "$tmp/b.pcap" >/dev/null 2>&1 || fail "collect both"

# node NAME STORE: a vigil web on a free loopback port; sets url_NAME
node() {
	port=$(freeport)
	mkdir -p "$tmp/root-$1"
	printf '<!doctype html><title>vigil</title>\n' >"$tmp/root-$1/index.html"
	cat >"$tmp/$1.conf" <<CONF
[store]
dir = $2
[desk]
url = sqlite:$tmp/desk-$1.sqlite
[web]
listen = 127.0.0.1:$port
root = $tmp/root-$1
CONF
	"$VIGIL" web -c "$tmp/$1.conf" >"$tmp/web-$1.log" 2>&1 &
	p=$!
	pids="$pids $p"
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/metrics"; do
		i=$((i + 1))
		if [ $i -gt 150 ] || ! kill -0 "$p" 2>/dev/null; then
			echo "FAIL: vigil web for node $1 did not answer"; cat "$tmp/web-$1.log"; exit 1
		fi
		sleep 0.1
	done
	eval "url_$1=http://127.0.0.1:$port"
}
node a "$tmp/sa"
node b "$tmp/sb"

# same ARGS...: --node a --node b and -R all give the same output (but the
# Store: line, which counts each node's segments)
n=0
same() {
	n=$((n + 1))
	"$VIGIL" flows --node "$url_a" --node "$url_b" "$@" >"$tmp/n$n.out" 2>"$tmp/n$n.err"
	rc=$?
	[ $rc = 0 ] || { fail "--node $* exited $rc"; cat "$tmp/n$n.err"; }
	"$VIGIL" flows -R "$tmp/all" "$@" >"$tmp/r$n.out" 2>/dev/null || fail "-R $* exited $?"
	grep -v '^Store:' "$tmp/n$n.out" >"$tmp/n$n.cmp"
	grep -v '^Store:' "$tmp/r$n.out" >"$tmp/r$n.cmp"
	[ -s "$tmp/r$n.cmp" ] || fail "-R $* printed nothing"
	cmp -s "$tmp/n$n.cmp" "$tmp/r$n.cmp" || { fail "--node differs from -R: $*"; diff "$tmp/r$n.cmp" "$tmp/n$n.cmp" | head -20; }
}

same -s srcip/bytes -n 10
same -s srcip/bytes -n 10 -o csv
same -s srcip/bytes -s dstport -s proto/packets -o json
same -s ip/flows -n 5 'proto tcp'
same -O tstart
same -O bytes -n 7 -o csv
same -O tstart -n 5 -o json 'dst port 443'
same -a -O bytes
same -A srcip -O bytes -o csv
same -A dstport,proto -O flows -n 3
same -q -O tend -o 'fmt:%ts %sa %da %pkt %byt'
same 'host 10.1.0.1 or host 10.2.0.2' -O tstart
same -t 2023-11-14T22:11:40-2023-11-14T22:11:40.5 -O tstart

# the trap: first overall, eleventh on each node
top=$("$VIGIL" flows --node "$url_a" --node "$url_b" -s srcip/bytes -n 1 -o csv | sed -n 2p)
case "$top" in
*,10.99.0.99,*,1000) ;;
*) fail "10.99.0.99 is not first with 1000 bytes: $top" ;;
esac
for u in "$url_a" "$url_b"; do
	"$VIGIL" flows --node "$u" -s srcip/bytes -n 10 -o csv | grep -q 10.99.0.99 &&
		fail "10.99.0.99 is in $u's own top 10: the case does not test the merge"
done

# a node that is down: named, exit 3, the answer of the other printed
dead=$(freeport)
"$VIGIL" flows --node "$url_a" --node "http://127.0.0.1:$dead" -s srcip/bytes -o csv >"$tmp/p.out" 2>"$tmp/p.err"
rc=$?
[ $rc = 3 ] || fail "a dead node: exit $rc, expected 3"
grep -q "node http://127.0.0.1:$dead:" "$tmp/p.err" || { fail "the dead node is not named"; cat "$tmp/p.err"; }
grep -q "partial" "$tmp/p.err" || fail "no word that the answer is partial"
"$VIGIL" flows --node "$url_a" -s srcip/bytes -o csv | cmp -s - "$tmp/p.out" || fail "partial answer is not node a's"
"$VIGIL" flows --node "$url_a" --node "http://127.0.0.1:$dead" --partial-ok -s srcip >/dev/null 2>&1
rc=$?
[ $rc = 0 ] || fail "--partial-ok: exit $rc"
"$VIGIL" flows --node "http://127.0.0.1:$dead" -s srcip >/dev/null 2>&1
rc=$?
[ $rc = 1 ] || fail "no node answered: exit $rc, expected 1"
# a bad filter is refused before asking anyone
"$VIGIL" flows --node "$url_a" 'port x' >/dev/null 2>&1
rc=$?
[ $rc = 2 ] || fail "bad filter: exit $rc, expected 2"
# the route answers a filter error with 400, and is a text stream ending in E
code=$(curl -s -o "$tmp/bad.json" -w '%{http_code}' "$url_a/api/v1/query?filter=port%20x")
[ "$code" = 400 ] || fail "bad filter on the route: HTTP $code"
curl -s "$url_a/api/v1/query?s=srcip/bytes" | tail -1 | grep -qx E || fail "route answer does not end in E"
# a node's answer carries its rows: a plain listing its first n, an -a/-A
# query (the client sends neither n nor O) every matching row; the node's
# run is not -o null's "count the rows, write none"
r=$(curl -s "$url_a/api/v1/query?n=3" | grep -c '^R ')
[ "$r" = 3 ] || fail "route listing n=3: $r R lines, expected 3"
ra=$(curl -s "$url_a/api/v1/query" | grep -c '^R ')
ta=$(curl -s "$url_a/api/v1/query" | sed -n 's/^T [0-9]* \([0-9]*\) .*/\1/p')
[ "$ra" -gt 3 ] && [ "$ra" = "$ta" ] || fail "route, every row: $ra R lines, T says $ta matched"

# tokens: an analyst's is taken; a site contact's is refused (it would see
# every site's flows), and the node says so
printf 'pw-ana\n' >"$tmp/pw"
"$VIGIL" web user add ana --role analyst --password-file "$tmp/pw" -c "$tmp/a.conf" >/dev/null || fail "user add ana"
"$VIGIL" web user add sam --role site --site riverside --password-file "$tmp/pw" -c "$tmp/a.conf" >/dev/null || fail "user add sam"
"$VIGIL" web token add ana --label nodes -c "$tmp/a.conf" >"$tmp/tok.ana" || fail "token add ana"
"$VIGIL" web token add sam --label nodes -c "$tmp/a.conf" >"$tmp/tok.sam" || fail "token add sam"
"$VIGIL" flows --node "$url_a" --token-file "$tmp/tok.ana" -s srcip/bytes -o csv >"$tmp/t.out" 2>"$tmp/t.err" ||
	{ fail "analyst token: exit $?"; cat "$tmp/t.err"; }
"$VIGIL" flows --node "$url_a" --token-file "$tmp/tok.sam" -s srcip/bytes >/dev/null 2>"$tmp/t.err"
rc=$?
[ $rc = 1 ] || fail "site token: exit $rc, expected 1"
grep -q "node $url_a: HTTP 403" "$tmp/t.err" || { fail "site token: no 403 named"; cat "$tmp/t.err"; }

[ $fails = 0 ] || { echo "$fails failures"; exit 1; }
echo "ok: --node over two nodes equals -R over one store ($n cases), a dead node is named"
