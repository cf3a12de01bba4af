#!/bin/sh
# run.sh VIGIL [OUTDIR] - the web desk in a real browser. Makes a desk from
# the bundled demo (samples/demo.pcap through `vigil collect` and `vigil
# detect`, events into the desk with `vigil incident ingest`, each incident
# given its site by `vigil whois`: northgate, riverside and northgate-nat),
# one incident and one abuse mail whose subjects are markup, a block, and users made with `vigil web user
# add` (an analyst, riverside's contact, a read-only user); starts `vigil web` on a free
# loopback port and drives it with headless Chromium (desk.cjs, through
# playwright-core). Screenshots of every page go to OUTDIR (default
# ./web-browser-out). Exit 77 (skip) only when node or chromium is absent.
set -eu
VIGIL=${1:-${VIGIL:-}}
[ -n "$VIGIL" ] && [ -x "$VIGIL" ] || { echo "usage: run.sh VIGIL [OUTDIR]" >&2; exit 2; }
VIGIL=$(cd "$(dirname "$VIGIL")" && pwd)/$(basename "$VIGIL")
here=$(cd "$(dirname "$0")" && pwd)
src=${VIGIL_SOURCE_DIR:-$(cd "$here/../../.." && pwd)}
out=${2:-$PWD/web-browser-out}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed (apt-get install nodejs npm)"; exit 77; }
[ -x "$CHROMIUM" ] || { echo "SKIP: no chromium at $CHROMIUM (apt-get install chromium)"; exit 77; }

# playwright-core: the source tree's node_modules when there is one, else
# `npm ci` from the committed lock file into the output folder (not the tree).
pw="$src/node_modules/playwright-core"
if [ ! -f "$pw/package.json" ]; then
	mods="$out/node"
	pw="$mods/node_modules/playwright-core"
	if [ ! -f "$pw/package.json" ]; then
		mkdir -p "$mods"
		cp "$src/package.json" "$src/package-lock.json" "$mods/"
		echo "installing playwright-core with npm ci into $mods"
		(cd "$mods" && npm ci --no-audit --no-fund --loglevel=error) || { echo "FAIL: npm ci" >&2; exit 1; }
	fi
fi

# data reaches the page as text only: no HTML parsing of strings anywhere in it
if grep -nE '\.(innerHTML|outerHTML)[[:space:]]*[+]?=|insertAdjacentHTML|document\.write|eval\(|new Function' \
	"$src"/web/*.js "$src"/web/pages/*.js; then
	echo "FAIL: the page parses strings as HTML or code (above)" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-web-browser.XXXXXX")
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/web.log" ] && sed 's/^/  web: /' "$tmp/web.log" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/vigil.conf" <<CONF
[store]
dir = $tmp/flows
[detect]
network = 10.10.0.0/16
window = 30m
scan_horizontal = 200
scan_vertical = 200
dos_pps = 300
amp_min_bytes = 1000000
[intel]
list = $src/samples/lists/feodo-demo.csv
list = $src/samples/lists/et-block-demo.txt
[whois]
sites = $src/samples/sites.conf
[desk]
url = sqlite:$tmp/desk.sqlite
[web]
listen = 127.0.0.1:$port
root = $src/web
CONF
conf="$tmp/vigil.conf"

"$VIGIL" collect -c "$conf" -r "$src/samples/demo.pcap" >"$tmp/collect.log" 2>&1 || fail "vigil collect: $(cat "$tmp/collect.log")"
"$VIGIL" detect -c "$conf" -R "$tmp/flows" >"$tmp/events.jsonl" 2>"$tmp/detect.log" || fail "vigil detect: $(cat "$tmp/detect.log")"
"$VIGIL" incident ingest "$tmp/events.jsonl" -c "$conf" || fail "vigil incident ingest"
"$VIGIL" incident list -c "$conf" -o json >"$tmp/list.json"
# every incident gets the site the constituency table gives its host (one
# `vigil whois` for all the hosts, one JSON object a line, in order)
python3 -c 'import json, sys
for l in open(sys.argv[1]):
    i = json.loads(l); print(i["id"], i["host"])' "$tmp/list.json" >"$tmp/hosts"
# shellcheck disable=SC2046
"$VIGIL" whois -c "$conf" -o json $(cut -d' ' -f2 "$tmp/hosts") >"$tmp/whois.json" || fail "vigil whois"
python3 -c 'import json, sys
for l in open(sys.argv[1]):
    print(json.loads(l).get("site") or "-")' "$tmp/whois.json" | paste -d' ' "$tmp/hosts" - >"$tmp/sites"
while read -r id host site; do
	if [ "$site" != "-" ]; then
		"$VIGIL" incident set "$id" "site=$site" -c "$conf" --actor vigil >/dev/null || fail "vigil incident set $id site=$site"
	fi
done <"$tmp/sites"
# a report's subject is written by outsiders: markup must stay text
"$VIGIL" incident new -c "$conf" --kind report --host 10.10.9.50 --site northgate-nat \
	--subject '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> complaint' >"$tmp/xss.out" ||
	fail "vigil incident new"
# two abuse mails into the desk (they join the scan incident): the bundled
# complaint, and the same with markup in its subject, as outsiders may send
sed -e 's|^Subject: .*|Subject: <script>window.__pwned=3</script>Port scanning from <b>your</b> network|' \
	-e 's|^Message-Id: .*|Message-Id: <markup-test@noc.other-campus.example>|' \
	"$src/samples/mail/scan-complaint.eml" >"$tmp/markup.eml"
"$VIGIL" report ingest -c "$conf" --sites "$src/samples/sites.conf" "$src/samples/mail/scan-complaint.eml" \
	"$tmp/markup.eml" >"$tmp/report.log" 2>&1 || fail "vigil report ingest: $(cat "$tmp/report.log")"
"$VIGIL" incident list -c "$conf" -o json >"$tmp/list.json"
ids=$(python3 - "$tmp/list.json" <<'PY'
import json, sys
incs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def first(f):
    return next(i["id"] for i in sorted(incs, key=lambda i: i["id"]) if f(i))
cc = first(lambda i: i["kind"] == "cc" and i["site"] == "northgate")
own = first(lambda i: i["site"] == "riverside" and i["kind"] == "blocklist")
xss = first(lambda i: "<script>" in i["subject"])
other = first(lambda i: i["site"] == "northgate" and i["id"] != cc)
print(cc, own, xss, other)
PY
) || fail "no sample incidents: $(cat "$tmp/list.json")"
set -- $ids
CC_ID=$1 OWN_ID=$2 XSS_ID=$3 LINK_ID=$4
"$VIGIL" block add 10.10.4.44 --incident "$OWN_ID" --until 7d --reason "fetches from a listed host" \
	-c "$conf" >"$tmp/block.log" 2>&1 || fail "vigil block add: $(cat "$tmp/block.log")"

PASSWORD="correct horse battery staple"
printf '%s\n' "$PASSWORD" >"$tmp/pw"
"$VIGIL" web user add ana --role analyst --password-file "$tmp/pw" -c "$conf" || fail "vigil web user add ana"
"$VIGIL" web user add sam --role site --site riverside --password-file "$tmp/pw" -c "$conf" || fail "vigil web user add sam"
"$VIGIL" web user add rita --role readonly --password-file "$tmp/pw" -c "$conf" || fail "vigil web user add rita"

"$VIGIL" web -c "$conf" >"$tmp/web.log" 2>&1 &
pid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/me" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "vigil web did not answer on 127.0.0.1:$port in 10 s"
	kill -0 "$pid" 2>/dev/null || { pid=""; fail "vigil web exited"; }
	sleep 0.1
done

mkdir -p "$out"
rm -f "$out"/*.png
echo "vigil web on 127.0.0.1:$port; incidents: cc #$CC_ID (northgate), riverside #$OWN_ID, markup #$XSS_ID"
BASE="http://127.0.0.1:$port" OUT="$out" CHROMIUM="$CHROMIUM" PLAYWRIGHT="$pw" \
	ANALYST=ana SITEUSER=sam READONLY=rita SITE=riverside PASSWORD="$PASSWORD" LINK_ID="$LINK_ID" \
	OTHER_ID="$CC_ID" OWN_ID="$OWN_ID" CC_ID="$CC_ID" XSS_ID="$XSS_ID" \
	node "$here/desk.cjs" || fail "browser checks failed (screenshots in $out)"
# the server must stop cleanly on SIGTERM, with nothing for a sanitizer to say
kill "$pid"
st=0
wait "$pid" || st=$?
pid=""
grep -q "Sanitizer" "$tmp/web.log" && fail "vigil web: sanitizer report"
[ "$st" -eq 0 ] || fail "vigil web exited with status $st on SIGTERM"
echo "screenshots in $out"
