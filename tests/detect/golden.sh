#!/bin/sh
# golden.sh - the labelled scenarios (scenarios/make.py, exported by softflowd
# as NetFlow v9, IPFIX and v9 with 1:10 sampling) through `vigil detect`:
# exactly the golden events, every labelled incident found, nothing for the
# ordinary hosts. Sampled counts within 10% of the golden run (HyperLogLog and
# sampling estimates), unsampled exact except distinct counts (3%).
set -u
: "${VIGIL:?VIGIL is the vigil binary}"
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skip: $PY missing"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
cd "$here/scenarios" || exit 1
for f in v9 ipfix v9-s10; do
	tol=0.03
	[ "$f" = v9-s10 ] && tol=0.10
	if ! "$VIGIL" detect -r "exports/$f.pcap" -c detect.conf > "$work/$f.jsonl" 2> "$work/$f.err"; then
		echo "FAIL: vigil detect on $f exited non-zero"; cat "$work/$f.err"; fail=1; continue
	fi
	echo "== $f"
	"$PY" "$here/check_golden.py" "$work/$f.jsonl" "$here/golden/$f.jsonl" exports/labels.txt "$tol" || fail=1
done
# the same run from the command line instead of the config file
"$VIGIL" detect -r exports/v9.pcap --network 10.10.0.0/16 --list lists/feodo-test.csv \
	--list lists/et-block-test.txt --set scan_horizontal=200 --set scan_vertical=200 \
	--set dos_pps=300 --set amp_min_bytes=1M > "$work/cli.jsonl" || fail=1
"$PY" "$here/check_golden.py" "$work/cli.jsonl" "$here/golden/v9.jsonl" exports/labels.txt 0.03 || fail=1
# with the default (real-network) thresholds the scenario's small flood and
# small amplifier stay below them; the scans, the reflection and the list
# hits are big enough to be found anyway
"$VIGIL" detect -r exports/v9.pcap --network 10.10.0.0/16 --list lists/feodo-test.csv \
	--list lists/et-block-test.txt > "$work/default.jsonl" || fail=1
if grep -q '"kind":"amplifier"\|"kind":"dos","host":"10.10.7.7"' "$work/default.jsonl"; then
	echo "FAIL: default thresholds flagged the small flood or amplifier"; fail=1
fi
for k in '"kind":"cc","host":"10.10.3.33"' '"kind":"scan","host":"10.10.5.66"' \
	'"kind":"dos","host":"10.10.8.8"' '"kind":"portscan","host":"10.10.0.80"'; do
	grep -q "$k" "$work/default.jsonl" || { echo "FAIL: no $k with defaults"; fail=1; }
done
# 5-minute windows split the 25 minutes of traffic into 5; the C&C hit is still found
"$VIGIL" detect -r exports/v9.pcap -c detect.conf --window 5m --stats > "$work/w5.jsonl" 2> "$work/w5.err" || fail=1
grep -q "5 windows" "$work/w5.err" || { echo "FAIL: expected 5 windows of 5 min:"; cat "$work/w5.err"; fail=1; }
grep -q '"kind":"cc","host":"10.10.3.33"' "$work/w5.jsonl" || { echo "FAIL: no cc event in 5 min windows"; fail=1; }
# every event's query shows its evidence with `vigil flows`
"$PY" -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["query"])' "$work/v9.jsonl" > "$work/queries"
while IFS= read -r q; do
	n=$(eval "\"\$VIGIL\" flows -r exports/v9.pcap -o csv $q" 2>/dev/null | grep -c '^[0-9]')
	[ "$n" -gt 0 ] || { echo "FAIL: no flows for query $q"; fail=1; }
done < "$work/queries"
# no network: a usage error, not a silent run
if "$VIGIL" detect -r exports/v9.pcap > /dev/null 2>&1; then echo "FAIL: ran without --network"; fail=1; fi
[ $fail -eq 0 ] && echo "PASS"
exit $fail
