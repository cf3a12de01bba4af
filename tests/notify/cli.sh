#!/bin/sh
# cli.sh - `vigil notify` and `vigil advisory` end to end, against a real
# SMTP server (aiosmtpd, tests/notify/smtpd.py) on loopback and a real gpg
# keyring: who gets which mail (a site's abuse box, an outside network's
# abuse-mailbox from RPSL), batches and digests (CSV attached, Welsh), the
# tag in every subject, nothing told twice, updates, PGP signatures checked
# and encryption decrypted with gpg, follow-up with a test clock (reminder,
# escalation to the second contact, stalled; a reply stops it), the server
# killed mid-batch (nothing lost, nothing sent twice), a broken template
# refused with its line, and an advisory chosen by a flow query.
set -u
: "${VIGIL:?VIGIL is the vigil binary}"
: "${VIGIL_SOURCE_DIR:?}"
PY=/usr/bin/python3
if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP: python3-aiosmtpd is not installed for /usr/bin/python3"
	exit 0
fi
src=$VIGIL_SOURCE_DIR
work=$(mktemp -d)
smtpd_pid=""
stop_smtpd() {
	[ -n "$smtpd_pid" ] && kill "$smtpd_pid" 2>/dev/null && wait "$smtpd_pid" 2>/dev/null
	smtpd_pid=""
}
cleanup() {
	stop_smtpd
	gpgconf --homedir "$work/gnupg" --kill all >/dev/null 2>&1
	gpgconf --homedir "$work/sitekey" --kill all >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cd "$work"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# start_smtpd [ARGS]: a fresh server writing to ./mail; sets $port
start_smtpd() {
	rm -f mail/smtpd.port
	mkdir -p mail
	$PY "$src/tests/notify/smtpd.py" --port 0 --dir mail "$@" >smtpd.log 2>&1 &
	smtpd_pid=$!
	i=0
	while [ ! -s mail/smtpd.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(cat mail/smtpd.port 2>/dev/null)
	[ -n "$port" ] || { cat smtpd.log; bad "smtpd did not start"; exit 1; }
	sed -i "s|^smtp = .*|smtp = smtp://127.0.0.1:$port|" vigil.conf
}
mails() { ls mail/*.eml 2>/dev/null | wc -l | tr -d ' '; }
# the mail whose envelope goes to ADDR (the last one)
mail_to() { grep -l "\"$1\"" mail/*.env 2>/dev/null | tail -1 | sed 's/\.env$/.eml/'; }
N() { VIGIL_CLOCK=$clock "$VIGIL" notify "$@" -c vigil.conf; }

# ---- keys: the team signs, site alpha has an encryption key ---------------------
export GNUPGHOME="$work/gnupg"
mkdir -m 700 gnupg sitekey
gpg --batch -q --pinentry-mode loopback --passphrase '' --quick-gen-key 'Test CSIRT <csirt@team.example>' ed25519 sign 1y 2>/dev/null ||
	bad "gpg could not make the team key"
gpg --homedir sitekey --batch -q --pinentry-mode loopback --passphrase '' --quick-gen-key 'Alpha Abuse <abuse@alpha.example>' ed25519 sign 1y 2>/dev/null
sfpr=$(gpg --homedir sitekey --with-colons --list-keys abuse@alpha.example | awk -F: '/^fpr/ {print $10; exit}')
gpg --homedir sitekey --batch -q --pinentry-mode loopback --passphrase '' --quick-add-key "$sfpr" cv25519 encr 1y 2>/dev/null
gpg --homedir sitekey --export --armor abuse@alpha.example | gpg --batch -q --import 2>/dev/null
gpg --homedir gnupg --export --armor csirt@team.example | gpg --homedir sitekey --batch -q --import 2>/dev/null

# ---- the constituency, the config ---------------------------------------------
cat >sites.conf <<SITES
[site alpha]
prefix   = 10.1.0.0/16
name     = Alpha University
abuse    = abuse@alpha.example
contact  = security@alpha.example
pgp      = $sfpr
batch    = now

[site beta]
prefix   = 10.2.0.0/16
name     = Coleg Beta
abuse    = abuse@beta.example
language = cy
format   = csv
batch    = 1h

[site gamma]
prefix   = 10.3.0.0/16
name     = Gamma Institute
contact  = it@gamma.example
SITES
cat >vigil.conf <<CONF
[whois]
sites = $work/sites.conf
rpsl = $src/tests/whois/data/chain.db
[desk]
url = sqlite:$work/desk.sqlite
[store]
dir = $work/flows
[notify]
smtp = smtp://127.0.0.1:1
tls = none
from = Test CSIRT <csirt@team.example>
team = Test CSIRT
templates = $src/templates
gnupghome = $work/gnupg
sign = true
retry = 1m
deadline = 3d
deadline = cc 1d
escalate = duty@team.example
CONF

ev() { # kind host peer first
	printf '{"kind":"%s","host":"%s","role":"source","peer":"%s","port":443,"proto":"tcp","first":"%s","last":"%s","flows":4,"packets":40,"bytes":4000,"score":120,"why":"%s %s to %s"}\n' \
		"$1" "$2" "$3" "$4" "$4" "$1" "$2" "$3"
}
{
	ev cc 10.1.0.5 192.0.2.66 2026-01-10T09:00:00Z
	ev scan 10.2.0.7 192.0.2.1 2026-01-10T09:01:00Z
	ev blocklist 10.2.0.8 192.0.2.9 2026-01-10T09:02:00Z
	ev blocklist 10.3.0.9 192.0.2.10 2026-01-10T09:03:00Z
	ev scan 198.51.100.23 10.1.0.1 2026-01-10T09:04:00Z
	ev scan 203.0.113.77 10.1.0.2 2026-01-10T09:05:00Z
} >events.jsonl
clock=2026-01-10T10:00:00Z
VIGIL_CLOCK=$clock "$VIGIL" incident ingest events.jsonl -c vigil.conf >ingest.log 2>&1 || { cat ingest.log; bad "incident ingest exited $?"; }
id_of() { "$VIGIL" incident list -c vigil.conf -o json --host "$1" | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1; }
A=$(id_of 10.1.0.5); B1=$(id_of 10.2.0.7); B2=$(id_of 10.2.0.8); G=$(id_of 10.3.0.9); O=$(id_of 198.51.100.23)

# ---- templates are checked, and a broken one is refused with its line ----------
N check >check.out 2>&1 || { cat check.out; bad "notify check of the shipped templates failed"; }
mkdir -p broken/en && cp "$src"/templates/en/*.txt broken/en/
printf 'Subject: {{incident.tag}} broken\n\nline two\n{{#events}}\n{{why}}\n' >broken/en/blocklist.txt
sed "s|^templates = .*|templates = $work/broken|" vigil.conf >broken.conf
VIGIL_CLOCK=$clock "$VIGIL" notify check -c broken.conf >bcheck.out 2>&1 && bad "a broken template passed the check"
grep -q "broken/en/blocklist.txt:[0-9]*: section 'events' opened on line 4 is never closed" bcheck.out ||
	{ cat bcheck.out; bad "the check should name blocklist.txt and the section's line"; }
VIGIL_CLOCK=$clock "$VIGIL" notify run --no-send -c broken.conf >brun.out 2>&1 && bad "run with a broken template exited 0"
grep -q "blocklist.txt:[0-9]*: section 'events' opened on line 4" brun.out || { cat brun.out; bad "the run should name the template line"; }
# alpha's notice and the two digests were composed; gamma's blocklist notice was refused
[ "$(VIGIL_CLOCK=$clock "$VIGIL" notify outbox -c vigil.conf -o json | grep -c '"kind"')" = 3 ] ||
	bad "only the mails whose template compiled may be queued: $(VIGIL_CLOCK=$clock "$VIGIL" notify outbox -c vigil.conf)"
VIGIL_CLOCK=$clock "$VIGIL" notify outbox -c vigil.conf | grep -q 'it@gamma.example' && bad "gamma's broken notice was queued"
rm -f desk.sqlite*
VIGIL_CLOCK=$clock "$VIGIL" incident ingest events.jsonl -c vigil.conf >ingest.log 2>&1 || bad "ingest again"

# ---- the first cycle --------------------------------------------------------------
start_smtpd
N run >run1.out 2>&1 || { cat run1.out; bad "notify run exited $?"; }
# alpha now (1, encrypted), gamma now (1), beta digest (2 incidents, csv, Welsh),
# the two outside networks: one digest to the RPSL abuse box (203.0.113.77 has none)
[ "$(mails)" = 4 ] || { cat run1.out; ls mail; bad "4 mails expected, got $(mails)"; }
grep -q "with nobody to tell\|1 with nobody" run1.out || bad "203.0.113.77 has no contact: say so: $(cat run1.out)"
m=$(mail_to abuse@alpha.example)
[ -n "$m" ] || bad "no mail to abuse@alpha.example"
if [ -n "$m" ]; then
	grep -q "^Subject: .*\[vigil #$A\]" "$m" || bad "alpha's subject lacks [vigil #$A]: $(grep ^Subject "$m")"
	grep -q 'multipart/encrypted' "$m" || bad "alpha has a key: its mail must be encrypted"
	grep -q '10.1.0.5' "$m" && bad "the encrypted mail shows the host in clear"
	$PY - "$m" >alpha.asc <<'PY'
import email, sys
msg = email.message_from_binary_file(open(sys.argv[1], 'rb'))
for part in msg.walk():
    if part.get_content_type() == 'application/octet-stream':
        sys.stdout.write(part.get_payload())
PY
	gpg --homedir sitekey --batch -q --decrypt alpha.asc >alpha.txt 2>alpha.gpg || bad "alpha cannot decrypt: $(cat alpha.gpg)"
	grep -q '10.1.0.5' alpha.txt || bad "the decrypted mail lacks the host"
	grep -q 'Good signature\|GOODSIG\|gpg: Good' alpha.gpg || bad "the encrypted mail is not signed by the team: $(cat alpha.gpg)"
fi
m=$(mail_to it@gamma.example)
if [ -z "$m" ]; then bad "no mail to gamma's contact"; else
	grep -q "^Subject: .*\[vigil #$G\]" "$m" || bad "gamma's subject lacks [vigil #$G]"
	grep -q 'multipart/signed' "$m" || bad "gamma's mail is not signed"
	$PY - "$m" <<'PY' || bad "the signature of gamma's mail does not verify"
import re, subprocess, sys
raw = open(sys.argv[1], 'rb').read()
b = re.search(rb'multipart/signed;.*?boundary="?([^";\r\n]+)"?', raw, re.S | re.I).group(1)
parts = raw.split(b'--' + b)
signed = parts[1][2:-2]   # after the CRLF that ends the boundary line, before the CRLF of the next
sig = parts[2].split(b'\r\n\r\n', 1)[1]
open('gamma.signed', 'wb').write(signed)
open('gamma.sig', 'wb').write(sig)
r = subprocess.run(['gpg', '--batch', '--verify', 'gamma.sig', 'gamma.signed'], capture_output=True)
sys.exit(0 if r.returncode == 0 else 1)
PY
	grep -q '10.3.0.9' "$m" || bad "gamma's mail lacks the host"
	grep -q 'vigil flows' "$m" || bad "gamma's mail lacks the reproducing query"
fi
m=$(mail_to abuse@beta.example)
if [ -z "$m" ]; then bad "no digest to beta"; else
	grep -q '^Subject: \[vigil digest\]' "$m" || bad "beta's digest subject: $(grep ^Subject "$m")"
	grep -q 'incidents.csv' "$m" || bad "beta wants CSV: no attachment"
	grep -q '^Content-Language: cy' "$m" || bad "beta's language is cy"
	$PY - "$m" "$B1" "$B2" <<'PY' || bad "beta's CSV does not list both incidents"
import email, sys
msg = email.message_from_binary_file(open(sys.argv[1], 'rb'))
csv = [p for p in msg.walk() if p.get_filename() == 'incidents.csv'][0].get_payload(decode=True).decode()
assert '[vigil #%s]' % sys.argv[2] in csv and '[vigil #%s]' % sys.argv[3] in csv, csv
assert '10.2.0.7' in csv and '10.2.0.8' in csv, csv
PY
fi
m=$(mail_to abuse@example.net)
if [ -z "$m" ]; then bad "no digest to the outside network's abuse-mailbox"; else
	grep -q '198.51.100.23' "$m" || bad "the outside digest lacks the host"
fi
N outbox -o json >outbox.json
[ "$(grep -c '"state":"sent"' outbox.json)" = 4 ] || bad "four mails sent in the outbox: $(cat outbox.json)"
"$VIGIL" incident show "$G" -c vigil.conf >showg.out
grep -q 'told it@gamma.example (told)' showg.out || bad "incident show: the notice: $(cat showg.out)"
"$VIGIL" incident show "$G" -c vigil.conf -o json | grep -q '"direction":"out"' || bad "the sent mail is not correspondence on #$G"
"$VIGIL" incident show "$G" -c vigil.conf -o json | grep -q '"action":"mail-sent"' || bad "no mail-sent in #$G's audit"

# ---- nothing twice; updates; digests wait for their period ------------------------
N run >run2.out 2>&1
[ "$(mails)" = 4 ] || bad "a second cycle sent again: $(mails) mails"
clock=2026-01-10T10:20:00Z
{ ev cc 10.1.0.5 192.0.2.66 2026-01-10T10:10:00Z; ev scan 10.2.0.7 192.0.2.1 2026-01-10T10:11:00Z; } >more.jsonl
VIGIL_CLOCK=$clock "$VIGIL" incident ingest more.jsonl -c vigil.conf >/dev/null 2>&1
N run >run3.out 2>&1
[ "$(mails)" = 5 ] || { cat run3.out; bad "one update to alpha expected (beta waits for its hour): $(mails)"; }
m=$(ls mail/*.eml | tail -1)
grep -q '"abuse@alpha.example"' "${m%.eml}.env" || bad "the update went elsewhere"
grep -q "^In-Reply-To: <" "$m" || bad "the update should thread under the first notice"
N outbox -o json | grep '"kind":"update"' | grep -q "\"incidents\":\"$A\"" || bad "no update of #$A in the outbox"
grep -q 'waiting for their batch' run3.out || bad "beta's new event should wait: $(cat run3.out)"
clock=2026-01-10T11:01:00Z
N run >run4.out 2>&1
[ "$(mails)" = 6 ] || { cat run4.out; bad "beta's next digest expected after the hour: $(mails)"; }

# ---- follow-up: a reply stops it, silence escalates and stalls ----------------------
cat >reply.eml <<MAIL
From: IT <it@gamma.example>
To: csirt@team.example
Subject: Re: [vigil #$G] host 10.3.0.9
Message-Id: <reply-1@gamma.example>
Date: Sat, 10 Jan 2026 12:00:00 +0000

We have cleaned the machine.
MAIL
VIGIL_CLOCK=2026-01-10T12:00:00Z "$VIGIL" report ingest -c vigil.conf reply.eml >reply.out 2>&1 || { cat reply.out; bad "reply ingest exited $?"; }
"$VIGIL" incident show "$G" -c vigil.conf -o json | grep -q '"state":"open"' || bad "a reply opens #$G"
clock=2026-01-11T10:30:00Z   # alpha's cc deadline (1d) has passed; others' (3d) not
[ "$(VIGIL_CLOCK=$clock "$VIGIL" incident list --overdue -c vigil.conf -o json | grep -c '"id"')" = 1 ] ||
	bad "only #$A is overdue after a day: $(VIGIL_CLOCK=$clock "$VIGIL" incident list --overdue -c vigil.conf)"
n0=$(mails)
N run >run5.out 2>&1
[ "$(mails)" = $((n0 + 1)) ] || { cat run5.out; bad "one reminder to alpha expected"; }
grep -q '1 reminders' run5.out || bad "reminder not counted: $(cat run5.out)"
clock=2026-01-12T10:31:00Z
N run >run6.out 2>&1
m=$(mail_to security@alpha.example)
[ -n "$m" ] || { cat run6.out; bad "the escalation goes to alpha's second contact"; }
clock=2026-01-13T10:32:00Z
N run >run7.out 2>&1
"$VIGIL" incident show "$A" -c vigil.conf -o json | grep -q '"state":"stalled"' || bad "#$A should be stalled after the last deadline"
clock=2026-01-14T10:00:00Z   # gamma replied: never reminded
N run >run8.out 2>&1
[ -z "$(grep -l "\"it@gamma.example\"" mail/*.env | sed -n 2p)" ] || bad "gamma replied but got a reminder"
"$VIGIL" incident show "$A" -c vigil.conf -o json >a.json
for act in '"action":"notify"' '"action":"followup"' '"action":"mail-sent"'; do
	grep -q "$act" a.json || bad "#$A's audit lacks $act"
done
"$VIGIL" incident verify -c vigil.conf >/dev/null || bad "the audit chain broke"

# ---- the server dies mid-batch: nothing lost, nothing twice -------------------------
# (a desk of its own: the follow-up above would add its own mails)
stop_smtpd
clock=2026-01-20T10:00:00Z
sed -i "s|^url = .*|url = sqlite:$work/desk2.sqlite|" vigil.conf
for i in 1 2 3 4 5; do ev dos "10.3.1.$i" 192.0.2.99 2026-01-20T09:5$i:00Z; done >dos.jsonl
VIGIL_CLOCK=$clock "$VIGIL" incident ingest dos.jsonl -c vigil.conf >/dev/null 2>&1
n0=$(mails)
start_smtpd --fail-after 2
N run >run9.out 2>&1
wait "$smtpd_pid" 2>/dev/null
smtpd_pid=""
[ "$(mails)" = $((n0 + 2)) ] || bad "the server took 2 before it died: $(mails) vs $n0"
grep -q 'deferred [1-9]' run9.out || bad "the rest must be deferred: $(cat run9.out)"
[ "$(N outbox --state queued -o json | grep -c '"id"')" = 3 ] || bad "3 mails stay queued: $(N outbox --state queued)"
start_smtpd
N run >run10.out 2>&1            # the two never tried go; the deferred one waits
[ "$(mails)" = $((n0 + 4)) ] || { cat run10.out; bad "the untried mails go at once, the deferred one waits: $(($(mails) - n0))"; }
clock=2026-01-20T10:05:00Z
N run >run11.out 2>&1
[ "$(mails)" = $((n0 + 5)) ] || { cat run11.out; bad "after the back-off all 5 arrive: $(($(mails) - n0))"; }
dups=$(grep -h '^Message-I[dD]:' mail/*.eml | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || bad "$dups mails arrived twice"
for i in 1 2 3 4 5; do
	[ "$(grep -l "10.3.1.$i\b" mail/*.eml | wc -l)" -ge 1 ] || bad "host 10.3.1.$i was never told"
done

# ---- preview ------------------------------------------------------------------------
N preview "$G" --desk "sqlite:$work/desk.sqlite" >preview.out 2>&1 || bad "preview exited $?"
grep -q "^To: it@gamma.example" preview.out || bad "preview: To: $(head -5 preview.out)"
grep -q "^Subject: .*\[vigil #$G\]" preview.out || bad "preview: subject"
N preview 999999 >/dev/null 2>&1 && bad "preview of a missing incident exited 0"

# ---- an advisory to the sites a flow query concerns ----------------------------------
"$VIGIL" collect -r "$src/samples/demo.pcap" -w flows >collect.log 2>&1 || { cat collect.log; bad "collect exited $?"; }
cat >adv.conf <<CONF
[whois]
sites = $src/samples/sites.conf
[desk]
url = sqlite:$work/desk.sqlite
[store]
dir = $work/flows
[notify]
smtp = smtp://127.0.0.1:$port
tls = none
from = Test CSIRT <csirt@team.example>
templates = $src/templates
CONF
printf '# DNS servers answering the Internet\n\nRestrict recursion to your own networks.\n' >adv.md
A1() { VIGIL_CLOCK=$clock "$VIGIL" advisory "$@" -c adv.conf; }
out=$(A1 new --title "Open resolvers" --filter 'proto udp and src port 53' adv.md) || bad "advisory new exited $?"
adv=$(printf '%s' "$out" | sed -n 's/^advisory \([0-9]*\):.*/\1/p')
printf '%s' "$out" | grep -q 'northgate' || bad "the DNS server's site should be chosen: $out"
A1 preview "$adv" >advp.out 2>&1 || bad "advisory preview exited $?"
grep -q '10.10.0.53' advp.out || bad "the site's mail lists its host: $(cat advp.out)"
n0=$(mails)
A1 send "$adv" >advs.out 2>&1 || { cat advs.out; bad "advisory send exited $?"; }
[ "$(mails)" -gt "$n0" ] || bad "the advisory was not sent: $(cat advs.out)"
m=$(mail_to abuse@northgate.example.ac.uk)
[ -n "$m" ] && grep -q '10.10.0.53' "$m" || bad "northgate's advisory lacks its host"
n1=$(mails)
A1 send "$adv" >advs2.out 2>&1
[ "$(mails)" = "$n1" ] || bad "an advisory went to a site twice"
A1 show "$adv" | grep -q 'abuse@northgate.example.ac.uk' || bad "advisory show lists who got it"
out=$(A1 new --title "To all" --all adv.md) || bad "advisory --all exited $?"
printf '%s' "$out" | grep -q '[3-9] sites' || bad "every site of the demo constituency: $out"

exit $fail
