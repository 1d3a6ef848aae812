//! Histograms of chain lengths and tophash values.

use gomap::introspect::{Snapshot, Stats};

use super::layout::{
    tophash_colour, COLOUR_EMPTY_ONE, COLOUR_EVAC_EMPTY, COLOUR_EVAC_X, COLOUR_EVAC_Y, COLOUR_LIVE,
};
use crate::report::svg::{Axis, Plot};
use crate::report::{fmt_count, short};

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
