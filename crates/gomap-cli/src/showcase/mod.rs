//! The showcase: what `gomap` with no arguments (`cargo run --release`) does.
//!
//! It runs a short `bench` (gomap against hashbrown, std and std with foldhash), a short
//! `bench --concurrent` (SyncMap against papaya, dashmap, scc and `RwLock<hashbrown>`, at a tenth
//! of the Go sync.Map anchor's sizes: [`ConcurrentConfig::showcase`]), a short `latency` run
//! (every single insert, remove and lookup timed while the maps grow to 2M and shrink back) and
//! an `inspect` picture of a small map caught mid-growth, then gathers them into one
//! self-contained page, `gomap-report/index.html`, with the bench table (ratios highlighted),
//! the concurrent throughput and latency-percentile plots, the latency tables and plots, the
//! memory plot and the layout picture. It takes a couple of minutes on a 2-core machine.
//! `gomap showcase --quick` does the same with tiny sizes in a few seconds (for tests).

mod verdict;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::args::{self, CliError, CliResult};
use crate::bench::concurrent::{self, ConcurrentConfig, ConcurrentResults};
use crate::bench::{self, BenchConfig, BenchResults};
use crate::inspect::{self, HasherKind, InspectArgs, KeyKind};
use crate::latency::{self, LatencyReport, MapKind};
use crate::output;
use crate::report::html::{Cell, Page, Table, Tone};
use crate::report::{fmt_bytes, fmt_ns};

/// Options of `gomap showcase` (a hidden subcommand; no arguments at all means the same with
/// the defaults).
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct ShowcaseArgs {
    /// A tiny run (a few seconds, for tests): N = 1K bench, 20K latency.
    #[arg(long)]
    pub(crate) quick: bool,
    /// Directory for index.html and the files it gathers.
    #[arg(long, default_value = "gomap-report")]
    pub(crate) out: PathBuf,
}

impl Default for ShowcaseArgs {
    fn default() -> Self {
        ShowcaseArgs {
            quick: false,
            out: PathBuf::from("gomap-report"),
        }
    }
}

/// Entries per map in the showcase's latency run.
const LATENCY_N: usize = 2_000_000;
/// ... and in the quick one.
const QUICK_LATENCY_N: usize = 20_000;

/// The bench configuration: the bench module's showcase, or a tiny one.
fn bench_config(quick: bool) -> BenchConfig {
    let mut cfg = BenchConfig::showcase();
    if quick {
        cfg.sizes = vec![1_000];
        cfg.reps = Some(3);
        cfg.min_ms = 1;
        cfg.keys.truncate(1);
    }
    cfg
}

/// The inspect options of the layout picture: a small map a few writes into a grow.
fn layout_args(out: &Path) -> InspectArgs {
    InspectArgs {
        n: 400,
        keys: KeyKind::U64,
        hasher: HasherKind::Default,
        weak_bits: 5,
        mid_growth: Some(12),
        max_buckets: 256,
        out: out.join("layout.html"),
    }
}

/// Runs the showcase and writes `index.html`.
pub(crate) fn run(args: &ShowcaseArgs) -> CliResult {
    let started = Instant::now();
    let out = &args.out;
    output::prepare_dir(out, "--out")?;
    let cfg = bench_config(args.quick);
    let n = if args.quick {
        QUICK_LATENCY_N
    } else {
        LATENCY_N
    };
    let ccfg = ConcurrentConfig::showcase(args.quick);
    let maps = [MapKind::Gomap, MapKind::Hashbrown, MapKind::Std];
    let (bench_secs, conc_secs, latency_secs) = (
        cfg.estimate_secs(),
        ccfg.estimate_secs(),
        latency::estimate_secs(n, maps.len(), true),
    );
    eprintln!(
        "gomap showcase: a short bench, a concurrent bench, a latency run and a layout picture, \
         written to {}: about {}",
        out.join("index.html").display(),
        args::show_duration(bench_secs + conc_secs + latency_secs)
    );
    let stage = |i: usize, what: &str| eprintln!("[{i}/4] {what}");

    stage(1, &format!("bench: {}", cfg.plan()));
    let bench = bench::run(&cfg);
    match &bench {
        Ok(b) => output::write_file(&out.join("bench.json"), &b.to_json())?,
        Err(e) => eprintln!("error: bench failed: {e}"),
    }

    stage(2, &format!("bench --concurrent: {}", ccfg.plan()));
    let conc = concurrent::run(&ccfg);
    output::write_file(&out.join("concurrent.json"), &conc.to_json())?;
    output::write_file(
        &out.join("concurrent-throughput.svg"),
        &conc.throughput_svg(),
    )?;
    output::write_file(&out.join("concurrent-latency.svg"), &conc.latency_svg())?;
    if let Some(e) = conc.failure() {
        eprintln!("error: bench --concurrent failed: {e}");
    }

    stage(
        3,
        &format!(
            "latency: every operation timed, maps grown to {} entries and emptied: about {}",
            args::show_size(n),
            args::show_duration(latency_secs)
        ),
    );
    let mut lat = latency::measure_all(n, &maps, true)?;
    lat.measure_peak_rss();
    lat.write_files(out)?;

    stage(4, "inspect: a small map caught mid-growth");
    let layout = layout_args(out);
    let ins = inspect::inspect(&layout)?;
    output::write_file(&layout.out, &ins.html)?;

    let index = out.join("index.html");
    output::write_file(&index, &index_page(bench.as_ref(), &conc, &lat, &ins, args))?;
    eprintln!(
        "gomap showcase: done in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    // The absolute path, so that it can be opened from anywhere.
    let shown = std::fs::canonicalize(&index).unwrap_or(index);
    if let Some(c) = verdict::caveat(bench.as_ref().ok(), args.quick) {
        println!("! {c}");
    }
    for line in verdict::sentences(bench.as_ref().ok(), Some(&conc), &lat) {
        println!("- {line}");
    }
    println!("wrote {}", shown.display());
    bench.map(drop).map_err(CliError::from)?;
    match conc.failure() {
        Some(e) => Err(CliError::Failed(format!("bench --concurrent: {e}"))),
        None => Ok(()),
    }
}

/// A median time per operation, short.
fn ns_op(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// The tone of a gomap/other ratio: green when gomap is 5% faster or more, red when 5% slower.
fn ratio_tone(r: f64) -> Tone {
    if r < 0.95 {
        Tone::Good
    } else if r > 1.05 {
        Tone::Bad
    } else {
        Tone::Plain
    }
}

/// The bench table: median ns per operation per implementation, then gomap's ratios.
fn bench_table(b: &BenchResults) -> Table {
    let imps = b.implementations();
    let others: Vec<&String> = imps.iter().filter(|i| *i != "gomap").collect();
    let mut headers: Vec<String> = vec!["workload".into(), "keys".into(), "N".into()];
    headers.extend(imps.iter().map(|i| format!("{i} ns/op")));
    headers.extend(others.iter().map(|o| format!("gomap / {o}")));
    let mut t = Table::new(&headers);
    let mut seen: Vec<(String, String, usize)> = Vec::new();
    for c in &b.cells {
        let key = (c.workload.clone(), c.keys.clone(), c.n);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key.clone());
        let (w, k, n) = key;
        let mut row = vec![Cell::text(&w), Cell::text(&k), Cell::num(n.to_string())];
        for imp in &imps {
            row.push(Cell::num(
                b.cell(&w, &k, n, imp)
                    .map_or("-".into(), |c| ns_op(c.median_ns)),
            ));
        }
        for o in &others {
            row.push(match b.ratio(&w, &k, n, "gomap", o) {
                Some(r) => Cell::num(format!("{r:.2}")).tone(ratio_tone(r)),
                None => Cell::num("-").tone(Tone::Dim),
            });
        }
        t.row(row);
    }
    let mut row = vec![Cell::text("geometric mean"), Cell::text(""), Cell::text("")];
    row.extend(imps.iter().map(|_| Cell::text("")));
    for o in &others {
        row.push(match b.geomean_ratio("gomap", o) {
            Some(r) => Cell::num(format!("{r:.2}")).tone(ratio_tone(r)),
            None => Cell::num("-").tone(Tone::Dim),
        });
    }
    t.row(row);
    t
}

/// Heap bytes per entry by implementation and N.
fn memory_table(b: &BenchResults) -> Table {
    let mut t = Table::new(&["implementation", "N", "bytes/entry", "peak bytes/entry"]);
    for m in &b.memory {
        t.row(vec![
            Cell::text(&m.implementation),
            Cell::num(m.n.to_string()),
            Cell::num(format!("{:.1}", m.bytes_per_entry)),
            Cell::num(format!("{:.1}", m.peak_bytes_per_entry)),
        ]);
    }
    t
}

/// A few sentences on the latency run, from its numbers.
fn latency_findings(lat: &LatencyReport) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!(
        "The clock itself: an empty interval takes {} at the median and {} at worst (that worst is \
         the machine: interrupts and other processes), so every timing below includes about {}.",
        fmt_ns(lat.timer.summary.p50 as f64),
        fmt_ns(lat.timer.summary.max as f64),
        fmt_ns(lat.timer.summary.p50 as f64)
    ));
    for m in &lat.maps {
        let s = &m.insert.summary;
        let cause = |c: &str| {
            if c == "-" {
                "nothing visible from outside".to_string()
            } else {
                c.to_string()
            }
        };
        let mut text = format!(
            "{}: median insert {}, 99.99th percentile {}, worst {} at insert #{} ({}); {} inserts \
             over 100 µs, {} over 1 ms of wall time; peak heap {}.",
            m.kind.name(),
            fmt_ns(s.p50 as f64),
            fmt_ns(s.p9999 as f64),
            fmt_ns(s.max as f64),
            s.max_index,
            cause(m.insert.spikes.first().map_or("-", |sp| sp.cause)),
            s.over_100us,
            s.over_1ms,
            fmt_bytes(m.peak_heap as f64)
        );
        if let Some(c) = &m.insert.cpu {
            if let Some(h) = c.heaviest.first() {
                let _ = write!(
                    text,
                    " Counting only the CPU time the insert itself used (preemption taken out): \
                     {} inserts over 100 µs, {} over 1 ms, the heaviest {} at #{} ({}).",
                    c.over_100us,
                    c.over_1ms,
                    fmt_ns(h.cpu_ns.unwrap_or(0) as f64),
                    h.index,
                    cause(h.cause)
                );
            }
        }
        out.push(text);
    }
    out
}

/// The concurrent section: what was measured, the two plots and the table.
fn concurrent_section(p: &mut Page, c: &ConcurrentResults) {
    p.raw("<h2 id=\"concurrent\">Concurrent maps: gomap bench --concurrent</h2>");
    p.p(
        "gomap::sync::SyncMap (Go's sync.Map design: reads of published keys take no lock) \
         against papaya, dashmap, scc and RwLock<hashbrown>, on the workloads of the Go sync.Map \
         anchor: read (gets only), readmostly (1% inserts, 1% removes), mixed (10% each), grow \
         (inserts into an empty map) and readlat (one thread reads while another inserts). \
         Implementations interleaved in one process.",
    );
    if let Some(e) = c.failure() {
        p.p(&format!("Wrong results: {e}. These numbers do not count."));
    }
    p.figure_id(
        "concurrent-throughput",
        &c.throughput_svg(),
        &format!(
            "Throughput in Mop/s, summed over the threads (readlat: the reader's gets while the \
             writer inserts), per workload and thread count; one bar per implementation, SyncMap \
             outlined and labelled with its Mop/s over the best of the other Rust maps. {}. {}",
            c.measured(),
            c.machine_caveat()
        ),
    );
    p.table(&c.html_table());
    let lat = c.latency_svg();
    if !lat.is_empty() {
        p.figure_id(
            "concurrent-latency",
            &lat,
            &format!(
                "Latency percentiles of single operations, log scale: p50, p99, p99.9, p99.99 and \
                 the worst, per implementation, for grow's inserts (at each thread count) and \
                 readlat's gets and inserts; each operation timed alone with Instant (the clock's \
                 own cost included), histogram buckets within 1/128. The red line is issue \
                 9's 1 ms target. {}. {}",
                c.measured(),
                c.machine_caveat()
            ),
        );
    }
    p.raw("<details><summary>The tables as gomap bench --concurrent prints them</summary>");
    p.pre(&c.render_table());
    p.raw("</details>");
}

fn index_page(
    bench: Result<&BenchResults, &String>,
    conc: &ConcurrentResults,
    lat: &LatencyReport,
    ins: &inspect::Inspection,
    args: &ShowcaseArgs,
) -> String {
    let mut p = Page::new("gomap: Go's classic hash map, in Rust");
    p.p(
        "gomap rebuilds the map Go shipped from 1.0 through 1.23 (buckets of 8 slots with a tophash \
         byte each, overflow chains, load factor 6.5) as a drop-in std HashMap, and grows \
         incrementally: a new array is installed and the old buckets are evacuated a couple at a \
         time by later writes, so no insert pays for a whole rehash. This page shows what that \
         buys and costs against hashbrown and std.",
    );
    p.raw(&verdict::html(bench.ok(), Some(conc), lat, args.quick));
    let mut toc = String::from("<p>");
    for (id, name) in [
        ("bench", "Throughput"),
        ("concurrent", "Concurrent maps"),
        ("latency", "Latency of single operations"),
        ("memory", "Memory"),
        ("layout", "Layout"),
    ] {
        let _ = write!(toc, "<a href=\"#{id}\">{name}</a> &middot; ");
    }
    toc.push_str("<a href=\"layout.html\">layout.html</a></p>");
    p.raw(&toc);

    p.raw("<h2 id=\"bench\">Throughput: gomap bench</h2>");
    match bench {
        Ok(b) => {
            let m = &b.machine;
            p.small(&format!(
                "Median ns per operation over repetitions, implementations interleaved. Ratios are \
                 gomap's time over the other's: green = gomap at least 5% faster, red = at least 5% \
                 slower. Machine: {} CPUs, {}; {}; commit {}{}.",
                m.nproc,
                m.cpu_model.as_deref().unwrap_or("unknown CPU"),
                m.rustc,
                m.short_commit(),
                if m.optimized { "" } else { " (DEBUG BUILD: not representative)" }
            ));
            p.table(&bench_table(b));
            p.h3("Heap bytes per entry (u64 -> u64, grown from empty)");
            p.table(&memory_table(b));
            for note in &b.notes {
                p.small(note);
            }
            p.raw("<details><summary>The table as gomap bench prints it</summary>");
            p.pre(&b.render_table());
            p.raw("</details>");
        }
        Err(e) => {
            p.p(&format!("The benchmark failed: {e}"));
        }
    }

    concurrent_section(&mut p, conc);

    p.raw("<h2 id=\"latency\">Latency of single operations: gomap latency</h2>");
    p.small(&format!(
        "Each map grows from empty to {} u64 -> u64 entries, every insert timed alone; then every \
         key is removed in shuffled order, every remove timed alone; then the map is built again \
         with one timed lookup of a present key after each insert. Rows \"lookup mid-grow\" keep \
         the lookups made at the insert indices where gomap was certainly mid-grow. Full data in \
         latency.json.",
        lat.n
    ));
    for f in latency_findings(lat) {
        p.p(&f);
    }
    p.table(&lat.html_table());
    p.small(
        "Colours judge each map by the CPU time its own work used (the CPU check below), not by          the wall clock alone: red = over 1 ms of its own CPU time, amber = over 100 µs, grey =          over 100 µs of wall time only, while the thread was off the CPU (another process ran:          the machine's noise, not the map's). For the 99.99th percentile, red means at least 1          operation in 10,000 used over 1 ms of CPU itself. Without the CPU check          (--no-cpu-check) the wall clock decides.",
    );
    p.small(
        "CPU check: after every operation (outside the timed region) the thread's CPU clock is \
         read. An operation that was slow because another process had the CPU (preempted: over \
         20 µs off the CPU) used little CPU time itself; one that was slow because of the map's \
         own work (a rehash, page faults, a large free) used it all. The cpu columns count only \
         the time the thread ran (on a virtual machine that includes time the host took the \
         virtual CPU away).",
    );
    p.table(&lat.html_cpu_table());
    p.figure(
        &lat.insert_svg(),
        "Insert latency against insert number, log scale. Each pixel column keeps the worst insert \
         of its range (so no spike is lost among millions), with the 99th percentile and median in \
         the per-map panels. hashbrown and std rehash everything at each doubling: one very slow \
         insert. gomap spreads that work over the following inserts: the median rises while a grow \
         runs, the worst stays lower.",
    );
    p.figure(
        &lat.remove_svg(),
        "Remove latency, emptying the map in shuffled order.",
    );
    p.figure(
        &lat.lookup_svg(),
        "Lookup latency (present keys) while the map grows; a gomap lookup mid-grow may read the \
         old array.",
    );

    p.raw("<h2 id=\"memory\">Memory</h2>");
    p.table(&lat.html_heap_table());
    p.small(
        "Peak heap = the most bytes allocated at once while growing (counting allocator). Peak \
         resident = how far the process's resident size (Linux VmHWM) rose while the map grew, \
         each map grown again in a fresh process of its own, so pages an earlier map freed \
         cannot hide a later map's peak; for gomap it leaves out old-array pages already handed \
         back to the OS during a grow.",
    );
    p.figure(
        &lat.memory_svg(),
        "Heap bytes (counting allocator) while the maps grow and while they are emptied. During a \
         gomap grow both arrays are live until the last old bucket is evacuated.",
    );

    p.raw("<h2 id=\"layout\">Layout: gomap inspect</h2>");
    p.p(&inspect::describe(ins, Some(12)));
    p.figure(
        &ins.layout_svg,
        "A map of u64 keys a few writes into a doubling grow: old array left, new array right. \
         Each bucket is a row of 8 slots coloured by tophash; overflow buckets hang below. \
         Old chains below the red frontier (nevacuate) have moved; hatched new buckets wait for \
         their old chain to be evacuated. More in layout.html.",
    );
    p.pre(&ins.stats.to_string());
    p.small(
        "Files in this directory: index.html, layout.html, bench.json, concurrent.json, \
         concurrent-throughput.svg, concurrent-latency.svg, latency.json, latency.svg, \
         latency-remove.svg, latency-lookup.svg, memory.svg.",
    );
    p.finish()
}
