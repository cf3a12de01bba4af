#!/bin/sh
# Fail if the sources use functions that have no place in code that reads
# untrusted input: unbounded copies and formats, atoi without error checks,
# strtok's hidden state, gets.
top=$(cd "$(dirname "$0")/.." && pwd)
hits=$(grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)[[:space:]]*\(' \
	"$top/src" "$top/tests" "$top/fuzz" "$top/bench" --include='*.c' --include='*.h' 2>/dev/null |
	grep -v 'banned-ok')
if [ -n "$hits" ]; then
	echo "banned functions used (use snprintf, strtol, strtok_r, bounded copies):" >&2
	echo "$hits" >&2
	exit 1
fi
exit 0
