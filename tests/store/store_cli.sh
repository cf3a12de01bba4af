#!/bin/sh
# store_cli.sh - `vigil store info|verify|expire` end to end: a store written
# by the crash-test writer and killed mid-segment, then a flipped byte that
# verify must name, and retention that never touches the open segment.
# usage: store_cli.sh CRASHWRITER   (env VIGIL = the vigil binary)
set -u
CW=$1
T=$(mktemp -d /tmp/vigil-store-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 2.5 s of writing with 1 s segments, then kill -9: closed segments and an
# open one. A kill that lands just after a rotation, before the next segment's
# first block, leaves no open segment (segments are created with their first
# block): then write on (the writer recovers the store) and kill again.
secs=2.5
for try in 1 2 3 4 5; do
	"$CW" "$T/s" 0 >"$T/cw.out" &
	pid=$!
	sleep $secs
	kill -9 $pid
	wait $pid 2>/dev/null
	ls "$T"/s/*/*.seg.open >/dev/null 2>&1 && break
	secs=1.3
done
ls "$T"/s/*/*.seg.open >/dev/null 2>&1 || fail "no open segment after 5 kills"
last=$(grep durable "$T/cw.out" | tail -1 | cut -d' ' -f2)
[ -n "$last" ] || fail "crashwriter reported nothing durable"

"$VIGIL" store info -R "$T/s" -l >"$T/info" || fail "info exit $?"
grep -q "\.seg\.open" "$T/info" || { cat "$T/info"; fail "info does not list the open segment"; }
flows=$(sed -n 's/^flows: *\([0-9]*\) .*/\1/p' "$T/info")
[ "$flows" -ge "$last" ] || fail "info counts $flows flows, $last were durable"
"$VIGIL" store verify -R "$T/s" >"$T/verify" 2>&1 || { cat "$T/verify"; fail "verify of a clean store failed"; }

# flip one byte inside the first block of the first closed segment
seg=$(ls "$T"/s/*/*.seg | head -1)
printf '\125' | dd of="$seg" bs=1 seek=700 conv=notrunc 2>/dev/null
"$VIGIL" store verify -R "$T/s" >"$T/verify" 2>&1 && fail "verify missed a corrupt byte"
grep -q "$(basename "$seg"): block 0 at offset 64" "$T/verify" || { cat "$T/verify"; fail "verify did not name the block"; }

# retention: everything closed goes, the open segment stays
"$VIGIL" store expire -R "$T/s" --max-size 1 >"$T/expire" || fail "expire exit $?"
grep -q "^removed [1-9]" "$T/expire" || fail "expire removed nothing: $(cat "$T/expire")"
ls "$T"/s/*/*.seg.open >/dev/null 2>&1 || fail "expire removed the open segment"
ls "$T"/s/*/*.seg >/dev/null 2>&1 && fail "expire kept a closed segment"

# usage errors
"$VIGIL" store expire -R "$T/s" >/dev/null 2>&1; [ $? -eq 2 ] || fail "expire without limits should be a usage error"
"$VIGIL" store frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown subcommand should exit 2"
"$VIGIL" store expire -R "$T/s" --max-size 12Q >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad size should exit 2"
echo "store_cli: ok"
