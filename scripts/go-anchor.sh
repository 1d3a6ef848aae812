#!/usr/bin/env bash
# Runs the Go anchor (anchors/go in this repository: Go 1.19's builtin map, the classic bucket design gomap
# rebuilds, on gomap's benchmark workloads with the same splitmix64 keys) and prints its
# CHECK / RESULT / MEM lines on standard output, for `gomap bench --go-results FILE`.
#
#   scripts/go-anchor.sh [SIZES] [REPS] [MIN_MS] [u64|str|all] > go.txt
#   gomap bench --n SIZES --go-results go.txt
#
# SIZES is comma-separated (K and M suffixes allowed; default 1K,100K,1M,10M). REPS defaults to
# the anchor's own default (7 below N = 1M, else 5), as `gomap bench` does; MIN_MS to 20.
# Installs Go 1.19 with apt-get if it is missing (needs root). Set GO_ANCHOR_MEM=0 to skip the
# heap-per-entry (`mem`) runs, GO_ANCHOR_DIR to point at another copy of the anchor.
set -euo pipefail

sizes=${1:-1K,100K,1M,10M}
reps=${2:-}
min_ms=${3:-20}
which=${4:-all}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
anchor=${GO_ANCHOR_DIR:-$here/../anchors/go}
go=/usr/lib/go-1.19/bin/go
bin=${TMPDIR:-/tmp}/anchors-go

if [ ! -d "$anchor" ]; then
    echo "go-anchor: no Go anchor at $anchor (set GO_ANCHOR_DIR)" >&2
    exit 1
fi
if [ ! -x "$go" ]; then
    echo "go-anchor: installing golang-1.19-go ..." >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "go-anchor: Go 1.19 is missing; run as root or: apt-get install -y golang-1.19-go" >&2
        exit 1
    fi
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y golang-1.19-go >&2
fi

# The anchor has no dependencies: build offline, with a cache that works without a HOME.
export GOPROXY=off GOFLAGS=-mod=mod GOCACHE=${GOCACHE:-${TMPDIR:-/tmp}/go-anchor-cache}
(cd "$anchor" && "$go" build -o "$bin" .)
echo "go-anchor: $("$go" version), anchor built at $bin" >&2

expand() { # 1K -> 1000, 10M -> 10000000, 1_000 -> 1000
    local s=${1//_/}
    case $s in
        *[kK]) echo $(( ${s%?} * 1000 )) ;;
        *[mM]) echo $(( ${s%?} * 1000000 )) ;;
        *) echo $(( s )) ;;
    esac
}

IFS=, read -r -a list <<< "$sizes"
for s in "${list[@]}"; do
    n=$(expand "$s")
    if [ "$n" -lt 1 ]; then
        echo "go-anchor: sizes must be at least 1 (got $s)" >&2
        exit 1
    fi
    r=$reps
    if [ -z "$r" ]; then
        if [ "$n" -ge 1000000 ]; then r=5; else r=7; fi
    fi
    echo "go-anchor: bench N=$n reps=$r min_ms=$min_ms $which" >&2
    "$bin" bench "$n" "$r" "$min_ms" "$which"
    if [ "${GO_ANCHOR_MEM:-1}" != 0 ]; then
        "$bin" mem "$n" grow
    fi
done
