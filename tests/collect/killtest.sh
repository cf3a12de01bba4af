#!/bin/sh
# killtest.sh - kill -9 the running collector at random moments (20 rounds,
# restarting on the same store) while NetFlow streams in; every flow sent more
# than flush + margin before a kill must be stored, once, intact. See kill_test.py.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${VIGIL:?VIGIL is the vigil binary}"
: "${COLLECT_DUMP:?COLLECT_DUMP is the collect_dump helper}"
[ -x /usr/bin/python3 ] || { echo "skip: /usr/bin/python3 missing"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/kill_test.py" "$VIGIL" "$COLLECT_DUMP" "$work" "${KILL_ROUNDS:-20}"
