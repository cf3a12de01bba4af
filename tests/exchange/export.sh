#!/bin/sh
# Incidents out and back in (issue: exchange with other teams). For every
# kind the detectors and reports file, an incident is made by ingesting its
# event, exported as IODEF 2.0, IODEF 1.0, X-ARF v4 and JSON; the IODEF
# documents are validated against the RFC 7970 / RFC 5070 schemas with
# xmllint and the X-ARF reports against xarf.org's v4 schema (both from the
# sample data, skipped with a message when it is absent); an independent
# reader (python3-lxml / json) checks host, peer, start and kind; and each
# IODEF document is read back by `vigil report ingest` into a fresh desk,
# which must file the same kind for the same host at the same time. Then the
# RFC examples are imported, a broken document is refused naming its line,
# and several incidents go in one document.
set -eu
: "${VIGIL:?}" "${VIGIL_SOURCE_DIR:?}"
DATA=${VIGIL_DATA_DIR:-$VIGIL_SOURCE_DIR/../shared/data}
here="$VIGIL_SOURCE_DIR/tests/exchange"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

schemas=""
if [ -f "$DATA/iodef/iodef-2.0_from_rfc7970.xsd" ] && command -v xmllint >/dev/null; then
	mkdir xsd && $PY "$here/prep_schemas.py" "$DATA/iodef" xsd || fail "preparing the schemas"
	schemas=1
else
	echo "note: $DATA/iodef absent (or no xmllint): IODEF schema validation skipped"
fi
xarf_schema=""
if [ -f "$DATA/xarf/xarf-spec/schemas/v4/xarf-v4-master.json" ] && $PY -c 'import jsonschema' 2>/dev/null; then
	xarf_schema="$DATA/xarf/xarf-spec/schemas/v4"
else
	echo "note: X-ARF v4 schema (or python3-jsonschema) absent: X-ARF validated by field checks only"
fi
cat >vigil.conf <<'CONF'
[exchange]
team = csirt.example.ac.uk
name = Example University CSIRT
email = csirt@example.ac.uk
restriction = amber
CONF

n=0
#    kind       host          peer           port proto
for spec in "cc 10.10.3.33 192.0.2.66 8080 tcp" "blocklist 10.10.4.44 198.51.100.77 80 tcp" \
	"scan 10.10.5.66 - 22 tcp" "portscan 10.10.0.80 203.0.113.9 - tcp" \
	"dos 10.10.7.7 198.51.100.200 80 tcp" "amplifier 10.10.9.9 - 123 udp" \
	"copyright 10.10.9.1 - 40123 tcp"; do
	set -- $spec
	kind=$1 host=$2 peer=$3 port=$4 proto=$5
	n=$((n + 1))
	desk="sqlite:$work/d-$kind.sqlite"
	pj=""; [ "$peer" != - ] && pj=",\"peer\":\"$peer\""
	tj=""; [ "$port" != - ] && tj=",\"port\":$port"
	printf '{"kind":"%s","host":"%s"%s%s,"proto":"%s","first":"2026-03-01T10:0%d:00Z","last":"2026-03-01T10:2%d:00Z","flows":%d,"packets":%d,"bytes":%d,"score":50,"why":"%s seen from %s","source":"test"}\n' \
		"$kind" "$host" "$pj" "$tj" "$proto" "$n" "$n" $((n * 10)) $((n * 100)) $((n * 10000)) "$kind" "$host" |
		"$VIGIL" incident ingest - --desk "$desk" >/dev/null 2>ingest.err || fail "$kind: ingest: $(cat ingest.err)"
	first="2026-03-01T10:0$n:00"
	for fmt in iodef iodef1 xarf json; do
		"$VIGIL" incident export 1 -c vigil.conf --desk "$desk" -o $fmt --out "$kind.$fmt" 2>export.err ||
			fail "$kind: export -o $fmt: $(cat export.err)"
		[ -s "$kind.$fmt" ] || fail "$kind: empty $fmt export"
	done
	if [ -n "$schemas" ]; then
		xmllint --noout --nonet --schema xsd/iodef-2.0.xsd "$kind.iodef" 2>xl.err ||
			fail "$kind: IODEF 2.0 does not validate: $(cat xl.err)"
		xmllint --noout --nonet --schema xsd/iodef-1.0.xsd "$kind.iodef1" 2>xl.err ||
			fail "$kind: IODEF 1.0 does not validate: $(cat xl.err)"
	fi
	for fmt in iodef iodef1 xarf; do
		$PY "$here/check_export.py" $fmt "$kind.$fmt" "$host" "$peer" "$first" "$kind" $xarf_schema ||
			fail "$kind: the $fmt export reads back wrong"
	done
	$PY -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a[0]["id"]==1 and a[0]["kind"]==sys.argv[2], a' \
		"$kind.json" "$kind" || fail "$kind: json export"
	grep -q 'IncidentID name="csirt.example.ac.uk">1<' "$kind.iodef" || fail "$kind: IncidentID"
	grep -q '<EmailTo>csirt@example.ac.uk</EmailTo>' "$kind.iodef" || fail "$kind: creator contact"
	# round trip: the IODEF documents back in through vigil report, into a fresh desk
	for fmt in iodef iodef1; do
		rt="sqlite:$work/rt-$kind-$fmt.sqlite"
		"$VIGIL" report ingest --desk "$rt" "$kind.$fmt" >rt.out 2>&1 || fail "$kind: $fmt import: $(cat rt.out)"
		"$VIGIL" incident list --desk "$rt" -o json >rt.json
		grep "\"kind\":\"$kind\"" rt.json | grep "\"host\":\"$host\"" | grep -q "\"first_seen\":\"$first" ||
			fail "$kind: $fmt round trip lost the kind, host or time: $(cat rt.json)"
	done
done
echo "ok: $n kinds exported as IODEF 2.0, IODEF 1.0, X-ARF v4 and JSON, read back and re-imported"

# several incidents in one document: one Incident each, both imported
"$VIGIL" incident ingest - --desk sqlite:$work/many.sqlite >/dev/null 2>&1 <<'EV'
{"kind":"scan","host":"10.10.5.66","port":22,"proto":"tcp","first":"2026-03-01T10:00:00Z","last":"2026-03-01T10:10:00Z","flows":10,"why":"scan"}
{"kind":"cc","host":"10.10.3.33","peer":"192.0.2.66","port":8080,"proto":"tcp","first":"2026-03-01T11:00:00Z","last":"2026-03-01T11:10:00Z","flows":3,"why":"cc <&> \"quoted\""}
EV
"$VIGIL" incident export 1 2 --desk sqlite:$work/many.sqlite -o iodef --out many.xml || fail "export of two"
[ "$(grep -c '<Incident ' many.xml)" -eq 2 ] || fail "two incidents, not two Incident elements"
grep -q 'cc &lt;&amp;&gt; "quoted"' many.xml || fail "text not escaped"
[ -n "$schemas" ] && { xmllint --noout --nonet --schema xsd/iodef-2.0.xsd many.xml 2>/dev/null || fail "two incidents: invalid"; }
"$VIGIL" report parse many.xml >many.occ 2>&1 || fail "parse of two: $(cat many.occ)"
[ "$(grep -c '"format":"iodef"' many.occ)" -eq 2 ] || fail "two incidents: $(cat many.occ)"
# a campaign: two hosts talk to one C&C server, the desk files a parent for
# the server; exported, the parent names both hosts (never an empty Address)
"$VIGIL" incident ingest - --desk sqlite:$work/camp.sqlite >/dev/null 2>&1 <<'EV'
{"kind":"cc","host":"10.10.7.1","peer":"203.0.113.9","port":443,"proto":"tcp","first":"2026-03-02T09:00:00Z","last":"2026-03-02T09:05:00Z","flows":4,"why":"cc one"}
{"kind":"cc","host":"10.10.7.2","peer":"203.0.113.9","port":443,"proto":"tcp","first":"2026-03-02T09:10:00Z","last":"2026-03-02T09:15:00Z","flows":5,"why":"cc two"}
{"kind":"cc","host":"10.10.7.1","peer":"203.0.113.77","port":8080,"proto":"tcp","first":"2026-03-02T09:20:00Z","last":"2026-03-02T09:25:00Z","flows":2,"why":"cc three"}
{"kind":"cc","host":"10.10.7.2","peer":"203.0.113.77","port":8080,"proto":"tcp","first":"2026-03-02T09:30:00Z","last":"2026-03-02T09:35:00Z","flows":2,"why":"cc four"}
EV
"$VIGIL" incident list --desk sqlite:$work/camp.sqlite --all -o json >camp.json
parent=$($PY -c 'import json,sys
for l in open(sys.argv[1]):
    l = l.strip()
    if not l: continue
    for o in (json.loads(l) if l.startswith("[") else [json.loads(l)]):
        if not o.get("host"): print(o["id"])' camp.json | sort -n | tr '\n' ' ')
[ "$(echo $parent | wc -w)" -eq 2 ] || fail "not two campaign parents: $(cat camp.json)"
second=${parent#* }
second=${second% }
parent=${parent%% *}
# the second campaign's members are linked to it (each host has one parent)
"$VIGIL" incident export "$second" --desk sqlite:$work/camp.sqlite -o iodef --out camp2.iodef || fail "second campaign"
grep -q '>10.10.7.1<' camp2.iodef && grep -q '>10.10.7.2<' camp2.iodef || fail "second campaign: linked hosts missing"
for fmt in iodef iodef1; do
	"$VIGIL" incident export "$parent" --desk sqlite:$work/camp.sqlite -o $fmt --out camp.$fmt || fail "campaign $fmt"
	grep -q '<Address category="ipv4-addr"></Address>' camp.$fmt && fail "campaign $fmt: an empty Address"
	grep -q '>10.10.7.1<' camp.$fmt && grep -q '>10.10.7.2<' camp.$fmt || fail "campaign $fmt: hosts missing"
done
[ -n "$schemas" ] && { xmllint --noout --nonet --schema xsd/iodef-2.0.xsd camp.iodef 2>/dev/null || fail "campaign: invalid"; }
"$VIGIL" report parse camp.iodef >camp.occ 2>&1 || fail "campaign parse: $(cat camp.occ)"
[ "$(grep -c '"ip":"10.10.7.[12]"' camp.occ)" -eq 2 ] || fail "campaign import: $(cat camp.occ)"
"$VIGIL" incident export "$parent" --desk sqlite:$work/camp.sqlite -o xarf --out camp.xarf || fail "campaign xarf"
[ "$(wc -l <camp.xarf)" -eq 2 ] && grep -q '"source_identifier":"10.10.7.1"' camp.xarf &&
	grep -q '"source_identifier":"10.10.7.2"' camp.xarf || fail "campaign xarf: $(cat camp.xarf)"
[ "$(cut -d, -f2 camp.xarf | sort -u | wc -l)" -eq 2 ] || fail "campaign xarf: report ids not distinct"
echo "ok: a campaign parent exports its hosts"
"$VIGIL" incident export 1 --desk sqlite:$work/many.sqlite -o nosuch 2>bad.err && fail "unknown format accepted"
grep -q "no export format 'nosuch'" bad.err || fail "unknown format: $(cat bad.err)"
"$VIGIL" incident export 99 --desk sqlite:$work/many.sqlite 2>bad.err && fail "unknown incident accepted"
grep -q "incident 99: no such incident" bad.err || fail "unknown incident: $(cat bad.err)"

# a broken document: refused, its line named, kept under rejected/
printf '<?xml version="1.0"?>\n<IODEF-Document xmlns="urn:ietf:params:xml:ns:iodef-2.0" version="2.00">\n<Incident purpose="reporting">\n<IncidentID name="x">1\n</Incident>\n' >broken.xml
"$VIGIL" report parse broken.xml >broken.out 2>&1 && fail "broken IODEF accepted"
grep -q "line [0-9]" broken.out || fail "broken IODEF: no line named: $(cat broken.out)"
# a well-formed document without an Incident: refused with its line (the fuzzer
# once found the line read after the document was freed)
printf '<?xml version="1.0"?>\n<IODEF-Document xmlns="urn:ietf:params:xml:ns:iodef-2.0" version="2.00">\n</IODEF-Document>\n' >empty.xml
"$VIGIL" report parse empty.xml >empty.out 2>&1 && fail "IODEF without an Incident accepted"
grep -q "line 2: IODEF-Document without an Incident" empty.out || fail "no Incident: $(cat empty.out)"

# the RFC examples (sample data)
if [ -d "$DATA/iodef" ]; then
	R="$DATA/iodef"
	"$VIGIL" report parse "$R/rfc5070_example_7.1_worm.xml" >ex.occ 2>&1 || fail "worm: $(cat ex.occ)"
	grep -q '"ip":"192.0.2.200","port":80' ex.occ || fail "worm: $(cat ex.occ)"
	"$VIGIL" report parse "$R/rfc5070_example_7.2_reconnaissance.xml" >ex.occ 2>&1 || fail "recon"
	[ "$(grep -c '"type":"scan"' ex.occ)" -eq 2 ] || fail "recon: $(cat ex.occ)"
	"$VIGIL" report parse "$R/rfc5070_example_7.3_botnet.xml" >ex.occ 2>&1 || fail "botnet"
	grep -q '"ip":"192.0.2.1".*"peer":"192.0.2.20"' ex.occ && grep -q '"ip":"192.0.2.3"' ex.occ ||
		fail "botnet: $(cat ex.occ)"
	"$VIGIL" report parse "$R/rfc5070_example_7.4_watchlist.xml" >ex.occ 2>&1 || fail "watchlist"
	[ "$(grep -c '"format":"iodef"' ex.occ)" -eq 2 ] || fail "watchlist: $(cat ex.occ)"
	# no address at all (a minimal document; a campaign of domain names): refused, saying why
	for ex in rfc7970_example_7.1_minimal rfc7970_example_7.2_campaign_indicators; do
		"$VIGIL" report parse "$R/$ex.xml" >ex.occ 2>&1 && fail "$ex: accepted without an address"
		grep -q "names no .* System with an address" ex.occ || fail "$ex: $(cat ex.occ)"
	done
	"$VIGIL" report ingest --desk sqlite:$work/rfc.sqlite "$R/rfc5070_example_7.3_botnet.xml" >/dev/null 2>&1 ||
		fail "botnet ingest"
	"$VIGIL" incident list --desk sqlite:$work/rfc.sqlite -o json | grep -q '"host":"192.0.2.3"' ||
		fail "botnet: not filed"
	echo "ok: the RFC 5070/7970 examples imported (or refused with the reason)"
else
	echo "note: $DATA/iodef absent: the RFC examples were not imported"
fi
echo "ok: exchange"
