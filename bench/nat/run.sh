#!/bin/sh
# bench/nat/run.sh - the NAT index against the way teams answer a notice
# without one (grep and zgrep over the gateway's logs).
#
#   sh bench/nat/run.sh [PHASE ...]     phases: ingest peer scale (default: all)
#
# ingest  a synthetic PAT gateway's ASA log of 10 M sessions (20 M lines,
#         16 outside addresses, 20 000 sessions/s) through `vigil nat ingest`,
#         plain and gzip'd, RUNS times each: CPU seconds (user+sys) and peak
#         RSS from /usr/bin/time; the readers alone with nat_bench parse; and
#         the I/O floor (wc -l, gzip -dc | wc -l) on the same files.
# peer    one notice answered by grep -F / zgrep -F over the same log against
#         vigil nat lookup on its index (median of RUNS). Output goes to a
#         file: GNU grep stops at the first match when it writes to /dev/null.
# scale   indexes of 20 M, 100 M and 500 M mappings (a month of a gateway
#         logging 193 sessions/s) built straight from the generator
#         (nat_bench build), then 20 000 lookups of held ports and 20 000 of
#         random ports each, first touch after dropping the page cache
#         (root) and warm; bytes per mapping.
# Data in bench/data/nat (git-ignored; ~12 GB for everything), results on
# stdout; README.md holds the medians.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${RUNS:-3}
phases=${*:-ingest peer scale}
b=build-bench
cmake -S . -B $b -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build $b -j"$(nproc)" --target vigil nat_gen nat_bench >/dev/null
d=bench/data/nat
mkdir -p $d
log=$d/asa10m.log
if [ ! -s $log ]; then
	$b/bench/nat/nat_gen -n 10000000 -r 20000 -g 16 -S 2 -q $d/q10m.txt > $log
fi
[ -s $log.gz ] || gzip -1 -c $log > $log.gz
drop() { sync; [ "$(id -u)" = 0 ] && echo 3 > /proc/sys/vm/drop_caches || true; }

for phase in $phases; do
case $phase in
ingest)
	lines=$(wc -l < $log)
	echo "log: $lines lines, $(du -m $log | cut -f1) MB plain, $(du -m $log.gz | cut -f1) MB gzip -1"
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		for f in $log $log.gz; do
			rm -rf $d/idx-ingest
			/usr/bin/time -f "%U %S %e %M" -o $d/t $b/vigil nat ingest -w $d/idx-ingest $f 2>/dev/null
			read -r u s e m < $d/t
			echo "run $i ingest $(basename $f): cpu $(echo "$u + $s" | bc) s wall $e s rss $((m / 1024)) MB:" \
				"$(echo "scale=2; $lines / ($u + $s) / 1000000" | bc) M lines/s of cpu"
		done
		$b/bench/nat/nat_bench parse $log | sed "s/^/run $i /"
		/usr/bin/time -f "%U %S %e" -o $d/t wc -l $log > /dev/null
		read -r u s e < $d/t
		echo "run $i floor wc -l: wall $e s"
		/usr/bin/time -f "%e" -o $d/t sh -c "gzip -dc $log.gz | wc -l > /dev/null"
		echo "run $i floor gzip -dc | wc -l: wall $(cat $d/t) s"
	done
	$b/vigil nat info -R $d/idx-ingest
	;;
peer)
	[ -d $d/idx-ingest ] || $b/vigil nat ingest -w $d/idx-ingest $log 2>/dev/null
	q=$(sed -n 5000p $d/q10m.txt)
	set -- $q
	at=$(date -u -d "@$(($3 / 1000))" +%Y-%m-%dT%H:%M:%SZ)
	echo "notice: $1:$2 at $at (held by $4:$5)"
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		drop
		/usr/bin/time -f "%e" -o $d/t grep -F " outside:$1/$2" $log > $d/grep.out
		echo "run $i grep -F plain (cold): $(cat $d/t) s"
		/usr/bin/time -f "%e" -o $d/t grep -F " outside:$1/$2" $log > $d/grep.out
		echo "run $i grep -F plain (warm): $(cat $d/t) s"
		/usr/bin/time -f "%e" -o $d/t zgrep -F " outside:$1/$2" $log.gz > $d/grep.out
		echo "run $i zgrep -F: $(cat $d/t) s"
		drop
		/usr/bin/time -f "%e" -o $d/t $b/vigil nat lookup -R $d/idx-ingest "$1:$2@$at" > $d/ans
		echo "run $i vigil nat lookup (cold, a process): $(cat $d/t) s: $(grep inside: $d/ans)"
		/usr/bin/time -f "%e" -o $d/t $b/vigil nat lookup -R $d/idx-ingest "$1:$2@$at" > /dev/null
		echo "run $i vigil nat lookup (warm, a process): $(cat $d/t) s"
	done
	;;
scale)
	for n in 20 100 500; do
		if [ ! -f $d/idx${n}m.queries ]; then
			rm -rf $d/idx${n}m
			/usr/bin/time -f "%e s wall, %M KB" $b/bench/nat/nat_bench build $d/idx${n}m ${n}000000 193 7
		fi
		drop
		$b/bench/nat/nat_bench lookup $d/idx${n}m $d/idx${n}m.queries | sed "s/^/${n}M /"
	done
	;;
*) echo "unknown phase $phase" >&2; exit 2 ;;
esac
done
