#!/usr/bin/env bash
# Runs a coverage-guided fuzz target of fuzz/ (cargo-fuzz, libFuzzer, nightly, built with
# AddressSanitizer and debug assertions) for a fixed time, on a corpus kept between runs in
# fuzz/corpus/TARGET (gitignored). A crash is saved under fuzz/artifacts/TARGET/; replay it with
#   cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-...   (from fuzz/)
# and shrink it with `cargo +nightly fuzz tmin TARGET <file>`.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET]    SECONDS: default 60; TARGET: default map_ops
# Environment: FUZZ_JOBS (parallel fuzzing processes, default 1), FUZZ_MAX_LEN (input size limit
#              in bytes, default 4096), FUZZ_LEN_CONTROL (how slowly libFuzzer raises the size of
#              the inputs it makes, default 10: long operation sequences early; libFuzzer's own
#              default is 100), FUZZ_TIMEOUT (seconds one input may take before it counts as a
#              hang, default 20), FUZZ_ARGS (more libFuzzer flags).
# Installs cargo-fuzz with `cargo install` if it is missing. Exits non-zero if the fuzzer found
# a failure (a panic, a failed assertion, a sanitizer report, a leak, a timeout, out of memory).
set -euo pipefail

cd "$(dirname "$0")/.."

seconds="${1:-60}"
target="${2:-map_ops}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
    echo "fuzz.sh: SECONDS must be a positive whole number, not '$seconds'" >&2
    exit 2
fi
if [[ ! -f "fuzz/fuzz_targets/$target.rs" ]]; then
    echo "fuzz.sh: no fuzz target '$target' (fuzz/fuzz_targets/*.rs)" >&2
    exit 2
fi
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "fuzz.sh: the nightly toolchain is needed (rustup toolchain install nightly)" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi

corpus="fuzz/corpus/$target"
mkdir -p "$corpus"
jobs="${FUZZ_JOBS:-1}"
log="fuzz/artifacts/$target.log"
mkdir -p fuzz/artifacts

cd fuzz
parallel=()
if [[ "$jobs" -gt 1 ]]; then
    parallel=(-fork="$jobs")
fi
# shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
set +e
cargo +nightly fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$seconds" \
    -max_len="${FUZZ_MAX_LEN:-4096}" \
    -len_control="${FUZZ_LEN_CONTROL:-10}" \
    -timeout="${FUZZ_TIMEOUT:-20}" \
    -print_final_stats=1 \
    "${parallel[@]}" ${FUZZ_ARGS:-} 2>&1 | tee "../$log" | grep -E '^(#[0-9]+.*(pulse|DONE)|INFO: (Running|Loaded|seed)|==[0-9]+==|stat::|SUMMARY|panicked|Test unit|artifact)'
status=${PIPESTATUS[0]}
set -e
cd ..
echo "fuzz.sh: $target for ${seconds}s: corpus $(find "$corpus" -type f | wc -l) inputs; full log: $log"
if [[ $status -ne 0 ]]; then
    echo "fuzz.sh: the fuzzer failed (exit $status); the crashing input is named above (fuzz/artifacts/$target/)" >&2
    exit 1
fi
