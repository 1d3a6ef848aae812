#!/usr/bin/env bash
# Runs the Go sync.Map anchor (../shared/anchors/go-sync, or $GO_SYNC_ANCHOR) on the workloads of
# `gomap bench --concurrent` and prints its lines, for `gomap bench --concurrent --go-results FILE`:
#
#   scripts/go-sync-anchor.sh > /tmp/go-sync.txt
#   gomap bench --concurrent --go-results /tmp/go-sync.txt
#
# Usage: scripts/go-sync-anchor.sh [SECS]   seconds measured per throughput run (default 1.0, as
#                                            `gomap bench --concurrent`; a quarter warms up first)
# Environment: GO (default /usr/lib/go-1.19/bin/go; `apt-get install -y golang-1.19-go`),
#              IMPLS (default "syncmap"; the anchor also has "rwmap").
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-1.0}"
go="${GO:-/usr/lib/go-1.19/bin/go}"
anchor="${GO_SYNC_ANCHOR:-../shared/anchors/go-sync}"
[[ -d "$anchor" ]] || anchor=/work/shared/anchors/go-sync
if [[ ! -x "$go" ]]; then
    echo "go-sync-anchor.sh: no Go at $go (apt-get install -y golang-1.19-go, or set GO)" >&2
    exit 2
fi
if ! [[ "$secs" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    echo "go-sync-anchor.sh: SECS must be a number of seconds, not ${secs@Q}" >&2
    exit 2
fi
bin="$(mktemp -d)/go-sync"
(cd "$anchor" && GOCACHE="${GOCACHE:-/tmp/gocache}" "$go" build -o "$bin" .)
warm="$(awk -v s="$secs" 'BEGIN { print s / 4 }')"

"$bin" check
for impl in ${IMPLS:-syncmap}; do
    for w in read readmostly mixed grow; do
        for t in 1 2; do
            GOMAXPROCS=2 "$bin" "$impl" "$w" "$t" "$secs" "$warm"
        done
    done
    GOMAXPROCS=2 "$bin" "$impl" readlat 2 "$secs" "$warm"
done
