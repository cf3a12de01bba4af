#!/bin/sh
# `vigil run -r` on the bundled demo capture: every labelled incident of
# samples/README.md must be filed once, with its site from the sites table,
# none for ordinary hosts; a second run over the same capture must add no
# incident (the desk joins the same host and kind); the audit trail verifies.
set -eu
: "${VIGIL:?}" "${VIGIL_SOURCE_DIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$VIGIL_SOURCE_DIR/samples" "$work/"
cd "$work"
grep -q '^\[whois\]' samples/vigil.conf || printf '\n[whois]\nsites = samples/sites.conf\n' >> samples/vigil.conf

fail() { echo "FAIL: $*" >&2; exit 1; }

# the gateway's NAT log and two abuse mails in the maildir, as scripts/demo.sh has them
"$VIGIL" nat ingest -w var/nat samples/nat/nat-gw1.log 2>nat.log || { cat nat.log; fail "nat ingest"; }
mkdir -p var/maildir/new
cp samples/mail/acns-notice.eml samples/mail/scan-complaint.eml var/maildir/new/

"$VIGIL" run -c samples/vigil.conf -r samples/demo.pcap 2>run.log || { cat run.log; fail "vigil run exited non-zero"; }
grep -q '5160 flows (5160 stored)' run.log || { cat run.log; fail "not every flow stored"; }

"$VIGIL" incident list -o json > incidents.json
got=$(sed 's/.*"kind":"\([a-z]*\)".*"host":"\([0-9.]*\)".*/\1 \2/' incidents.json | sort)
# every labelled incident, by kind and host (score events name the hosts too)
for want in "scan 10.10.5.66" "portscan 10.10.0.80" "cc 10.10.3.33" "blocklist 10.10.4.44" \
	"dos 10.10.7.7" "dos 10.10.8.8" "amplifier 10.10.9.9" "copyright 172.16.20.37"; do
	echo "$got" | grep -qx "$want" || { echo "$got"; fail "missing incident: $want"; }
done
# nothing about an ordinary host: every incident host is one of the labelled ones
echo "$got" | awk '{print $2}' | sort -u | while read -r h; do
	case "$h" in
	10.10.5.66|10.10.0.80|10.10.3.33|10.10.4.44|10.10.7.7|10.10.8.8|10.10.9.9|172.16.20.37) ;;
	*) fail "incident for an ordinary host: $h" ;;
	esac
done
n1=$(wc -l < incidents.json)
grep '"host":"10.10.5.66"' incidents.json | grep -q '"site":"riverside"' || fail "site of 10.10.5.66 is not riverside"
grep '"host":"10.10.0.80"' incidents.json | grep -q '"site":"northgate"' || fail "site of 10.10.0.80 is not northgate"
# the copyright notice named the gateway 10.10.9.1:40123; the NAT log says who held it
grep '"kind":"copyright"' incidents.json | grep '"host":"172.16.20.37"' | grep -q '"site":"northgate-nat"' ||
	fail "the copyright notice was not traced to 172.16.20.37 at northgate-nat"
grep -q 'reports from var/maildir: mails 2: filed 2,' run.log || { cat run.log; fail "the maildir's two mails were not filed"; }
[ "$(ls var/maildir/new | wc -l)" = 0 ] || fail "mail left in var/maildir/new"

# same traffic again: joins the open incidents, no new ones
"$VIGIL" run -c samples/vigil.conf -r samples/demo.pcap 2>run2.log || { cat run2.log; fail "second run failed"; }
n2=$("$VIGIL" incident list -o json | wc -l)
[ "$n1" = "$n2" ] || fail "second run over the same capture made new incidents ($n1 -> $n2)"

"$VIGIL" incident verify > verify.out || { cat verify.out; fail "audit trail does not verify"; }
"$VIGIL" flows -R var/flows -s proto -o csv > /dev/null || fail "vigil flows over the run's store"
echo "ok: $n1 incidents from the demo and its mail, sites resolved, NAT traced, re-run joined, audit intact"
