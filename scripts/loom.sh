#!/usr/bin/env bash
# Runs the loom models of gomap::sync (crates/gomap/tests/sync_loom.rs): every interleaving of
# the real SyncMap code, with loom's atomics and mutex and crossbeam-epoch's loom build.
#
# Usage: scripts/loom.sh [TEST NAME FILTER]
# Environment: LOOM_MAX_PREEMPTIONS (default 3), CARGO_TARGET_DIR (default target/loom, so the
#              loom build does not evict the normal one).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="${RUSTFLAGS:-} --cfg loom --cfg crossbeam_loom"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/loom}"
cargo test -p gomap --features sync --release --test sync_loom -- --test-threads=1 "$@"
