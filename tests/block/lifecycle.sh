#!/bin/sh
# lifecycle.sh - blocks end to end with a test clock (VIGIL_CLOCK): the
# safety policy refuses with a sentence (allow-list from a file, shortest
# prefix, cap, longest duration, no incident); pending -> active ->
# removed, extend, expiry (idempotent) and every change in the audit log;
# [block] command gets each change once and a failed push is repeated;
# resolving an incident with live blocks asks (--lift, --keep-blocks);
# the site is told of a block and of its end through a real SMTP server
# (aiosmtpd, tests/notify/smtpd.py), once; and flows from a blocked host
# in a store made from a capture raise one "block-leak" event on the
# block's incident, listed by `vigil block show`.
set -u
: "${VIGIL:?VIGIL is the vigil binary}"
: "${VIGIL_SOURCE_DIR:?}"
PY=/usr/bin/python3
src=$VIGIL_SOURCE_DIR
work=$(mktemp -d)
smtpd_pid=""
cleanup() {
	[ -n "$smtpd_pid" ] && kill "$smtpd_pid" 2>/dev/null && wait "$smtpd_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cd "$work"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
at() { VIGIL_CLOCK=$1; export VIGIL_CLOCK; }
B() { "$VIGIL" block "$@" -c vigil.conf; }
I() { "$VIGIL" incident "$@" -c vigil.conf; }
refused() { # WHAT EXPECTED-TEXT ARGS...
	what=$1 want=$2
	shift 2
	if B add "$@" >out 2>err; then bad "$what was not refused"; fi
	grep -q -- "$want" err || { cat err; bad "$what: expected '$want'"; }
}

# the flow store: 10.1.2.3 sends five flows at 2023-11-14T22:13:10..15Z
"$VIGIL" collect -w "$work/flows" -r "$src/tests/query/data/v5-small.pcap" >/dev/null || bad "collect"
cat >allow.txt <<'ALLOW'
# addresses we never block
10.1.0.53       resolver
10.1.255.254    border router
2001:db8:53::/64
ALLOW
cat >sites.conf <<'SITES'
[site alpha]
prefix   = 10.1.0.0/16
name     = Alpha University
abuse    = abuse@alpha.example
batch    = now
SITES
cat >vigil.conf <<CONF
[desk]
url = sqlite:$work/desk.sqlite
[whois]
sites = $work/sites.conf
[store]
dir = $work/flows
[notify]
enable = true
smtp = smtp://127.0.0.1:1
tls = none
from = Test CSIRT <csirt@team.example>
team = Test CSIRT
templates = $src/templates
sign = false
kinds = none
[block]
allow_file = $work/allow.txt
allow = 192.0.2.0/28
max_active = 3
max_duration = 30d
check_grace = 0
check_lag = 0
command = cat >>$work/pushed.txt; test ! -e $work/push-fails
format = exabgp
CONF

at 2023-11-14T22:00:00Z
inc=$("$VIGIL" incident new --kind scan --host 10.1.2.3 -c vigil.conf --desk "sqlite:$work/desk.sqlite")

# ---- the policy refuses, each with a reason -------------------------------------
refused "a resolver" "overlaps 10.1.0.53/32 (resolver, $work/allow.txt:2)" 10.1.0.53 --incident "$inc" --reason x
refused "a /24 with the router" "10.1.255.254/32 (border router" 10.1.255.0/24 --incident "$inc" --reason x
refused "[block] allow" "192.0.2.0/28 (\[block\] allow)" 192.0.2.7 --incident "$inc" --reason x
refused "a /16" "shorter than \[block\] min_prefix4 = 24" 10.1.0.0/16 --incident "$inc" --reason x
refused "a /40" "shorter than \[block\] min_prefix6 = 48" 2001:db8::/40 --incident "$inc" --reason x
refused "no end" "without an end is longer than \[block\] max_duration = 30d" 10.1.2.3 --incident "$inc" --until never --reason x
refused "60 days" "longer than \[block\] max_duration = 30d" 10.1.2.3 --incident "$inc" --until 60d --reason x
refused "no incident" "no incident 99: a block belongs to an incident" 10.1.2.3 --incident 99 --reason x
refused "a bad address" "'10.1.2.300' is not an address" 10.1.2.300 --incident "$inc" --reason x
B list >list.txt
[ "$(grep -c -E '^ +[0-9]' list.txt)" = 0 ] || { cat list.txt; bad "a refused block was stored"; }

# ---- lifecycle ---------------------------------------------------------------
b1=$(B add 10.1.2.3 --incident "$inc" --until 2d --reason "scanning port 22") || bad "add 10.1.2.3"
refused "a duplicate" "10.1.2.3/32 is blocked already (block $b1, active)" 10.1.2.3 --incident "$inc" --until 1d --reason x
b2=$(B add 10.1.7.0/24 --incident "$inc" --until 2023-11-15T06:00:00Z --reason "the lab net" --pending) || bad "add pending"
b3=$(B add 2001:db8:9::/48 --incident "$inc" --until 1d --reason v6) || bad "add v6"
refused "the cap" "3 blocks are pending or active, the cap (\[block\] max_active = 3)" 10.1.9.9 --incident "$inc" --until 1d --reason x
grep -c . pushed.txt | grep -q '^2$' || { cat pushed.txt; bad "two adds should have been pushed (the pending one not)"; }
grep -q "announce route 10.1.2.3/32 next-hop 192.0.2.1 community \[65535:666\]" pushed.txt || bad "push line"
at 2023-11-14T22:05:00Z
# a push that fails is repeated, never skipped; the change itself stands
touch push-fails
B activate "$b2" --reason "approved by the duty officer" 2>err || bad "activate"
grep -q "command failed: the change is recorded" err || { cat err; bad "the failed push should be said"; }
B activate "$b2" 2>err && bad "activating twice"
grep -q "block $b2 is active: it cannot become active" err || { cat err; bad "the second activate's reason"; }
B push 2>/dev/null && bad "push should fail while the command fails"
[ "$(grep -c 10.1.7.0 pushed.txt)" = 2 ] || bad "each failed push gives the command the same change"
rm push-fails
B push || bad "push"
[ "$(grep -c 10.1.7.0 pushed.txt)" = 3 ] || bad "the repeated push"
B push || bad "push again"
[ "$(grep -c 10.1.7.0 pushed.txt)" = 3 ] || bad "a push with nothing new sent something"
B extend "$b3" --until 2023-11-17T00:00:00Z --reason "site asked for time" || bad "extend"
B extend "$b3" --until 90d 2>err && bad "extend past max_duration"
grep -q "max_duration" err || bad "extend refusal"

# ---- the site is told (aiosmtpd) ---------------------------------------------------
if $PY -c 'import aiosmtpd' 2>/dev/null; then
	mkdir -p mail
	$PY "$src/tests/notify/smtpd.py" --port 0 --dir mail >smtpd.log 2>&1 &
	smtpd_pid=$!
	i=0
	while [ ! -s mail/smtpd.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(cat mail/smtpd.port)
	sed -i "s|^smtp = .*|smtp = smtp://127.0.0.1:$port|" vigil.conf
	"$VIGIL" notify run -c vigil.conf >notify1.out || { cat notify1.out; bad "notify run"; }
	n=$(ls mail/*.eml | wc -l)
	[ "$n" = 3 ] || bad "three block notices expected, $n sent"
	grep -l "Router block set up for 10.1.2.3/32" mail/*.eml >/dev/null || bad "the notice of 10.1.2.3"
	m=$(grep -l "Router block set up for 10.1.2.3/32" mail/*.eml | head -1)
	grep -q "\[vigil #$inc\]" "$m" || bad "the tag"
	grep -q "let us know when you want the" "$m" || bad "the OxCERT request"
	grep -q "abuse@alpha.example" "mail/$(basename "$m" .eml).env" || bad "recipient"
	"$VIGIL" notify run -c vigil.conf >/dev/null
	[ "$(ls mail/*.eml | wc -l)" = 3 ] || bad "a block was told twice"
else
	echo "SKIP (part): python3-aiosmtpd is not installed: no mail checks"
fi

# ---- is it working: the store has flows of 10.1.2.3 after the block went active
at 2023-11-15T00:00:00Z
B check >check.out; rc=$?
[ $rc = 3 ] || { cat check.out; bad "check should exit 3 when a block leaks (got $rc)"; }
grep -q "1 not effective, 1 new block-leak events" check.out || { cat check.out; bad "check summary"; }
B check >check2.out
grep -q "0 not effective" check2.out || { cat check2.out; bad "the same window checked twice"; }
I show "$inc" -o json >inc.json
$PY - inc.json <<'PYEOF' || bad "the block-leak event on the incident"
import json, sys
o = json.load(open(sys.argv[1]))
ev = [e for e in o["evidence"] if e["kind"] == "block-leak"]
assert len(ev) == 1, ev
e = ev[0]
assert e["flows"] == 5 and e["host"] == "10.1.2.3", e
assert "block not effective: 5 flows from 10.1.2.3/32" in e["why"], e["why"]
assert "src net 10.1.2.3/32" in e["reproduce"], e["reproduce"]
assert any(a["action"] == "block-leak" for a in o["audit"])
PYEOF
B show "$b1" >show.txt
grep -q "5 flows" show.txt || { cat show.txt; bad "show: the leak counts"; }
[ "$(grep -c '10.1.2.3:' show.txt)" -ge 5 ] || { cat show.txt; bad "show: the flows that hit it"; }

# ---- resolving asks; expiry ---------------------------------------------------------
I set "$inc" state=open
I resolve "$inc" 2>err && bad "resolve with live blocks"
grep -q "still has blocks: $b1 (10.1.2.3/32, active)" err || { cat err; bad "resolve should name the blocks"; }
I resolve "$inc" --keep-blocks || bad "resolve --keep-blocks"
I set "$inc" state=open
at 2023-11-15T07:00:00Z
B expire >exp.out || bad "expire"
grep -q "expired 1" exp.out || { cat exp.out; bad "b2 (until 06:00) should expire"; }
B expire >exp.out
grep -q "expired 0" exp.out || bad "expire is not idempotent"
grep -q "withdraw route 10.1.7.0/24" pushed.txt || bad "the expiry was not pushed"
I resolve "$inc" --lift >lift.out || bad "resolve --lift"
B list --state removed -o json >removed.json
[ "$(grep -c '"incident '"$inc"' resolved"' removed.json)" = 2 ] || [ "$(grep -c "incident $inc resolved" removed.json)" = 2 ] ||
	{ cat removed.json; bad "--lift should remove both live blocks with the reason"; }
B push || bad "push after lift"
grep -q "withdraw route 10.1.2.3/32" pushed.txt || bad "lift not pushed"
if [ -n "$smtpd_pid" ]; then
	"$VIGIL" notify run -c vigil.conf >/dev/null
	[ "$(grep -l "Router block lifted" mail/*.eml | wc -l)" = 3 ] || bad "three unblock notices expected"
	grep -l "has expired at 2023-11-15T07:00:00Z" mail/*.eml >/dev/null || bad "the expiry notice"
fi
I show "$inc" -o json >inc2.json
for act in block block-active block-extend block-expired unblock block-told block-leak; do
	grep -q "\"action\":\"$act\"" inc2.json || bad "no $act in the audit trail"
done
I verify >/dev/null || bad "the audit chain"

# ---- vigil run -r: the block cycle expires and checks after the capture is stored
mkdir run && cat >run/vigil.conf <<CONF
[desk]
url = sqlite:$work/run/desk.sqlite
[store]
dir = $work/run/flows
[block]
check_grace = 0
check_lag = 0
CONF
at 2023-11-14T22:00:00Z
rinc=$("$VIGIL" incident new --kind scan --host 10.1.2.3 -c run/vigil.conf --desk "sqlite:$work/run/desk.sqlite")
"$VIGIL" block add 10.1.2.3 --incident "$rinc" --until 1h --reason t -c run/vigil.conf >/dev/null || bad "run: add"
at 2023-11-15T00:00:00Z
"$VIGIL" run -c run/vigil.conf -r "$src/tests/query/data/v5-small.pcap" >run/out 2>&1 || { cat run/out; bad "vigil run -r"; }
grep -q "block: 1 expired, 0 changes pushed (0 pushes failed), 1 not effective" run/out ||
	{ cat run/out; bad "vigil run should expire the block and find it leaked"; }
exit $fail
