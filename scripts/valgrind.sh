#!/usr/bin/env bash
# Runs gomap's test binaries (the library's unit tests and every tests/*.rs) under valgrind's
# memcheck, with the test sizes reduced so that the whole run takes a few minutes:
#
#   GOMAP_TEST_SCALE=small  the heavy tests shrink their operation counts (tests/common/mod.rs)
#   PROPTEST_CASES=8        fewer proptest cases (override by setting it yourself)
#
# A binary fails if valgrind reports any error (invalid reads/writes, uninitialised values,
# invalid frees) or a *definite* leak, or if a test fails. Tests whose name contains "leaked"
# leak on purpose (a `mem::forget`-ed drain) and are skipped.
#
# Usage: scripts/valgrind.sh [NAME...]   NAME: a test binary (lib, differential, drops, ...);
#                                         all of them when none is given.
# Environment: CARGO_TARGET_DIR (as cargo), VALGRIND_TIMEOUT (seconds per binary, default 1200),
#              CARGO_FEATURES (passed to cargo as --features, e.g. "serde").
# Prints one summary line per binary and exits non-zero if any failed. Logs are kept in
# $TARGET/valgrind/<name>.log.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
    exit 2
fi

export GOMAP_TEST_SCALE=small
export PROPTEST_CASES="${PROPTEST_CASES:-8}"
export RUST_BACKTRACE=0 # symbolising backtraces under valgrind is very slow
timeout_s="${VALGRIND_TIMEOUT:-1200}"

features=()
if [[ -n "${CARGO_FEATURES:-}" ]]; then
    features=(--features "$CARGO_FEATURES")
fi

# Build every test binary of the gomap package and list them as "name<TAB>path".
listing="$(mktemp)"
trap 'rm -f "$listing"' EXIT
cargo test -p gomap "${features[@]}" --no-run --message-format=json 2>/dev/null |
    jq -r 'select(.reason == "compiler-artifact" and .profile.test == true and .executable != null)
           | [(if (.target.kind | index("lib")) then "lib" else .target.name end), .executable]
           | @tsv' >"$listing"
if [[ ! -s "$listing" ]]; then
    echo "valgrind.sh: no test binaries were built (see: cargo test -p gomap --no-run)" >&2
    exit 2
fi

target_dir="${CARGO_TARGET_DIR:-target}"
logdir="$target_dir/valgrind"
mkdir -p "$logdir"

failed=0
ran=0
while IFS=$'\t' read -r name exe; do
    if [[ $# -gt 0 ]]; then
        wanted=0
        for w in "$@"; do [[ "$w" == "$name" ]] && wanted=1; done
        [[ $wanted -eq 1 ]] || continue
    fi
    ran=$((ran + 1))
    log="$logdir/$name.log"
    start=$(date +%s)
    set +e
    timeout "$timeout_s" valgrind \
        --error-exitcode=1 \
        --leak-check=full \
        --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite \
        --log-file="$log.valgrind" \
        "$exe" --skip leaked >"$log" 2>&1
    status=$?
    set -e
    cat "$log.valgrind" >>"$log"
    rm -f "$log.valgrind"
    secs=$(($(date +%s) - start))
    tests=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed; [0-9]+ ignored' "$log" | tail -1 || true)
    errors=$(grep -Eo 'ERROR SUMMARY: [0-9]+ errors' "$log" | tail -1 || true)
    leaks=$(grep -Eo 'definitely lost: [0-9,]+ bytes' "$log" | tail -1 || true)
    if [[ $status -eq 0 ]]; then
        verdict=PASS
    elif [[ $status -eq 124 ]]; then
        verdict="FAIL (timeout after ${timeout_s}s)"
        failed=$((failed + 1))
    else
        verdict="FAIL (exit $status)"
        failed=$((failed + 1))
    fi
    printf '%-6s %-14s %5ss  %s | %s | %s\n' "${verdict%% *}" "$name" "$secs" \
        "${tests:-no test summary}" "${errors:-no error summary}" "${leaks:-definitely lost: 0 bytes}"
    if [[ $verdict != PASS ]]; then
        echo "       $verdict; log: $log"
    fi
done <"$listing"

if [[ $ran -eq 0 ]]; then
    echo "valgrind.sh: no test binary matched: $*" >&2
    exit 2
fi
echo "valgrind.sh: $ran binaries, $failed failed"
[[ $failed -eq 0 ]]
