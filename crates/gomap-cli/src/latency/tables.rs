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

impl LatencyReport {
    /// Rows of `(map, op, summary)` in table order: the timer first.
    fn rows(&self) -> Vec<(&'static str, &'static str, &Summary)> {
        let mut rows = vec![("timer", "empty", &self.timer.summary)];
        for op in ["insert", "remove", "lookup", "lookup mid-grow"] {
            for m in &self.maps {
                let s = match op {
                    "insert" => Some(&m.insert.summary),
                    "remove" => Some(&m.remove.summary),
                    "lookup" => Some(&m.lookup.summary),
                    _ => m.lookup_mid_grow.as_ref(),
                };
                if let Some(s) = s {
                    rows.push((m.kind.name(), op, s));
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
        for (map, op, s) in self.rows() {
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
            "(peak = allocated bytes; peak RSS = resident pages above the start, which for gomap \
             excludes old-array pages already handed back to the OS)"
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

    /// The table as HTML, max cells over 1 ms marked.
    pub(crate) fn html_table(&self) -> Table {
        let mut t = Table::new(&HEADERS);
        for (map, op, s) in self.rows() {
            let tone = |ns: u64| {
                if ns > 1_000_000 {
                    Tone::Bad
                } else if ns > 100_000 {
                    Tone::Warn
                } else {
                    Tone::Plain
                }
            };
            t.row(vec![
                Cell::text(map),
                Cell::text(op),
                Cell::num(fmt_ns(s.p50 as f64)),
                Cell::num(fmt_ns(s.p99 as f64)),
                Cell::num(fmt_ns(s.p999 as f64)),
                Cell::num(fmt_ns(s.p9999 as f64)).tone(tone(s.p9999)),
                Cell::num(fmt_ns(s.max as f64)).tone(tone(s.max)),
                Cell::num(s.max_index.to_string()),
                Cell::num(s.over_100us.to_string()),
                Cell::num(s.over_1ms.to_string()).tone(if s.over_1ms > 0 {
                    Tone::Bad
                } else {
                    Tone::Plain
                }),
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
