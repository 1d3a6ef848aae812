//! The layout picture: the bucket array as a grid of 8-slot buckets coloured by tophash, with
//! overflow chains below, and during a grow the old and new arrays side by side.

use gomap::introspect::{Chain, Snapshot};

use crate::report::svg::{Anchor, Attrs, Svg};

/// Slot size in pixels.
pub(super) const SLOT: f64 = 7.0;
/// A bucket's width: 8 slots.
pub(super) const BUCKET_W: f64 = 8.0 * SLOT;
/// Horizontal gap between buckets.
pub(super) const GAP_X: f64 = 9.0;
/// Vertical step from a bucket to its overflow bucket.
pub(super) const CHAIN_STEP: f64 = SLOT + 3.0;
/// Overflow buckets drawn per chain before "+k more".
pub(super) const MAX_CHAIN_DRAWN: usize = 10;
/// Space left of a grid for row labels.
pub(super) const ROW_LABEL_W: f64 = 44.0;

/// Slot colours by mark, shared by the layout, its legend and the tophash histogram.
pub(super) const COLOUR_EMPTY_REST: &str = "#f1f1f1";
pub(super) const COLOUR_EMPTY_ONE: &str = "#c8c8c8";
pub(super) const COLOUR_EVAC_X: &str = "#e69f00";
pub(super) const COLOUR_EVAC_Y: &str = "#cc79a7";
pub(super) const COLOUR_EVAC_EMPTY: &str = "#f3dfb6";
pub(super) const COLOUR_LIVE: &str = "#0072b2";
pub(super) const COLOUR_FRONTIER: &str = "#d00000";

/// The CSS class of a slot with tophash `t`.
pub(super) fn slot_class(t: u8) -> &'static str {
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
pub(super) fn tophash_colour(t: u8) -> &'static str {
    match t {
        0 => COLOUR_EMPTY_REST,
        1 => COLOUR_EMPTY_ONE,
        2 => COLOUR_EVAC_X,
        3 => COLOUR_EVAC_Y,
        4 => COLOUR_EVAC_EMPTY,
        _ => COLOUR_LIVE,
    }
}

pub(super) fn layout_style() -> String {
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
pub(super) struct Grid<'a> {
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
pub(super) fn row_height(row: &[Chain]) -> f64 {
    let longest = row
        .iter()
        .map(|c| c.tophash.len().clamp(1, MAX_CHAIN_DRAWN + 1))
        .max()
        .unwrap_or(1);
    SLOT + (longest - 1) as f64 * CHAIN_STEP + 9.0
}

/// Draws one array with its top-left corner at (x0, y0); returns the height used.
pub(super) fn draw_grid(svg: &mut Svg, g: &Grid<'_>, x0: f64, y0: f64) -> f64 {
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
pub(super) fn draw_chain(svg: &mut Svg, g: &Grid<'_>, idx: usize, chain: &Chain, bx: f64, by: f64) {
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
pub(super) fn draw_legend(svg: &mut Svg, x0: f64, y0: f64, growing: bool) -> f64 {
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
