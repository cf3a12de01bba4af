#!/bin/sh
# exabgp.sh - ExaBGP itself parses vigil's RTBH and FlowSpec lines. Two
# ExaBGP processes peer over loopback (127.0.0.1 -> 127.0.0.2, an
# unprivileged port): the sender's API process is wired as
# vigil-block(1) documents (the full set from `vigil block render` at its
# start, then whatever `[block] command` writes into a FIFO), the
# receiver logs every UPDATE it gets as JSON. The routes the receiver
# holds at the end must be exactly vigil's active blocks (RTBH: next-hop
# and community 65535:666; FlowSpec: source and discard, which ExaBGP
# encodes as traffic-rate 0), and the sender must have logged no line it
# could not parse.
set -u
: "${VIGIL:?VIGIL is the vigil binary}"
: "${VIGIL_SOURCE_DIR:?}"
PY=/usr/bin/python3
if ! command -v exabgp >/dev/null 2>&1; then
	echo "SKIP: exabgp is not installed (Debian package exabgp)"
	exit 0
fi
work=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cd "$work"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2", 0)); print(s.getsockname()[1])')
mkfifo "$work/fifo"
export VIGIL_CLOCK=2026-01-10T09:00:00Z
cat >base.conf <<CONF
[desk]
url = sqlite:$work/desk.sqlite
[block]
nexthop = 192.0.2.1
nexthop6 = 100::1
CONF
{ cat base.conf; echo "command = cat >/dev/null"; } >quiet.conf
{ cat base.conf; echo "command = cat >$work/fifo"; echo "format = exabgp"; } >push.conf
B() { "$VIGIL" block "$@"; }

inc=$("$VIGIL" incident new --kind scan --host 10.1.2.3 -c base.conf --desk "sqlite:$work/desk.sqlite")
B add 10.1.2.3 --incident "$inc" --until 2d --reason "scanning port 22" -c quiet.conf >/dev/null || bad "add v4"
B add 2001:db8:1::/48 --incident "$inc" --until 2d --reason "v6 scan" -c quiet.conf >/dev/null || bad "add v6"
B add 198.51.100.0/24 --incident "$inc" --until 2d --reason "a net" -c quiet.conf >/dev/null || bad "add net"
seq0=$(B changes --format exabgp -c base.conf | wc -l)

cat >recv.conf <<CONF
process log {
	run /bin/sh -c "cat > $work/received.jsonl";
	encoder json;
}
neighbor 127.0.0.1 {
	router-id 10.0.0.2;
	local-address 127.0.0.2;
	local-as 65001;
	peer-as 65000;
	passive;
	listen $port;
	family { ipv4 unicast; ipv6 unicast; ipv4 flow; ipv6 flow; }
	api { processes [ log ]; receive { parsed; update; } }
}
CONF
# the sender's process: the whole set first, then every change vigil pushes
cat >feed.sh <<FEED
#!/bin/sh
"$VIGIL" block render --format exabgp -c $work/base.conf
"$VIGIL" block render --format flowspec -c $work/base.conf
while :; do cat $work/fifo; done
FEED
chmod +x feed.sh
cat >send.conf <<CONF
process vigil {
	run $work/feed.sh;
	encoder text;
}
neighbor 127.0.0.2 {
	router-id 10.0.0.1;
	local-address 127.0.0.1;
	local-as 65000;
	peer-as 65001;
	connect $port;
	family { ipv4 unicast; ipv6 unicast; ipv4 flow; ipv6 flow; }
	api { processes [ vigil ]; }
}
CONF
exa() { # NAME BIND CONF
	env exabgp.daemon.user="$(id -un)" exabgp.daemon.drop=false exabgp.tcp.bind="$2" \
		exabgp.tcp.port="$port" exabgp.log.destination="$work/$1.log" exabgp.log.level=INFO \
		exabgp.api.pipename="vigil-test-$1-$$" exabgp "$3" >"$work/$1.out" 2>&1 &
	pids="$pids $!"
}
exa recv 127.0.0.2 recv.conf
sleep 1
exa send "" send.conf
# wait until the receiver has the initial set (3 RTBH routes, 3 FlowSpec rules)
count() { cat received.jsonl 2>/dev/null | grep -o -E '"nlri"|"source-ipv[46]"' | wc -l; }
i=0
while [ "$(count)" -lt 6 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(count)" -ge 6 ] || { cat recv.out send.out; tail -20 send.out; bad "the receiver did not get the initial set"; }

# changes through [block] command: lift one, add one; FlowSpec deltas into the same pipe
VIGIL_CLOCK=2026-01-10T10:00:00Z B remove 1 --reason "site says rebuilt" -c push.conf || bad "remove"
VIGIL_CLOCK=2026-01-10T10:00:00Z B add 10.1.9.9 --incident "$inc" --until 1d --reason "second host" -c push.conf >/dev/null || bad "add 4"
B changes --format flowspec --after 3 -c base.conf >"$work/fifo"
i=0
while [ "$(grep -c 10.1.9.9 received.jsonl 2>/dev/null)" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1

B list --state active -o json -c base.conf >active.jsonl
$PY - "$work/received.jsonl" "$work/active.jsonl" <<'PYEOF' || bad "the receiver's routes are not vigil's active blocks"
import json, sys
rib, flows = {}, set()
for line in open(sys.argv[1]):
    m = json.loads(line).get("neighbor", {}).get("message", {}).get("update")
    if not m:
        continue
    attr = m.get("attribute", {})
    for fam, by_nh in m.get("announce", {}).items():
        for nh, routes in by_nh.items():
            for r in routes:
                if fam.endswith("flow"):
                    src = r.get("source-ipv4", r.get("source-ipv6"))[0]
                    rate = [e["string"] for e in attr.get("extended-community", [])]
                    assert rate == ["rate-limit:0"], ("not a discard", r, rate)
                    flows.add(src.split("/0")[0] if src.endswith("/0") and ":" in src else src)
                else:
                    rib[r["nlri"]] = (nh, attr.get("community"))
    for fam, routes in m.get("withdraw", {}).items():
        for r in routes:
            if fam.endswith("flow"):
                src = r.get("source-ipv4", r.get("source-ipv6"))[0]
                flows.discard(src.split("/0")[0] if src.endswith("/0") and ":" in src else src)
            else:
                rib.pop(r["nlri"], None)
want = set(json.loads(l)["prefix"] for l in open(sys.argv[2]))
ok = True
if set(rib) != want:
    print("RTBH routes held:", sorted(rib), "active blocks:", sorted(want)); ok = False
for p, (nh, comm) in rib.items():
    if nh != ("100::1" if ":" in p else "192.0.2.1") or comm != [[65535, 666]]:
        print("route", p, "has next-hop", nh, "community", comm); ok = False
if flows != want:
    print("FlowSpec rules held:", sorted(flows), "active blocks:", sorted(want)); ok = False
print("receiver holds %d RTBH routes and %d FlowSpec rules = vigil's %d active blocks" % (len(rib), len(flows), len(want)))
sys.exit(0 if ok else 1)
PYEOF
grep -q '"withdraw"' received.jsonl || bad "no withdraw reached the receiver"
# (ExaBGP's note that it has no named pipes for its own cli is not about our lines)
if grep -i -E "could not|invalid|error|failed|unknown command|not parse" send.out |
	grep -v -E "\| cli( control)? +\|" >parse.err; then
	cat parse.err; bad "the sender's ExaBGP complained about vigil's lines"
fi
exit $fail
