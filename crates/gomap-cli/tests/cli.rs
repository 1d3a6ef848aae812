//! `gomap latency`, `gomap inspect` and the showcase end to end: the built binary on small sizes
//! writes well-formed SVG, HTML and JSON, and bad arguments fail with a clear message.

mod common;

use std::path::{Path, PathBuf};

use std::process::Output;

use common::{gomap, stderr, stdout};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("cli", name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

/// HTML elements that never have a closing tag.
const VOID: [&str; 6] = ["meta", "br", "img", "input", "link", "hr"];

/// A tiny well-formedness check for the XML-like markup the tool writes (SVG, and HTML with
/// void elements): every tag is closed in order, `<style>` bodies are skipped, attribute values
/// are quoted, and every `&` starts an entity. Returns the element names seen.
fn check_markup(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' => {
                if text[i..].starts_with("<!--") {
                    i += text[i..].find("-->").expect("comment closed") + 3;
                    continue;
                }
                if text[i..].starts_with("<!") || text[i..].starts_with("<?") {
                    i += text[i..].find('>').expect("declaration closed") + 1;
                    continue;
                }
                // Find the tag's end, honouring quoted attribute values.
                let mut j = i + 1;
                let mut quote = None;
                while j < b.len() {
                    match (quote, b[j]) {
                        (None, b'"') | (None, b'\'') => quote = Some(b[j]),
                        (Some(q), c) if c == q => quote = None,
                        (None, b'>') => break,
                        (None, b'<') => panic!("'<' inside a tag at byte {i}: {}", &text[i..j]),
                        _ => {}
                    }
                    j += 1;
                }
                assert!(j < b.len(), "unclosed tag at byte {i}");
                let tag = &text[i + 1..j];
                if let Some(name) = tag.strip_prefix('/') {
                    let name = name.trim();
                    let open = stack
                        .pop()
                        .unwrap_or_else(|| panic!("</{name}> closes nothing"));
                    assert_eq!(open, name, "</{name}> closes <{open}> at byte {i}");
                } else {
                    let name: String = tag
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ':')
                        .collect();
                    assert!(!name.is_empty(), "tag without a name at byte {i}: <{tag}>");
                    // Attribute values are quoted: an '=' is followed by a quote.
                    for (k, _) in tag.match_indices('=') {
                        let next = tag[k + 1..].chars().next();
                        let in_value = tag[..k].matches('"').count() % 2 == 1;
                        assert!(
                            in_value || matches!(next, Some('"') | Some('\'')),
                            "unquoted attribute in <{tag}>"
                        );
                    }
                    seen.push(name.clone());
                    if name == "style" && !tag.ends_with('/') {
                        let end = text[j..].find("</style>").expect("style closed");
                        j += end + "</style>".len() - 1;
                    } else if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
                        stack.push(name);
                    }
                }
                i = j + 1;
            }
            b'&' => {
                let semi = text[i..].find(';').expect("entity ends with ';'");
                let ent = &text[i + 1..i + semi];
                assert!(
                    !ent.is_empty()
                        && semi < 12
                        && (ent.starts_with('#') || ent.chars().all(|c| c.is_ascii_alphanumeric())),
                    "bad entity at byte {i}: {}",
                    &text[i..(i + 16).min(text.len())]
                );
                i += semi + 1;
            }
            _ => i += 1,
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    seen
}

fn check_svg(path: &Path) -> Vec<String> {
    let s = read(path);
    assert!(s.starts_with("<svg"), "{} starts with <svg", path.display());
    assert!(
        s.trim_end().ends_with("</svg>"),
        "{} ends with </svg>",
        path.display()
    );
    check_markup(&s)
}

fn check_html(path: &Path) -> (String, Vec<String>) {
    let s = read(path);
    assert!(
        s.starts_with("<!DOCTYPE html>"),
        "{} is an HTML document",
        path.display()
    );
    assert!(s.trim_end().ends_with("</html>"));
    let tags = check_markup(&s);
    (s, tags)
}

/// Balanced braces and brackets outside strings: enough to catch a broken JSON writer.
fn check_json(s: &str) {
    let mut depth: Vec<char> = Vec::new();
    let mut in_str = false;
    let mut esc = false;
    for c in s.chars() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' | '[' => depth.push(c),
            '}' => assert_eq!(depth.pop(), Some('{')),
            ']' => assert_eq!(depth.pop(), Some('[')),
            _ => {}
        }
    }
    assert!(depth.is_empty() && !in_str, "unbalanced JSON");
    assert!(
        !s.contains("NaN") && !s.contains("inf"),
        "non-finite number in JSON"
    );
}

#[test]
fn checker_rejects_bad_markup() {
    assert!(std::panic::catch_unwind(|| check_markup("<svg><g></svg>")).is_err());
    assert!(std::panic::catch_unwind(|| check_markup("<a x=1></a>")).is_err());
    assert!(std::panic::catch_unwind(|| check_markup("<p>a & b</p>")).is_err());
    assert_eq!(
        check_markup("<p a=\"1\">x &amp; <br> y</p>"),
        vec!["p", "br"]
    );
}

#[test]
fn latency_writes_plots_and_json() {
    let dir = scratch("latency");
    let o = gomap(&["latency", "--n", "20000", "--out", dir.to_str().unwrap()]);
    assert_ok(&o);
    let out = stdout(&o);
    for word in [
        "timer",
        "gomap",
        "hashbrown",
        "std",
        "p99.99",
        "insert",
        "remove",
        "lookup mid-grow",
        "peak",
    ] {
        assert!(out.contains(word), "table mentions {word}: {out}");
    }
    for f in [
        "latency.svg",
        "latency-remove.svg",
        "latency-lookup.svg",
        "memory.svg",
    ] {
        let tags = check_svg(&dir.join(f));
        assert!(tags.iter().any(|t| t == "polyline"), "{f} has lines");
        assert!(tags.iter().any(|t| t == "text"), "{f} has labels");
    }
    let svg = read(&dir.join("latency.svg"));
    for name in ["gomap", "hashbrown", "std", "timer alone", "100 µs"] {
        assert!(svg.contains(name), "latency.svg mentions {name}");
    }
    let json = read(&dir.join("latency.json"));
    check_json(&json);
    for key in [
        "\"n\":20000",
        "\"map\":\"gomap\"",
        "\"map\":\"std\"",
        "\"p9999_ns\"",
        "\"peak_heap_bytes\"",
        "\"memory_insert\"",
    ] {
        assert!(json.contains(key), "latency.json has {key}");
    }
    assert!(!dir.join(".gomap-write-test").exists());
}

#[test]
fn latency_measures_only_the_maps_asked_for() {
    let dir = scratch("latency-maps");
    let o = gomap(&[
        "latency",
        "--n",
        "5000",
        "--maps",
        "std,gomap",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_ok(&o);
    let json = read(&dir.join("latency.json"));
    check_json(&json);
    assert!(json.contains("\"map\":\"gomap\"") && json.contains("\"map\":\"std\""));
    assert!(!json.contains("\"map\":\"hashbrown\""));
}

#[test]
fn inspect_draws_every_hasher_with_and_without_growth() {
    let dir = scratch("inspect");
    for hasher in ["default", "weak", "constant"] {
        for mid in [false, true] {
            let out = dir.join(format!("{hasher}-{mid}.html"));
            let mut args = vec![
                "inspect",
                "--n",
                "600",
                "--hasher",
                hasher,
                "--out",
                out.to_str().unwrap(),
            ];
            if mid {
                args.extend(["--mid-growth", "3"]);
            }
            let o = gomap(&args);
            assert_ok(&o);
            assert!(stdout(&o).contains("entries"), "prints the stats");
            let (html, tags) = check_html(&out);
            assert!(
                tags.iter().filter(|t| *t == "svg").count() >= 3,
                "layout + 2 histograms"
            );
            assert!(tags.iter().any(|t| t == "table"), "stats table");
            for word in [
                "Stats",
                "Chain length",
                "Tophash bytes",
                "live (tophash 5..=255)",
                "heap_bytes",
            ] {
                assert!(
                    html.contains(word),
                    "{hasher} mid={mid}: page mentions {word}"
                );
            }
            if mid && html.contains("grow is under way") {
                assert!(html.contains("old array") && html.contains("nevacuate"));
                assert!(
                    html.contains("class=\"u\""),
                    "uninitialised new buckets drawn"
                );
            }
            assert!(html.len() < 3_000_000, "page stays small");
        }
    }
    // A doubling grow with the default hasher is always caught mid-way after 3 writes.
    let html = read(&dir.join("default-true.html"));
    assert!(
        html.contains("grow is under way"),
        "default hasher, --mid-growth 3"
    );
    assert!(html.contains("nevacuate = "));
}

#[test]
fn inspect_string_keys_and_big_maps_stay_small() {
    let dir = scratch("inspect-big");
    let out = dir.join("big.html");
    let o = gomap(&[
        "inspect",
        "--n",
        "200000",
        "--keys",
        "str",
        "--max-buckets",
        "128",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_ok(&o);
    let (html, _) = check_html(&out);
    assert!(html.contains("first 128 drawn"));
    assert!(html.contains("more buckets not drawn"));
    assert!(html.len() < 1_000_000, "page is {} bytes", html.len());
}

#[test]
fn bad_arguments_are_usage_errors_in_every_subcommand() {
    let dir = scratch("bad");
    let d = dir.to_str().unwrap();
    let usage = |args: &[&str], needle: &str| common::assert_usage_error(&gomap(args), needle);
    usage(&["frobnicate"], "unrecognized subcommand");
    for cmd in ["latency", "inspect", "stats", "bench"] {
        usage(&[cmd, "--n", "0"], "must be at least 1");
        usage(&[cmd, "--n", "-5"], "not a size");
        usage(&[cmd, "--n", "abc"], "not a size");
    }
    usage(&["bench", "--keys", "foo"], "unknown key type \"foo\"");
    usage(&["inspect", "--keys", "foo"], "invalid value 'foo'");
    usage(&["latency", "--maps", "btree", "--out", d], "btree");
    usage(&["inspect", "--hasher", "md5"], "md5");
    usage(
        &["inspect", "--hasher", "constant", "--n", "1M"],
        "--n 10000 or less",
    );
}

#[test]
fn every_size_option_takes_suffixes() {
    let o = gomap(&["stats", "--n", "2K"]);
    assert_ok(&o);
    assert!(stdout(&o).contains("2000"), "{}", stdout(&o));
    let dir = scratch("suffix");
    let page = dir.join("p.html");
    assert_ok(&gomap(&[
        "inspect",
        "--n",
        "1.5K",
        "--out",
        page.to_str().unwrap(),
    ]));
    assert_ok(&gomap(&[
        "latency",
        "--n",
        "2K",
        "--out",
        dir.to_str().unwrap(),
    ]));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn output_paths_behave_alike_in_every_subcommand() {
    let dir = scratch("paths");
    let file = dir.join("afile");
    std::fs::write(&file, "").unwrap();
    let under_file = file.join("x");
    let u = under_file.to_str().unwrap();
    let runtime = |args: &[&str], needle: &str| common::assert_runtime_error(&gomap(args), needle);
    let in_the_way = "afile is a file, not a directory";
    runtime(
        &["inspect", "--n", "10", "--out", &format!("{u}/x.html")],
        in_the_way,
    );
    runtime(&["latency", "--n", "10", "--out", u], in_the_way);
    runtime(&["showcase", "--quick", "--out", u], in_the_way);
    runtime(
        &["bench", "--n", "10", "--json", &format!("{u}.json")],
        in_the_way,
    );
    runtime(
        &["inspect", "--n", "10", "--out", dir.to_str().unwrap()],
        "must name a file",
    );
    runtime(
        &["latency", "--n", "10", "--out", "/proc/forbidden/dir"],
        "/proc/forbidden",
    );
    // Missing parents are created everywhere.
    let deep = dir.join("a/b");
    assert_ok(&gomap(&[
        "inspect",
        "--n",
        "10",
        "--out",
        deep.join("c/x.html").to_str().unwrap(),
    ]));
    assert_ok(&gomap(&[
        "latency",
        "--n",
        "10",
        "--out",
        deep.join("d").to_str().unwrap(),
    ]));
    assert!(deep.join("c/x.html").is_file() && deep.join("d/latency.json").is_file());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn showcase_quick_gathers_everything_into_index_html() {
    let dir = scratch("showcase");
    let o = gomap(&["showcase", "--quick", "--out", dir.to_str().unwrap()]);
    assert_ok(&o);
    let index = dir.join("index.html");
    let printed = stdout(&o);
    let last = printed.lines().last().unwrap_or("");
    assert!(
        last.starts_with("wrote /") && last.ends_with("index.html"),
        "prints the absolute path last: {last}"
    );
    let (html, tags) = check_html(&index);
    for word in [
        "Throughput",
        "gomap / hashbrown",
        "geometric mean",
        "Latency of single operations",
        "lookup mid-grow",
        "Heap bytes while inserting",
        "Layout",
        "nevacuate",
        "Concurrent maps: gomap bench --concurrent",
        "<figure id=\"concurrent-throughput\">",
        "<figure id=\"concurrent-latency\">",
        "data-series=\"syncmap\"",
        "data-series=\"rwlock\"",
        "syncmap / best other",
        "readlat ×2: get latency percentiles",
    ] {
        assert!(html.contains(word), "index.html mentions {word}");
    }
    assert!(tags.iter().filter(|t| *t == "svg").count() >= 5);
    assert!(html.len() < 5_000_000);
    for f in [
        "layout.html",
        "bench.json",
        "latency.json",
        "latency.svg",
        "latency-remove.svg",
        "memory.svg",
        "concurrent.json",
        "concurrent-throughput.svg",
        "concurrent-latency.svg",
    ] {
        assert!(dir.join(f).exists(), "{f} written");
    }
    // The concurrent run's data: every implementation on every workload and thread count.
    let conc: serde_json::Value =
        serde_json::from_str(&read(&dir.join("concurrent.json"))).unwrap();
    let rows = conc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5 * 9, "5 maps x 9 cases");
    assert!(rows.iter().all(|r| r["errors"] == 0));
    assert_eq!(
        (conc["prefill"].as_u64(), conc["reps"].as_u64()),
        (Some(10_000), Some(1))
    );
    check_html(&dir.join("layout.html"));
    check_json(&read(&dir.join("bench.json")));
    // A tidy terminal: the verdict and the path, no tables or key checksums.
    assert!(!printed.contains("CHECK"), "{printed}");
    assert!(printed.lines().count() <= 12, "{printed}");
    assert!(
        printed.contains("- Throughput against hashbrown"),
        "{printed}"
    );
    assert!(
        printed.contains("- Concurrent maps (a short run")
            && printed.contains("- Issue 9's targets in this short run"),
        "{printed}"
    );
    let said = stderr(&o);
    assert!(
        said.lines().next().unwrap_or("").contains("about"),
        "{said}"
    );
    // The verdict opens the page, before the throughput table.
    let verdict = html.find("class=\"verdict\"").expect("a verdict box");
    assert!(verdict < html.find("id=\"bench\"").unwrap());
    // Peak RSS comes from a child process per map: a number for each, not "-".
    let json: serde_json::Value = serde_json::from_str(&read(&dir.join("latency.json"))).unwrap();
    if cfg!(target_os = "linux") {
        for m in json["maps"].as_array().unwrap() {
            assert!(m["peak_rss_bytes"].as_u64().is_some(), "{}", m["map"]);
        }
    }
}

#[test]
fn help_describes_every_command_and_version_names_the_build() {
    let o = gomap(&["--help"]);
    assert_ok(&o);
    let help = stdout(&o);
    for line in [
        "bench ",
        "latency ",
        "inspect ",
        "showcase ",
        "stats ",
        "With no command, runs the showcase",
        "K, M and G suffixes",
        "Exit status",
    ] {
        assert!(help.contains(line), "--help mentions {line:?}:\n{help}");
    }
    assert!(
        !help.contains("peak-rss"),
        "the child-process command stays hidden"
    );
    let o = gomap(&["--version"]);
    assert_ok(&o);
    let v = stdout(&o);
    assert!(v.contains("commit ") && v.contains("rustc "), "{v}");
}

#[test]
fn the_inspect_default_page_is_not_the_showcase_layout() {
    let dir = scratch("inspect-default");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gomap"))
        .args(["inspect", "--n", "50"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_ok(&o);
    assert!(dir.join("gomap-report/inspect.html").is_file());
    assert!(!dir.join("gomap-report/layout.html").exists());
    let _ = std::fs::remove_dir_all(dir);
}
