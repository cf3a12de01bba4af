#!/bin/sh
# bench/flows/run.sh - vigil against nfdump on the same NetFlow v9 exports:
# ingest (highest loss-free rate on loopback), disk (bytes per flow) and query
# (filter, top-N, host lookup over the whole set). Installs nothing (see
# scripts/deps.sh); builds genflows and vigil without sanitizers in
# build-bench, generates the capture if it is missing (bench/data, git-ignored)
# and writes raw results under bench/out (git-ignored). Figures that go into
# bench/README.md are copied there by hand.
#
#   sh bench/flows/run.sh [PHASE ...]
#   phases: build gen check rate-nfdump rate-vigil load-nfdump load-vigil disk query table
#   (default: all of them in that order)
#
# Knobs (environment): FLOWS (20000000), SEED (2009), RATES (flows/s steps),
# STEP_SECS (8: seconds of sending a step), BISECT (3: refinement steps),
# RCVBUF (4194304: socket buffer both collectors ask for), RUNS (5: query runs),
# LOAD_RATE (100000: flows/s for the full load), LOAD_VIA (udp; capture = load
# vigil with `vigil collect -r`), HOST (the rare host to look up).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
DATA=${DATA:-$ROOT/bench/data}
OUT=${OUT:-$ROOT/bench/out/flows}
FLOWS=${FLOWS:-20000000}
SEED=${SEED:-2009}
PCAP=$DATA/flows-$FLOWS-$SEED.pcap
RATES=${RATES:-"50000 100000 200000 400000 800000 1600000 3200000"}
STEP_SECS=${STEP_SECS:-8}
BISECT=${BISECT:-3}
RCVBUF=${RCVBUF:-4194304}
RUNS=${RUNS:-5}
LOAD_RATE=${LOAD_RATE:-100000}
HOST=${HOST:-203.0.113.77}
PORT_NF=${PORT_NF:-39995}
PORT_VG=${PORT_VG:-39996}
NFCAPD_OPTS=${NFCAPD_OPTS:-}
GEN=$BUILD/bench/genflows
VIGIL=$BUILD/vigil

mkdir -p "$DATA" "$OUT"
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

phase_build() {
	# -O2 without sanitizers warns where the sanitizer builds do not
	# (maybe-uninitialized, format-truncation): keep those warnings, not fatal.
	cmake -S "$ROOT" -B "$BUILD" -DVIGIL_SANITIZE=OFF -DVIGIL_TESTS=OFF \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_C_FLAGS="-Wno-error=format-truncation -Wno-error=maybe-uninitialized" >/dev/null
	cmake --build "$BUILD" -j2 --target genflows
	cmake --build "$BUILD" -j2 --target vigil storecount ||
		log "vigil did not build: vigil side will be skipped"
}

phase_gen() {
	[ -s "$PCAP" ] && { log "have $PCAP"; return 0; }
	log "generating $FLOWS flows into $PCAP"
	"$GEN" gen -n "$FLOWS" -s "$SEED" -o "$PCAP.tmp" 2>"$OUT/gen.txt"
	mv "$PCAP.tmp" "$PCAP"
	cat "$OUT/gen.txt" >&2
}

# --- collectors: start DIR PORT, stop, count DIR -------------------------------
PID=""
nf_start() {
	rm -rf "$1"; mkdir -p "$1"
	# shellcheck disable=SC2086
	nfcapd -w "$1" -p "$2" -t 300 -B "$RCVBUF" $NFCAPD_OPTS >"$1.log" 2>&1 &
	PID=$!
	sleep 1
}
vg_start() {
	rm -rf "$1"; mkdir -p "$1"
	printf '[collect]\nrcvbuf = %s\nuser = root\n[store]\ndir = %s\n' "$RCVBUF" "$1" >"$1.conf"
	"$VIGIL" collect -c "$1.conf" -w "$1" -l "127.0.0.1:$2" >"$1.log" 2>&1 &
	PID=$!
	sleep 1
}
stop() {
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	PID=""
}
nf_count() { nfdump -R "$1" -I 2>/dev/null | awk '/^Flows:/ { s += $2 } END { print s + 0 }'; }
vg_count() {
	# Through the public store reader (storecount), not `vigil flows`: an
	# independent count of what the store holds.
	"$BUILD/bench/storecount" "$1" | sed -n 's/^flows=\([0-9]*\).*/\1/p'
}

# send RATE FLOWS PORT -> "flows=N packets=N errors=N seconds=X rate=Y"
send() { "$GEN" send -r "$PCAP" -u "127.0.0.1:$3" -R "$1" -c "$2"; }
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# One loss run: tool rate -> appends to rate-TOOL.tsv, returns 0 when no loss.
loss_run() {
	tool=$1 rate=$2
	n=$((rate * STEP_SECS))
	[ "$n" -gt "$FLOWS" ] && n=$FLOWS
	dir=$DATA/rate-$tool
	if [ "$tool" = nfdump ]; then nf_start "$dir" "$PORT_NF"; port=$PORT_NF
	else vg_start "$dir" "$PORT_VG"; port=$PORT_VG; fi
	res=$(send "$rate" "$n" "$port")
	sleep 1
	stop
	sent=$(field "$res" flows)
	got=$(if [ "$tool" = nfdump ]; then nf_count "$dir"; else vg_count "$dir"; fi)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$rate" "$(field "$res" rate)" "$sent" "$got" \
		"$((sent - got))" >>"$OUT/rate-$tool.tsv"
	{ echo "== $tool $rate"; tail -n 3 "$dir.log"; } >>"$OUT/rate-$tool.log"
	log "$tool target $rate/s achieved $(field "$res" rate)/s sent $sent stored $got lost $((sent - got))"
	[ "$sent" -eq "$got" ]
}

# Step the rate up until a run loses flows, then bisect between pass and fail.
rate_search() {
	tool=$1 pass=0 fail=0
	printf 'tool\ttarget\tachieved\tsent\tstored\tlost\n' >"$OUT/rate-$tool.tsv"
	for r in $RATES; do
		if loss_run "$tool" "$r"; then pass=$r; else fail=$r; break; fi
	done
	i=0
	while [ "$fail" -gt 0 ] && [ "$i" -lt "$BISECT" ]; do
		mid=$(awk -v a="$pass" -v b="$fail" 'BEGIN { m = a > 0 ? sqrt(a * b) : b / 2; printf "%d", m / 1000 * 1000 }')
		if loss_run "$tool" "$mid"; then pass=$mid; else fail=$mid; fi
		i=$((i + 1))
	done
	echo "$pass" >"$OUT/rate-$tool.max"
	log "$tool: highest loss-free rate $pass flows/s (first loss at ${fail:-none})"
}

phase_check() {
	# The generated packets decode: nfcapd stores exactly what was sent.
	small=$DATA/check.pcap
	"$GEN" gen -n 300000 -s "$SEED" -o "$small" 2>/dev/null
	tsh=$(tshark -r "$small" -d udp.port==2055,cflow -T fields -e cflow.flowset_id -e cflow.count 2>/dev/null |
		awk '$1 != "0" && $1 != "1" { s += $2 } END { print s + 0 }')
	nf_start "$DATA/check-nfdump" "$PORT_NF"
	res=$("$GEN" send -r "$small" -u "127.0.0.1:$PORT_NF" -R 50000)
	sleep 1; stop
	echo "check: tshark decodes $tsh flow records; sender $(field "$res" flows); nfcapd stored $(nf_count "$DATA/check-nfdump")" |
		tee "$OUT/check.txt" >&2
}

# Load the whole set into DIR at LOAD_RATE over UDP; verify the count. A
# vigil load that lost flows is redone from the capture (`vigil collect -r`,
# the same packets decoded by the same code, no socket) so both query sets
# hold all FLOWS flows; load-TOOL.txt says which way it went.
load() {
	tool=$1 dir=$DATA/full-$1
	if [ "$tool" = vigil ] && [ "${LOAD_VIA:-udp}" = capture ]; then
		rm -rf "$dir"
		"$VIGIL" collect -w "$dir" -r "$PCAP" >"$dir.log" 2>&1
		printf '%s\tcapture (vigil collect -r)\tsent %s\tstored %s\n' "$tool" "$FLOWS" \
			"$(vg_count "$dir")" | tee "$OUT/load-$tool.txt" >&2
		return 0
	fi
	if [ "$tool" = nfdump ]; then nf_start "$dir" "$PORT_NF"; port=$PORT_NF
	else vg_start "$dir" "$PORT_VG"; port=$PORT_VG; fi
	log "loading $FLOWS flows into $tool at $LOAD_RATE/s"
	res=$(send "$LOAD_RATE" "$FLOWS" "$port")
	sleep 2; stop
	got=$(if [ "$tool" = nfdump ]; then nf_count "$dir"; else vg_count "$dir"; fi)
	printf '%s\tudp at %s/s\tsent %s\tstored %s\n' "$tool" "$LOAD_RATE" "$(field "$res" flows)" "$got" |
		tee "$OUT/load-$tool.txt" >&2
	if [ "$tool" = vigil ] && [ "$got" -ne "$FLOWS" ]; then
		rm -rf "$dir"
		"$VIGIL" collect -w "$dir" -r "$PCAP" >"$dir.log" 2>&1
		printf '%s\tcapture (vigil collect -r)\tsent %s\tstored %s\n' "$tool" "$FLOWS" \
			"$(vg_count "$dir")" | tee -a "$OUT/load-$tool.txt" >&2
	fi
}

# Bytes per flow: nfcapd's files recompressed with each codec it has (nfdump
# -J: the same block format nfcapd -z/-y/-j writes), then vigil's store.
# The nfdump rows are kept if present (bz2 takes ~10 minutes): remove
# disk-nfdump.tsv to redo them.
phase_disk() {
	if [ ! -s "$OUT/disk-nfdump.tsv" ]; then
		n=$(nf_count "$DATA/full-nfdump")
		for c in none:0 lzo:1 lz4:3 bz2:2; do
			name=${c%%:*} j=${c##*:}
			d=$DATA/full-nfdump-$name
			rm -rf "$d"; cp -r "$DATA/full-nfdump" "$d"
			t0=$(date +%s)
			[ "$j" = 0 ] || nfdump -R "$d" -J "$j" >/dev/null
			b=$(du -sb "$d" | cut -f1)
			printf 'nfdump-%s\t%s\t%s\t%s\t%ss\n' "$name" "$b" "$(nf_count "$d")" \
				"$(awk -v b="$b" -v n="$n" 'BEGIN { printf "%.1f", b / n }')" \
				"$(($(date +%s) - t0))" >>"$OUT/disk-nfdump.tsv.tmp"
		done
		mv "$OUT/disk-nfdump.tsv.tmp" "$OUT/disk-nfdump.tsv"
	fi
	if [ -d "$DATA/full-vigil" ]; then
		n=$(vg_count "$DATA/full-vigil")
		b=$(du -sb "$DATA/full-vigil" | cut -f1)
		printf 'vigil\t%s\t%s\t%s\t-\n' "$b" "$n" \
			"$(awk -v b="$b" -v n="$n" 'BEGIN { printf "%.1f", n ? b / n : 0 }')" >"$OUT/disk-vigil.tsv"
	fi
	cat "$OUT"/disk-*.tsv >"$OUT/disk.tsv"
	column -t "$OUT/disk.tsv" >&2
}

# query NAME NFDUMP_ARGS VIGIL_ARGS : hyperfine, warm cache, RUNS runs.
query() {
	name=$1 nfa=$2 vga=$3 cmds=""
	set -- --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/q-$name.json"
	for v in $NF_VARIANTS; do
		set -- "$@" -n "nfdump-$v" "nfdump -R $DATA/full-nfdump-$v $nfa"
	done
	if [ -x "$VIGIL" ] && [ -d "$DATA/full-vigil" ]; then
		set -- "$@" -n vigil "$VIGIL flows -R $DATA/full-vigil $vga"
	fi
	hyperfine "$@" >"$OUT/q-$name.txt" 2>&1 || log "hyperfine $name failed (see $OUT/q-$name.txt)"
	for v in $NF_VARIANTS; do
		/usr/bin/time -f "%M" -o "$OUT/rss-$name-nfdump-$v" sh -c "exec nfdump -R $DATA/full-nfdump-$v $nfa >/dev/null"
	done
	if [ -x "$VIGIL" ] && [ -d "$DATA/full-vigil" ]; then
		/usr/bin/time -f "%M" -o "$OUT/rss-$name-vigil" sh -c "exec $VIGIL flows -R $DATA/full-vigil $vga >/dev/null"
	fi
}

# QUERIES: which of filter null topn host (null: the filter with -o null
# on both sides, the output discarded); NF_VARIANTS: which nfcapd stores
# (none lzo lz4 bz2, as made by the disk phase) nfdump reads; WARMUP: runs
# before timing (the cache is warm after the load and disk phases anyway).
NF_VARIANTS=${NF_VARIANTS:-"none lz4"}
QUERIES=${QUERIES:-"filter null topn host"}
WARMUP=${WARMUP:-1}
phase_query() {
	for q in $QUERIES; do
		case $q in
		filter) query filter "-o csv 'proto tcp and dst port 445'" "-o csv 'proto tcp and dst port 445'" ;;
		null) query null "-o null 'proto tcp and dst port 445'" "-o null 'proto tcp and dst port 445'" ;;
		topn) query topn "-s srcip/flows -n 10" "-s srcip/flows -n 10" ;;
		host) query host "-o csv 'host $HOST'" "-o csv 'host $HOST'" ;;
		esac
	done
}

phase_table() {
	/usr/bin/python3 "$HERE/table.py" "$OUT" "$FLOWS" | tee "$OUT/table.txt"
}

[ $# -eq 0 ] && set -- build gen check rate-nfdump rate-vigil load-nfdump load-vigil disk query table
for p in "$@"; do
	case $p in
	build) phase_build ;;
	gen) phase_gen ;;
	check) phase_check ;;
	rate-nfdump) rate_search nfdump ;;
	rate-vigil) rate_search vigil ;;
	load-nfdump) load nfdump ;;
	load-vigil) load vigil ;;
	disk) phase_disk ;;
	query) phase_query ;;
	table) phase_table ;;
	*) echo "unknown phase $p" >&2; exit 2 ;;
	esac
done
