#!/bin/bash
# Build and run every libFuzzer target in tests/fuzz/fuzz_*.c.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (`make fuzz FUZZ_SECONDS=N`)
#
# SECONDS is the fuzzing time per target (default 30; 0 = only build and
# replay). TARGETs ("parse_web" or "fuzz_parse_web") restrict the run; by
# default every tests/fuzz/fuzz_*.c is found and run, so a new target needs no
# change here. For each target:
#   1. replay tests/fuzz/regress/<target>/* (inputs that once crashed);
#   2. fuzz for SECONDS over a working copy of tests/fuzz/corpus/<target>/
#      (build/fuzz/work/<target>/, kept between runs so coverage accumulates).
# One line per target: `fuzz_<target>: N runs in S s CPU, OK` or what crashed; crash
# inputs land in build/fuzz/crashes/. Exit 0 when every target is OK, 1 when
# any crashed, 2 when the build failed.
#
# The project's sources (common/, collector/, correlator/ minus main.c) are
# compiled with clang and -fsanitize=address,undefined,fuzzer-no-link into
# build/fuzz/obj/ (rebuilt when a source or any header is newer) and archived,
# so a target links only the modules it uses plus the Makefile's PKGS libs.
#
# Environment: FUZZ_JOBS (targets fuzzed at once, default 1; each is one
# process, so 2 keeps two cores busy), FUZZ_LOGS (folder of the per-target
# logs, default build/fuzz/logs: a long campaign run beside `make check`
# gives its own so neither truncates the other's), FUZZ_MAX_LEN (16384),
# FUZZ_ASAN_OPTIONS. The working corpora are shared by every run on purpose:
# what a long campaign found, the smoke test starts from.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD

SECONDS_PER=${1:-}
[ -n "$SECONDS_PER" ] || SECONDS_PER=30
case "$SECONDS_PER" in
    ''|*[!0-9]*) echo "usage: tests/fuzz/run.sh [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift

CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "fuzz: $CLANG not found (libFuzzer needs clang)" >&2
    exit 2
fi

OUT=$ROOT/build/fuzz
LOGS=${FUZZ_LOGS:-$OUT/logs}
JOBS=${FUZZ_JOBS:-1}
case "$JOBS" in ''|*[!0-9]*|0) echo "fuzz: FUZZ_JOBS must be a positive number" >&2; exit 2 ;; esac
mkdir -p "$OUT/obj" "$OUT/bin" "$OUT/crashes" "$OUT/work" "$OUT/logs" "$LOGS"

# The Makefile's PKGS line is the single list of libraries.
PKGS=$(sed -n 's/^PKGS[[:space:]]*:=[[:space:]]*//p' Makefile | head -n 1)
PKG_CFLAGS=$(pkg-config --cflags $PKGS 2>/dev/null)
PKG_LIBS=$(pkg-config --libs $PKGS 2>/dev/null)

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -DRONDA_VERSION=\"fuzz\" -DRONDA_DATADIR=\"/nonexistent\" -Iinclude -Icollector -Icorrelator $PKG_CFLAGS"

# Several engineers fuzz at once: the build (objects, archive, links) runs
# under a lock so no run links against an archive another run is rewriting.
# The fuzzing itself runs unlocked (the linker replaces a binary by a new
# file, so a fuzzer already running keeps its own).
exec 9>"$OUT/.build.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

# Newest header: any change to one rebuilds every object (cheap enough).
newest_hdr=$(ls -t include/ronda/*.h collector/*.h correlator/*.h 2>/dev/null | head -n 1)

# Objects are compiled BUILD_JOBS at a time (FUZZ_BUILD_JOBS, default the
# number of CPUs): a clean build is most of a first `make check` run's fuzz
# smoke time otherwise.
BUILD_JOBS=${FUZZ_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
objs=()
todo=()
build_failed=0
for src in common/*.c collector/*.c correlator/*.c; do
    [ -f "$src" ] || continue
    case "$src" in */main.c) continue ;; esac
    obj=$OUT/obj/${src%.c}.o
    mkdir -p "$(dirname "$obj")"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || \
       { [ -n "$newest_hdr" ] && [ "$newest_hdr" -nt "$obj" ]; }; then
        rm -f "$obj"
        todo+=("$src")
    fi
    objs+=("$obj")
done
compile() {   # src: its object, or no object and its log
    local src=$1 obj=$OUT/obj/${1%.c}.o log=$OUT/logs/build-$(echo "${1%.c}" | tr / -).log
    $CLANG $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$obj" "$src" >"$log" 2>&1 ||
        rm -f "$obj"
}
nrun=0
for src in "${todo[@]}"; do
    if [ $nrun -ge "$BUILD_JOBS" ]; then
        wait -n 2>/dev/null || true
        nrun=$((nrun - 1))
    fi
    compile "$src" &
    nrun=$((nrun + 1))
done
wait
for src in "${todo[@]}"; do
    if [ ! -f "$OUT/obj/${src%.c}.o" ]; then
        echo "fuzz: compiling $src failed:" >&2
        sed 's/^/  | /' "$OUT/logs/build-$(echo "${src%.c}" | tr / -).log" | head -n 30 >&2
        build_failed=1
    fi
done
[ $build_failed = 0 ] || exit 2
# Objects of deleted sources must not linger in the archive.
rm -f "$OUT/libronda_fuzz.a"
ar rcs "$OUT/libronda_fuzz.a" "${objs[@]}"

targets=()
if [ $# -gt 0 ]; then
    for t in "$@"; do targets+=("tests/fuzz/fuzz_${t#fuzz_}.c"); done
else
    for f in tests/fuzz/fuzz_*.c; do [ -f "$f" ] && targets+=("$f"); done
fi
if [ ${#targets[@]} = 0 ]; then
    echo "fuzz: no targets in tests/fuzz/"
    exit 0
fi

# Link every target while the lock is held.
declare -A built=()
link() {   # target source: its binary and an .ok mark, or its log
    local f=$1 base
    base=$(basename "$f" .c)
    rm -f "$OUT/logs/$base.ok"
    $CLANG $CFLAGS $SAN -fsanitize=fuzzer -o "$OUT/bin/$base" "$f" \
        "$OUT/libronda_fuzz.a" $PKG_LIBS -lm -lpthread >"$OUT/logs/$base.build.log" 2>&1 &&
        touch "$OUT/logs/$base.ok"
}
nrun=0
for f in "${targets[@]}"; do
    [ -f "$f" ] || continue
    if [ $nrun -ge "$BUILD_JOBS" ]; then
        wait -n 2>/dev/null || true
        nrun=$((nrun - 1))
    fi
    link "$f" &
    nrun=$((nrun + 1))
done
wait
for f in "${targets[@]}"; do
    base=$(basename "$f" .c)
    [ -f "$OUT/logs/$base.ok" ] && built[$base]=1
    rm -f "$OUT/logs/$base.ok"
done
flock -u 9 2>/dev/null
exec 9>&-

export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
MAX_LEN=${FUZZ_MAX_LEN:-16384}

# fuzz_target SRC: replay and fuzz one target; prints its one result line
# (and a few lines of detail on failure); returns 0 OK, 1 crash, 2 not built.
fuzz_target() {
    local f=$1 base name bin log reg work frc runs art cpu
    base=$(basename "$f" .c)         # fuzz_parse_web
    name=${base#fuzz_}               # parse_web
    bin=$OUT/bin/$base
    log=$LOGS/$base.log
    if [ ! -f "$f" ]; then
        echo "$base: no such target ($f)"; return 1
    fi
    if [ -z "${built[$base]:-}" ]; then
        echo "$base: BUILD FAILED"
        sed 's/^/  | /' "$OUT/logs/$base.build.log" | head -n 30
        return 2
    fi

    # 1. regressions: each input runs once and must not crash
    reg=tests/fuzz/regress/$name
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
        if ! "$bin" -runs=1 "$reg"/* >"$log" 2>&1; then
            echo "$base: CRASH replaying $reg (log ${log#$ROOT/})"
            grep -m 5 -E 'ERROR|SUMMARY|Assertion|runtime error|Running:' "$log" | sed 's/^/  | /'
            return 1
        fi
    fi
    [ "$SECONDS_PER" = 0 ] && { echo "$base: built, regressions OK"; return 0; }

    # 2. fuzz over a working copy of the seeds
    work=$OUT/work/$name
    mkdir -p "$work"
    if [ -d "tests/fuzz/corpus/$name" ]; then
        cp -n tests/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null
    fi
    "$bin" -max_total_time="$SECONDS_PER" -max_len="$MAX_LEN" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$OUT/crashes/$name-" "$work" >"$log" 2>&1
    frc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -n 1)
    [ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
    times >"$log.times"     # this (sub)shell's children: the fuzzer, mostly
    cpu=$(tail -n 1 "$log.times" | awk '{ n = split($1 " " $2, t, " "); s = 0
        for (k = 1; k <= n; k++) { split(t[k], ms, "m"); s += ms[1] * 60 + ms[2] }
        printf "%.0f", s }')
    rm -f "$log.times"
    if [ $frc = 0 ]; then
        echo "$base: ${runs:-0} runs in ${cpu} s CPU, OK"
        return 0
    fi
    art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "$base: CRASH after ${runs:-?} runs: ${art:-see log} (log ${log#$ROOT/})"
    grep -m 5 -E 'ERROR|SUMMARY|Assertion|runtime error' "$log" | sed 's/^/  | /'
    return 1
}

# Up to JOBS targets at once; the result lines come out in target order.
# rc: 2 if a target did not build, else 1 if any crashed, else 0.
rc=0
res=$(mktemp -d "${TMPDIR:-/tmp}/ronda-fuzz.XXXXXX")
trap 'rm -rf "$res"' EXIT
running=()
i=0
for f in "${targets[@]}"; do
    while [ ${#running[@]} -ge "$JOBS" ]; do
        wait -n 2>/dev/null || true
        alive=()
        for p in "${running[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
        running=("${alive[@]}")
    done
    ( fuzz_target "$f" >"$res/$i.out"; echo $? >"$res/$i.rc" ) &
    running+=("$!")
    i=$((i + 1))
done
wait
for j in $(seq 0 $((i - 1))); do
    cat "$res/$j.out"
    r=$(cat "$res/$j.rc" 2>/dev/null || echo 1)
    if [ "$r" = 2 ]; then rc=2; elif [ "$r" != 0 ] && [ $rc = 0 ]; then rc=1; fi
done
exit $rc
