//! `gomap inspect`: builds a map and draws its memory layout as an HTML page, in the style of
//! the Go runtime map articles.
//!
//! The page shows the bucket array as a grid of 8-slot buckets, each slot coloured by its
//! tophash byte (live, empty, empty-rest, evacuated to X / Y, evacuated while empty), overflow
//! chains hanging below their buckets, and during a grow the old and new arrays side by side
//! with the evacuation frontier (`nevacuate`) marked and the new buckets that are not
//! initialised yet drawn hatched. Below that: histograms of chain lengths and of tophash values,
//! and the map's [`gomap::introspect::Stats`].
//!
//! Hashers: `default` (gomap's own), `weak` (a real hash cut down to `--weak-bits` bits of
//! entropy, spread over all 64 bits: few distinct buckets, long overflow chains) and `constant`
//! (every key hashes the same: one chain holds everything, so N is capped).

use std::hash::Hash;
use std::path::PathBuf;

use gomap::introspect::Stats;

mod hasher;
mod histograms;
mod layout;
mod page;

use hasher::Shaped;
use histograms::{chain_histogram_svg, tophash_histogram_svg};
use layout::layout_svg;
pub(crate) use page::describe;
// The pictures, for `gomap inspect-frozen` (frozen_cmd.rs).
pub(crate) use histograms::{
    chain_histogram_svg as chains_svg, tophash_histogram_svg as tophash_svg,
};
pub(crate) use layout::layout_svg as layout_picture;
use page::page;
pub(crate) use page::stats_table;

use crate::alloc_counter;
use crate::args::{self, CliError, CliResult};
use crate::keys;
use crate::output;
use crate::progress;

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
    let hasher = Shaped::new(args.hasher, args.weak_bits);
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
