#!/bin/sh
# Retro-hunt: entries a list gains are looked for in the flows already
# stored. On the demo's store (samples/demo.pcap): `vigil hunt` finds the
# C&C contact and the block-list hit the live detectors found, marked as
# found by the hunt; --old hunts only what a list gained; --desk files
# back-dated incidents once (a second hunt only counts duplicates); an entry
# too wide for the store's address filters is still found (every block
# read); and `vigil run` hunts what a SIGHUP-reloaded list gained.
set -eu
: "${VIGIL:?}" "${VIGIL_SOURCE_DIR:?}"
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
chmod 755 "$work"
cp -r "$VIGIL_SOURCE_DIR/samples" "$work/"
cd "$work"
fail() { echo "FAIL: $*" >&2; for f in *.err run.log; do [ -f "$f" ] && { echo "== $f" >&2; cat "$f" >&2; }; done; exit 1; }
L=samples/lists

"$VIGIL" collect -w var/flows -r samples/demo.pcap 2>collect.err || fail "collect"
net="--network 10.10.0.0/16"

# 1. the whole list: the C&C contact of 10.10.3.33, marked as the hunt's
"$VIGIL" hunt -R var/flows --list $L/feodo-demo.csv $net --since 36500d --stats \
	>cc.jsonl 2>cc.err || fail "hunt"
[ "$(wc -l <cc.jsonl)" -eq 1 ] || fail "want one event, got $(wc -l <cc.jsonl)"
grep -q '"kind":"cc","host":"10.10.3.33"' cc.jsonl || fail "no cc event for 10.10.3.33"
grep -q '"peer":"192.0.2.66"' cc.jsonl || fail "wrong peer"
grep -q '"source":"hunt"' cc.jsonl || fail "not marked as the hunt's"
grep -q '"why":"found by hunt: ' cc.jsonl || fail "why does not say found by hunt"
grep -q '"first":"2024-03-01T10:01' cc.jsonl || fail "not back-dated to the flows"
grep -q '3 entries (3 addresses asked' cc.err || fail "stats: $(cat cc.err)"

# 2. --old: only what the list gained (the block list's entries, not the C&C list's)
"$VIGIL" hunt -R var/flows --list $L/feodo-demo.csv --list $L/et-block-demo.txt \
	--old $L/feodo-demo.csv $net --since 36500d >gain.jsonl 2>gain.err || fail "hunt --old"
[ "$(wc -l <gain.jsonl)" -eq 1 ] || fail "--old: want one event, got $(wc -l <gain.jsonl)"
grep -q '"kind":"blocklist","host":"10.10.4.44"' gain.jsonl || fail "--old: no blocklist event"
"$VIGIL" hunt -R var/flows --list $L/feodo-demo.csv --old $L/feodo-demo.csv $net \
	--since 36500d >none.jsonl 2>none.err || fail "hunt, nothing gained"
[ ! -s none.jsonl ] || fail "a list that gained nothing found something"

# 3. the window: a time range before the traffic finds nothing
"$VIGIL" hunt -R var/flows --list $L/feodo-demo.csv $net -t 2023/01/01-2023/12/31 \
	>early.jsonl 2>early.err || fail "hunt -t"
[ ! -s early.jsonl ] || fail "found flows outside the range"

# 4. into the desk: back-dated incidents, once
D=sqlite:var/desk.sqlite
"$VIGIL" hunt -R var/flows --list $L/feodo-demo.csv --list $L/et-block-demo.txt $net \
	--since 36500d --desk $D 2>desk1.err || fail "hunt --desk"
grep -q '2 new incidents' desk1.err || fail "desk: $(cat desk1.err)"
"$VIGIL" incident list --desk $D -o json >inc.json
grep '"kind":"cc"' inc.json | grep -q '"first_seen":"2024-03-01T10:01' || fail "cc incident not back-dated"
"$VIGIL" incident show --desk $D 1 -o json | grep -q '"source":"hunt"' || fail "evidence not marked"
"$VIGIL" hunt -R var/flows --list $L/feodo-demo.csv --list $L/et-block-demo.txt $net \
	--since 36500d --desk $D 2>desk2.err || fail "second hunt --desk"
grep -q '0 new incidents, 0 joined, 0 reopened, 2 duplicates' desk2.err || fail "second hunt: $(cat desk2.err)"
"$VIGIL" incident verify --desk $D >/dev/null || fail "audit trail"

# 5. an entry too wide for the address filters: every block read, still found
printf '192.0.0.0/12\n' >wide.txt
"$VIGIL" hunt -R var/flows --list "kind=cc:plain:wide.txt" $net --since 36500d --stats \
	>wide.jsonl 2>wide.err || fail "wide hunt"
grep -q '1 entries too wide' wide.err || fail "wide: $(cat wide.err)"
grep -q '"host":"10.10.3.33"' wide.jsonl || fail "wide entry missed 10.10.3.33"

# 6. vigil run: a SIGHUP that adds an entry hunts the stored flows for it
cat >run.conf <<CONF
[store]
dir = var/flows
[detect]
network = 10.10.0.0/16
events_dir = var/events
[intel]
list = run-list.txt
[desk]
url = sqlite:var/run-desk.sqlite
[hunt]
since = 36500d
CONF
printf '# nothing yet\n' >run-list.txt
port=$((42000 + $$ % 1000))
"$VIGIL" run -c run.conf -p "127.0.0.1:$port" 2>run.log &
pid=$!
i=0
until grep -q "collecting" run.log 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "vigil run did not start"; sleep 0.1
done
printf '198.51.100.77\n' >>run-list.txt
kill -HUP "$pid"
i=0
until grep -q "vigil run: hunt: 1 entries" run.log 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no hunt after SIGHUP"; sleep 0.1
done
kill -TERM "$pid"
wait "$pid" || fail "vigil run exited $? on SIGTERM"
pid=""
grep -q "1 new incidents" run.log || fail "run hunt filed nothing"
"$VIGIL" incident list --desk sqlite:var/run-desk.sqlite -o json | grep '"kind":"blocklist"' |
	grep -q '"host":"10.10.4.44"' || fail "run hunt: no blocklist incident for 10.10.4.44"
echo "ok: retro-hunt found the listed contacts in the stored flows, once"
