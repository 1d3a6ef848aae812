//! The text table `gomap bench` prints.

use std::fmt::Write;

use super::workloads::Workload;
use super::BenchResults;

/// `1000` as `1K`, `1000000` as `1M`; other sizes as they are.
pub(crate) fn human_n(n: usize) -> String {
    if n >= 1_000_000 && n % 1_000_000 == 0 {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n % 1_000 == 0 {
        format!("{}K", n / 1_000)
    } else {
        n.to_string()
    }
}

fn ns(x: f64) -> String {
    if x >= 1000.0 {
        format!("{x:.0}")
    } else if x >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn workload_rank(w: &str) -> usize {
    Workload::ALL
        .iter()
        .position(|x| x.name() == w)
        .unwrap_or(Workload::ALL.len())
}

fn keys_rank(k: &str) -> usize {
    match k {
        "u64" => 0,
        "str" => 1,
        _ => 2,
    }
}

/// Renders `r` as a text table.
pub(crate) fn render(r: &BenchResults) -> String {
    let mut s = String::new();
    let m = &r.machine;
    let reps: Vec<String> = r
        .reps
        .iter()
        .map(|&(n, k)| format!("{k} at N={}", human_n(n)))
        .collect();
    let _ = writeln!(
        s,
        "gomap bench: median ns per operation; implementations interleaved; reps: {}; >= {} ms of timed work per measurement",
        reps.join(", "),
        r.min_ms
    );
    let _ = writeln!(
        s,
        "machine: {} CPUs, {}; {}; commit {}{}",
        m.nproc,
        m.cpu_model.as_deref().unwrap_or("unknown CPU"),
        m.rustc,
        m.short_commit(),
        if m.optimized {
            ""
        } else {
            "  ** DEBUG BUILD: numbers are meaningless, use --release **"
        }
    );
    for note in &r.notes {
        let _ = writeln!(s, "note: {note}");
    }
    let _ = writeln!(s);

    let imps = r.implementations();
    let has_go = imps.iter().any(|i| i == "go");
    let has = |name: &str| imps.iter().any(|i| i == name);
    let mut header: Vec<String> = vec!["workload".into(), "keys".into(), "N".into()];
    header.extend(imps.iter().cloned());
    if has("gomap") && has("hashbrown") {
        header.push("gomap/hashbrown".into());
    }
    if has("gomap") && has_go {
        header.push("gomap/go".into());
    }

    let mut keys: Vec<(String, String, usize)> = Vec::new();
    for c in &r.cells {
        let k = (c.workload.clone(), c.keys.clone(), c.n);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.sort_by_key(|(w, k, n)| (keys_rank(k), workload_rank(w), w.clone(), *n));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (w, k, n) in &keys {
        let mut row = vec![w.clone(), k.clone(), human_n(*n)];
        for imp in &imps {
            row.push(
                r.cell(w, k, *n, imp)
                    .map_or("-".into(), |c| ns(c.median_ns)),
            );
        }
        if has("gomap") && has("hashbrown") {
            row.push(
                r.ratio(w, k, *n, "gomap", "hashbrown")
                    .map_or("-".into(), |x| format!("{x:.2}")),
            );
        }
        if has("gomap") && has_go {
            row.push(
                r.ratio(w, k, *n, "gomap", "go")
                    .map_or("-".into(), |x| format!("{x:.2}")),
            );
        }
        rows.push(row);
    }
    write_rows(&mut s, &header, &rows);

    let _ = writeln!(s);
    for rival in ["hashbrown", "std", "std+foldhash", "go"] {
        if let Some(g) = r.geomean_ratio("gomap", rival) {
            let count = r.ratios("gomap", rival).len();
            let (w, k, n, x) = r.worst_ratio("gomap", rival).expect("a ratio exists");
            let _ = writeln!(
                s,
                "gomap/{rival}: geomean {g:.3} over {count} cells; worst {x:.2} ({w} {k} N={})",
                human_n(n)
            );
        }
    }

    if !r.memory.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "memory: u64 -> u64 map grown from empty; heap bytes per entry, held / peak while growing"
        );
        let mut mimps: Vec<String> = Vec::new();
        let mut sizes: Vec<usize> = Vec::new();
        for m in &r.memory {
            if !mimps.contains(&m.implementation) {
                mimps.push(m.implementation.clone());
            }
            if !sizes.contains(&m.n) {
                sizes.push(m.n);
            }
        }
        sizes.sort_unstable();
        let mut header = vec!["N".to_string()];
        header.extend(mimps.iter().cloned());
        let mut rows = Vec::new();
        for &n in &sizes {
            let mut row = vec![human_n(n)];
            for imp in &mimps {
                let cell = r
                    .memory
                    .iter()
                    .find(|m| m.n == n && &m.implementation == imp);
                row.push(match cell {
                    Some(m) if m.peak_bytes_per_entry.is_nan() => {
                        format!("{:.1}", m.bytes_per_entry)
                    }
                    Some(m) => format!("{:.1} / {:.1}", m.bytes_per_entry, m.peak_bytes_per_entry),
                    None => "-".into(),
                });
            }
            rows.push(row);
        }
        write_rows(&mut s, &header, &rows);
    }
    s
}

/// Writes `rows` under `header`: the first three columns left-aligned, the rest right-aligned.
fn write_rows(s: &mut String, header: &[String], rows: &[Vec<String>]) {
    let mut width: Vec<usize> = header.iter().map(String::len).collect();
    for row in rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let left = |i: usize| i < 3 && header.first().is_some_and(|h| h == "workload");
    let line = |s: &mut String, cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&width).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            if left(i) || i == 0 {
                let _ = write!(out, "{cell:<w$}");
            } else {
                let _ = write!(out, "{cell:>w$}");
            }
        }
        let _ = writeln!(s, "{}", out.trim_end());
    };
    line(s, header);
    for row in rows {
        line(s, row);
    }
}
