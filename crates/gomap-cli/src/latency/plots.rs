//! The latency run as pictures: latency per operation index, and heap over time.

use super::summary::Columns;
use super::{LatencyReport, MapKind, MapResult, OpResult};
use crate::report::svg::{stack, Attrs, Axis, Plot};
use crate::report::{fmt_bytes, fmt_count, fmt_ns, tint};

impl LatencyReport {
    /// Whether std's heap curve lies on hashbrown's (within 2% at every sample, both ways), so
    /// that the plot must say why std's line seems missing.
    fn std_heap_follows_hashbrown(&self) -> bool {
        let find = |k: MapKind| self.maps.iter().find(|m| m.kind == k);
        let (Some(h), Some(s)) = (find(MapKind::Hashbrown), find(MapKind::Std)) else {
            return false;
        };
        let close = |a: &[(usize, usize)], b: &[(usize, usize)]| {
            a.len() == b.len()
                && a.iter().zip(b).all(|(&(i, x), &(j, y))| {
                    i == j && (x as f64 - y as f64).abs() <= 0.02 * (x.max(y) as f64) + 4096.0
                })
        };
        close(&h.mem_insert, &s.mem_insert) && close(&h.mem_remove, &s.mem_remove)
    }

    /// A latency plot of one operation: all maps' worst per column on top, then one panel per
    /// map with its worst, 99th percentile and median per column.
    fn latency_svg(
        &self,
        op: &str,
        pick: fn(&MapResult) -> &OpResult,
        mark_resizes: bool,
    ) -> String {
        let n = self.n as f64;
        let lo = self
            .maps
            .iter()
            .flat_map(|m| pick(m).columns.p50.iter().copied())
            .chain(self.timer.columns.p50.iter().copied())
            .filter(|&x| x > 0)
            .min()
            .unwrap_or(10)
            .max(1) as f64;
        let hi = self
            .maps
            .iter()
            .map(|m| pick(m).summary.max)
            .max()
            .unwrap_or(1000)
            // Room above the 1 ms reference line, whatever the worst case.
            .max(2_000_000) as f64;
        let x_label = format!("{op} number (of {})", fmt_count(n));
        let axes = || {
            (
                Axis::linear(0.0, n, &x_label, fmt_count),
                Axis::log(lo, hi, "latency", fmt_ns),
            )
        };
        let xs = |c: &Columns, v: &[u32]| -> Vec<(f64, f64)> {
            v.iter()
                .enumerate()
                .map(|(i, &y)| (((i as f64) + 0.5) * c.per as f64, y as f64))
                .collect()
        };
        let mut plots = Vec::new();
        let (x, y) = axes();
        let mut all = Plot::new(
            &format!("Every {op}, worst per pixel column ({} ops/column)", {
                self.maps.first().map_or(1, |m| pick(m).columns.per)
            }),
            1100.0,
            420.0,
            x,
            y,
        );
        all.note(&format!(
            "N = {}; each {op} timed alone with Instant; the timer alone (grey) shows the floor and the machine's noise",
            self.n
        ));
        all.line(
            xs(&self.timer.columns, &self.timer.columns.max),
            Attrs::new().stroke("#999999", 1.0).opacity(0.8),
        )
        .legend("timer alone", "#999999");
        for m in self.maps.iter().rev() {
            let c = &pick(m).columns;
            all.line(
                xs(c, &c.max),
                Attrs::new().stroke(m.kind.colour(), 1.0).opacity(0.85),
            );
        }
        for m in &self.maps {
            all.legend(m.kind.name(), m.kind.colour());
        }
        all.hline(100_000.0, "#aa0000", "100 µs")
            .hline(1_000_000.0, "#aa0000", "1 ms");
        plots.push(all);
        for m in &self.maps {
            let r = pick(m);
            let c = &r.columns;
            let (x, y) = axes();
            let mut p = Plot::new(
                &format!(
                    "{}: {op} latency per column: worst, p99, median",
                    m.kind.name()
                ),
                1100.0,
                300.0,
                x,
                y,
            );
            p.note(&format!(
                "p50 {}, p99 {}, p99.99 {}, max {} at {op} #{}",
                fmt_ns(r.summary.p50 as f64),
                fmt_ns(r.summary.p99 as f64),
                fmt_ns(r.summary.p9999 as f64),
                fmt_ns(r.summary.max as f64),
                r.summary.max_index
            ));
            if mark_resizes {
                // Where capacity() changed: a full rehash for hashbrown and std, the start of an
                // incremental grow for gomap. Only the last is labelled; early ones crowd.
                let label = if m.kind == MapKind::Gomap {
                    "grow starts"
                } else {
                    "resize"
                };
                let shown: Vec<usize> = m
                    .resizes
                    .iter()
                    .copied()
                    .filter(|&r| r >= self.n / 64)
                    .collect();
                for (j, &r) in shown.iter().enumerate() {
                    let l = if j + 1 == shown.len() { label } else { "" };
                    p.vline(r as f64, "#8a8a8a", l);
                }
            }
            // Wall clock pale, own CPU time in the map's full colour on top: where they part,
            // the thread was off the CPU.
            let pale = tint(m.kind.colour(), 0.55);
            p.line(xs(c, &c.max), Attrs::new().stroke(&pale, 1.0))
                .legend("worst, wall clock", &pale);
            if !c.cpu_max.is_empty() {
                p.line(xs(c, &c.cpu_max), Attrs::new().stroke(m.kind.colour(), 1.2))
                    .legend("worst own CPU time (preemption removed)", m.kind.colour());
            }
            p.line(
                xs(c, &c.p99),
                Attrs::new().stroke("#444444", 1.0).dash("3 2"),
            )
            .line(xs(c, &c.p50), Attrs::new().stroke("#000000", 1.4))
            .legend("p99", "#888888")
            .legend("median", "#000000")
            .hline(100_000.0, "#aa0000", "100 µs")
            .hline(1_000_000.0, "#aa0000", "1 ms");
            plots.push(p);
        }
        stack(&plots)
    }

    /// `latency.svg`: insert latency.
    pub(crate) fn insert_svg(&self) -> String {
        self.latency_svg("insert", |m| &m.insert, true)
    }

    /// `latency-remove.svg`: remove latency.
    pub(crate) fn remove_svg(&self) -> String {
        self.latency_svg("remove", |m| &m.remove, false)
    }

    /// `latency-lookup.svg`: lookup latency while growing (capacity changes marked).
    pub(crate) fn lookup_svg(&self) -> String {
        self.latency_svg("lookup", |m| &m.lookup, true)
    }

    /// `memory.svg`: heap bytes against entries while growing, and while removing.
    pub(crate) fn memory_svg(&self) -> String {
        let n = self.n as f64;
        let top = self
            .maps
            .iter()
            .flat_map(|m| m.mem_insert.iter().chain(&m.mem_remove).map(|&(_, b)| b))
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let mut plots = Vec::new();
        for (title, x_label, pick) in [
            (
                "Heap bytes while inserting N keys",
                "entries",
                (|m: &MapResult| &m.mem_insert) as fn(&MapResult) -> &Vec<(usize, usize)>,
            ),
            (
                "Heap bytes while removing them all (shuffled order)",
                "keys removed",
                |m: &MapResult| &m.mem_remove,
            ),
        ] {
            let mut p = Plot::new(
                title,
                1100.0,
                400.0,
                Axis::linear(0.0, n, x_label, fmt_count),
                Axis::bytes(0.0, top * 1.05, "heap bytes"),
            );
            p.note("sampled every N/1000 operations from the counting allocator, between timed operations; dashed: 16 bytes per live entry (the keys and values alone)");
            let payload: Vec<(f64, f64)> = if x_label == "entries" {
                vec![(0.0, 0.0), (n, 16.0 * n)]
            } else {
                vec![(0.0, 16.0 * n), (n, 0.0)]
            };
            p.line(payload, Attrs::new().stroke("#777777", 1.0).dash("6 4"));
            for m in &self.maps {
                let pts = pick(m).iter().map(|&(i, b)| (i as f64, b as f64)).collect();
                // std is hashbrown inside: their curves coincide, so hashbrown is drawn wide and
                // std dashed on top of it.
                let attrs = match m.kind {
                    MapKind::Gomap => Attrs::new().stroke(m.kind.colour(), 2.0),
                    MapKind::Hashbrown => Attrs::new().stroke(m.kind.colour(), 4.0),
                    MapKind::Std => Attrs::new().stroke(m.kind.colour(), 1.8).dash("8 5"),
                };
                let on_hashbrown = m.kind == MapKind::Std && self.std_heap_follows_hashbrown();
                p.line(pts, attrs).legend(
                    &format!(
                        "{} (peak {}{})",
                        m.kind.name(),
                        fmt_bytes(m.peak_heap as f64),
                        if on_hashbrown {
                            "; dashed, on hashbrown's line: std's HashMap is hashbrown inside"
                        } else {
                            ""
                        }
                    ),
                    m.kind.colour(),
                );
            }
            plots.push(p);
        }
        stack(&plots)
    }
}
