#!/bin/sh
# End-to-end test of `vigil whois`: import to a snapshot, look up from the
# snapshot, from the text files and from the config, text and JSON output,
# exit status 1 for an address nothing matches, bad lines reported as
# file:line. Uses only the fixtures in tests/whois/data.
set -eu
: "${VIGIL:?path of the vigil binary}"
: "${VIGIL_SOURCE_DIR:?source tree}"
D="$VIGIL_SOURCE_DIR/tests/whois/data"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$VIGIL" whois import --rpsl "$D/chain.db" "$D/bad.db" --sites "$D/sites.conf" -o "$T/w.db" 2>"$T/import.err" ||
	fail "import failed: $(cat "$T/import.err")"
grep -q 'data/bad.db:9: inetnum: bad range' "$T/import.err" || fail "bad range not reported with file:line"
grep -q 'sites.conf:20: ' "$T/import.err" || fail "bad sites line not reported"
grep -q '5 inetnum, 1 inet6num' "$T/import.err" || fail "counts: $(cat "$T/import.err")"
[ -s "$T/w.db" ] || fail "no snapshot written"

# from the snapshot, text
"$VIGIL" whois --db "$T/w.db" 198.51.100.130 >"$T/out.txt" || fail "lookup failed"
grep -q '^netname: *CUSTOMER-TWO$' "$T/out.txt" || fail "netname: $(cat "$T/out.txt")"
grep -q '^abuse-mailbox: *security@customer-two.example, abuse@customer-two.example$' "$T/out.txt" ||
	fail "abuse-mailbox"
grep -q 'from: *role AR2-TEST (chain.db line 73)' "$T/out.txt" || fail "abuse source"
grep -q '^origin: *AS64500 EXAMPLE-AS$' "$T/out.txt" || fail "origin"
grep -q '^ours: *no$' "$T/out.txt" || fail "ours"

# JSON, one line per address, site override
"$VIGIL" whois --db "$T/w.db" -o json 198.51.100.10 198.51.100.2 >"$T/out.json"
[ "$(wc -l <"$T/out.json")" -eq 2 ] || fail "expected 2 JSON lines"
head -1 "$T/out.json" | grep -q '"site":"example-hq"' || fail "site in json"
head -1 "$T/out.json" | grep -q '"abuse":"sites.conf line 7 (site example-hq)"' || fail "site source in json"
tail -1 "$T/out.json" | grep -q '"nat_gateway":true' || fail "nat gateway in json"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out.json" ||
		fail "invalid JSON"
fi

# exit 1 when an address matches nothing; 2 on a bad address
set +e
"$VIGIL" whois --db "$T/w.db" 192.0.2.1 >/dev/null; rc=$?
[ $rc -eq 1 ] || fail "unmatched address: exit $rc, want 1"
"$VIGIL" whois --db "$T/w.db" not-an-ip >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bad address: exit $rc, want 2"
set -e

# straight from the text files (gzip'd) and from the config file
"$VIGIL" whois --rpsl "$D/chain.db.gz" 198.51.100.70 | grep -q '^netname: *CUSTOMER-ONE$' ||
	fail "lookup from --rpsl"
printf '[whois]\nrpsl = %s\nsites = %s\ndb = %s\n' "$D/chain.db" "$D/sites.conf" "$T/none.db" >"$T/vigil.conf"
"$VIGIL" whois -c "$T/vigil.conf" 198.51.100.203 2>/dev/null | grep -q '^ours: *yes (site lab)$' ||
	fail "lookup from config files"
printf '[whois]\ndb = %s\n' "$T/w.db" >"$T/vigil2.conf"
"$VIGIL" whois -c "$T/vigil2.conf" 2001:db8:100::1 | grep -q '^netname: *EXAMPLE-NET6$' ||
	fail "lookup from config snapshot"
# terminal escapes in database text are not passed to the analyst's terminal
printf 'inetnum: 192.0.2.0 - 192.0.2.255\nnetname: EVIL\033[2Jx\n' >"$T/esc.db"
"$VIGIL" whois --rpsl "$T/esc.db" 192.0.2.1 >"$T/esc.out"
grep -q '^netname: *EVIL?\[2Jx$' "$T/esc.out" || fail "control characters not neutralised"
if grep -q "$(printf '\033')" "$T/esc.out"; then fail "escape byte in output"; fi
echo "whois cli: ok"
