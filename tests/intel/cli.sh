#!/bin/sh
# cli.sh - `vigil intel check` and `vigil intel lookup` on the bundled lists
# and on a list with bad lines: counts per feed, FILE:LINE for each bad line,
# exit codes.
set -u
: "${VIGIL:?VIGIL is the vigil binary}"
: "${VIGIL_SOURCE_DIR:?}"
lists=$VIGIL_SOURCE_DIR/samples/lists
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
out=$("$VIGIL" intel check "$lists/feodo-demo.csv" "$lists/et-block-demo.txt") || { echo "FAIL: check of good lists exited $?"; fail=1; }
echo "$out" | grep -q "feed feodo-demo, format feodo, 3 entries, 0 bad lines" || { echo "FAIL: feodo summary: $out"; fail=1; }
echo "$out" | grep -q "feed et-block-demo, format plain, 3 entries, 0 bad lines" || { echo "FAIL: et summary: $out"; fail=1; }
printf '192.0.2.1\nbogus\n# c\n198.51.100.0/33\n2001:db8::/48\n' > "$work/mixed.txt"
out=$("$VIGIL" intel check "name=mixed:$work/mixed.txt")
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: check with bad lines exited $rc"; fail=1; }
echo "$out" | grep -q "mixed.txt:2: not an address or prefix" || { echo "FAIL: line 2 not reported: $out"; fail=1; }
echo "$out" | grep -q "mixed.txt:4: " || { echo "FAIL: line 4 not reported: $out"; fail=1; }
echo "$out" | grep -q "feed mixed, format plain, 2 entries, 2 bad lines" || { echo "FAIL: mixed summary: $out"; fail=1; }
out=$("$VIGIL" intel lookup --list "$lists/feodo-demo.csv" --list "$lists/et-block-demo.txt" 192.0.2.66 198.51.100.70 10.1.2.3)
[ $? -eq 0 ] || { echo "FAIL: lookup exit"; fail=1; }
echo "$out" | grep -q "192.0.2.66 listed: feed feodo-demo line 7, cc, Testbot, port 8080" || { echo "FAIL: cc lookup: $out"; fail=1; }
echo "$out" | grep -q "198.51.100.70 listed: feed et-block-demo line 5, blocklist, entry 198.51.100.64/27" || { echo "FAIL: block lookup: $out"; fail=1; }
echo "$out" | grep -q "10.1.2.3 not listed" || { echo "FAIL: unlisted: $out"; fail=1; }
"$VIGIL" intel lookup --list "$lists/feodo-demo.csv" 10.1.2.3 >/dev/null && { echo "FAIL: lookup of nothing listed exited 0"; fail=1; }
"$VIGIL" intel frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: usage exit"; fail=1; }
[ $fail -eq 0 ] && echo PASS
exit $fail
