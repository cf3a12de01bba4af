#!/bin/sh
# The whole test suite on a fresh Debian 12 machine: install what is needed,
# build with ASan+UBSan and -Werror, start the real servers the tests talk to
# (PostgreSQL on loopback), run every test with ctest, run each fuzz target
# briefly, check for banned functions, and stop the servers again.
#
#   scripts/test.sh            everything
#   FUZZ_SECONDS=0 scripts/test.sh   skip the fuzz runs
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sh scripts/deps.sh
sh scripts/check-banned.sh

# The optimised build without sanitizers is what users run (scripts/demo.sh):
# it must build warning-free too (-O2 finds warnings the sanitizer build hides).
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target vigil

build=${BUILD_DIR:-build-test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"

# Real servers on loopback, stopped on exit whatever happens.
. scripts/services.sh
services_start
trap services_stop EXIT INT TERM

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$build" && ctest --output-on-failure -j"$(nproc)")

if [ "${FUZZ_SECONDS:-20}" != 0 ]; then
	sh scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
fi
echo "all tests passed"
