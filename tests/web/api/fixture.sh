# fixture.sh - sourced by the API tests: a desk and a flow store made by the
# real tools from the bundled demo (samples/demo.pcap through `vigil collect`
# and `vigil detect`, events filed by `vigil incident ingest`, each incident
# given its site by `vigil whois`), users of every role and an API token,
# and `vigil web` started on a free loopback port. Needs VIGIL, src, tmp and
# DESK_URL set; sets port, TOKEN and pid; `stop_web` ends the server.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/vigil.conf" <<CONF
[store]
dir = $tmp/flows
[detect]
network = 10.10.0.0/16
window = 30m
scan_horizontal = 200
scan_vertical = 200
dos_pps = 300
amp_min_bytes = 1000000
[intel]
list = $src/samples/lists/feodo-demo.csv
list = $src/samples/lists/et-block-demo.txt
[whois]
sites = $src/samples/sites.conf
[desk]
url = $DESK_URL
[web]
listen = 127.0.0.1:$port
root = $tmp/root
login_rate = 5
CONF
conf="$tmp/vigil.conf"
mkdir -p "$tmp/root/js"
printf '<!doctype html><title>vigil</title>\n' >"$tmp/root/index.html"
printf 'export const x = 1;\n' >"$tmp/root/js/app.js"
printf 'body{}\n' >"$tmp/root/style.css"
printf 'outside the root\n' >"$tmp/secret.txt"
ln -s "$tmp/secret.txt" "$tmp/root/link.txt"

"$VIGIL" collect -c "$conf" -r "$src/samples/demo.pcap" >"$tmp/collect.log" 2>&1 || fail "vigil collect"
"$VIGIL" detect -c "$conf" -R "$tmp/flows" >"$tmp/events.jsonl" 2>"$tmp/detect.log" || fail "vigil detect"
"$VIGIL" incident ingest "$tmp/events.jsonl" -c "$conf" >/dev/null || fail "vigil incident ingest"
"$VIGIL" incident list -c "$conf" -o json >"$tmp/list.json"
python3 -c 'import json, sys
for l in open(sys.argv[1]):
    i = json.loads(l); print(i["id"], i["host"])' "$tmp/list.json" >"$tmp/hosts"
while read -r id host; do
	site=$("$VIGIL" whois -c "$conf" -o json "$host" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("site",""))')
	[ -n "$site" ] && "$VIGIL" incident set "$id" "site=$site" -c "$conf" --actor vigil >/dev/null
done <"$tmp/hosts"
"$VIGIL" incident list -c "$conf" -o json >"$tmp/list.json"

printf 'pw-admin\n' >"$tmp/pw.admin"
printf 'pw-ana\n' >"$tmp/pw.ana"
printf 'pw-ro\n' >"$tmp/pw.ro"
printf 'pw-sam\n' >"$tmp/pw.sam"
"$VIGIL" web user add root --role admin --password-file "$tmp/pw.admin" -c "$conf" >/dev/null || fail "user add root"
"$VIGIL" web user add ana --role analyst --password-file "$tmp/pw.ana" -c "$conf" >/dev/null || fail "user add ana"
"$VIGIL" web user add rita --role readonly --password-file "$tmp/pw.ro" -c "$conf" >/dev/null || fail "user add rita"
"$VIGIL" web user add sam --role site --site riverside --password-file "$tmp/pw.sam" -c "$conf" >/dev/null || fail "user add sam"
TOKEN=$("$VIGIL" web token add ana --label tests -c "$conf") || fail "token add"

"$VIGIL" web -c "$conf" >"$tmp/web.log" 2>&1 &
pid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/me" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 150 ] && fail "vigil web did not answer on 127.0.0.1:$port in 15 s"
	kill -0 "$pid" 2>/dev/null || { pid=""; fail "vigil web exited"; }
	sleep 0.1
done
base="http://127.0.0.1:$port"

stop_web() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=""
	fi
}
