#!/bin/sh
# bench/whois/run.sh - generate a RIPE-scale synthetic dump (4.5M inetnum) in
# a temporary directory, then time, RUNS times each: import from text (with
# peak RSS from /usr/bin/time -v), snapshot load, single lookups and batch
# lookups on random addresses. Prints every run; README.md has the medians.
#   sh bench/whois/run.sh BUILD_DIR [RUNS]
# BUILD_DIR: a RelWithDebInfo (not sanitized) build with the whois_gen and
# whois_bench targets built.
set -eu
b=${1:?build dir}
runs=${2:-3}
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
"$b/bench/whois/whois_bench" lookup "$tmp/synth.snap" 10000000 "$((runs * 2 + 1))" | grep median | sed 's/^/single /'
"$b/bench/whois/whois_bench" batch "$tmp/synth.snap" 10000000 "$((runs * 2 + 1))" | grep median | sed 's/^/batch /'
"$b/bench/whois/whois_bench" lookup "$tmp/synth.snap" 10000000 "$((runs * 2 + 1))" 65536 | grep median | sed 's/^/single-hot64k /'
"$b/bench/whois/whois_bench" batch "$tmp/synth.snap" 10000000 "$((runs * 2 + 1))" 65536 | grep median | sed 's/^/batch-hot64k /'
