#!/bin/sh
# `vigil run` as a service: listening on a loopback port (dropping privileges
# when started as root), the demo's export packets sent to it over UDP, then
# SIGTERM. Every flow must be stored and the labelled incidents filed with
# their sites, exactly as from the capture.
set -eu
: "${VIGIL:?}" "${VIGIL_SOURCE_DIR:?}"
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
chmod 755 "$work"
cp -r "$VIGIL_SOURCE_DIR/samples" "$work/"
cd "$work"
fail() { echo "FAIL: $*" >&2; [ -f run.log ] && cat run.log >&2; exit 1; }

port=$((41000 + $$ % 1000))
"$VIGIL" run -c samples/vigil.conf -p "127.0.0.1:$port" 2>run.log &
pid=$!
i=0
until grep -q "collecting" run.log 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "vigil run did not start"
	kill -0 "$pid" 2>/dev/null || fail "vigil run exited"
	sleep 0.1
done
/usr/bin/python3 "$VIGIL_SOURCE_DIR/tests/collect/send_pcap.py" --host 127.0.0.1 --port "$port" \
	--pps 2000 samples/demo.pcap >/dev/null || fail "sending the export packets"
sleep 1
kill -TERM "$pid"
wait "$pid" || fail "vigil run exited $? on SIGTERM"
pid=""
grep -q '5160 flows (5160 stored)' run.log || fail "not every flow stored"
grep -q '10 events filed' run.log || fail "not every event filed"

"$VIGIL" incident list -o json > incidents.json
for want in "scan 10.10.5.66 riverside" "portscan 10.10.0.80 northgate" "cc 10.10.3.33 northgate" \
	"blocklist 10.10.4.44 riverside" "dos 10.10.7.7 riverside" "dos 10.10.8.8 northgate" \
	"amplifier 10.10.9.9 northgate-nat"; do
	set -- $want
	grep "\"kind\":\"$1\"" incidents.json | grep "\"host\":\"$2\"" | grep -q "\"site\":\"$3\"" ||
		fail "missing incident: $want"
done
"$VIGIL" incident verify >/dev/null || fail "audit trail does not verify"
echo "ok: live run stored 5160 flows and filed the demo's incidents"
