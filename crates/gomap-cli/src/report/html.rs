//! A self-contained HTML page builder: headings, paragraphs, preformatted text, tables and inline
//! SVG figures, with a little CSS and no external resources.

use std::fmt::Write as _;

use super::escape;

/// How a table cell is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tone {
    /// Plain.
    Plain,
    /// Good news (green), e.g. gomap faster than the other map.
    Good,
    /// Bad news (red), e.g. gomap slower.
    Bad,
    /// Worth a look (amber), e.g. a latency spike.
    Warn,
    /// Less important (grey).
    Dim,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Plain => "",
            Tone::Good => "good",
            Tone::Bad => "bad",
            Tone::Warn => "warn",
            Tone::Dim => "dim",
        }
    }
}

/// One table cell: text, tone, and whether it is a number (right-aligned).
#[derive(Clone, Debug)]
pub(crate) struct Cell {
    text: String,
    tone: Tone,
    numeric: bool,
}

impl Cell {
    /// A text cell.
    pub(crate) fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            tone: Tone::Plain,
            numeric: false,
        }
    }

    /// A number cell (right-aligned).
    pub(crate) fn num(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            tone: Tone::Plain,
            numeric: true,
        }
    }

    /// The same cell with a tone.
    pub(crate) fn tone(mut self, tone: Tone) -> Cell {
        self.tone = tone;
        self
    }
}

/// A table: a header row and body rows.
#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these column headers.
    pub(crate) fn new<S: AsRef<str>>(headers: &[S]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.as_ref().to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub(crate) fn row(&mut self, cells: Vec<Cell>) -> &mut Table {
        self.rows.push(cells);
        self
    }

    /// The table as HTML.
    pub(crate) fn to_html(&self) -> String {
        let mut out = String::from("<table>\n<thead><tr>");
        for h in &self.headers {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for c in row {
                let mut classes = Vec::new();
                if c.numeric {
                    classes.push("n");
                }
                if c.tone != Tone::Plain {
                    classes.push(c.tone.class());
                }
                if classes.is_empty() {
                    let _ = write!(out, "<td>{}</td>", escape(&c.text));
                } else {
                    let _ = write!(
                        out,
                        "<td class=\"{}\">{}</td>",
                        classes.join(" "),
                        escape(&c.text)
                    );
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

/// The page's style sheet.
const CSS: &str = "\
body{font-family:Helvetica,Arial,sans-serif;margin:24px auto;max-width:1280px;padding:0 16px;color:#222;line-height:1.45}
h1{font-size:26px;margin-bottom:4px}h2{font-size:20px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:16px;margin-top:22px}
table{border-collapse:collapse;margin:10px 0;font-size:13px}
th,td{border:1px solid #d8d8d8;padding:3px 8px;text-align:left}th{background:#f3f3f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.good{background:#dff3e0}td.bad{background:#f9dcdc}td.warn{background:#fbefd0}td.dim{color:#888}
pre{background:#f6f6f6;padding:10px;overflow-x:auto;font-size:12.5px}
figure{margin:14px 0}figcaption{font-size:13px;color:#555;max-width:1100px}
.svgbox{overflow-x:auto}.svgbox>svg{display:block;max-width:100%;height:auto}
.small{font-size:12.5px;color:#555}
.verdict{border:2px solid #0072b2;background:#f3f8fc;padding:4px 18px 8px;margin:18px 0}
.verdict h2{margin-top:10px;border:none}.verdict li{margin:4px 0}
code{background:#f3f3f3;padding:0 3px}
";

/// An HTML page under construction.
#[derive(Clone, Debug)]
pub(crate) struct Page {
    title: String,
    body: String,
}

impl Page {
    /// An empty page with this title (also its first heading).
    pub(crate) fn new(title: &str) -> Page {
        let mut p = Page {
            title: title.into(),
            body: String::new(),
        };
        let _ = writeln!(p.body, "<h1>{}</h1>", escape(title));
        p
    }

    /// A section heading.
    pub(crate) fn h2(&mut self, text: &str) -> &mut Page {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(text));
        self
    }

    /// A sub-section heading.
    pub(crate) fn h3(&mut self, text: &str) -> &mut Page {
        let _ = writeln!(self.body, "<h3>{}</h3>", escape(text));
        self
    }

    /// A paragraph of plain text.
    pub(crate) fn p(&mut self, text: &str) -> &mut Page {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
        self
    }

    /// A paragraph of small grey text.
    pub(crate) fn small(&mut self, text: &str) -> &mut Page {
        let _ = writeln!(self.body, "<p class=\"small\">{}</p>", escape(text));
        self
    }

    /// Trusted HTML, inserted as is.
    pub(crate) fn raw(&mut self, html: &str) -> &mut Page {
        self.body.push_str(html);
        self.body.push('\n');
        self
    }

    /// Preformatted text.
    pub(crate) fn pre(&mut self, text: &str) -> &mut Page {
        let _ = writeln!(self.body, "<pre>{}</pre>", escape(text));
        self
    }

    /// A table.
    pub(crate) fn table(&mut self, table: &Table) -> &mut Page {
        self.body.push_str(&table.to_html());
        self
    }

    /// An inline SVG picture with a caption. The SVG must come from [`super::svg`].
    pub(crate) fn figure(&mut self, svg: &str, caption: &str) -> &mut Page {
        self.figure_with(None, svg, caption)
    }

    /// [`Page::figure`] with an `id` on the `<figure>`, for links and for checks that look the
    /// picture up (scripts/report_check.py).
    pub(crate) fn figure_id(&mut self, id: &str, svg: &str, caption: &str) -> &mut Page {
        self.figure_with(Some(id), svg, caption)
    }

    fn figure_with(&mut self, id: Option<&str>, svg: &str, caption: &str) -> &mut Page {
        let id = id.map_or(String::new(), |id| format!(" id=\"{}\"", escape(id)));
        let _ = writeln!(
            self.body,
            "<figure{id}><div class=\"svgbox\">\n{}</div><figcaption>{}</figcaption></figure>",
            svg.trim_end(),
            escape(caption)
        );
        self
    }

    /// The finished HTML document.
    pub(crate) fn finish(&self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
            escape(&self.title),
            self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_is_a_document_with_escaped_text() {
        let mut t = Table::new(&["a", "b"]);
        t.row(vec![Cell::text("x<y"), Cell::num("1.5").tone(Tone::Good)]);
        let mut p = Page::new("T & U");
        p.p("1 < 2")
            .table(&t)
            .figure("<svg></svg>", "cap")
            .figure_id("a\"b", "<svg></svg>", "cap");
        let html = p.finish();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>T &amp; U</title>"));
        assert!(html.contains("<td>x&lt;y</td>"));
        assert!(html.contains("<td class=\"n good\">1.5</td>"));
        assert!(html.contains("<svg></svg>"));
        assert!(html.contains("<figure id=\"a&quot;b\">"));
        assert!(html.trim_end().ends_with("</html>"));
    }
}
