//! `gomap inspect`: builds a map and draws its memory layout as an HTML page, in the style of
//! the Go runtime map articles.
//!
//! The page shows the bucket array as a grid of 8-slot buckets, each slot coloured by its
//! tophash byte (live, empty, empty-rest, evacuated to X / Y, evacuated while empty), overflow
//! chains hanging below their buckets, and during a grow the old and new arrays side by side
//! with the evacuation frontier (`nevacuate`) marked and the new buckets that are not
//! initialised yet drawn hatched. Below that: histograms of chain lengths and of tophash values,
//! and the map's [`gomap::Stats`].
//!
//! Hashers: `default` (gomap's own), `weak` (a real hash cut down to `--weak-bits` bits of
//! entropy, spread over all 64 bits: few distinct buckets, long overflow chains) and `constant`
//! (every key hashes the same: one chain holds everything, so N is capped).

use std::fmt::Write as _;
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::PathBuf;

use gomap::{Chain, Snapshot, Stats};

use crate::alloc_counter;
use crate::args::{self, CliError, CliResult};
use crate::keys;
use crate::output;
use crate::progress;
use crate::report::html::{Cell, Page, Table};
use crate::report::svg::{Anchor, Attrs, Axis, Plot, Svg};
use crate::report::{fmt_count, short};

/// Options of `gomap inspect`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct InspectArgs {
    /// Entries to insert; K, M, G suffixes allowed.
    #[arg(long, default_value = "1000", value_parser = args::size, allow_hyphen_values = true)]
    pub(crate) n: usize,
    /// Key type: u64 (splitmix64 values) or str (their 16-digit hex strings).
    #[arg(long, value_enum, default_value_t = KeyKind::U64)]
    pub(crate) keys: KeyKind,
    /// Hasher: default (gomap's), weak (only --weak-bits bits of a real hash survive: long
    /// overflow chains) or constant (every key collides: one chain; N is capped).
    #[arg(long, value_enum, default_value_t = HasherKind::Default)]
    pub(crate) hasher: HasherKind,
    /// Bits of entropy the weak hasher keeps (1..=16): at most 2^bits distinct hashes.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub(crate) weak_bits: u32,
    /// Stop mid-growth: after the N entries, keep inserting until a grow starts, then make this
    /// many more inserts, so the evacuation frontier is visible.
    #[arg(long, value_name = "WRITES", value_parser = args::count, allow_hyphen_values = true)]
    pub(crate) mid_growth: Option<usize>,
    /// Buckets drawn per array: the first K (the stats and histograms cover all of them).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub(crate) max_buckets: u64,
    /// The HTML page to write (its directory is created if missing).
    #[arg(long, default_value = "gomap-report/inspect.html")]
    pub(crate) out: PathBuf,
}

/// Key type of the inspected map.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// `u64` keys.
    U64,
    /// `String` keys (16 hex digits).
    Str,
}

/// Hash function of the inspected map.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HasherKind {
    /// gomap's default hasher (foldhash, randomly seeded).
    Default,
    /// A real hash reduced to a few bits of entropy.
    Weak,
    /// The same hash for every key.
    Constant,
}

/// The `BuildHasher` of the inspected map: gomap's default hasher, optionally degraded.
#[derive(Clone, Debug)]
struct Shaped {
    inner: gomap::DefaultHashBuilder,
    kind: HasherKind,
    bits: u32,
}

/// The hasher [`Shaped`] builds.
struct ShapedHasher {
    inner: <gomap::DefaultHashBuilder as BuildHasher>::Hasher,
    kind: HasherKind,
    bits: u32,
}

/// An odd 64-bit constant (2^64 / golden ratio): multiplying by it is a bijection that spreads
/// a few low bits over the whole word.
const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;

impl BuildHasher for Shaped {
    type Hasher = ShapedHasher;
    fn build_hasher(&self) -> ShapedHasher {
        ShapedHasher {
            inner: self.inner.build_hasher(),
            kind: self.kind,
            bits: self.bits,
        }
    }
}

impl Hasher for ShapedHasher {
    fn finish(&self) -> u64 {
        match self.kind {
            HasherKind::Default => self.inner.finish(),
            // Keep `bits` bits, then spread them: at most 2^bits distinct hashes, which differ
            // in their low bits (bucket) and their top byte (tophash) alike.
            HasherKind::Weak => (self.inner.finish() & ((1u64 << self.bits) - 1))
                .wrapping_add(1)
                .wrapping_mul(SPREAD),
            HasherKind::Constant => SPREAD,
        }
    }
    fn write(&mut self, bytes: &[u8]) {
        self.inner.write(bytes);
    }
    fn write_u8(&mut self, i: u8) {
        self.inner.write_u8(i);
    }
    fn write_u32(&mut self, i: u32) {
        self.inner.write_u32(i);
    }
    fn write_u64(&mut self, i: u64) {
        self.inner.write_u64(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.inner.write_usize(i);
    }
}

impl HasherKind {
    fn name(self) -> &'static str {
        match self {
            HasherKind::Default => "default",
            HasherKind::Weak => "weak",
            HasherKind::Constant => "constant",
        }
    }
}

/// The largest N for the constant hasher: every insert compares its key with every key.
const MAX_N_CONSTANT: usize = 10_000;

/// What was built, and what the page shows.
pub(crate) struct Inspection {
    /// The map's stats at the end.
    pub(crate) stats: Stats,
    /// Entries inserted.
    pub(crate) inserted: usize,
    /// The insert (0-based) that started the grow being shown, with `--mid-growth`.
    pub(crate) grow_started_at: Option<usize>,
    /// Inserts after the one that started the grow.
    pub(crate) writes_since_grow: usize,
    /// One-line description of the map (keys, hasher).
    pub(crate) title: String,
    /// The layout picture (SVG).
    pub(crate) layout_svg: String,
    /// The chain-length histogram (SVG).
    pub(crate) chains_svg: String,
    /// The tophash histogram (SVG).
    pub(crate) tophash_svg: String,
    /// The whole HTML page.
    pub(crate) html: String,
}

/// `gomap inspect`: builds the map, writes the page and prints where.
pub(crate) fn run(args: &InspectArgs) -> CliResult<Inspection> {
    args.validate().map_err(CliError::Usage)?;
    output::prepare_file(&args.out, "--out")?;
    let ins = inspect(args)?;
    output::write_file(&args.out, &ins.html)?;
    println!("{}", ins.stats);
    if args.mid_growth.is_some() && !ins.stats.growing {
        eprintln!(
            "gomap: note: the grow finished within the {} extra writes; the page shows a map that is not growing",
            ins.writes_since_grow
        );
    }
    println!("wrote {}", args.out.display());
    Ok(ins)
}

/// Builds the map and renders the page (no files written).
pub(crate) fn inspect(args: &InspectArgs) -> Result<Inspection, String> {
    args.validate()?;
    match args.keys {
        KeyKind::U64 => build(args, |k| k),
        KeyKind::Str => build(args, keys::hex16),
    }
}

impl InspectArgs {
    /// Checks that the options fit together: N at least 1, and small enough for a hasher that
    /// makes every insert walk a long chain.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let args = self;
        if args.n == 0 {
            return Err("--n must be at least 1".into());
        }
        match args.hasher {
            HasherKind::Constant if args.n > MAX_N_CONSTANT => {
                return Err(format!(
                "--hasher constant puts every key in one chain, so each insert compares against all \
                 the others: use --n {MAX_N_CONSTANT} or less (got {})",
                args.n
            ));
            }
            HasherKind::Weak if args.n > weak_cap(args.weak_bits) => {
                return Err(format!(
                "--hasher weak with --weak-bits {} leaves about N/{} keys per hash, and each insert \
                 compares against all of them: use --n {} or less, or more --weak-bits (got --n {})",
                args.weak_bits,
                1u64 << args.weak_bits,
                weak_cap(args.weak_bits),
                args.n
            ));
            }
            _ => {}
        }
        Ok(())
    }
}

/// The largest N for the weak hasher with `bits` bits: about 2,500 keys per distinct hash.
fn weak_cap(bits: u32) -> usize {
    2_500usize << bits
}

fn build<K: Hash + Eq>(args: &InspectArgs, make_key: fn(u64) -> K) -> Result<Inspection, String> {
    let hasher = Shaped {
        inner: gomap::DefaultHashBuilder::default(),
        kind: args.hasher,
        bits: args.weak_bits,
    };
    let mut map: gomap::HashMap<K, u64, Shaped> = gomap::HashMap::with_hasher(hasher);
    let mut stream = keys::SEED_KEYS;
    let mut cap = map.capacity();
    let mut grow_started_at = None;
    let mut writes_since = 0usize;
    let mut i = 0usize;
    // A doubling grow comes at most every ~N inserts past N; a same-size one sooner.
    let limit = args
        .n
        .saturating_mul(4)
        .saturating_add(args.mid_growth.unwrap_or(0))
        .saturating_add(1000);
    let bar = progress::bar(args.n as u64, "inspect: inserting");
    loop {
        match (args.mid_growth, grow_started_at) {
            (None, _) if map.len() >= args.n => break,
            (Some(extra), Some(_)) if writes_since >= extra => break,
            _ => {}
        }
        if i >= limit {
            return Err(format!(
                "no grow started within {} inserts past --n {}; try without --mid-growth",
                i - args.n,
                args.n
            ));
        }
        let key = make_key(keys::splitmix64(&mut stream));
        let before = alloc_counter::live_bytes();
        map.insert(key, i as u64);
        let allocated = alloc_counter::live_bytes() > before;
        if grow_started_at.is_some() {
            writes_since += 1;
        } else if args.mid_growth.is_some() && map.len() >= args.n {
            // A grow allocates its new array, so only an insert that allocated can have started
            // one: a doubling grow changes the capacity; a same-size grow needs the stats.
            let c = map.capacity();
            if c != cap || (allocated && map.stats().growing) {
                grow_started_at = Some(i);
            }
        }
        cap = map.capacity();
        i += 1;
        if i % 4096 == 0 {
            bar.set_position(i as u64);
        }
    }
    bar.finish_and_clear();
    let stats = map.stats();
    let snapshot = map.snapshot();
    let title = format!(
        "{} {} keys, {} hasher{}",
        map.len(),
        match args.keys {
            KeyKind::U64 => "u64",
            KeyKind::Str => "String",
        },
        args.hasher.name(),
        if args.hasher == HasherKind::Weak {
            format!(" ({} bits)", args.weak_bits)
        } else {
            String::new()
        }
    );
    let k = args.max_buckets as usize;
    let layout_svg = layout_svg(&snapshot, k);
    let chains_svg = chain_histogram_svg(&stats);
    let tophash_svg = tophash_histogram_svg(&snapshot);
    let mut ins = Inspection {
        stats,
        inserted: i,
        grow_started_at,
        writes_since_grow: writes_since,
        title,
        layout_svg,
        chains_svg,
        tophash_svg,
        html: String::new(),
    };
    ins.html = page(&ins, args);
    Ok(ins)
}

// ---------------------------------------------------------------------------------------------
// The layout picture.
// ---------------------------------------------------------------------------------------------

/// Slot size in pixels.
const SLOT: f64 = 7.0;
/// A bucket's width: 8 slots.
const BUCKET_W: f64 = 8.0 * SLOT;
/// Horizontal gap between buckets.
const GAP_X: f64 = 9.0;
/// Vertical step from a bucket to its overflow bucket.
const CHAIN_STEP: f64 = SLOT + 3.0;
/// Overflow buckets drawn per chain before "+k more".
const MAX_CHAIN_DRAWN: usize = 10;
/// Space left of a grid for row labels.
const ROW_LABEL_W: f64 = 44.0;

/// Slot colours by mark, shared by the layout, its legend and the tophash histogram.
const COLOUR_EMPTY_REST: &str = "#f1f1f1";
const COLOUR_EMPTY_ONE: &str = "#c8c8c8";
const COLOUR_EVAC_X: &str = "#e69f00";
const COLOUR_EVAC_Y: &str = "#cc79a7";
const COLOUR_EVAC_EMPTY: &str = "#f3dfb6";
const COLOUR_LIVE: &str = "#0072b2";
const COLOUR_FRONTIER: &str = "#d00000";

/// The CSS class of a slot with tophash `t`.
fn slot_class(t: u8) -> &'static str {
    match t {
        0 => "e0",
        1 => "e1",
        2 => "ex",
        3 => "ey",
        4 => "ee",
        _ => "lv",
    }
}

/// The colour of tophash `t`'s category.
fn tophash_colour(t: u8) -> &'static str {
    match t {
        0 => COLOUR_EMPTY_REST,
        1 => COLOUR_EMPTY_ONE,
        2 => COLOUR_EVAC_X,
        3 => COLOUR_EVAC_Y,
        4 => COLOUR_EVAC_EMPTY,
        _ => COLOUR_LIVE,
    }
}

fn layout_style() -> String {
    format!(
        "rect.s{{stroke:#ffffff;stroke-width:0.7}}\
         .e0{{fill:{COLOUR_EMPTY_REST}}}.e1{{fill:{COLOUR_EMPTY_ONE}}}.ex{{fill:{COLOUR_EVAC_X}}}\
         .ey{{fill:{COLOUR_EVAC_Y}}}.ee{{fill:{COLOUR_EVAC_EMPTY}}}.lv{{fill:{COLOUR_LIVE}}}\
         rect.b{{fill:none;stroke:#555555;stroke-width:0.6}}\
         rect.u{{fill:url(#hatch);stroke:#9a9a9a;stroke-width:0.6;stroke-dasharray:2 2}}\
         line.c{{stroke:#555555;stroke-width:0.8}}"
    )
}

/// How one array is drawn.
struct Grid<'a> {
    title: String,
    chains: &'a [Chain],
    total: usize,
    cols: usize,
    /// Old array during a grow: `nevacuate`.
    frontier: Option<usize>,
    /// The index of a bucket in its array, for the tooltip ("old" / "new").
    which: &'static str,
}

/// Height of a grid row: the longest chain drawn in it.
fn row_height(row: &[Chain]) -> f64 {
    let longest = row
        .iter()
        .map(|c| c.tophash.len().clamp(1, MAX_CHAIN_DRAWN + 1))
        .max()
        .unwrap_or(1);
    SLOT + (longest - 1) as f64 * CHAIN_STEP + 9.0
}

/// Draws one array with its top-left corner at (x0, y0); returns the height used.
fn draw_grid(svg: &mut Svg, g: &Grid<'_>, x0: f64, y0: f64) -> f64 {
    svg.text(x0, y0 + 13.0, &g.title, &Attrs::new().size(13.0).bold());
    let mut y = y0 + 26.0;
    let shown = g.chains.len();
    for (r, row) in g.chains.chunks(g.cols).enumerate() {
        let first = r * g.cols;
        svg.text(
            x0 + ROW_LABEL_W - 6.0,
            y + SLOT,
            &first.to_string(),
            &Attrs::new().size(9.0).fill("#666666").anchor(Anchor::End),
        );
        for (c, chain) in row.iter().enumerate() {
            let idx = first + c;
            let bx = x0 + ROW_LABEL_W + c as f64 * (BUCKET_W + GAP_X);
            draw_chain(svg, g, idx, chain, bx, y);
            if g.frontier == Some(idx) {
                let h = row_height(row);
                svg.line(
                    bx - GAP_X / 2.0,
                    y - 4.0,
                    bx - GAP_X / 2.0,
                    y + h - 6.0,
                    &Attrs::new().stroke(COLOUR_FRONTIER, 2.5),
                );
                svg.text(
                    bx - GAP_X / 2.0 + 2.0,
                    y - 5.0,
                    &format!("nevacuate = {idx}"),
                    &Attrs::new().size(9.5).fill(COLOUR_FRONTIER).bold(),
                );
            }
        }
        y += row_height(row) + if g.frontier.is_some() { 6.0 } else { 0.0 };
    }
    if g.frontier.is_some_and(|f| f >= shown) {
        svg.text(
            x0 + ROW_LABEL_W,
            y + 10.0,
            &format!(
                "nevacuate = {} is beyond the buckets drawn",
                g.frontier.unwrap_or(0)
            ),
            &Attrs::new().size(10.0).fill(COLOUR_FRONTIER),
        );
        y += 14.0;
    }
    if shown < g.total {
        svg.text(
            x0 + ROW_LABEL_W,
            y + 10.0,
            &format!("... {} more buckets not drawn", g.total - shown),
            &Attrs::new().size(10.5).fill("#555555"),
        );
        y += 14.0;
    }
    y - y0
}

/// Draws one chain: its head at (bx, by) and its overflow buckets hanging below.
fn draw_chain(svg: &mut Svg, g: &Grid<'_>, idx: usize, chain: &Chain, bx: f64, by: f64) {
    svg.begin_group(&Attrs::new());
    let live = chain.live();
    let tip = if !chain.initialised {
        format!(
            "{} bucket {idx}: not initialised yet (its old chain has not been evacuated)",
            g.which
        )
    } else if g.frontier.is_some() && chain.evacuated() {
        format!("{} bucket {idx}: evacuated", g.which)
    } else {
        format!(
            "{} bucket {idx}: {live} live in a chain of {} bucket{}",
            g.which,
            chain.tophash.len(),
            if chain.tophash.len() == 1 { "" } else { "s" }
        )
    };
    svg.title(&tip);
    if !chain.initialised || chain.tophash.is_empty() {
        svg.rect(bx, by, BUCKET_W, SLOT, &Attrs::new().class("u"));
        svg.end_group();
        return;
    }
    for (j, word) in chain.tophash.iter().take(MAX_CHAIN_DRAWN).enumerate() {
        let y = by + j as f64 * CHAIN_STEP;
        if j > 0 {
            svg.line(
                bx + 2.0,
                y - CHAIN_STEP + SLOT,
                bx + 2.0,
                y,
                &Attrs::new().class("c"),
            );
        }
        for (s, &t) in word.iter().enumerate() {
            svg.rect(
                bx + s as f64 * SLOT,
                y,
                SLOT,
                SLOT,
                &Attrs::new().class(&format!("s {}", slot_class(t))),
            );
        }
        svg.rect(bx, y, BUCKET_W, SLOT, &Attrs::new().class("b"));
    }
    if chain.tophash.len() > MAX_CHAIN_DRAWN {
        let y = by + MAX_CHAIN_DRAWN as f64 * CHAIN_STEP;
        svg.text(
            bx,
            y + SLOT - 1.0,
            &format!("+{} more", chain.tophash.len() - MAX_CHAIN_DRAWN),
            &Attrs::new().size(8.5).fill("#333333"),
        );
    }
    svg.end_group();
}

/// The legend of slot colours, as a row at (x0, y0); returns its height. The marks of a grow
/// (evacuated slots, uninitialised buckets, the frontier) are listed only during one.
fn draw_legend(svg: &mut Svg, x0: f64, y0: f64, growing: bool) -> f64 {
    let items: [(&str, &str); 8] = [
        ("live (tophash 5..=255)", "lv"),
        ("empty (1)", "e1"),
        ("empty, rest of chain too (0)", "e0"),
        ("evacuated to X, low half (2)", "ex"),
        ("evacuated to Y, high half (3)", "ey"),
        ("evacuated while empty (4)", "ee"),
        ("new bucket not initialised", "u"),
        ("nevacuate", "frontier"),
    ];
    let mut x = x0;
    let mut y = y0;
    let shown = if growing { &items[..] } else { &items[..3] };
    for &(label, class) in shown {
        let w = 26.0 + 6.0 * label.chars().count() as f64;
        if x + w > svg.width() - 10.0 {
            x = x0;
            y += 18.0;
        }
        match class {
            "u" => svg.rect(x, y, 14.0, SLOT + 3.0, &Attrs::new().class("u")),
            "frontier" => svg.line(
                x + 6.0,
                y - 2.0,
                x + 6.0,
                y + SLOT + 5.0,
                &Attrs::new().stroke(COLOUR_FRONTIER, 2.5),
            ),
            c => svg.rect(
                x,
                y,
                14.0,
                SLOT + 3.0,
                &Attrs::new().class(&format!("s {c}")).stroke("#888888", 0.5),
            ),
        }
        svg.text(x + 19.0, y + 9.0, label, &Attrs::new().size(11.0));
        x += w;
    }
    y + 18.0 - y0
}

/// The layout picture: one grid, or old and new arrays side by side during a grow.
pub(crate) fn layout_svg(snap: &Snapshot, k: usize) -> String {
    let growing = snap.old.is_some();
    let cols = if growing { 8 } else { 16 };
    let grid_w = ROW_LABEL_W + cols as f64 * (BUCKET_W + GAP_X);
    let width = if growing {
        2.0 * grid_w + 40.0
    } else {
        grid_w + 20.0
    }
    .max(1000.0);
    let mut svg = Svg::new(width, 100.0);
    svg.style(&layout_style());
    svg.raw(
        "<defs><pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#ffffff\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#bbbbbb\" stroke-width=\"1.5\"/>\
         </pattern></defs>",
    );
    let legend_h = draw_legend(&mut svg, 10.0, 8.0, growing);
    let top = 8.0 + legend_h + 6.0;
    let new_title = format!(
        "{} array: {} buckets (B = {}){}",
        if growing { "new" } else { "bucket" },
        snap.buckets.len(),
        snap.log2_buckets,
        if snap.buckets.len() > k {
            format!(", first {k} drawn")
        } else {
            String::new()
        }
    );
    let new_grid = Grid {
        title: new_title,
        chains: &snap.buckets[..snap.buckets.len().min(k)],
        total: snap.buckets.len(),
        cols,
        frontier: None,
        which: if growing { "new" } else { "" },
    };
    let height = if let Some(old) = &snap.old {
        let old_grid = Grid {
            title: format!(
                "old array: {} buckets (B = {}), nevacuate = {}{}",
                old.chains.len(),
                old.log2_buckets,
                old.nevacuate,
                if old.chains.len() > k {
                    format!(", first {k} drawn")
                } else {
                    String::new()
                }
            ),
            chains: &old.chains[..old.chains.len().min(k)],
            total: old.chains.len(),
            cols,
            frontier: Some(old.nevacuate),
            which: "old",
        };
        let h1 = draw_grid(&mut svg, &old_grid, 10.0, top);
        let h2 = draw_grid(&mut svg, &new_grid, 10.0 + grid_w + 30.0, top);
        h1.max(h2)
    } else {
        draw_grid(&mut svg, &new_grid, 10.0, top)
    };
    svg.set_height(top + height + 12.0);
    svg.finish()
}

// ---------------------------------------------------------------------------------------------
// Histograms.
// ---------------------------------------------------------------------------------------------

/// Chains by length in buckets (from `Stats::chain_histogram`).
pub(crate) fn chain_histogram_svg(stats: &Stats) -> String {
    let hist = &stats.chain_histogram;
    let max_len = hist.len().saturating_sub(1).max(1);
    let top = hist.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut p = Plot::new(
        "Chain length: buckets per chain (head + overflow)",
        560.0,
        320.0,
        Axis::linear(0.3, max_len as f64 + 0.7, "buckets in the chain", short).integers(),
        Axis::log(0.8, top * 1.5, "chains", fmt_count),
    );
    p.note(&format!(
        "{} chains counted (uninitialised new buckets and evacuated old chains are not); longest {}",
        hist.iter().sum::<usize>(),
        stats.max_chain
    ));
    let bars = hist
        .iter()
        .enumerate()
        .skip(1)
        .map(|(len, &count)| (len as f64, count as f64, COLOUR_LIVE.to_string()))
        .collect();
    p.bars(bars, if max_len > 60 { 1.0 } else { 0.8 });
    p.render()
}

/// Every slot's tophash byte, 256 bins, coloured by meaning.
pub(crate) fn tophash_histogram_svg(snap: &Snapshot) -> String {
    let mut counts = [0usize; 256];
    let chains = snap
        .buckets
        .iter()
        .chain(snap.old.iter().flat_map(|o| o.chains.iter()));
    for chain in chains {
        for word in &chain.tophash {
            for &t in word {
                counts[t as usize] += 1;
            }
        }
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let live: usize = counts[5..].iter().sum();
    let mut p = Plot::new(
        "Tophash bytes of every slot (256 bins)",
        1100.0,
        320.0,
        Axis::linear(-0.5, 255.5, "tophash value", |v| format!("{v:.0}")),
        Axis::log(0.8, top * 1.5, "slots", fmt_count),
    );
    let lo = counts[5..].iter().copied().min().unwrap_or(0);
    let hi = counts[5..].iter().copied().max().unwrap_or(0);
    p.note(&format!(
        "0 empty-rest, 1 empty, 2/3 evacuated X/Y, 4 evacuated-empty, 5..=255 live: {live} live slots, \
         {lo}..{hi} per live value (uniform would be about {:.1})",
        live as f64 / 251.0
    ));
    let bars = counts
        .iter()
        .enumerate()
        .map(|(t, &c)| {
            let colour = if t == 0 {
                "#9a9a9a" // empty-rest is near white in the layout; darker here to be seen
            } else {
                tophash_colour(t as u8)
            };
            (t as f64, c as f64, colour.to_string())
        })
        .collect();
    p.bars(bars, 1.0);
    for (name, colour) in [
        ("empty-rest", "#9a9a9a"),
        ("empty", COLOUR_EMPTY_ONE),
        ("evac X", COLOUR_EVAC_X),
        ("evac Y", COLOUR_EVAC_Y),
        ("evac empty", COLOUR_EVAC_EMPTY),
        ("live", COLOUR_LIVE),
    ] {
        p.legend(name, colour);
    }
    p.render()
}

// ---------------------------------------------------------------------------------------------
// The page.
// ---------------------------------------------------------------------------------------------

/// The `Stats` as a two-column table.
pub(crate) fn stats_table(s: &Stats) -> Table {
    let mut t = Table::new(&["field", "value"]);
    let mut row = |k: &str, v: String| {
        t.row(vec![Cell::text(k), Cell::num(v)]);
    };
    row("len", s.len.to_string());
    row("capacity", s.capacity.to_string());
    row("log2_buckets (B)", s.log2_buckets.to_string());
    row("buckets", s.buckets.to_string());
    row("load factor", format!("{:.2}", s.load_factor()));
    row("overflow_buckets", s.overflow_buckets.to_string());
    row("max_chain", s.max_chain.to_string());
    row("growing", s.growing.to_string());
    if s.growing {
        row("same_size_grow", s.same_size_grow.to_string());
        row("old_buckets", s.old_buckets.to_string());
        row("evacuated", s.evacuated.to_string());
        row("nevacuate", s.nevacuate.to_string());
    }
    row("heap_bytes", s.heap_bytes.to_string());
    if s.len > 0 {
        row(
            "heap bytes per entry",
            format!("{:.1}", s.heap_bytes as f64 / s.len as f64),
        );
    }
    t
}

/// What the picture shows, in words.
pub(crate) fn describe(ins: &Inspection, mid_growth: Option<usize>) -> String {
    let s = &ins.stats;
    let mut d = String::new();
    let _ = write!(
        d,
        "{} entries in {} buckets (B = {}), load {:.2} per bucket, {} overflow buckets, longest chain {}. ",
        s.len,
        s.buckets,
        s.log2_buckets,
        s.load_factor(),
        s.overflow_buckets,
        s.max_chain
    );
    if let (Some(extra), Some(at)) = (mid_growth, ins.grow_started_at) {
        let _ = write!(
            d,
            "Insert #{at} started a grow; {} more inserts were made (asked for {extra}). ",
            ins.writes_since_grow
        );
    }
    if s.growing {
        let _ = write!(
            d,
            "A {} grow is under way: {} of {} old chains evacuated, every chain below nevacuate = {} \
             has moved; the others are read in the old array until a write moves them, and their \
             destination buckets in the new array are not initialised yet.",
            if s.same_size_grow { "same-size" } else { "doubling" },
            s.evacuated,
            s.old_buckets,
            s.nevacuate
        );
    } else if mid_growth.is_some() {
        d.push_str("The grow already finished within those inserts: the map is not growing.");
    } else {
        d.push_str("The map is not growing.");
    }
    d
}

fn page(ins: &Inspection, args: &InspectArgs) -> String {
    let mut p = Page::new(&format!("gomap layout: {}", ins.title));
    p.p(&describe(ins, args.mid_growth));
    p.small(&format!(
        "Built by `gomap inspect --n {} --keys {} --hasher {}{}{}`: splitmix64 keys inserted in order \
         ({} inserts). Each bucket is a row of 8 slots coloured by its tophash byte; overflow \
         buckets hang below their bucket. Hover a bucket for details.",
        args.n,
        match args.keys {
            KeyKind::U64 => "u64",
            KeyKind::Str => "str",
        },
        args.hasher.name(),
        if args.hasher == HasherKind::Weak {
            format!(" --weak-bits {}", args.weak_bits)
        } else {
            String::new()
        },
        args.mid_growth
            .map_or(String::new(), |e| format!(" --mid-growth {e}")),
        ins.inserted
    ));
    p.h2("Buckets");
    p.figure(
        &ins.layout_svg,
        "The bucket array(s). During a grow the old array (left) is evacuated into the new one \
         (right): old chain i moves to new buckets i (X) and i + old size (Y); the red bar marks \
         nevacuate, below which every old chain has moved.",
    );
    p.h2("Stats");
    p.pre(&ins.stats.to_string());
    p.table(&stats_table(&ins.stats));
    p.h2("Histograms");
    p.figure(&ins.chains_svg, "Chains by length (log scale).");
    p.figure(
        &ins.tophash_svg,
        "Tophash bytes (log scale). With a good hash the live values are about uniform, \
         except that 5..=9 get twice their share: a top byte below 5 is stored plus 5.",
    );
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(n: usize, hasher: HasherKind, mid: Option<usize>) -> InspectArgs {
        InspectArgs {
            n,
            keys: KeyKind::U64,
            hasher,
            weak_bits: 3,
            mid_growth: mid,
            max_buckets: 64,
            out: PathBuf::from("unused.html"),
        }
    }

    #[test]
    fn mid_growth_stops_while_growing() {
        let ins = inspect(&args(400, HasherKind::Default, Some(5))).unwrap();
        assert!(ins.stats.growing);
        assert_eq!(ins.writes_since_grow, 5);
        assert!(ins.stats.len >= 400);
        assert!(ins.layout_svg.contains("nevacuate"));
        assert!(ins.layout_svg.contains("class=\"u\""));
    }

    #[test]
    fn weak_and_constant_hashers_make_long_chains() {
        let weak = inspect(&args(2000, HasherKind::Weak, None)).unwrap();
        assert!(weak.stats.max_chain >= 10, "{}", weak.stats);
        let constant = inspect(&args(300, HasherKind::Constant, None)).unwrap();
        assert!(constant.stats.max_chain >= 300 / 8, "{}", constant.stats);
        assert!(inspect(&args(MAX_N_CONSTANT + 1, HasherKind::Constant, None)).is_err());
    }

    #[test]
    fn string_keys_work() {
        let mut a = args(500, HasherKind::Default, None);
        a.keys = KeyKind::Str;
        let ins = inspect(&a).unwrap();
        assert_eq!(ins.stats.len, 500);
        assert!(ins.html.starts_with("<!DOCTYPE html>"));
    }
}
