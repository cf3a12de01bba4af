#!/bin/sh
# flows_e2e.sh - `vigil flows` end to end: a NetFlow v5 capture made by
# make_fixture.py (values checked against tshark) listed as json equals the
# golden file; filters select the expected flows; -s ranks; the same flows
# written to a store by `vigil collect` read back with -R give the same
# answer, and a host the store never saw skips the segment; errors exit 2/1.
set -u
: "${VIGIL:?set VIGIL to the vigil binary}"
[ -x "$VIGIL" ] || { echo "skip: no vigil binary at $VIGIL"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
cap="$here/data/v5-small.pcap"
gold="$here/data/v5-small.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# count FILTER EXPECTED: number of json lines the filter selects from the capture
count() {
	n=$("$VIGIL" flows -r "$cap" -o json "$1" | wc -l | tr -d ' ')
	[ "$n" = "$2" ] || fail "'$1': $n flows, expected $2"
}

"$VIGIL" flows -r "$cap" -o json >"$tmp/all.json" || fail "listing exited $?"
cmp -s "$tmp/all.json" "$gold" || { fail "json differs from the golden file"; diff "$gold" "$tmp/all.json"; }

count "" 12
count "any" 12
count "proto tcp and dst port 445" 3
count "host 10.1.2.3" 6
count "src ip 10.1.2.3 and not proto icmp" 4
count "src net 163.1/16" 1
count "net 192.0.2.0/24" 5
count "flags S and not flags A" 4
count "packets > 10" 3
count "bytes >= 1k" 4
count "duration > 20000" 2
count "sampling > 1" 2
count "exporter 192.0.2.251" 2
count "proto gre or proto icmp" 2
count "port in [53 3389]" 3
count "dst ip in [8.8.8.8 203.0.113.0/24]" 2
count "bpp > 1000" 2

# the selected flows are the right ones
"$VIGIL" flows -r "$cap" -o json "proto tcp and dst port 445" >"$tmp/445.json"
grep '"dport":445' "$gold" | grep '"proto":"tcp"' | cmp -s - "$tmp/445.json" || fail "dst port 445 selected other flows"

# -n limits the listing
n=$("$VIGIL" flows -r "$cap" -o json -n 2 | wc -l | tr -d ' ')
[ "$n" = 2 ] || fail "-n 2 listed $n"

# csv: a header and one line a flow
n=$("$VIGIL" flows -r "$cap" -o csv | wc -l | tr -d ' ')
[ "$n" = 13 ] || fail "csv has $n lines"

# -s: top talkers
"$VIGIL" flows -r "$cap" -o json -s srcip/flows -n 1 >"$tmp/top.json"
grep -q '"key":"10.1.2.3".*"flows":5,"packets":9,"bytes":636' "$tmp/top.json" || { fail "-s srcip"; cat "$tmp/top.json"; }
"$VIGIL" flows -r "$cap" -o json -s dstport/bytes -n 1 >"$tmp/top2.json"
grep -q '"key":"50000".*"bytes":150000' "$tmp/top2.json" || { fail "-s dstport/bytes"; cat "$tmp/top2.json"; }
"$VIGIL" flows -r "$cap" -s proto/packets >"$tmp/top.txt"
grep -q "Top 10 Protocol ordered by packets" "$tmp/top.txt" || fail "-s table title"
grep -q "Sampled (up to 1:100)" "$tmp/top.txt" || fail "sampling not stated"

# -t: a window with nothing in it
n=$("$VIGIL" flows -r "$cap" -o json -t 2030-01-01 | wc -l | tr -d ' ')
[ "$n" = 0 ] || fail "-t 2030-01-01 listed $n"
n=$("$VIGIL" flows -r "$cap" -o json -t 2023-11-14T22:13:14Z-2023-11-14T22:13:16Z | wc -l | tr -d ' ')
[ "$n" = 4 ] || fail "-t window listed $n, expected 4"

# errors
"$VIGIL" flows -r "$cap" "proto tcp and port x" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] || fail "syntax error exited $rc"
grep -q "filter:1:20: expected a port number after 'port', got 'x'" "$tmp/err" || { fail "syntax message"; cat "$tmp/err"; }
"$VIGIL" flows -r "$tmp/nonexistent.pcap" >/dev/null 2>&1
rc=$?
[ $rc = 1 ] || fail "missing capture exited $rc"
"$VIGIL" flows -o yaml -r "$cap" >/dev/null 2>&1
[ $? = 2 ] || fail "bad -o not a usage error"

# the store: written by vigil collect, read with -R
if "$VIGIL" collect -w "$tmp/store" -r "$cap" >/dev/null 2>&1; then
	"$VIGIL" flows -R "$tmp/store" -o json | sort >"$tmp/store.json"
	sort "$gold" | cmp -s - "$tmp/store.json" || { fail "-R differs from -r"; diff "$tmp/store.json" "$gold"; }
	n=$("$VIGIL" flows -R "$tmp/store" -o json "host 10.1.2.3" | wc -l | tr -d ' ')
	[ "$n" = 6 ] || fail "-R host 10.1.2.3 listed $n"
	"$VIGIL" flows -R "$tmp/store" "host 1.1.1.1" >"$tmp/skip.txt"
	grep -q "1 skipped by time/host index" "$tmp/skip.txt" || { fail "host index did not skip"; cat "$tmp/skip.txt"; }
	"$VIGIL" flows -R "$tmp/store" -o json -s srcip -n 1 | grep -q '"key":"10.1.2.3".*"flows":5' || fail "-R -s srcip"
	"$VIGIL" flows -R "$tmp/nostore" -o json >/dev/null 2>&1
	rc=$?
	[ $rc = 1 ] || fail "missing store exited $rc"
else
	fail "vigil collect could not write the store"
fi

[ $fails = 0 ] || { echo "$fails failures"; exit 1; }
echo "flows e2e: all passed"
