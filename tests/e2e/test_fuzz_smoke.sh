#!/bin/bash
# ronda-test: exclusive (two fuzzers at once use both cores)
# Fuzz smoke test: build every tests/fuzz/fuzz_*.c target, replay its
# regression inputs and fuzz it for 10 seconds (issue 8; 30 until sixteen
# targets made it five minutes, 20 until twenty targets and the scale-out
# tests; `make fuzz` runs them longer); fail if any target crashed or did not build. The sanitizer pass skips it: the fuzz build
# already carries ASan+UBSan, so one run per `tests/run.sh` is enough.
#
# Budget: ten targets at 30 s one after another would be 5 minutes of a CI
# run that must stay well under 30 on two cores. Two fuzzers at once
# (FUZZ_SMOKE_JOBS) use both cores, so the test runs alone (exclusive, see
# tests/run.sh) and each target gets its 10 s of CPU: under 2 minutes
# plus the build (objects compiled two at a time, cached after the first
# run). FUZZ_SMOKE_SECONDS and FUZZ_SMOKE_JOBS override.
set -u
if [ "${RONDA_SAN:-0}" = 1 ]; then
    echo "fuzz targets run once, in the plain pass"
    exit 77
fi
cd "${RONDA_SRC:-$(dirname "$0")/../..}" || exit 1
if ! command -v "${CLANG:-clang}" >/dev/null 2>&1; then
    echo "clang not installed: no libFuzzer"
    exit 77
fi
out=$(FUZZ_JOBS=${FUZZ_SMOKE_JOBS:-2} tests/fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-10}" 2>&1)
rc=$?
echo "$out"
if [ $rc != 0 ]; then
    echo "fuzz smoke: FAILED (run.sh exit $rc)"
    exit 1
fi
if ! grep -q ', OK$' <<<"$out"; then
    echo "fuzz smoke: no target ran"
    exit 1
fi
echo "fuzz smoke: OK"
