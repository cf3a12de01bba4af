#!/bin/sh
# See vigil work on a fresh Debian 12 machine: install the packages, build,
# and run vigil's main job (`vigil run`: collect, store, detect, file
# incidents) on the bundled sample traffic (samples/demo.pcap, a NetFlow v9
# export of a fictional constituency with a handful of incidents in it) and
# the abuse mail waiting in its maildir: a copyright notice naming the student
# residences' NAT gateway, traced through the gateway's log to the inside
# host, and a scan complaint. Then show what an analyst would look at first.
# Everything lands in ./var/demo.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sh scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target vigil >/dev/null
vigil=$top/build/vigil

rm -rf var/demo
mkdir -p var/demo
cp -r samples var/demo/
cd var/demo

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "vigil nat ingest -w var/nat samples/nat/nat-gw1.log   (the NAT gateway's log into the index)"
"$vigil" nat ingest -w var/nat samples/nat/nat-gw1.log

# two abuse mails delivered to the team's maildir, as an MTA would
mkdir -p var/maildir/new var/maildir/cur var/maildir/tmp
cp samples/mail/acns-notice.eml var/maildir/new/1709290000.M1P1.mx
cp samples/mail/scan-complaint.eml var/maildir/new/1709290001.M2P1.mx

say "vigil run -c samples/vigil.conf -r samples/demo.pcap   (collect, store, detect, file incidents and mail)"
"$vigil" run -c samples/vigil.conf -r samples/demo.pcap

say "vigil store info   (what the store holds)"
"$vigil" store info -R var/flows

say "vigil flows -s srcip/bytes -n 5   (top talkers, nfdump style)"
"$vigil" flows -R var/flows -s srcip/bytes -n 5

say "vigil flows 'proto tcp and dst port 445' -n 5   (who is knocking on 445/tcp)"
"$vigil" flows -R var/flows -n 5 'proto tcp and dst port 445'

say "vigil incident list   (the desk: one incident per host and kind)"
"$vigil" incident list

first=$("$vigil" incident list -o json | head -n 1 | sed 's/.*"id":\([0-9]*\).*/\1/')
say "vigil incident show $first"
"$vigil" incident show "$first"

say "vigil report parse -o table samples/mail/acns-notice.eml   (what the copyright notice says)"
"$vigil" report parse -o table samples/mail/acns-notice.eml

say "vigil nat lookup -R var/nat 10.10.9.1:40123@2024-03-01T10:12:07Z   (who held the gateway's port)"
"$vigil" nat lookup -R var/nat 10.10.9.1:40123@2024-03-01T10:12:07Z

cr=$("$vigil" incident list --kind copyright -o json | head -n 1 | sed 's/.*"id":\([0-9]*\).*/\1/')
say "vigil incident show $cr   (the notice, traced to the inside host, with the mail kept as evidence)"
"$vigil" incident show "$cr"

say "vigil whois 10.10.5.66   (who is responsible)"
"$vigil" whois --sites samples/sites.conf 10.10.5.66 || true

say "vigil incident verify   (the hash-chained audit trail)"
"$vigil" incident verify

printf '\nEverything is in %s/var/demo (flows, events, nat, maildir, desk.sqlite).\n' "$top"
printf 'To work these incidents in a browser (the web desk, vigil-web(1)):\n'
printf '  cd %s/var/demo && %s web user add me --role analyst -c samples/vigil.conf\n' "$top" "$vigil"
printf '  printf "[web]\\nlisten = 127.0.0.1:8080\\nroot = %s/web\\n" >>samples/vigil.conf\n' "$top"
printf '  %s web -c samples/vigil.conf      # then open http://127.0.0.1:8080/\n' "$vigil"
