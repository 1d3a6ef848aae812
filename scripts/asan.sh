#!/usr/bin/env bash
# Runs gomap's test suites (the library's unit tests, every tests/*.rs and the doc-tests) under
# AddressSanitizer and LeakSanitizer: out-of-bounds and use-after-free accesses, double frees,
# and leaks, in the library's unsafe code and in the tests. Needs the nightly toolchain
# (-Zsanitizer); std itself is not instrumented (no -Zbuild-std), the sanitizer still sees
# every heap access of instrumented code and every allocation.
#
#   GOMAP_TEST_SCALE  passed through (unset: full size; "small" for a quick run)
#   PROPTEST_CASES    passed through (unset: each test's own count)
#   ASAN_FEATURES     the library's features to enable (default "serde,rayon": every test)
#   ASAN_OPTIONS      added to the defaults below
#
# Tests whose name contains "leaked" leak on purpose (a `mem::forget`-ed drain) and are skipped.
# Usage: scripts/asan.sh [TEST-FILTER...]   (passed to every test binary, as with cargo test)
# The build goes to $CARGO_TARGET_DIR/asan (default target/asan), so that it does not disturb
# the ordinary one. The log is kept in that directory as asan.log. Exits non-zero if a test
# failed or a sanitizer reported anything.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "asan.sh: the nightly toolchain is needed (rustup toolchain install nightly)" >&2
    exit 2
fi

host="$(rustc +nightly -vV | sed -n 's/^host: //p')"
target_dir="${CARGO_TARGET_DIR:-target}/asan"
mkdir -p "$target_dir"
log="$target_dir/asan.log"

export RUSTFLAGS="-Zsanitizer=address ${RUSTFLAGS:-}"
export RUSTDOCFLAGS="-Zsanitizer=address ${RUSTDOCFLAGS:-}"
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"

start=$(date +%s)
set +e
# --target: the sanitizer flags reach the tests and the library, not build scripts or proc macros.
cargo +nightly test -p gomap --features "${ASAN_FEATURES:-serde,rayon}" \
    --target "$host" --target-dir "$target_dir" --no-fail-fast \
    -- --skip leaked "$@" >"$log" 2>&1
status=$?
set -e
secs=$(($(date +%s) - start))

grep -E '^\s+Running |^\s+Doc-tests |^test result:' "$log" |
    sed -E 's/^\s+//; s/ \(.*\)$//' | paste - - | sed 's/\t/  /'
reports=$(grep -cE '^==[0-9]+==ERROR: (Address|Leak)Sanitizer' "$log" || true)
failed=$(grep -cE '^test result: FAILED' "$log" || true)
echo "asan.sh: ${secs}s, $reports sanitizer report(s), $failed suite(s) failed, exit $status; log: $log"
if [[ $reports -gt 0 ]]; then
    grep -E -A12 '^==[0-9]+==ERROR: (Address|Leak)Sanitizer' "$log" | head -60
fi
[[ $status -eq 0 && $reports -eq 0 ]]
