//! The latency run as tables: text for the terminal, HTML for the report.

use std::fmt::Write as _;

use super::summary::{CpuSummary, Spike, Summary};
use super::LatencyReport;
use crate::report::html::{Cell, Table, Tone};
use crate::report::{fmt_bytes, fmt_ns};

/// The column order of every latency table.
const HEADERS: [&str; 10] = [
    "map", "op", "p50", "p99", "p99.9", "p99.99", "max", "max at", ">100µs", ">1ms",
];

/// A row of the latency table: map, operation, timings, and the CPU check when it ran.
type Row<'a> = (
    &'static str,
    &'static str,
    &'a Summary,
    Option<&'a CpuSummary>,
);

/// Over this, a cell is red: the 1 ms line.
const SLOW_NS: u64 = 1_000_000;
/// Over this, a cell is amber: the 100 µs line.
const WARN_NS: u64 = 100_000;

/// The tone of a latency cell. With the CPU check (`own_ns`: the CPU time the map's own work
/// used, preemption taken out) the map is judged by that: red over 1 ms, amber over 100 µs,
/// grey when only the wall clock is over 100 µs (the thread was off the CPU: the machine's
/// noise, not the map's). Without it the wall clock decides.
pub(crate) fn judge(wall_ns: u64, own_ns: Option<u64>) -> Tone {
    let level = |ns: u64| {
        if ns > SLOW_NS {
            Tone::Bad
        } else if ns > WARN_NS {
            Tone::Warn
        } else {
            Tone::Plain
        }
    };
    match own_ns {
        None => level(wall_ns),
        Some(own) => match level(own.min(wall_ns)) {
            Tone::Plain if wall_ns > WARN_NS => Tone::Dim,
            t => t,
        },
    }
}

impl LatencyReport {
    /// Rows of `(map, op, summary, CPU check)` in table order: the timer first. The mid-grow
    /// lookups have no CPU check of their own.
    fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = vec![(
            "timer",
            "empty",
            &self.timer.summary,
            self.timer.cpu.as_ref(),
        )];
        for op in ["insert", "remove", "lookup", "lookup mid-grow"] {
            for m in &self.maps {
                let s = match op {
                    "insert" => Some((&m.insert.summary, m.insert.cpu.as_ref())),
                    "remove" => Some((&m.remove.summary, m.remove.cpu.as_ref())),
                    "lookup" => Some((&m.lookup.summary, m.lookup.cpu.as_ref())),
                    _ => m.lookup_mid_grow.as_ref().map(|s| (s, None)),
                };
                if let Some((s, cpu)) = s {
                    rows.push((m.kind.name(), op, s, cpu));
                }
            }
        }
        rows
    }

    /// Rows of `(map, op, cpu summary)` for the passes with a CPU check.
    fn cpu_rows(&self) -> Vec<(&'static str, &'static str, &CpuSummary)> {
        let mut rows = Vec::new();
        if let Some(c) = &self.timer.cpu {
            rows.push(("timer", "empty", c));
        }
        for op in ["insert", "remove", "lookup"] {
            for m in &self.maps {
                let r = match op {
                    "insert" => &m.insert,
                    "remove" => &m.remove,
                    _ => &m.lookup,
                };
                if let Some(c) = &r.cpu {
                    rows.push((m.kind.name(), op, c));
                }
            }
        }
        rows
    }

    /// The table for a terminal, with hashers, heap and spikes.
    pub(crate) fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "latency: {} u64 -> u64 operations per map, each timed alone with std::time::Instant",
            self.n
        );
        for m in &self.maps {
            let _ = writeln!(out, "  {:<10} hasher {}", m.kind.name(), m.hasher);
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<10} {:<15} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>7} {:>6}",
            HEADERS[0],
            HEADERS[1],
            HEADERS[2],
            HEADERS[3],
            HEADERS[4],
            HEADERS[5],
            HEADERS[6],
            HEADERS[7],
            HEADERS[8],
            HEADERS[9]
        );
        let mut last_op = "";
        for (map, op, s, _) in self.rows() {
            if op != last_op && !last_op.is_empty() {
                let _ = writeln!(out);
            }
            last_op = op;
            let _ = writeln!(
                out,
                "{:<10} {:<15} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>7} {:>6}",
                map,
                op,
                fmt_ns(s.p50 as f64),
                fmt_ns(s.p99 as f64),
                fmt_ns(s.p999 as f64),
                fmt_ns(s.p9999 as f64),
                fmt_ns(s.max as f64),
                s.max_index,
                s.over_100us,
                s.over_1ms
            );
        }
        let cpu_rows = self.cpu_rows();
        if !cpu_rows.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "CPU check (thread CPU clock read after every operation): operations that spent over 20 µs \
                 off the CPU (preempted),\nand operations that used over 100 µs / 1 ms of CPU time \
                 themselves (time preempted excluded)"
            );
            let _ = writeln!(
                out,
                "{:<10} {:<15} {:>10} {:>10} {:>8} {:>10} {:>10}",
                "map", "op", "preempted", "cpu>100µs", "cpu>1ms", "cpu max", "at"
            );
            for (map, op, c) in cpu_rows {
                let _ = writeln!(
                    out,
                    "{:<10} {:<15} {:>10} {:>10} {:>8} {:>10} {:>10}",
                    map,
                    op,
                    c.preempted,
                    c.over_100us,
                    c.over_1ms,
                    fmt_ns(c.max_ns as f64),
                    c.max_index
                );
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<10} {:>12} {:>12} {:>12} {:>14} {:>14}",
            "heap", "peak", "at N", "N removed", "peak/entry", "peak RSS"
        );
        for m in &self.maps {
            let _ = writeln!(
                out,
                "{:<10} {:>12} {:>12} {:>12} {:>12.1} B {:>14}",
                m.kind.name(),
                fmt_bytes(m.peak_heap as f64),
                fmt_bytes(m.full_heap as f64),
                fmt_bytes(m.empty_heap as f64),
                m.peak_heap as f64 / self.n as f64,
                m.peak_rss
                    .map_or("-".to_string(), |r| fmt_bytes(r as f64).to_string())
            );
        }
        let _ = writeln!(
            out,
            "(peak = allocated bytes; peak RSS = resident pages above the start, each map grown \
             again in a process of its own, which for gomap excludes old-array pages already \
             handed back to the OS)"
        );
        let _ = writeln!(out);
        let list = |v: &[Spike]| {
            v.iter()
                .take(5)
                .map(Spike::describe)
                .collect::<Vec<_>>()
                .join(", ")
        };
        for m in &self.maps {
            let _ = writeln!(
                out,
                "slowest {} inserts (wall): {}",
                m.kind.name(),
                list(&m.insert.spikes)
            );
            if let Some(c) = &m.insert.cpu {
                let _ = writeln!(
                    out,
                    "heaviest {} inserts (own CPU time): {}",
                    m.kind.name(),
                    list(&c.heaviest)
                );
            }
        }
        if self.maps.iter().any(|m| m.lookup_mid_grow.is_some()) {
            let _ = writeln!(
                out,
                "lookup mid-grow = the lookups made while gomap was certainly growing \
                 (the same insert indices for every map)"
            );
        }
        out
    }

    /// The table as HTML, slow cells marked by the CPU time the map used itself where the CPU
    /// check ran (see [`judge`]).
    pub(crate) fn html_table(&self) -> Table {
        let mut t = Table::new(&HEADERS);
        for (map, op, s, cpu) in self.rows() {
            // The worst op's own CPU time is at most the most any op used; the 99.99th
            // percentile's is over a threshold only if at least 1 op in 10,000 used that much.
            let own_max = cpu.map(|c| c.max_ns);
            let own_p9999 = cpu.map(|c| {
                let share = |k: usize| k * 10_000 >= s.count.max(1);
                if share(c.over_1ms) {
                    SLOW_NS + 1
                } else if share(c.over_100us) {
                    WARN_NS + 1
                } else {
                    0
                }
            });
            let own_over_1ms = cpu.map(|c| c.over_1ms as u64 * (SLOW_NS + 1));
            t.row(vec![
                Cell::text(map),
                Cell::text(op),
                Cell::num(fmt_ns(s.p50 as f64)),
                Cell::num(fmt_ns(s.p99 as f64)),
                Cell::num(fmt_ns(s.p999 as f64)),
                Cell::num(fmt_ns(s.p9999 as f64)).tone(judge(s.p9999, own_p9999)),
                Cell::num(fmt_ns(s.max as f64)).tone(judge(s.max, own_max)),
                Cell::num(s.max_index.to_string()),
                Cell::num(s.over_100us.to_string()),
                Cell::num(s.over_1ms.to_string())
                    .tone(judge(s.over_1ms as u64 * (SLOW_NS + 1), own_over_1ms)),
            ]);
        }
        t
    }

    /// The CPU-check table as HTML (empty when the check was off).
    pub(crate) fn html_cpu_table(&self) -> Table {
        let mut t = Table::new(&[
            "map",
            "op",
            "preempted",
            "cpu > 100 µs",
            "cpu > 1 ms",
            "cpu max",
            "at",
        ]);
        for (map, op, c) in self.cpu_rows() {
            t.row(vec![
                Cell::text(map),
                Cell::text(op),
                Cell::num(c.preempted.to_string()),
                Cell::num(c.over_100us.to_string()),
                Cell::num(c.over_1ms.to_string()).tone(if c.over_1ms > 0 {
                    Tone::Bad
                } else {
                    Tone::Plain
                }),
                Cell::num(fmt_ns(c.max_ns as f64)),
                Cell::num(c.max_index.to_string()),
            ]);
        }
        t
    }

    /// The heap table as HTML.
    pub(crate) fn html_heap_table(&self) -> Table {
        let mut t = Table::new(&[
            "map",
            "hasher",
            "peak heap",
            "heap at N",
            "after removing all",
            "peak bytes/entry",
            "peak resident (RSS)",
            "capacity changes",
        ]);
        for m in &self.maps {
            t.row(vec![
                Cell::text(m.kind.name()),
                Cell::text(m.hasher),
                Cell::num(fmt_bytes(m.peak_heap as f64)),
                Cell::num(fmt_bytes(m.full_heap as f64)),
                Cell::num(fmt_bytes(m.empty_heap as f64)),
                Cell::num(format!("{:.1}", m.peak_heap as f64 / self.n as f64)),
                Cell::num(
                    m.peak_rss
                        .map_or("-".to_string(), |r| fmt_bytes(r as f64).to_string()),
                ),
                Cell::num(m.resizes.len().to_string()),
            ]);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_judged_by_own_cpu_time_when_it_was_measured() {
        let ms = 1_000_000;
        // The wall clock alone decides without the CPU check.
        assert!(matches!(judge(4 * ms, None), Tone::Bad));
        assert!(matches!(judge(200_000, None), Tone::Warn));
        assert!(matches!(judge(50_000, None), Tone::Plain));
        // 4 ms of wall time of which the thread ran 20 µs: the machine, not the map.
        assert!(matches!(judge(4 * ms, Some(20_000)), Tone::Dim));
        // The map's own work: 2 ms of CPU time.
        assert!(matches!(judge(4 * ms, Some(2 * ms)), Tone::Bad));
        assert!(matches!(judge(4 * ms, Some(300_000)), Tone::Warn));
        // Own CPU time cannot exceed the wall time it was measured in.
        assert!(matches!(judge(50_000, Some(2 * ms)), Tone::Plain));
    }
}
