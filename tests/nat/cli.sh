#!/bin/sh
# cli.sh - `vigil nat` end to end: the demo gateway's ASA log (plain, gzip'd
# and from stdin) answers the copyright notice's ip:port@time with the inside
# host and its log line; a time between two holders names both, low; bad
# lines are named with their number and the rest is kept; usage errors exit
# 2 and unknown mappings 1; info and expire. Then the NAT events of a
# NetFlow v9 capture (../shared/data, skipped when absent), each mapping
# checked against tshark's decoding of the same packets.
set -u
: "${VIGIL:?VIGIL is the vigil binary}"
: "${VIGIL_SOURCE_DIR:?}"
s=$VIGIL_SOURCE_DIR/samples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
N() { "$VIGIL" nat "$@"; }

# ---- the demo gateway's log ------------------------------------------------------
N ingest -w idx/plain "$s/nat/nat-gw1.log" 2>ing.err || { cat ing.err; bad "ingest exited $?"; }
grep -q '13 lines, 12 mappings, 1 other, 0 bad (format asa)' ing.err || bad "ingest counts: $(cat ing.err)"
out=$(N lookup -R idx/plain -o json 10.10.9.1:40123@2024-03-01T10:12:07Z) || bad "lookup exited $?"
for want in '"inside":"172.16.20.37"' '"inside_port":51413' '"proto":"tcp"' '"start":"2024-03-01T10:09:55Z"' \
	'"end":"2024-03-01T10:25:28Z"' '"confidence":"high"' '"source":"nat-gw1.log"' '"line":7' '"found":1'; do
	printf '%s' "$out" | grep -q "$want" || bad "lookup: missing $want in $out"
done
# text form says the same
N lookup -R idx/plain 10.10.9.1:40123@2024-03-01T10:12:07Z | grep -q 'from:        nat-gw1.log line 7' || bad "text lookup"

# gzip'd and from stdin: the same answer
gzip -c "$s/nat/nat-gw1.log" > gw1.log.gz
N ingest -w idx/gz gw1.log.gz 2>/dev/null || bad "gz ingest exited $?"
N lookup -R idx/gz -o json 10.10.9.1:40123@2024-03-01T10:12:07Z | grep -q '"inside":"172.16.20.37"' || bad "gz lookup"
N ingest -w idx/stdin --format asa - < "$s/nat/nat-gw1.log" 2>/dev/null || bad "stdin ingest exited $?"
N lookup -R idx/stdin -o json 10.10.9.1:40123@2024-03-01T10:12:07Z | grep -q '"source":"stdin"' || bad "stdin lookup"

# 09:38:40: 8 s after 172.16.20.12 let 40123 go; with a 60 s tolerance it is named, low
out=$(N lookup -R idx/plain -o json 10.10.9.1:40123@2024-03-01T09:38:40Z)
printf '%s' "$out" | grep -q '"inside":"172.16.20.12"' || bad "skew: $out"
printf '%s' "$out" | grep -q '"confidence":"low"' || bad "skew should be low: $out"
N lookup -R idx/plain --skew 5 10.10.9.1:40123@2024-03-01T09:38:40Z > /dev/null
[ $? = 1 ] || bad "outside a 5 s tolerance there is no mapping: exit 1 expected"
# protocol: 40777 was UDP
N lookup -R idx/plain --proto tcp 10.10.9.1:40777@2024-03-01T10:02:20Z > /dev/null
[ $? = 1 ] || bad "40777/tcp should not match the UDP mapping"
N lookup -R idx/plain --proto udp -o json 10.10.9.1:40777@2024-03-01T10:02:20Z | grep -q '"inside":"172.16.20.40"' ||
	bad "40777/udp"

# ---- bad input -------------------------------------------------------------------
{ sed -n 1,3p "$s/nat/nat-gw1.log"
  echo 'Mar 01 2024 10:40:00: %ASA-6-305011: Built dynamic TCP translation from inside:172.16.20.99/x to outside:10.10.9.1/41000'
  sed -n 4,13p "$s/nat/nat-gw1.log"; } > broken.log
N ingest -w idx/broken broken.log 2>broken.err || bad "a bad line must not fail the ingest"
grep -q 'broken.log:4: ' broken.err || bad "the bad line is not named with its number: $(cat broken.err)"
grep -q '14 lines, 12 mappings, 1 other, 1 bad' broken.err || bad "bad line counts: $(cat broken.err)"
N lookup -R idx/broken -o json 10.10.9.1:40123@2024-03-01T10:12:07Z | grep -q '"line":8' || bad "lines after a bad one keep their numbers"
N lookup -R idx/plain nonsense > /dev/null 2>&1; [ $? = 2 ] || bad "a bad query should exit 2"
N lookup -R idx/none 10.10.9.1:1@2024-03-01T10:00:00Z > /dev/null 2>&1; [ $? = 1 ] || bad "a missing index should exit 1"
N ingest -w idx/x "$VIGIL_SOURCE_DIR/samples" > /dev/null 2>&1; [ $? = 1 ] || bad "a directory as a log should exit 1"
N ingest -w idx/x --format pfsense x.log > /dev/null 2>&1; [ $? = 2 ] || bad "an unknown format should exit 2"

# ---- info, expire ------------------------------------------------------------------
N info -R idx/plain > info.out || bad "info exited $?"
grep -q '^mappings:    6' info.out || bad "info: $(cat info.out)"
N expire -R idx/plain --max-age 30d > exp.out || bad "expire exited $?"
grep -q 'removed [1-9]' exp.out || bad "expire removed nothing of 2024: $(cat exp.out)"
N lookup -R idx/plain 10.10.9.1:40123@2024-03-01T10:12:07Z > /dev/null; [ $? = 1 ] || bad "expired mapping still answers"

# ---- kill -9 in the middle of an ingest: the index stays readable, a re-run completes ----
awk 'BEGIN { for (i = 0; i < 400000; i++) { s = i % 86400; h = int(s / 3600); m = int(s % 3600 / 60); x = s % 60;
	printf "Mar 02 2024 %02d:%02d:%02d: %%ASA-6-305011: Built dynamic TCP translation from inside:172.16.%d.%d/%d to outside:10.10.9.%d/%d\n",
		h, m, x, int(i / 250) % 250, i % 250 + 1, 1024 + i % 60000, 1 + i % 4, 1024 + i % 60000;
	printf "Mar 02 2024 %02d:%02d:%02d: %%ASA-6-305012: Teardown dynamic TCP translation from inside:172.16.%d.%d/%d to outside:10.10.9.%d/%d duration 0:00:00\n",
		h, m, x, int(i / 250) % 250, i % 250 + 1, 1024 + i % 60000, 1 + i % 4, 1024 + i % 60000 } }' > big.log
N ingest -w idx/kill big.log 2>/dev/null &
pid=$!
sleep 1
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
N info -R idx/kill > kill.info 2>kill.err || bad "info after kill -9 exited $?: $(cat kill.err)"
grep -q 'skipped' kill.err && bad "a run damaged by kill -9: $(cat kill.err)"
N ingest -w idx/kill big.log 2>/dev/null || bad "re-ingest after kill -9 exited $?"
ls idx/kill/h | grep -q '\.tmp$' && bad "a .tmp file left after the re-run"
out=$(N lookup -R idx/kill -o json 10.10.9.2:1025@2024-03-02T00:00:01Z)
printf '%s' "$out" | grep -q '"inside":"172.16.0.2","inside_port":1025' || bad "after kill -9 and re-run: $out"
N info -R idx/kill | grep -q '^mappings:    [1-9]' || bad "info after re-run"

# ---- NAT events of stored flows, checked against tshark ------------------------------------
data=${VIGIL_DATA_DIR:-$VIGIL_SOURCE_DIR/../shared/data}
cap=$data/netflow/akvorado/nat.pcap
if [ -f "$cap" ] && command -v tshark > /dev/null; then
	N ingest -w idx/flows --format flows "$cap" 2>fl.err || { cat fl.err; bad "flows ingest exited $?"; }
	grep -q '9 NAT mappings' fl.err || bad "flows: $(cat fl.err)"
	t=$(N info -R idx/flows | sed -n 's/^time: *\([^ ]*\) .*/\1/p')
	tshark -r "$cap" -d udp.port==2055,cflow -T fields -E occurrence=a -e cflow.srcaddr -e cflow.srcport \
		-e cflow.post_natsource_ipv4_address -e cflow.post_naptsource_transport_port 2>/dev/null |
		awk -F'\t' '{ n = split($1, a, ","); split($2, p, ","); split($3, x, ","); split($4, q, ",");
		             for (i = 1; i <= n; i++) print a[i], p[i], x[i], q[i] }' > tshark.txt
	[ "$(wc -l < tshark.txt)" = 9 ] || bad "tshark saw $(wc -l < tshark.txt) mappings"
	while read -r in inport out outport; do
		N lookup -R idx/flows -o json "$out:$outport@$t" | grep -q "\"inside\":\"$in\",\"inside_port\":$inport," ||
			bad "flows: $out:$outport should be $in:$inport (tshark)"
	done < tshark.txt
else
	echo "SKIP: $cap or tshark not present: NAT events of flows not checked"
fi

[ $fail = 0 ] && echo PASS
exit $fail
