//! The HTML page around the pictures: the description, the stats table.

use std::fmt::Write as _;

use gomap::introspect::Stats;

use super::{HasherKind, InspectArgs, Inspection, KeyKind};
use crate::report::html::{Cell, Page, Table};

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

pub(super) fn page(ins: &Inspection, args: &InspectArgs) -> String {
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
