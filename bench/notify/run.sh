#!/bin/sh
# bench/notify/run.sh - notifications at the scale of a bad day: 10,000
# incidents (10,000 hosts over 200 sites and 50 outside networks) told in one
# run, through a real SMTP server on loopback (tests/notify/smtpd.py,
# aiosmtpd), RUNS times from a fresh desk each:
#
#   digest  every site batched (batch = 1h) and every outside network in a
#           daily digest: 250 mails listing 10,000 incidents, CSV attached
#           for a third of the sites
#   now     every site batch = now: 10,000 notices, one mail an incident
#   signed  as "now", every mail PGP-signed (gpgme, ed25519)
#
# For each: the wall and CPU seconds and peak RSS of composing (`vigil notify
# run --no-send`) and of sending (`--send-only`), mails/s of each, from
# /usr/bin/time. The SMTP server is Python: its rate is the ceiling of the
# sending figure, so `smtpd alone` measures the server with a trivial client.
#
#   sh bench/notify/run.sh [digest now signed]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${RUNS:-3}
modes=${*:-digest now signed}
b=build-bench
cmake -S . -B $b -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build $b -j"$(nproc)" --target vigil >/dev/null
V=$top/$b/vigil
d=$top/bench/data/notify
rm -rf "$d" && mkdir -p "$d" && cd "$d"
PY=/usr/bin/python3

# the constituency: 200 sites of a /24 each, 50 outside networks in RPSL
awk 'BEGIN {
	for (s = 0; s < 200; s++) {
		printf "[site s%d]\nprefix = 10.%d.%d.0/24\nname = Site %d\nabuse = abuse@s%d.example\n", s, int(s / 100), s % 100, s, s
		printf "contact = sec@s%d.example\nbatch = BATCH\n%s\n", s, (s % 3 == 0 ? "format = csv" : "")
	}
}' >sites.tmpl
awk 'BEGIN {
	for (n = 0; n < 50; n++) {
		printf "role: Abuse %d\nnic-hdl: AB%d-TEST\nabuse-mailbox: abuse@net%d.example\nsource: TEST\n\n", n, n, n
		printf "organisation: ORG-N%d-TEST\norg-name: Net %d\nabuse-c: AB%d-TEST\nsource: TEST\n\n", n, n, n
		printf "inetnum: 198.%d.0.0 - 198.%d.255.255\nnetname: NET%d\ncountry: GB\norg: ORG-N%d-TEST\nsource: TEST\n\n", 100 + n, 100 + n, n, n
	}
}' >nets.db
# 10,000 incidents: 8,000 of our hosts (40 a site, kinds mixed), 2,000 outside scanners
awk 'BEGIN {
	split("cc blocklist scan amplifier dos", k, " ")
	for (i = 0; i < 8000; i++) {
		s = i % 200; h = int(i / 200) + 1
		printf "{\"kind\":\"%s\",\"host\":\"10.%d.%d.%d\",\"peer\":\"192.0.2.%d\",\"port\":443,\"proto\":\"tcp\",\"first\":\"2026-01-10T09:%02d:00Z\",\"flows\":5,\"packets\":50,\"bytes\":5000,\"score\":100,\"why\":\"bench event %d\"}\n", k[i % 5 + 1], int(s / 100), s % 100, h, i % 250, i % 60, i
	}
	for (i = 0; i < 2000; i++)
		printf "{\"kind\":\"scan\",\"host\":\"198.%d.%d.%d\",\"peer\":\"10.0.0.1\",\"first\":\"2026-01-10T09:%02d:00Z\",\"flows\":500,\"packets\":500,\"bytes\":30000,\"score\":100,\"why\":\"inbound scan %d\"}\n", 100 + i % 50, int(i / 250), i % 250 + 1, i % 60, i
}' >events.jsonl

export GNUPGHOME=$d/gnupg
mkdir -m 700 gnupg
gpg --batch -q --pinentry-mode loopback --passphrase '' --quick-gen-key 'Bench CSIRT <csirt@bench.example>' ed25519 sign 1y 2>/dev/null

mkdir -p mail
$PY "$top/tests/notify/smtpd.py" --port 0 --dir mail >smtpd.log 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; gpgconf --homedir "$GNUPGHOME" --kill all 2>/dev/null' EXIT
while [ ! -s mail/smtpd.port ]; do sleep 0.1; done
port=$(cat mail/smtpd.port)

T() { # label, command...: prints "label wall_s cpu_s maxrss_kb"
	label=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o t.out "$@" >cmd.out 2>&1 || { cat cmd.out; exit 1; }
	set -- $(cat t.out)
	echo "$label $1 $(echo "$2 + $3" | bc) $4"
}

for mode in $modes; do
	batch=1h; sign=false
	[ "$mode" = digest ] || batch=now
	[ "$mode" = signed ] && sign=true
	sed "s/BATCH/$batch/" sites.tmpl >sites.conf
	for r in $(seq 1 "$runs"); do
		rm -f desk.sqlite* mail/*.eml mail/*.env
		cat >vigil.conf <<CONF
[whois]
sites = $d/sites.conf
rpsl = $d/nets.db
[desk]
url = sqlite:$d/desk.sqlite
[notify]
smtp = smtp://127.0.0.1:$port
tls = none
from = Bench CSIRT <csirt@bench.example>
templates = $top/templates
gnupghome = $GNUPGHOME
sign = $sign
outside_batch = 1d
CONF
		VIGIL_CLOCK=2026-01-10T10:00:00Z "$V" incident ingest events.jsonl -c vigil.conf >/dev/null 2>&1
		c=$(T "$mode compose" env VIGIL_CLOCK=2026-01-10T10:00:00Z "$V" notify run --no-send -c vigil.conf)
		q=$(grep -o '^notify: [0-9]* mails' cmd.out | grep -o '[0-9]*')
		s=$(T "$mode send" env VIGIL_CLOCK=2026-01-10T10:00:00Z "$V" notify run --send-only -c vigil.conf)
		sent=$(ls mail/*.eml | wc -l)
		bytes=$(cat mail/*.eml | wc -c)
		echo "run $r: $c ($q mails) | $s ($sent mails, $bytes bytes)"
	done
done
echo "smtpd alone (python smtplib client, 2000 mails of 4 KB):"
$PY - "$port" <<'PY'
import smtplib, sys, time
body = ("Subject: x\r\n\r\n" + "x" * 76 + "\r\n") * 50
t = time.time()
for i in range(2000):
    s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
    s.sendmail("a@b.example", ["c@d.example"], body)
    s.quit()
print("  %.0f mails/s" % (2000 / (time.time() - t)))
PY
