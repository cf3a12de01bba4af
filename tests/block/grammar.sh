#!/bin/sh
# grammar.sh - every renderer's output for a fixed set of blocks (IPv4 and
# IPv6, hosts and prefixes, one lifted) is compared with golden files, and
# each Cisco and Juniper line is checked against the vendor's syntax
# (router_grammar.py documents the references); the checker itself must
# refuse lines a router would refuse. ExaBGP's lines are parsed by ExaBGP
# itself in exabgp.sh.
set -u
: "${VIGIL:?VIGIL is the vigil binary}"
: "${VIGIL_SOURCE_DIR:?}"
PY=/usr/bin/python3
here=$VIGIL_SOURCE_DIR/tests/block
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
export VIGIL_CLOCK=2026-01-10T09:00:00Z
printf '[desk]\nurl = sqlite:%s/desk.sqlite\n[block]\nmin_prefix4 = 16\n' "$work" >v.conf
printf '[desk]\nurl = sqlite:%s/desk.sqlite\n[block]\nmin_prefix4 = 16\njuniper_style = curly\n' "$work" >curly.conf
inc=$("$VIGIL" incident new --kind scan --host 10.1.2.3 -c v.conf --desk "sqlite:$work/desk.sqlite")
for p in 10.1.2.3 10.1.4.0/24 10.2.16.0/20 2001:db8:1::/48 2001:db8::7 10.3.3.3; do
	"$VIGIL" block add "$p" --incident "$inc" --until 7d --reason "test $p" -c v.conf >/dev/null || bad "add $p"
done
VIGIL_CLOCK=2026-01-10T10:00:00Z "$VIGIL" block remove 6 --reason lifted -c v.conf || bad "remove 6"
for f in cisco juniper exabgp flowspec; do
	"$VIGIL" block render --format "$f" -c v.conf >"$f.full" || bad "render $f"
	"$VIGIL" block changes --format "$f" -c v.conf >"$f.changes" || bad "changes $f"
	cat "$f.full" "$f.changes" >"$f.txt"
	diff -u "$here/golden/$f.txt" "$f.txt" || bad "$f differs from golden/$f.txt"
done
"$VIGIL" block render --format juniper -c curly.conf >juniper-curly.txt || bad "render curly"
diff -u "$here/golden/juniper-curly.txt" juniper-curly.txt || bad "curly differs from golden"
$PY "$here/router_grammar.py" cisco cisco.full || bad "cisco full render"
# each change is applied alone on a router: every delta must stand by itself
$PY "$here/router_grammar.py" cisco cisco.changes || bad "cisco changes"
$PY "$here/router_grammar.py" juniper juniper.full juniper.changes || bad "juniper"
$PY "$here/router_grammar.py" juniper-curly juniper-curly.txt || bad "juniper curly"
# the checker refuses what a router refuses
printf 'ip access-list extended X\n 5 deny ip 10.1.4.0 0.0.255.0 any\n 6 deny ip 10.1.4.1 0.0.0.255 any\n deny ip host 10.1.2.300 any\n' >bad.cisco
n=$($PY "$here/router_grammar.py" cisco bad.cisco | wc -l)
[ "$n" = 3 ] || bad "the Cisco checker let bad lines through ($n of 3 found)"
printf 'set firewall family inet filter f term b1 from source-address 2001:db8::/48\nset firewall family inet filter f term b1 then reject-ish\n' >bad.junos
n=$($PY "$here/router_grammar.py" juniper bad.junos | wc -l)
[ "$n" = 2 ] || bad "the Junos checker let bad lines through ($n of 2 found)"
exit $fail
