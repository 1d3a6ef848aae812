//! How the showcase shows a `--concurrent` run: throughput bars, latency percentile bars, the
//! Mop/s table with SyncMap's ratio to the best other map, and the verdict's sentences on issue
//! 9's targets. Everything is computed from the run's rows; nothing here knows a figure.
//!
//! The plots are [`crate::report::svg`] plots on a category x axis with grouped bars
//! ([`BarSeries`]): one category per workload and thread count (throughput) or per percentile
//! (latency), one bar per implementation, SyncMap drawn in gomap's colour with an outline and
//! the others paler, so that it stands out.

use super::{CImpl, ConcurrentResults, Latency, Row};
use crate::report::html::{Cell, Table, Tone};
use crate::report::svg::{stack, Axis, BarSeries, Plot};
use crate::report::{fmt_ns, short, tint};

/// The implementation every ratio is about.
const OURS: &str = "syncmap";

/// The width of every plot, in pixels (as the latency plots).
const WIDTH: f64 = 1100.0;

/// An implementation's colour: gomap's orange for SyncMap, paler colour-blind-safe ones for
/// the others (Go's in yellow and sky blue when merged, anything else grey).
fn colour(imp: &str) -> String {
    let base = match imp {
        OURS => return "#d55e00".into(),
        "papaya" => "#0072b2",
        "dashmap" => "#009e73",
        "scc" => "#cc79a7",
        "rwlock" => "#6f6f6f",
        "go:syncmap" => "#e69f00",
        "go:rwmap" => "#56b4e9",
        _ => "#9a9a9a",
    };
    tint(base, 0.7)
}

/// A case's name on the x axis: `read ×2` (2 threads).
fn case_label(workload: &str, threads: usize) -> String {
    format!("{workload} ×{threads}")
}

/// One number of a latency summary.
type Percentile = fn(&Latency) -> u64;

/// Which latency summary of a row an operation's is.
type PickLatency = fn(&Row) -> Option<&Latency>;

/// The percentiles drawn, with their names on the x axis.
const PERCENTILES: [(&str, Percentile); 5] = [
    ("p50", |l| l.p50_ns),
    ("p99", |l| l.p99_ns),
    ("p99.9", |l| l.p999_ns),
    ("p99.99", |l| l.p9999_ns),
    ("max", |l| l.max_ns),
];

/// A latency panel: what was timed, and which histogram of a row holds it.
struct LatencyPanel {
    workload: String,
    threads: usize,
    op: &'static str,
    pick: PickLatency,
}

impl ConcurrentResults {
    /// One line on what was measured: sizes, seconds, repetitions, threads.
    pub(crate) fn measured(&self) -> String {
        let s = &self.sizes;
        format!(
            "u64 -> u64 maps; read, readmostly and mixed on {} prefilled keys, {} s measured after \
             {} s of warm-up per run; grow: {} inserts from empty; readlat: 1 reader's gets while \
             1 writer inserts keys {}..{}; median of {} interleaved repetition{} (latencies: the \
             last one); ×N = N threads",
            s.n,
            s.secs,
            s.warm,
            s.grow_n,
            s.n,
            s.readlat_to,
            self.reps,
            if self.reps == 1 { "" } else { "s" }
        )
    }

    /// The machine caveat: how many CPUs the threads shared, and with what.
    pub(crate) fn machine_caveat(&self) -> String {
        let m = &self.machine;
        format!(
            "Machine: {} CPUs, {}; {}{}. Two threads on a machine this size leave no CPU for the \
             OS and other processes, so 2-thread figures are noisy and say nothing about scaling \
             past 2 cores; this is a short run, not the full gomap bench --concurrent that the \
             issue's targets are judged by.",
            m.nproc,
            m.cpu_model.as_deref().unwrap_or("unknown CPU"),
            m.rustc,
            if m.optimized {
                ""
            } else {
                " (DEBUG BUILD: not representative)"
            }
        )
    }

    /// SyncMap over the best other Rust map on one case, as a bar label: `1.12×`.
    fn ratio_label(&self, workload: &str, threads: usize) -> String {
        self.against_best(workload, threads)
            .map_or(String::new(), |(ours, _, best)| {
                format!("{:.2}×", ours / best)
            })
    }

    /// The throughput plot: Mop/s per workload and thread count, one bar per implementation,
    /// SyncMap's labelled with its ratio to the best other Rust map.
    pub(crate) fn throughput_svg(&self) -> String {
        let cases = self.cases();
        let names: Vec<String> = cases.iter().map(|(w, t)| case_label(w, *t)).collect();
        let top = self.rows.iter().map(|r| r.mops).fold(0.0, f64::max);
        let mut p = Plot::new(
            "Throughput: Mop/s per workload and thread count (higher is better)",
            WIDTH,
            420.0,
            Axis::categories(&names, "workload ×threads"),
            // Room above the tallest bar for its label.
            Axis::linear(0.0, top * 1.12, "Mop/s, summed over threads", short),
        );
        p.note(&format!(
            "labels: SyncMap's Mop/s over the best of the other Rust maps; prefill {}, {} s per run, \
             median of {}; readlat: the reader's gets",
            self.sizes.n, self.sizes.secs, self.reps
        ));
        let series: Vec<BarSeries> = self
            .implementations()
            .iter()
            .map(|imp| {
                let values = cases
                    .iter()
                    .map(|(w, t)| self.find(w, *t, imp).map(|r| r.mops))
                    .collect();
                let mut s = BarSeries::new(imp, &colour(imp), values);
                if imp == OURS {
                    s.labels = cases.iter().map(|(w, t)| self.ratio_label(w, *t)).collect();
                    s.highlight = true;
                }
                s
            })
            .collect();
        p.bar_groups(&series);
        p.render()
    }

    /// The latency panels this run has: grow's inserts at each thread count, readlat's gets and
    /// inserts.
    fn latency_panels(&self) -> Vec<LatencyPanel> {
        let mut panels = Vec::new();
        for (w, t) in self.cases() {
            let ops: &[(&'static str, PickLatency)] = match w.as_str() {
                "grow" => &[("insert", |r| r.ins.as_ref())],
                "readlat" => &[("get", |r| r.get.as_ref()), ("insert", |r| r.ins.as_ref())],
                _ => &[],
            };
            for &(op, pick) in ops {
                panels.push(LatencyPanel {
                    workload: w.clone(),
                    threads: t,
                    op,
                    pick,
                });
            }
        }
        panels
    }

    /// The latency plot: one panel per timed operation (grow's inserts, readlat's gets and
    /// inserts), its p50, p99, p99.9, p99.99 and max per implementation on one log scale shared
    /// by the panels, with the 1 ms line of the targets. Empty when nothing was timed.
    pub(crate) fn latency_svg(&self) -> String {
        let panels = self.latency_panels();
        let lats = || {
            panels.iter().flat_map(|p| {
                self.rows
                    .iter()
                    .filter(|r| r.workload == p.workload && r.threads == p.threads)
                    .filter_map(p.pick)
            })
        };
        let Some(lo) = lats().map(|l| l.p50_ns).filter(|&v| v > 0).min() else {
            return String::new();
        };
        let hi = lats().map(|l| l.max_ns).max().unwrap_or(0).max(2_000_000);
        let names: Vec<&str> = PERCENTILES.iter().map(|(n, _)| *n).collect();
        let imps = self.implementations();
        let plots: Vec<Plot> = panels
            .iter()
            .map(|panel| {
                let rows: Vec<Option<&Latency>> = imps
                    .iter()
                    .map(|imp| {
                        self.find(&panel.workload, panel.threads, imp)
                            .and_then(panel.pick)
                    })
                    .collect();
                let what = match (panel.workload.as_str(), panel.op) {
                    ("grow", _) => format!(
                        "{} inserts from empty by {} thread{}",
                        self.sizes.grow_n,
                        panel.threads,
                        if panel.threads == 1 { "" } else { "s" }
                    ),
                    ("readlat", "get") => format!(
                        "the reader's gets on {} keys while the writer inserts",
                        self.sizes.n
                    ),
                    ("readlat", _) => format!(
                        "the writer's inserts {}..{} while the reader gets",
                        self.sizes.n, self.sizes.readlat_to
                    ),
                    _ => String::new(),
                };
                let over: Vec<String> = imps
                    .iter()
                    .zip(&rows)
                    .filter_map(|(imp, l)| l.map(|l| format!("{imp} {}", l.gt1ms)))
                    .collect();
                let mut p = Plot::new(
                    &format!(
                        "{}: {} latency percentiles (log scale, lower is better)",
                        case_label(&panel.workload, panel.threads),
                        panel.op
                    ),
                    WIDTH,
                    280.0,
                    Axis::categories(&names, ""),
                    Axis::log(lo as f64, hi as f64, "latency", fmt_ns),
                );
                p.note(&format!(
                    "{what}, each timed alone; over 1 ms: {}",
                    over.join(", ")
                ));
                let series: Vec<BarSeries> = imps
                    .iter()
                    .zip(&rows)
                    .map(|(imp, l)| {
                        let values = PERCENTILES
                            .iter()
                            .map(|(_, f)| l.map(|l| f(l) as f64))
                            .collect();
                        let mut s = BarSeries::new(imp, &colour(imp), values);
                        s.highlight = imp == OURS;
                        s
                    })
                    .collect();
                p.bar_groups(&series).hline(1e6, "#aa0000", "1 ms");
                p
            })
            .collect();
        stack(&plots)
    }

    /// The Mop/s table: a row per workload and thread count, a column per implementation, then
    /// SyncMap over the best other Rust map (green at 5% faster or more, red at 5% slower).
    pub(crate) fn html_table(&self) -> Table {
        let imps = self.implementations();
        let mut headers = vec!["workload".to_string(), "threads".into()];
        headers.extend(imps.iter().map(|i| format!("{i} Mop/s")));
        headers.push("syncmap / best other".into());
        let mut t = Table::new(&headers);
        for (w, th) in self.cases() {
            let mut row = vec![Cell::text(&w), Cell::num(th.to_string())];
            for imp in &imps {
                row.push(Cell::num(
                    self.find(&w, th, imp)
                        .map_or("-".into(), |r| format!("{:.2}", r.mops)),
                ));
            }
            row.push(match self.against_best(&w, th) {
                Some((ours, best_name, best)) => {
                    let r = ours / best;
                    let tone = if r >= 1.05 {
                        Tone::Good
                    } else if r <= 0.95 {
                        Tone::Bad
                    } else {
                        Tone::Plain
                    };
                    Cell::num(format!("{r:.2} ({best_name})")).tone(tone)
                }
                None => Cell::num("-").tone(Tone::Dim),
            });
            t.row(row);
        }
        t
    }

    /// The worst single operation of `imp` over the timed operations (grow's inserts, readlat's
    /// gets and inserts), in ns.
    fn worst_op(&self, imp: &str) -> Option<u64> {
        self.latency_panels()
            .iter()
            .filter_map(|p| {
                self.find(&p.workload, p.threads, imp)
                    .and_then(p.pick)
                    .map(|l| l.max_ns)
            })
            .max()
    }

    /// The verdict's sentences: SyncMap's throughput ratios, then issue 9's targets as this
    /// run meets them (empty when SyncMap did not run).
    pub(crate) fn verdict(&self) -> Vec<String> {
        let cases = self.cases();
        if !self.rows.iter().any(|r| r.implementation == OURS) {
            return Vec::new();
        }
        let mut ratios = Vec::new();
        for (w, t) in &cases {
            if let Some((ours, best_name, best)) = self.against_best(w, *t) {
                ratios.push(format!(
                    "{} {:.2}x ({best_name})",
                    case_label(w, *t),
                    ours / best
                ));
            }
        }
        let mut out = vec![format!(
            "Concurrent maps (a short run: prefill {}, {} s per measurement, {} CPUs): SyncMap's \
             Mop/s over the best of papaya, dashmap, scc and RwLock<hashbrown>: {}.",
            self.sizes.n,
            self.sizes.secs,
            self.machine.nproc,
            ratios.join(", ")
        )];

        // Issue 9's targets, each over the cases this run has.
        let met = |what: &str, checks: Vec<bool>| -> Option<String> {
            (!checks.is_empty()).then(|| {
                let ok = checks.iter().filter(|&&c| c).count();
                format!("{what}: met in {ok} of {}", checks.len())
            })
        };
        let ratio_checks = |workloads: &[&str], at_least: f64| -> Vec<bool> {
            cases
                .iter()
                .filter(|(w, _)| workloads.contains(&w.as_str()))
                .filter_map(|(w, t)| self.against_best(w, *t))
                .map(|(ours, _, best)| ours >= at_least * best)
                .collect()
        };
        let grow_checks: Vec<bool> = cases
            .iter()
            .filter(|(w, _)| w == "grow")
            .filter_map(|(w, t)| {
                let ours = self.find(w, *t, OURS)?.mops;
                let dash = self.find(w, *t, CImpl::Dashmap.name())?.mops;
                Some(ours >= dash)
            })
            .collect();
        let mut targets: Vec<String> = [
            met(
                "read and readmostly at least the best",
                ratio_checks(&["read", "readmostly"], 1.0),
            ),
            met(
                "mixed within 1.5x of the best",
                ratio_checks(&["mixed"], 1.0 / 1.5),
            ),
            met("grow at least dashmap's", grow_checks),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let Some(worst) = self.worst_op(OURS) {
            targets.push(format!(
                "every grow and readlat operation under 1 ms: {} (SyncMap's worst {})",
                if worst < 1_000_000 { "met" } else { "not met" },
                fmt_ns(worst as f64)
            ));
        }
        let p9999 = |imp: &str| {
            cases
                .iter()
                .find(|(w, _)| w == "readlat")
                .and_then(|(w, t)| self.find(w, *t, imp))
                .and_then(|r| r.get.as_ref())
                .map(|l| l.p9999_ns)
        };
        if let (Some(ours), Some(papaya)) = (p9999(OURS), p9999(CImpl::Papaya.name())) {
            targets.push(format!(
                "readlat get p99.99 no worse than papaya's: {} ({} vs {})",
                if ours <= papaya { "met" } else { "not met" },
                fmt_ns(ours as f64),
                fmt_ns(papaya as f64)
            ));
        }
        if !targets.is_empty() {
            out.push(format!(
                "Issue 9's targets in this short run: {}.",
                targets.join("; ")
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Sizes, ANCHOR_N};
    use super::*;

    fn lat(base: u64) -> Latency {
        Latency {
            n: 1000,
            p50_ns: base,
            p99_ns: base * 4,
            p999_ns: base * 20,
            p9999_ns: base * 100,
            max_ns: base * 3000,
            gt1ms: u64::from(base * 3000 > 1_000_000),
        }
    }

    fn row(workload: &str, threads: usize, imp: &str, mops: f64, base: u64) -> Row {
        Row {
            workload: workload.into(),
            threads,
            implementation: imp.into(),
            mops,
            reps: vec![mops],
            errors: 0,
            get: (workload == "readlat").then(|| lat(base)),
            ins: matches!(workload, "grow" | "readlat").then(|| lat(base * 2)),
        }
    }

    /// Synthetic results: SyncMap fastest on read, slower on mixed, `imps` in that order.
    fn results(imps: &[&str]) -> ConcurrentResults {
        let mut rows = Vec::new();
        for (w, t) in [
            ("read", 1),
            ("read", 2),
            ("mixed", 1),
            ("grow", 1),
            ("grow", 2),
            ("readlat", 2),
        ] {
            for (k, imp) in imps.iter().enumerate() {
                let mops = match (w, *imp) {
                    ("read", OURS) => 20.0,
                    ("mixed", OURS) => 2.0,
                    _ => 10.0 - k as f64,
                } * t as f64;
                let base = if *imp == OURS {
                    100
                } else {
                    200 + 50 * k as u64
                };
                rows.push(row(w, t, imp, mops, base));
            }
        }
        ConcurrentResults {
            machine: crate::bench::machine_info(),
            sizes: Sizes::divided(10, 0.2),
            reps: 3,
            rows,
        }
    }

    const ALL: [&str; 5] = [OURS, "papaya", "dashmap", "scc", "rwlock"];

    #[test]
    fn throughput_has_a_bar_per_implementation_and_case() {
        let r = results(&ALL);
        let svg = r.throughput_svg();
        for imp in ALL {
            let bars = svg.matches(&format!("data-series=\"{imp}\"")).count();
            assert_eq!(bars, 6, "{imp}: one bar per case");
        }
        // SyncMap stands out: outlined, labelled with its ratio to the best other map.
        assert_eq!(svg.matches("stroke=\"#222222\"").count(), 6);
        assert!(svg.contains(">2.22×</text>"), "read: 20 / 9");
        assert!(svg.contains(">0.22×</text>"), "mixed ×1: 2 / 9");
        assert!(svg.contains(">read ×2</text>") && svg.contains(">readlat ×2</text>"));
        assert!(svg.contains("<title>read ×1, syncmap: 20</title>"));
        // Every value is data: no bar without a height.
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn latency_has_a_log_panel_per_timed_operation() {
        let r = results(&ALL);
        let svg = r.latency_svg();
        // grow ×1 and ×2 inserts, readlat gets and inserts: 4 panels of 5 percentiles.
        assert_eq!(svg.matches("latency percentiles").count(), 4);
        for imp in ALL {
            assert_eq!(svg.matches(&format!("data-series=\"{imp}\"")).count(), 20);
        }
        for p in ["p50", "p99", "p99.9", "p99.99", "max"] {
            assert_eq!(svg.matches(&format!(">{p}</text>")).count(), 4, "{p}");
        }
        // Log scale in whole decades, from the lowest median (100 ns) past the 1 ms line.
        for tick in [
            ">100 ns<",
            ">1 µs<",
            ">10 µs<",
            ">100 µs<",
            ">1 ms<",
            ">10 ms<",
        ] {
            assert!(svg.contains(tick), "tick {tick}");
        }
        assert!(svg.contains("over 1 ms: syncmap 0, papaya 1"));
        assert!(svg.contains("<title>p99.99, papaya: 25 µs</title>"));
    }

    #[test]
    fn names_are_escaped_and_missing_values_drop_their_bars() {
        let mut r = results(&[OURS, "a<b&c"]);
        r.rows
            .retain(|x| !(x.implementation == OURS && x.workload == "mixed"));
        let svg = r.throughput_svg();
        assert!(svg.contains("data-series=\"a&lt;b&amp;c\""));
        assert!(!svg.contains("a<b"));
        assert_eq!(svg.matches("data-series=\"syncmap\"").count(), 5);
        // No latency rows at all: no picture.
        r.rows.retain(|x| x.get.is_none() && x.ins.is_none());
        assert_eq!(r.latency_svg(), "");
    }

    #[test]
    fn the_verdict_states_each_target() {
        let r = results(&ALL);
        let v = r.verdict().join("\n");
        for needle in [
            "SyncMap's Mop/s over the best of papaya",
            "read ×1 2.22x (papaya)",
            "read and readmostly at least the best: met in 2 of 2",
            "mixed within 1.5x of the best: met in 0 of 1",
            // grow: SyncMap 10 x threads against dashmap's 8 x threads.
            "grow at least dashmap's: met in 2 of 2",
            // SyncMap's worst: readlat inserts, 200 ns x 3000 = 600 µs.
            "under 1 ms: met (SyncMap's worst 600 µs)",
            "readlat get p99.99 no worse than papaya's: met (10 µs vs 25 µs)",
        ] {
            assert!(v.contains(needle), "no {needle:?} in:\n{v}");
        }
        let t = r.html_table().to_html();
        assert!(t.contains("<td class=\"n good\">2.22 (papaya)</td>"));
        assert!(t.contains("<td class=\"n bad\">0.22 (papaya)</td>"));
        // Without SyncMap there is nothing to say.
        assert!(results(&["papaya", "dashmap"]).verdict().is_empty());
        assert_eq!(Sizes::divided(10, 0.2).n, ANCHOR_N / 10);
    }
}
