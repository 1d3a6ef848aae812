//! The verdict that opens the report: from this run's numbers only, where gomap wins and where
//! it loses against hashbrown and std, and how SyncMap's short concurrent run meets issue 9's
//! targets, in a few sentences a user can act on.

use crate::bench::concurrent::ConcurrentResults;
use crate::bench::BenchResults;
use crate::latency::{LatencyReport, MapKind, MapResult};
use crate::report::{escape, fmt_bytes, fmt_ns};

/// Throughput: geometric means, and how many cells gomap wins or loses by 5% or more.
fn throughput(b: &BenchResults) -> Vec<String> {
    let mut out = Vec::new();
    for (other, label) in [
        ("hashbrown", "hashbrown"),
        ("std", "std's HashMap (SipHash)"),
        ("std+foldhash", "std's HashMap with foldhash"),
    ] {
        let Some(g) = b.geomean_ratio("gomap", other) else {
            continue;
        };
        let rs = b.ratios("gomap", other);
        let wins = rs.iter().filter(|r| r.3 < 0.95).count();
        let losses = rs.iter().filter(|r| r.3 > 1.05).count();
        let mut s = format!(
            "Throughput against {label}: gomap needs {g:.2}x its time per operation on average \
             (geometric mean over {} cells: at least 5% faster in {wins}, at least 5% slower in \
             {losses}).",
            rs.len()
        );
        if let Some((w, k, n, r)) = b.worst_ratio("gomap", other) {
            s.push_str(&format!(" gomap's worst cell: {w} {k} N={n}, at {r:.2}x."));
        }
        out.push(s);
    }
    out
}

/// The worst insert of a map: by own CPU time where the CPU check ran (what the map's work
/// cost), else by the wall clock. Returns `(ns, "own CPU" | "wall clock")`.
fn worst_insert(m: &MapResult) -> (u64, &'static str) {
    match &m.insert.cpu {
        Some(c) => (c.max_ns, "own CPU time"),
        None => (m.insert.summary.max, "wall clock"),
    }
}

/// Latency: the worst single insert of each map, and the price gomap pays in the tail.
fn latency(lat: &LatencyReport) -> Vec<String> {
    let Some(g) = lat.maps.iter().find(|m| m.kind == MapKind::Gomap) else {
        return Vec::new();
    };
    let (g_worst, how) = worst_insert(g);
    let others: Vec<String> = lat
        .maps
        .iter()
        .filter(|m| m.kind != MapKind::Gomap)
        .map(|m| format!("{} {}", m.kind.name(), fmt_ns(worst_insert(m).0 as f64)))
        .collect();
    let mut out = Vec::new();
    if !others.is_empty() {
        let best_other = lat
            .maps
            .iter()
            .filter(|m| m.kind != MapKind::Gomap)
            .map(|m| worst_insert(m).0)
            .min()
            .unwrap_or(0);
        let verdict = if g_worst * 2 <= best_other {
            "gomap's worst insert is the lowest: pick it when one slow insert matters (a request \
             deadline, a frame budget)"
        } else if g_worst <= best_other {
            "gomap's worst insert is a little lower, not enough to choose it for"
        } else {
            "gomap's worst insert is not lower here"
        };
        out.push(format!(
            "Worst single insert while growing to {} entries ({how}): gomap {}, {}. {verdict}.",
            lat.n,
            fmt_ns(g_worst as f64),
            others.join(", ")
        ));
    }
    let list = |pick: fn(&MapResult) -> u64| {
        lat.maps
            .iter()
            .map(|m| format!("{} {}", m.kind.name(), fmt_ns(pick(m) as f64)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let others_min = |pick: fn(&MapResult) -> u64| {
        lat.maps
            .iter()
            .filter(|m| m.kind != MapKind::Gomap)
            .map(pick)
            .min()
    };
    let p50 = |m: &MapResult| m.insert.summary.p50;
    let p9999 = |m: &MapResult| m.insert.summary.p9999;
    let higher = [p50, p9999]
        .iter()
        .filter(|&&f| others_min(f).is_some_and(|o| f(g) > o))
        .count();
    let reading = match higher {
        0 => "gomap's are not higher in this run",
        1 => "one of gomap's is higher: a grow's work lands on the inserts that follow it",
        _ => "gomap's are higher: the price of spreading a grow over the inserts that follow it",
    };
    out.push(format!(
        "Typical inserts: median {}; 99.99th percentile {}. {reading}.",
        list(p50),
        list(p9999)
    ));
    out
}

/// Memory: bytes per entry at the largest size benchmarked, and the peaks while growing.
fn memory(bench: Option<&BenchResults>, lat: &LatencyReport) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(b) = bench {
        if let Some(n) = b.memory.iter().map(|m| m.n).max() {
            let at: Vec<String> = b
                .memory
                .iter()
                .filter(|m| m.n == n)
                .map(|m| format!("{} {:.1}", m.implementation, m.bytes_per_entry))
                .collect();
            out.push(format!(
                "Memory held by a full map of {n} u64 -> u64 entries, bytes per entry: {}.",
                at.join(", ")
            ));
        }
    }
    let peaks: Vec<String> = lat
        .maps
        .iter()
        .map(|m| {
            let rss = m.peak_rss.map_or(String::new(), |r| {
                format!(" (resident {})", fmt_bytes(r as f64))
            });
            format!("{} {}{rss}", m.kind.name(), fmt_bytes(m.peak_heap as f64))
        })
        .collect();
    out.push(format!(
        "Peak heap while growing to {} entries: {}. A gomap grow keeps both arrays allocated \
         until it ends, though it hands the old one's pages back as it goes.",
        lat.n,
        peaks.join(", ")
    ));
    out
}

/// Why this run's numbers say little, if they do: a debug build, or `--quick`'s tiny sizes.
pub(crate) fn caveat(bench: Option<&BenchResults>, quick: bool) -> Option<&'static str> {
    if bench.is_some_and(|b| !b.machine.optimized) {
        Some("Debug build: optimizations off, so these numbers say nothing about speed; build with --release.")
    } else if quick {
        Some("Quick run (--quick): tiny sizes that test the pipeline; the numbers mean little. Run gomap for real ones.")
    } else {
        None
    }
}

/// The verdict's sentences, in order: throughput, concurrent maps, latency, memory.
pub(crate) fn sentences(
    bench: Option<&BenchResults>,
    conc: Option<&ConcurrentResults>,
    lat: &LatencyReport,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(b) = bench {
        out.extend(throughput(b));
    }
    if let Some(c) = conc {
        out.extend(c.verdict());
    }
    out.extend(latency(lat));
    out.extend(memory(bench, lat));
    out
}

/// The verdict as an HTML box.
pub(crate) fn html(
    bench: Option<&BenchResults>,
    conc: Option<&ConcurrentResults>,
    lat: &LatencyReport,
    quick: bool,
) -> String {
    let mut s = String::from("<div class=\"verdict\"><h2 id=\"verdict\">Verdict</h2>\n");
    if let Some(c) = caveat(bench, quick) {
        s.push_str(&format!("<p><b>{}</b></p>\n", escape(c)));
    }
    s.push_str("<ul>\n");
    for line in sentences(bench, conc, lat) {
        s.push_str(&format!("<li>{}</li>\n", escape(&line)));
    }
    s.push_str(
        "</ul>\n<p class=\"small\">Computed from this run's numbers below; a shared or busy \
         machine moves them, so compare ratios, not absolute times.</p></div>\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_speaks_of_throughput_latency_and_memory() {
        let lat = crate::latency::measure_all(
            3000,
            &[MapKind::Gomap, MapKind::Hashbrown, MapKind::Std],
            true,
        )
        .unwrap();
        let cfg = crate::bench::BenchConfig {
            sizes: vec![100],
            reps: Some(1),
            min_ms: 0,
            progress: false,
            ..crate::bench::BenchConfig::default()
        };
        let b = crate::bench::run(&cfg).unwrap();
        let c = crate::bench::concurrent::run(
            &crate::bench::concurrent::ConcurrentConfig::showcase(true),
        );
        let s = sentences(Some(&b), Some(&c), &lat);
        let all = s.join("\n");
        for needle in [
            "Throughput against hashbrown: gomap needs",
            "Throughput against std's HashMap (SipHash)",
            "Concurrent maps (a short run: prefill 10000,",
            "SyncMap's Mop/s over the best of papaya, dashmap, scc and RwLock<hashbrown>: read ×1",
            "Issue 9's targets in this short run: read and readmostly at least the best: met in",
            "every grow and readlat operation under 1 ms:",
            "readlat get p99.99 no worse than papaya's:",
            "Worst single insert while growing to 3000 entries (own CPU time)",
            "Typical inserts: median gomap",
            "bytes per entry: gomap",
            "Peak heap while growing to 3000 entries: gomap",
        ] {
            assert!(all.contains(needle), "no {needle:?} in:\n{all}");
        }
        // Without the bench, the latency and memory sentences remain.
        assert!(sentences(None, None, &lat)
            .iter()
            .all(|l| !l.contains("Throughput") && !l.contains("Concurrent")));
        // Numbers that mean little say so first.
        assert!(caveat(None, true).is_some_and(|c| c.starts_with("Quick run")));
        assert!(caveat(None, false).is_none());
        let debug = caveat(Some(&b), false);
        assert_eq!(debug.is_some(), cfg!(debug_assertions), "{debug:?}");
        let h = html(None, None, &lat, true);
        assert!(h.starts_with("<div class=\"verdict\">") && h.contains("<p><b>Quick run"));
    }
}
