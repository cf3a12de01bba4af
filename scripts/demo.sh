#!/bin/sh
# See vigil work on a fresh Debian 12 machine: install the packages, build,
# and run vigil's main job (`vigil run`: collect, store, detect, file
# incidents) on the bundled sample traffic (samples/demo.pcap, a NetFlow v9
# export of a fictional constituency with a handful of incidents in it).
# Then show what an analyst would look at first. Everything lands in ./var/demo.
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

say "vigil run -c samples/vigil.conf -r samples/demo.pcap   (collect, store, detect, file incidents)"
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

say "vigil whois 10.10.5.66   (who is responsible)"
"$vigil" whois --sites samples/sites.conf 10.10.5.66 || true

say "vigil incident verify   (the hash-chained audit trail)"
"$vigil" incident verify

printf '\nEverything is in %s/var/demo (flows, events, desk.sqlite).\n' "$top"
