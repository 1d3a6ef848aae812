//! Writing reports: a small SVG drawing and plotting builder ([`svg`]) and a self-contained HTML
//! page builder ([`html`]), plus the number formats both use.
//!
//! Everything is written by hand as text: no plotting crate, no external resources (fonts,
//! scripts, style sheets), so a report opens offline and stays small.
//!
//! Why not plotters' SVG backend for the ordinary line and bar plots (weighed for issue 8): the
//! bucket pictures must stay hand-written anyway (one `<rect>` per slot, with a hover `<title>`
//! per bucket), so plotters would be a second drawing layer beside this one, for pictures this
//! one already draws. What the report needs and plotters' SVG backend does not give: dashed
//! strokes (std's dashed line over hashbrown's, the payload line; plotters draws a dashed
//! series as many separate segments), hover titles, coordinates
//! finer than a pixel (its coordinates are integers) and compact output (it writes opacity and
//! stroke attributes on every element). Its log axes and legends would be a gain, but [`svg`]
//! has both, tested. Both write a `viewBox`; the page's style sheet scales inline pictures to
//! its width.

pub(crate) mod html;
pub(crate) mod svg;

/// Escapes text for XML/HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate or length for SVG output: at most two decimals, trailing zeros dropped, so
/// pictures with many thousands of elements stay small.
pub(crate) fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        let mut s = format!("{r:.2}");
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
        s
    }
}

/// `colour` (`#rrggbb`) mixed with white: `keep` of the colour, the rest white.
pub(crate) fn tint(colour: &str, keep: f64) -> String {
    let channel = |i: usize| {
        let v = u8::from_str_radix(colour.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
        (f64::from(v) * keep + 255.0 * (1.0 - keep)).round() as u8
    };
    format!("#{:02x}{:02x}{:02x}", channel(1), channel(3), channel(5))
}

/// A duration in nanoseconds in the unit that suits it: `850 ns`, `12.5 µs`, `3.2 ms`, `1.05 s`.
pub(crate) fn fmt_ns(ns: f64) -> String {
    let (v, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    format!("{} {unit}", short(v))
}

/// A count with a metric suffix: `950`, `20k`, `1.5M`.
pub(crate) fn fmt_count(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{}G", short(v / 1e9))
    } else if a >= 1e6 {
        format!("{}M", short(v / 1e6))
    } else if a >= 1e3 {
        format!("{}k", short(v / 1e3))
    } else {
        short(v)
    }
}

/// A byte count in binary units: `512 B`, `64 KiB`, `1.5 GiB`.
pub(crate) fn fmt_bytes(v: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = v;
    let mut u = 0;
    while v.abs() >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{} {}", short(v), UNITS[u])
}

/// Three significant digits at most, without trailing zeros: `1`, `2.5`, `12.3`, `950`.
pub(crate) fn short(v: f64) -> String {
    let a = v.abs();
    let s = if a >= 100.0 || a == a.trunc() {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(1.23456), "1.23");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(-0.004), "0");
        assert_eq!(fmt_ns(850.0), "850 ns");
        assert_eq!(fmt_ns(12_500.0), "12.5 µs");
        assert_eq!(fmt_ns(1e6), "1 ms");
        assert_eq!(fmt_count(2_000_000.0), "2M");
        assert_eq!(fmt_count(1_500.0), "1.5k");
        assert_eq!(fmt_bytes(64.0 * 1024.0 * 1024.0), "64 MiB");
    }

    #[test]
    fn tints_mix_with_white() {
        assert_eq!(tint("#000000", 0.5), "#808080");
        assert_eq!(tint("#0072b2", 1.0), "#0072b2");
        assert_eq!(tint("#0072b2", 0.0), "#ffffff");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
    }
}
