//! A small SVG writer: a drawing surface ([`Svg`]) with rectangles, lines, polylines, text and
//! groups, and on top of it a plot ([`Plot`]) with linear or log axes, tick labels, grid lines,
//! line series, bars, reference lines and a legend. [`stack`] puts several plots in one picture.
//!
//! Output is plain SVG 1.1 text with no external references; numbers are written with at most
//! two decimals to keep big pictures small.

use std::fmt::Write as _;

use super::{escape, num};

/// Text anchoring (SVG `text-anchor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// Text is centred on x.
    Middle,
    /// Text ends at x.
    End,
}

/// Presentation attributes of one element, built by chaining: `Attrs::new().fill("#fff")`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Attrs(String);

impl Attrs {
    /// No attributes.
    pub(crate) fn new() -> Attrs {
        Attrs(String::new())
    }

    /// Any attribute; `value` is escaped.
    pub(crate) fn attr(mut self, name: &str, value: &str) -> Attrs {
        let _ = write!(self.0, " {name}=\"{}\"", escape(value));
        self
    }

    /// Fill colour (`none` for no fill).
    pub(crate) fn fill(self, colour: &str) -> Attrs {
        self.attr("fill", colour)
    }

    /// Stroke colour and width.
    pub(crate) fn stroke(self, colour: &str, width: f64) -> Attrs {
        self.attr("stroke", colour)
            .attr("stroke-width", &num(width))
    }

    /// Dash pattern, e.g. `"4 3"`.
    pub(crate) fn dash(self, pattern: &str) -> Attrs {
        self.attr("stroke-dasharray", pattern)
    }

    /// Opacity of the whole element.
    pub(crate) fn opacity(self, o: f64) -> Attrs {
        self.attr("opacity", &num(o))
    }

    /// CSS class (styled by a `<style>` block from [`Svg::style`]).
    pub(crate) fn class(self, class: &str) -> Attrs {
        self.attr("class", class)
    }

    /// Font size in pixels.
    pub(crate) fn size(self, px: f64) -> Attrs {
        self.attr("font-size", &num(px))
    }

    /// Bold text.
    pub(crate) fn bold(self) -> Attrs {
        self.attr("font-weight", "bold")
    }

    /// Text anchoring.
    pub(crate) fn anchor(self, anchor: Anchor) -> Attrs {
        self.attr(
            "text-anchor",
            match anchor {
                Anchor::Middle => "middle",
                Anchor::End => "end",
            },
        )
    }

    /// A transform, e.g. `translate(10,20)` or `rotate(-90 10 20)`.
    pub(crate) fn transform(self, t: &str) -> Attrs {
        self.attr("transform", t)
    }
}

/// An SVG picture under construction.
#[derive(Clone, Debug)]
pub(crate) struct Svg {
    width: f64,
    height: f64,
    style: String,
    body: String,
    open_groups: usize,
}

impl Svg {
    /// An empty picture of `width` x `height` pixels.
    pub(crate) fn new(width: f64, height: f64) -> Svg {
        Svg {
            width,
            height,
            style: String::new(),
            body: String::new(),
            open_groups: 0,
        }
    }

    /// The picture's width in pixels.
    pub(crate) fn width(&self) -> f64 {
        self.width
    }

    /// Changes the picture's height (for layouts measured while drawing).
    pub(crate) fn set_height(&mut self, height: f64) {
        self.height = height;
    }

    /// Adds CSS rules to the picture's `<style>` block (for classes used by many elements).
    pub(crate) fn style(&mut self, css: &str) {
        self.style.push_str(css);
    }

    /// A rectangle.
    pub(crate) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &Attrs) {
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{}/>",
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            attrs.0
        );
    }

    /// A rectangle with a tooltip.
    pub(crate) fn rect_titled(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        attrs: &Attrs,
        title: &str,
    ) {
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{}><title>{}</title></rect>",
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            attrs.0,
            escape(title)
        );
    }

    /// A straight line.
    pub(crate) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &Attrs) {
        let _ = writeln!(
            self.body,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"{}/>",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            attrs.0
        );
    }

    /// A polyline through `points` (not filled unless `attrs` says so).
    pub(crate) fn polyline(&mut self, points: &[(f64, f64)], attrs: &Attrs) {
        if points.is_empty() {
            return;
        }
        self.body.push_str("<polyline points=\"");
        for (i, &(x, y)) in points.iter().enumerate() {
            if i > 0 {
                self.body.push(' ');
            }
            let _ = write!(self.body, "{},{}", num(x), num(y));
        }
        let _ = writeln!(self.body, "\" fill=\"none\"{}/>", attrs.0);
    }

    /// Text at (x, y) (y is the baseline); `text` is escaped.
    pub(crate) fn text(&mut self, x: f64, y: f64, text: &str, attrs: &Attrs) {
        let _ = writeln!(
            self.body,
            "<text x=\"{}\" y=\"{}\"{}>{}</text>",
            num(x),
            num(y),
            attrs.0,
            escape(text)
        );
    }

    /// Trusted markup inserted as is (e.g. `<defs>` with patterns).
    pub(crate) fn raw(&mut self, markup: &str) {
        self.body.push_str(markup);
        self.body.push('\n');
    }

    /// Opens a group; every element until [`Svg::end_group`] belongs to it.
    pub(crate) fn begin_group(&mut self, attrs: &Attrs) {
        let _ = writeln!(self.body, "<g{}>", attrs.0);
        self.open_groups += 1;
    }

    /// A tooltip for the innermost open group (call right after [`Svg::begin_group`]).
    pub(crate) fn title(&mut self, text: &str) {
        let _ = writeln!(self.body, "<title>{}</title>", escape(text));
    }

    /// Closes the innermost open group.
    pub(crate) fn end_group(&mut self) {
        if self.open_groups > 0 {
            self.body.push_str("</g>\n");
            self.open_groups -= 1;
        }
    }

    /// The finished SVG document (any groups still open are closed).
    pub(crate) fn finish(mut self) -> String {
        while self.open_groups > 0 {
            self.end_group();
        }
        let mut out = String::with_capacity(self.body.len() + 512);
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">",
            w = num(self.width),
            h = num(self.height)
        );
        if !self.style.is_empty() {
            let _ = writeln!(out, "<style>{}</style>", self.style);
        }
        let _ = writeln!(
            out,
            "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
            num(self.width),
            num(self.height)
        );
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

/// How an axis maps values to positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scale {
    /// Evenly spaced values.
    Linear,
    /// Evenly spaced powers of ten (values at or below zero sit on the axis minimum).
    Log,
}

/// One axis of a plot: its range, scale, label and tick-label format.
#[derive(Clone, Debug)]
pub(crate) struct Axis {
    min: f64,
    max: f64,
    scale: Scale,
    label: String,
    format: fn(f64) -> String,
    /// Linear ticks are nice multiples of this unit (1, or a power of 1024 for bytes).
    unit: f64,
    /// The smallest step between linear ticks (1 for counts: no fractional ticks).
    min_step: f64,
    /// A category axis's names, one per whole number from 0 (empty on a numeric axis).
    categories: Vec<String>,
}

impl Axis {
    /// A linear axis over `[min, max]`.
    pub(crate) fn linear(min: f64, max: f64, label: &str, format: fn(f64) -> String) -> Axis {
        let max = if max > min { max } else { min + 1.0 };
        Axis {
            min,
            max,
            scale: Scale::Linear,
            label: label.into(),
            format,
            unit: 1.0,
            min_step: 0.0,
            categories: Vec::new(),
        }
    }

    /// A category axis: `names[i]` centred at `i`, the axis spanning `-0.5 ..= len - 0.5`, grid
    /// lines between categories. Bars of a [`Plot::bar_groups`] sit on it.
    pub(crate) fn categories<S: AsRef<str>>(names: &[S], label: &str) -> Axis {
        let mut axis = Axis::linear(-0.5, names.len().max(1) as f64 - 0.5, label, super::short);
        axis.categories = names.iter().map(|n| n.as_ref().to_string()).collect();
        axis
    }

    /// The text of the tick at `v`: its category's name, or the formatted number.
    pub(crate) fn tick_label(&self, v: f64) -> String {
        if self.categories.is_empty() {
            return (self.format)(v);
        }
        let i = v.round();
        if i >= 0.0 && (i as usize) < self.categories.len() {
            self.categories[i as usize].clone()
        } else {
            String::new()
        }
    }

    /// Where grid lines go: at the ticks, or between categories on a category axis.
    fn grid(&self) -> Vec<f64> {
        if self.categories.is_empty() {
            self.ticks()
        } else {
            (1..self.categories.len()).map(|i| i as f64 - 0.5).collect()
        }
    }

    /// The same axis with ticks at whole numbers only.
    pub(crate) fn integers(mut self) -> Axis {
        self.min_step = 1.0;
        self
    }

    /// A linear axis of byte counts: ticks at nice multiples of KiB, MiB or GiB.
    pub(crate) fn bytes(min: f64, max: f64, label: &str) -> Axis {
        let mut axis = Axis::linear(min, max, label, super::fmt_bytes);
        let mut unit = 1.0;
        while axis.max / unit >= 1024.0 * 2.0 {
            unit *= 1024.0;
        }
        axis.unit = unit;
        axis
    }

    /// A log axis over `[min, max]`, widened to whole decades; `min` must be positive.
    pub(crate) fn log(min: f64, max: f64, label: &str, format: fn(f64) -> String) -> Axis {
        let min = 10f64.powf(min.max(1e-12).log10().floor());
        let max = 10f64.powf(max.max(min * 10.0).log10().ceil());
        Axis {
            min,
            max,
            scale: Scale::Log,
            label: label.into(),
            format,
            unit: 1.0,
            min_step: 0.0,
            categories: Vec::new(),
        }
    }

    /// Where `v` sits along the axis, 0 at `min` and 1 at `max` (clamped).
    pub(crate) fn frac(&self, v: f64) -> f64 {
        let f = match self.scale {
            Scale::Linear => (v - self.min) / (self.max - self.min),
            Scale::Log => {
                if v <= 0.0 {
                    0.0
                } else {
                    (v.log10() - self.min.log10()) / (self.max.log10() - self.min.log10())
                }
            }
        };
        if f.is_finite() {
            f.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Tick values: "nice" steps (1, 2, 5 x 10^k) on a linear axis, decades on a log axis (with
    /// 2 and 5 in between when the axis spans fewer than three decades), each category's centre
    /// on a category axis.
    pub(crate) fn ticks(&self) -> Vec<f64> {
        if !self.categories.is_empty() {
            return (0..self.categories.len()).map(|i| i as f64).collect();
        }
        match self.scale {
            Scale::Linear => {
                let raw = (self.max - self.min) / 6.0 / self.unit;
                let mag = 10f64.powf(raw.log10().floor());
                let step = self.unit
                    * [1.0, 2.0, 5.0, 10.0]
                        .iter()
                        .map(|m| m * mag)
                        .find(|&s| s >= raw)
                        .unwrap_or(10.0 * mag);
                let step = step.max(self.min_step);
                let mut t = (self.min / step).ceil() * step;
                let mut out = Vec::new();
                while t <= self.max + step * 1e-9 && out.len() < 50 {
                    out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
                    t += step;
                }
                out
            }
            Scale::Log => {
                let lo = self.min.log10().round() as i32;
                let hi = self.max.log10().round() as i32;
                let dense = hi - lo < 3;
                let mut out = Vec::new();
                for k in lo..=hi {
                    let d = 10f64.powi(k);
                    out.push(d);
                    if dense && k < hi {
                        out.push(2.0 * d);
                        out.push(5.0 * d);
                    }
                }
                out
            }
        }
    }
}

/// Something drawn in a plot's data coordinates.
#[derive(Clone, Debug)]
enum Mark {
    Line {
        points: Vec<(f64, f64)>,
        attrs: Attrs,
    },
    Bars {
        bars: Vec<Bar>,
        width: f64,
    },
    HLine {
        y: f64,
        colour: String,
        label: String,
    },
    VLine {
        x: f64,
        colour: String,
        label: String,
    },
}

/// One bar of a bar mark, in data coordinates.
#[derive(Clone, Debug)]
struct Bar {
    /// The bar's centre on the x axis.
    x: f64,
    /// Its top on the y axis (bars at or below zero are not drawn).
    height: f64,
    colour: String,
    /// The tooltip; `None` for "x: height" in the axes' formats.
    title: Option<String>,
    /// Text drawn just above the bar (empty for none), bold if `bold`.
    label: String,
    bold: bool,
    /// Attributes added to the bar's `<rect>` (a highlight stroke, a `data-series` name).
    attrs: Attrs,
}

/// One series of grouped bars ([`Plot::bar_groups`]): a value per category of the x axis,
/// drawn side by side with the other series' bars of the same category.
#[derive(Clone, Debug)]
pub(crate) struct BarSeries {
    /// The series' name: legend, tooltips and the bars' `data-series` attribute.
    pub(crate) name: String,
    /// Fill colour.
    pub(crate) colour: String,
    /// One value per category (`None`: no bar there).
    pub(crate) values: Vec<Option<f64>>,
    /// Text above each bar (missing or empty entries: none).
    pub(crate) labels: Vec<String>,
    /// Drawn with a dark outline and bold labels, to stand out from the others.
    pub(crate) highlight: bool,
}

impl BarSeries {
    /// A series without labels or highlight.
    pub(crate) fn new(name: &str, colour: &str, values: Vec<Option<f64>>) -> BarSeries {
        BarSeries {
            name: name.into(),
            colour: colour.into(),
            values,
            labels: Vec::new(),
            highlight: false,
        }
    }
}

/// The share of a category's width that its group of bars fills.
const GROUP_FILL: f64 = 0.82;

/// A plot: title, two axes, marks and a legend, drawn at a fixed pixel size.
#[derive(Clone, Debug)]
pub(crate) struct Plot {
    title: String,
    note: String,
    width: f64,
    height: f64,
    x: Axis,
    y: Axis,
    marks: Vec<Mark>,
    legend: Vec<(String, String)>,
}

/// Pixel margins around a plot's data area.
const MARGIN_LEFT: f64 = 72.0;
const MARGIN_RIGHT: f64 = 24.0;
const MARGIN_TOP: f64 = 50.0;
const MARGIN_BOTTOM: f64 = 46.0;

impl Plot {
    /// A plot of `width` x `height` pixels (margins included).
    pub(crate) fn new(title: &str, width: f64, height: f64, x: Axis, y: Axis) -> Plot {
        Plot {
            title: title.into(),
            note: String::new(),
            width,
            height,
            x,
            y,
            marks: Vec::new(),
            legend: Vec::new(),
        }
    }

    /// A line of small print under the title.
    pub(crate) fn note(&mut self, note: &str) -> &mut Plot {
        self.note = note.into();
        self
    }

    /// Adds a legend entry (a colour swatch and a name).
    pub(crate) fn legend(&mut self, name: &str, colour: &str) -> &mut Plot {
        self.legend.push((name.into(), colour.into()));
        self
    }

    /// A line through `points` in data coordinates, styled by `attrs` (stroke, dash, opacity).
    pub(crate) fn line(&mut self, points: Vec<(f64, f64)>, attrs: Attrs) -> &mut Plot {
        self.marks.push(Mark::Line { points, attrs });
        self
    }

    /// Vertical bars `(x centre, height, colour)`, `width` wide in x data units.
    pub(crate) fn bars(&mut self, bars: Vec<(f64, f64, String)>, width: f64) -> &mut Plot {
        let bars = bars
            .into_iter()
            .map(|(x, height, colour)| Bar {
                x,
                height,
                colour,
                title: None,
                label: String::new(),
                bold: false,
                attrs: Attrs::new(),
            })
            .collect();
        self.marks.push(Mark::Bars { bars, width });
        self
    }

    /// Grouped bars on a category x axis ([`Axis::categories`]): in each category, one bar per
    /// series side by side, in series order, together filling most of the category's width;
    /// each series gets a legend entry. Tooltips name the category, the series and the value in
    /// the y axis's format; every bar's `<rect>` carries `data-series="NAME"`.
    pub(crate) fn bar_groups(&mut self, series: &[BarSeries]) -> &mut Plot {
        let k = series.len().max(1) as f64;
        let width = GROUP_FILL / k;
        let mut bars = Vec::new();
        for (j, s) in series.iter().enumerate() {
            let offset = -GROUP_FILL / 2.0 + (j as f64 + 0.5) * width;
            for (i, v) in s.values.iter().enumerate() {
                let Some(v) = *v else { continue };
                let mut attrs = Attrs::new().attr("data-series", &s.name);
                if s.highlight {
                    attrs = attrs.stroke("#222222", 1.5);
                }
                bars.push(Bar {
                    x: i as f64 + offset,
                    height: v,
                    colour: s.colour.clone(),
                    title: Some(format!(
                        "{}, {}: {}",
                        self.x.tick_label(i as f64),
                        s.name,
                        (self.y.format)(v)
                    )),
                    label: s.labels.get(i).cloned().unwrap_or_default(),
                    bold: s.highlight,
                    attrs,
                });
            }
            self.legend.push((s.name.clone(), s.colour.clone()));
        }
        self.marks.push(Mark::Bars { bars, width });
        self
    }

    /// A labelled horizontal reference line.
    pub(crate) fn hline(&mut self, y: f64, colour: &str, label: &str) -> &mut Plot {
        self.marks.push(Mark::HLine {
            y,
            colour: colour.into(),
            label: label.into(),
        });
        self
    }

    /// A labelled vertical reference line.
    pub(crate) fn vline(&mut self, x: f64, colour: &str, label: &str) -> &mut Plot {
        self.marks.push(Mark::VLine {
            x,
            colour: colour.into(),
            label: label.into(),
        });
        self
    }

    /// The plot as a standalone SVG document.
    pub(crate) fn render(&self) -> String {
        let mut svg = Svg::new(self.width, self.height);
        self.draw(&mut svg, 0.0, 0.0);
        svg.finish()
    }

    /// Draws the plot into `svg` with its top-left corner at (`x0`, `y0`).
    pub(crate) fn draw(&self, svg: &mut Svg, x0: f64, y0: f64) {
        let left = x0 + MARGIN_LEFT;
        let right = x0 + self.width - MARGIN_RIGHT;
        let top = y0 + MARGIN_TOP;
        let bottom = y0 + self.height - MARGIN_BOTTOM;
        let px = |v: f64| left + self.x.frac(v) * (right - left);
        let py = |v: f64| bottom - self.y.frac(v) * (bottom - top);

        svg.text(
            x0 + MARGIN_LEFT,
            y0 + 16.0,
            &self.title,
            &Attrs::new().size(14.0).bold(),
        );
        if !self.note.is_empty() {
            svg.text(
                x0 + MARGIN_LEFT,
                y0 + 30.0,
                &self.note,
                &Attrs::new().size(10.5).fill("#555555"),
            );
        }
        // Legend: one row, right-aligned above the data area.
        if !self.legend.is_empty() {
            let widths: Vec<f64> = self
                .legend
                .iter()
                .map(|(name, _)| 22.0 + 6.5 * name.chars().count() as f64 + 14.0)
                .collect();
            let mut lx = right - widths.iter().sum::<f64>();
            let ly = y0 + 42.0;
            for ((name, colour), w) in self.legend.iter().zip(widths) {
                svg.rect(lx, ly - 8.0, 16.0, 8.0, &Attrs::new().fill(colour));
                svg.text(lx + 21.0, ly, name, &Attrs::new().size(11.0));
                lx += w;
            }
        }

        // Grid and ticks.
        let grid = Attrs::new().stroke("#e3e3e3", 1.0);
        let tick_text = Attrs::new().size(10.5).fill("#333333");
        for g in self.x.grid() {
            let x = px(g);
            svg.line(x, top, x, bottom, &grid);
        }
        for t in self.x.ticks() {
            let x = px(t);
            svg.line(
                x,
                bottom,
                x,
                bottom + 4.0,
                &Attrs::new().stroke("#333333", 1.0),
            );
            svg.text(
                x,
                bottom + 16.0,
                &self.x.tick_label(t),
                &tick_text.clone().anchor(Anchor::Middle),
            );
        }
        for g in self.y.grid() {
            let y = py(g);
            svg.line(left, y, right, y, &grid);
        }
        for t in self.y.ticks() {
            let y = py(t);
            svg.line(left - 4.0, y, left, y, &Attrs::new().stroke("#333333", 1.0));
            svg.text(
                left - 7.0,
                y + 3.5,
                &self.y.tick_label(t),
                &tick_text.clone().anchor(Anchor::End),
            );
        }
        svg.text(
            (left + right) / 2.0,
            bottom + 36.0,
            &self.x.label,
            &Attrs::new().size(12.0).anchor(Anchor::Middle),
        );
        let cy = (top + bottom) / 2.0;
        let lx = x0 + 16.0;
        svg.text(
            lx,
            cy,
            &self.y.label,
            &Attrs::new()
                .size(12.0)
                .anchor(Anchor::Middle)
                .transform(&format!("rotate(-90 {} {})", num(lx), num(cy))),
        );

        // Marks.
        for mark in &self.marks {
            match mark {
                Mark::Line { points, attrs } => {
                    let pts: Vec<(f64, f64)> =
                        points.iter().map(|&(x, y)| (px(x), py(y))).collect();
                    svg.polyline(&pts, attrs);
                }
                Mark::Bars { bars, width } => {
                    for b in bars {
                        if b.height <= 0.0 {
                            continue;
                        }
                        let xa = px(b.x - width / 2.0);
                        let xb = px(b.x + width / 2.0);
                        // At least 2 px, so that a count of 1 on a log axis still shows.
                        let yt = py(b.height).min(bottom - 2.0);
                        let w = (xb - xa - 0.6).max(0.8);
                        let title = b.title.clone().unwrap_or_else(|| {
                            format!("{}: {}", self.x.tick_label(b.x), (self.y.format)(b.height))
                        });
                        svg.rect_titled(
                            xa + 0.3,
                            yt,
                            w,
                            bottom - yt,
                            &b.attrs.clone().fill(&b.colour),
                            &title,
                        );
                        if !b.label.is_empty() {
                            // A white halo keeps the label legible over a neighbour's bar.
                            let attrs = Attrs::new()
                                .size(9.5)
                                .anchor(Anchor::Middle)
                                .stroke("#ffffff", 3.0)
                                .attr("paint-order", "stroke");
                            svg.text(
                                (xa + xb) / 2.0,
                                (yt - 3.0).max(top + 9.0),
                                &b.label,
                                &if b.bold { attrs.bold() } else { attrs },
                            );
                        }
                    }
                }
                Mark::HLine { y, colour, label } => {
                    let yy = py(*y);
                    svg.line(
                        left,
                        yy,
                        right,
                        yy,
                        &Attrs::new().stroke(colour, 1.0).dash("5 3"),
                    );
                    svg.text(
                        right - 3.0,
                        yy - 3.0,
                        label,
                        &Attrs::new().size(10.0).fill(colour).anchor(Anchor::End),
                    );
                }
                Mark::VLine { x, colour, label } => {
                    let xx = px(*x);
                    svg.line(
                        xx,
                        top,
                        xx,
                        bottom,
                        &Attrs::new().stroke(colour, 1.0).dash("5 3"),
                    );
                    svg.text(
                        xx + 3.0,
                        top + 11.0,
                        label,
                        &Attrs::new().size(10.0).fill(colour),
                    );
                }
            }
        }
        // Frame on top of the marks.
        svg.rect(
            left,
            top,
            right - left,
            bottom - top,
            &Attrs::new().fill("none").stroke("#333333", 1.0),
        );
    }
}

/// Several plots stacked vertically in one SVG document, as wide as the widest.
pub(crate) fn stack(plots: &[Plot]) -> String {
    let width = plots.iter().map(|p| p.width).fold(0.0, f64::max);
    let height: f64 = plots.iter().map(|p| p.height).sum();
    let mut svg = Svg::new(width, height);
    let mut y = 0.0;
    for p in plots {
        p.draw(&mut svg, 0.0, y);
        y += p.height;
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axis_widens_to_decades_and_ticks_them() {
        let a = Axis::log(35.0, 2_000_000.0, "ns", crate::report::fmt_ns);
        assert_eq!(a.min, 10.0);
        assert_eq!(a.ticks(), vec![10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7]);
        assert_eq!(a.frac(10.0), 0.0);
        assert_eq!(a.frac(1e7), 1.0);
        assert_eq!(a.frac(0.0), 0.0);
    }

    #[test]
    fn linear_ticks_are_nice() {
        let a = Axis::linear(0.0, 10_000_000.0, "n", crate::report::fmt_count);
        assert_eq!(a.ticks(), vec![0.0, 2e6, 4e6, 6e6, 8e6, 1e7]);
    }

    #[test]
    fn byte_ticks_are_binary() {
        let a = Axis::bytes(0.0, 29.0 * 1024.0 * 1024.0, "heap");
        let mib = 1024.0 * 1024.0;
        assert_eq!(
            a.ticks(),
            vec![
                0.0,
                5.0 * mib,
                10.0 * mib,
                15.0 * mib,
                20.0 * mib,
                25.0 * mib
            ]
        );
    }

    #[test]
    fn integer_axes_have_whole_ticks() {
        let a = Axis::linear(0.3, 2.7, "n", crate::report::short).integers();
        assert_eq!(a.ticks(), vec![1.0, 2.0]);
    }

    #[test]
    fn category_axes_label_their_ticks_and_grid_between() {
        let a = Axis::categories(&["read ×1", "a<b", "grow"], "case");
        assert_eq!(a.ticks(), vec![0.0, 1.0, 2.0]);
        assert_eq!(a.grid(), vec![0.5, 1.5]);
        assert_eq!(a.tick_label(1.0), "a<b");
        assert_eq!(a.tick_label(7.0), "");
        assert_eq!((a.frac(-0.5), a.frac(2.5)), (0.0, 1.0));
        // Numeric axes keep their format and grid at their ticks.
        let n = Axis::linear(0.0, 10.0, "x", crate::report::short);
        assert_eq!(
            (n.tick_label(2.5), n.grid()),
            ("2.5".to_string(), n.ticks())
        );
    }

    #[test]
    fn bar_groups_draw_a_bar_per_value_side_by_side() {
        let mut p = Plot::new(
            "groups",
            600.0,
            300.0,
            Axis::categories(&["p50", "max"], ""),
            Axis::log(10.0, 1e6, "ns", crate::report::fmt_ns),
        );
        let mut ours = BarSeries::new("ours", "#d55e00", vec![Some(100.0), Some(5e5)]);
        ours.labels = vec!["1.5×".into()];
        ours.highlight = true;
        let theirs = BarSeries::new("x&\"y", "#0072b2", vec![None, Some(2e5)]);
        p.bar_groups(&[ours, theirs]);
        let s = p.render();
        assert_eq!(s.matches("data-series=\"ours\"").count(), 2);
        // The missing value has no bar; the name is escaped in attribute, tooltip and legend.
        assert_eq!(s.matches("data-series=\"x&amp;&quot;y\"").count(), 1);
        assert!(s.contains("<title>max, x&amp;&quot;y: 200 µs</title>"));
        assert!(s.contains(">x&amp;&quot;y</text>"));
        // Only the highlighted series is outlined, and its one label is bold.
        assert_eq!(s.matches("stroke=\"#222222\"").count(), 2);
        assert!(s.contains("paint-order=\"stroke\" font-weight=\"bold\">1.5×</text>"));
        // Log ticks by decade, 10 ns to 1 ms; category names under the axis.
        for t in [
            ">10 ns<",
            ">100 ns<",
            ">1 µs<",
            ">10 µs<",
            ">100 µs<",
            ">1 ms<",
            ">p50<",
        ] {
            assert!(s.contains(t), "{t}");
        }
        // Side by side: each series' bar of a category is half the group wide, ours on the left.
        let xs: Vec<f64> = s
            .lines()
            .filter(|l| l.contains("data-series"))
            .map(|l| {
                let x = l.split("x=\"").nth(1).unwrap();
                x[..x.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(xs.len(), 3);
        assert!(xs[0] < xs[1] && xs[2] > xs[1], "{xs:?}");
    }

    #[test]
    fn plot_renders_svg() {
        let mut p = Plot::new(
            "t <1>",
            400.0,
            300.0,
            Axis::linear(0.0, 10.0, "x", crate::report::short),
            Axis::log(1.0, 1000.0, "y", crate::report::short),
        );
        p.line(
            vec![(0.0, 1.0), (10.0, 1000.0)],
            Attrs::new().stroke("#f00", 1.0),
        )
        .legend("a & b", "#f00");
        let s = p.render();
        assert!(s.starts_with("<svg"));
        assert!(s.trim_end().ends_with("</svg>"));
        assert!(s.contains("t &lt;1&gt;"));
        assert!(s.contains("a &amp; b"));
        assert!(s.contains("<polyline"));
    }
}
