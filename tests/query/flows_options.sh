#!/bin/sh
# flows_options.sh - nfdump's daily options of `vigil flows` on the v5-small
# capture (values known from make_fixture.py): -o fmt: tokens and errors, the
# named formats, -q, -N, -c, -O, -a/-A/-b/-B, several -s with -O, the
# icmp-type/icmp-code/next/router/in packets/flowdir filters, relative and
# nfdump-style -t; then the same through a store (-R) as through -r.
set -u
: "${VIGIL:?set VIGIL to the vigil binary}"
[ -x "$VIGIL" ] || { echo "skip: no vigil binary at $VIGIL"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
cap="$here/data/v5-small.pcap"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
V() { "$VIGIL" flows -r "$cap" "$@"; }
# lines ARGS... EXPECTED: the run prints EXPECTED lines (ARGS are split at
# blanks: fine for filters, which vigil joins with blanks again)
lines() {
	eval "want=\${$#}"
	k=$(($# - 1))
	set -- $(i=0; for a in "$@"; do i=$((i + 1)); [ $i -le $k ] && printf '%s\n' "$a"; done)
	n=$((n + 1))
	got=$(V "$@" 2>/dev/null | wc -l | tr -d ' ')
	[ "$got" = "$want" ] || fail "$*: $got lines, expected $want"
}
# has PATTERN ARGS...: the output has a line matching PATTERN
has() {
	pat=$1
	shift
	n=$((n + 1))
	V "$@" >"$tmp/out" 2>&1
	grep -q -- "$pat" "$tmp/out" || { fail "$* lacks '$pat'"; cat "$tmp/out"; }
}

# -o fmt: and the named formats
has '^2023-11-14 22:13:12.000|ICMP |      192.0.2.99:8.0  |     8|     0$' -q -o 'fmt:%ts|%pr|%dap|%it|%ic' 'proto icmp'
has '^Date first seen         Proto      Dst IP Addr:Port  ICMP-T ICMP-C$' -o 'fmt:%ts|%pr|%dap|%it|%ic' 'proto icmp'
has '^     203.0.113.9:22    ->         10.1.2.4:50000   150000   171453   1500 ...AP...     1$' -q -o 'fmt:%sap -> %dap %byt %bps %bpp %flg %fl' 'bytes > 100000'
has '00:00:06.999 TCP        203.0.113.9:22    ->         10.1.2.4:50000 ...AP...   0      100   150000       14   171453   1500     1' -q -o extended 'bytes > 100000'
has '            6.999 6          203.0.113.9:22' -q -N -o line 'bytes > 100000'
has '^Date first seen             Duration     Proto      Src IP Addr:Port          Dst IP Addr:Port   Packets    Bytes Flows$' -o line
has 'No matching flows' -o line 'host 1.1.1.1'
lines -o null 0
lines -q -o line 12
lines -q -o csv 12
lines -o csv 13
# errors name the token
V -o 'fmt:%ts %xyz' >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "unknown format token '%xyz' at offset 4" "$tmp/err" || { fail "unknown token: rc $rc $(cat "$tmp/err")"; }
V -o 'fmt:%tr' >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "not carried by vigil's flow record '%tr'" "$tmp/err" || { fail "%tr: rc $rc $(cat "$tmp/err")"; }
V -c config.conf >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "configuration file is -C" "$tmp/err" || fail "-c CONFIG not explained"
V -C "$tmp/none.conf" >/dev/null 2>&1 && fail "-C with a missing file succeeded"
V -O size >/dev/null 2>&1; [ $? = 2 ] || fail "bad -O accepted"
V -A srcip,foo >/dev/null 2>"$tmp/err"; grep -q "unknown aggregation key 'foo'" "$tmp/err" || fail "bad -A key"
V -a -s srcip >/dev/null 2>&1; [ $? = 2 ] || fail "-a with -s accepted"
n=$((n + 9))

# -c: the first N flows that pass the filter; -n: the first N printed
lines -q -o line -c 2 2
lines -q -o line -c 3 'proto tcp' 3
lines -q -o line -n 4 4
has '^        10.1.2.3     3        3$' -q -c 4 -A srcip -o 'fmt:%sa %fl %pkt'
# -O: times ascending, counters descending
V -q -o 'fmt:%ts' -O tstart | sort -c 2>/dev/null || fail "-O tstart not ascending"
V -q -N -o 'fmt:%byt' -O bytes | sort -rn -c 2>/dev/null || fail "-O bytes not descending"
V -q -N -o 'fmt:%td' -O duration | sort -rn -c 2>/dev/null || fail "-O duration not descending"
has '^2023-11-14 22:12:40.000' -q -o line -O tstart -n 1
n=$((n + 3))

# aggregation
lines -q -A srcip 8
has '^2023-11-14 22:13:10.000     00:00:05.500          10.1.2.3         9      636      925     70     5$' -q -A srcip 'host 10.1.2.3'
has '^        10.1.0.0        9     5$' -q -A srcip4/16 -o 'fmt:%sa %pkt %fl'
has '^       192.0.2.0/24     4$' -q -A dstip4/24 -o 'fmt:%da/24 %fl' -O flows
has '10.1.2.3:40001 <->       192.0.2.10:445          1        1       40       60     2$' -q -b
has '10.1.2.4:50000 <->      203.0.113.9:22         100        0   150000        0     1$' -q -B
has '10.9.9.9:33000 ->     198.51.100.7:80 ' -q -a -o line
lines -q -a -o line 12
has ',1,0,0$' -q -a -o csv
has '"flows":2,"opackets":1,"obytes":40}' -q -b -o json 'port 40001'

# several -s, -O for the ones that name no order
has 'Top 3 Src IP Addr ordered by flows' -s srcip -s dstport/bytes -n 3
has 'Top 3 Dst Port ordered by bytes' -s srcip -s dstport/bytes -n 3
has 'Top 2 Src IP Addr ordered by bytes' -s srcip -s proto/packets -O bytes -n 2
has 'Top 2 Protocol ordered by packets' -s srcip -s proto/packets -O bytes -n 2
has '203.0.113.9        1( 8.3)      100(64.9)   150000(86.2)' -q -s srcip -O bytes -n 1
has '     Next-hop IP' -s nhip -n 1
has '         0.0.0.0       12(100.0)' -q -s nhip -n 1

# filters
lines -q -o line 'icmp-type 8' 1
lines -q -o line 'icmp-type 8 and icmp-code 0' 1
lines -q -o csv 'icmp-type 0' 0
lines -q -o csv 'icmp-code > 0' 0
lines -q -o csv 'not icmp-type 8' 11
lines -q -o csv 'next ip 0.0.0.0' 12
lines -q -o csv 'router ip 192.0.2.251' 2
lines -q -o csv 'in packets > 10' 3
lines -q -o csv 'flowdir ingress' 12
lines -q -o csv 'flowdir egress' 0
V 'icmp-typ 8' >/dev/null 2>&1; [ $? = 2 ] || fail "misspelt icmp-type accepted"
V 'out packets > 1' >/dev/null 2>"$tmp/err"; grep -q "no out counters" "$tmp/err" || fail "out packets not explained"
n=$((n + 2))

# -t: relative to now (VIGIL_CLOCK pins it) and nfdump's absolute form
export VIGIL_CLOCK=2023-11-14T22:30:00Z
lines -q -o csv -t -20m 12
lines -q -o csv -t -10m 0
lines -q -o csv -t -1h 12
unset VIGIL_CLOCK
lines -q -o csv -t 2023/11/14.22:13:14-2023/11/14.22:13:16 4

# through the store: the same rows as from the capture
if "$VIGIL" collect -w "$tmp/store" -r "$cap" >/dev/null 2>&1; then
	all='%ts %te %td %pr %sa %da %sap %dap %sp %dp %pkt %byt %fl %flg %tos %in %out %sas %das %bps %pps %bpp %sn %dn %nh %ra %smk %dmk %it %ic %dir %xsap %xdap %smp'
	# (-b and -c depend on the order flows are read in, which the store keeps its own way)
	for args in "-A srcip,dstport -O bytes" "-B -O bytes" "-O tstart -o long" "-A srcip4/8,proto -O flows" "-o fmt:ALL"; do
		n=$((n + 1))
		if [ "$args" = "-o fmt:ALL" ]; then
			V -q -o "fmt:$all" | sort >"$tmp/r"
			"$VIGIL" flows -R "$tmp/store" -q -o "fmt:$all" | sort >"$tmp/s"
		else
			# shellcheck disable=SC2086
			V -q $args | sort >"$tmp/r"
			# shellcheck disable=SC2086
			"$VIGIL" flows -R "$tmp/store" -q $args | sort >"$tmp/s"
		fi
		[ -s "$tmp/r" ] && cmp -s "$tmp/r" "$tmp/s" || { fail "-R differs from -r for $args"; diff "$tmp/r" "$tmp/s" | head -5; }
	done
	# -o null over the store: nothing printed, no listed column decoded (it
	# crashed once on the columns it had not decoded); -c still stops it
	for args in "-o null" "-o null proto tcp" "-o null -c 2" "-o null -n 1"; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		out=$("$VIGIL" flows -R "$tmp/store" $args 2>&1); rc=$?
		[ "$rc" = 0 ] && [ -z "$out" ] || fail "-R $args: rc $rc, output '$out'"
	done
else
	fail "vigil collect could not write the store"
fi

echo "flows options: $((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
