#!/usr/bin/env bash
# The showcase's report as a person sees it: runs `gomap showcase --quick`, renders its pages in
# headless Chromium at 1000 px and checks that every picture is drawn with a non-zero size, that
# no page scrolls sideways, that the console shows no errors, and that the concurrent plots
# (throughput bars, latency percentiles) are there with a bar series per implementation
# (scripts/report_check.py).
# Installs Debian's chromium with apt-get if it is missing (needs root). About 30 s once built.
#
#   scripts/report-check.sh [OUT_DIR]      # default: a fresh temporary directory
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=$(command -v chromium || true)
if [ -z "$chromium" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "report-check: chromium is missing; run as root or: apt-get install -y chromium" >&2
        exit 1
    fi
    echo "report-check: installing chromium ..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
    chromium=$(command -v chromium)
fi
echo "report-check: $("$chromium" --version 2>/dev/null || echo chromium)" >&2

if [ $# -ge 1 ]; then
    out=$1
else
    out=$(mktemp -d -t gomap-report-check.XXXXXX)
    trap 'rm -rf "$out"' EXIT
fi

# First the checker itself: a page with each fault must fail, naming each one.
bad="$out/checker-self-test.html"
mkdir -p "$out"
cat > "$bad" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>bad</title></head><body>
<svg xmlns="http://www.w3.org/2000/svg" width="1400" height="100"><rect width="10" height="10"/><rect/><rect/></svg>
<img src="missing.png" alt="missing">
<div style="width:1300px">wide</div>
<script>console.error("deliberate");</script>
<figure id="bars"><svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"><rect data-series="a" width="10" height="10"/><rect data-series="a" x="20" width="10" height="10"/><rect data-series="b" x="40" width="10" height="0"/><rect data-series="c" x="60" width="10" height="10"/></svg></figure>
</body></html>
HTML
if report=$(python3 scripts/report_check.py "$chromium" "$bad" \
    --expect checker-self-test.html#bars=a,b --expect checker-self-test.html#nosuch=a); then
    echo "report-check: the checker passed a page with faults:" >&2
    echo "$report" >&2
    exit 1
fi
for fault in "cut off at the right edge" "image not loaded" "scrolls sideways" "console.error: deliberate" \
    "missing figure #nosuch" "#bars: unexpected series c" "#bars: no drawn marks of series b" \
    "#bars: series drawn unevenly: a 2, b 0"; do
    if ! grep -q "$fault" <<< "$report"; then
        echo "report-check: the checker missed \"$fault\" in its self-test:" >&2
        echo "$report" >&2
        exit 1
    fi
done
rm -f "$bad"

cargo run --quiet -p gomap-cli -- showcase --quick --out "$out" >&2
impls=syncmap,papaya,dashmap,scc,rwlock
python3 scripts/report_check.py "$chromium" "$out/index.html" "$out/layout.html" \
    --expect "index.html#concurrent-throughput=$impls" --expect "index.html#concurrent-latency=$impls"
