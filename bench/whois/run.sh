#!/bin/sh
# bench/whois/run.sh - generate a RIPE-scale synthetic dump (4.5M inetnum) in
# a temporary directory, then time, RUNS times each: import from text (with
# peak RSS from /usr/bin/time -v), snapshot load, and lookups: random
# addresses and addresses drawn from the constituency (inside an inetnum),
# single calls and batches. Prints every run; README.md has the medians.
#   sh bench/whois/run.sh BUILD_DIR [RUNS] [OLD_BENCH]
# BUILD_DIR: a RelWithDebInfo (-O2, not sanitized) build with the whois_gen
# and whois_bench targets built. OLD_BENCH (optional): a whois_bench binary
# linked against another version of the library; its lookups are timed on the
# same snapshot, interleaved with the new ones (before/after under the same
# load), and both must print the same digest.
set -eu
b=${1:?build dir}
runs=${2:-3}
old=${3:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/whois-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$b/bench/whois/whois_gen" -n 4500000 >"$tmp/synth.db"
echo "dump: $(du -m "$tmp/synth.db" | cut -f1) MB"
i=0
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	/usr/bin/time -v "$b/bench/whois/whois_bench" build "$tmp/synth.snap" "$tmp/synth.db" 2>"$tmp/t" |
		sed "s/^/run $i /"
	grep -E 'Elapsed|Maximum resident|User time|System time' "$tmp/t" | sed "s/^/run $i import /"
	/usr/bin/time -v "$b/bench/whois/whois_bench" open "$tmp/synth.snap" 2>"$tmp/t" | sed "s/^/run $i /"
	grep -E 'Elapsed|Maximum resident|User time' "$tmp/t" | sed "s/^/run $i open /"
done
echo "snapshot: $(du -m "$tmp/synth.snap" | cut -f1) MB"
"$b/bench/whois/whois_bench" digest "$tmp/synth.snap" | sed 's/^/new /'
[ -z "$old" ] || "$old" digest "$tmp/synth.snap" | sed 's/^/old /'
passes=$((runs * 2 + 1))
for mode in lookup batch lookup-in batch-in; do
	for pool in 0 65536; do
		"$b/bench/whois/whois_bench" "$mode" "$tmp/synth.snap" 10000000 "$passes" "$pool" |
			grep median | sed "s/^/new $mode pool=$pool /"
		[ -z "$old" ] || "$old" "$mode" "$tmp/synth.snap" 10000000 "$passes" "$pool" |
			grep median | sed "s/^/old $mode pool=$pool /"
	done
done
