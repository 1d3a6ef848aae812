#!/usr/bin/env bash
# Fuzzes gomap::frozen (from_bytes + lookups + iter + snapshot + verify on arbitrary bytes) with
# cargo-fuzz and libFuzzer on the nightly toolchain, for a fixed time.
#
#   scripts/fuzz-frozen.sh [SECONDS]     (default 300)
#
# Needs `cargo install cargo-fuzz`. The corpus grows in fuzz/corpus/frozen (not committed);
# a crash is written to fuzz/artifacts/frozen and makes the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-300}"
mkdir -p fuzz/corpus/frozen
# -rss_limit_mb keeps a runaway input from eating the shared machine; -timeout turns a hang
# (a probe that does not terminate) into a reported crash.
exec cargo +nightly fuzz run frozen fuzz/corpus/frozen -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=65536 -print_final_stats=1
