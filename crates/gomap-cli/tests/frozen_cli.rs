//! `gomap freeze`, `get`, `verify` and `inspect-frozen` end to end: files written from TSV and
//! JSON lines read back; bad input, bad keys and damaged files fail with a message and the
//! documented exit code (2 for usage, 1 for runtime failures).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{gomap, stderr, stdout};

fn scratch(name: &str) -> PathBuf {
    common::scratch("frozen-cli", name)
}

fn run(args: &[&str]) -> Output {
    gomap(args)
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[track_caller]
fn assert_exit(o: &Output, code: i32, needle: &str) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    let all = format!("{}{}", stdout(o), stderr(o));
    assert!(
        all.contains(needle),
        "output should mention {needle:?}: {all}"
    );
}

#[test]
fn tsv_freeze_get_verify_inspect() {
    let dir = scratch("tsv");
    let input = dir.join("fruit.tsv");
    let lines: String = (0..500).map(|i| format!("fruit{i}\t{}\n", i * 2)).collect();
    std::fs::write(&input, lines).unwrap();
    let file = dir.join("fruit.gmf");
    let o = run(&["freeze", p(&input), "-o", p(&file), "--values", "u64"]);
    assert_exit(&o, 0, "500 entries");
    let o = run(&["get", p(&file), "fruit7", "fruit499"]);
    assert_exit(&o, 0, "fruit7\t14\nfruit499\t998\n");
    let o = run(&["get", p(&file), "fruit7", "kiwi"]);
    assert_exit(&o, 1, "kiwi: not found");
    assert!(stdout(&o).contains("fruit7\t14"), "found keys still print");
    let o = run(&["verify", p(&file)]);
    assert_exit(&o, 0, "ok: 500 entries (str -> u64)");
    let page = dir.join("page.html");
    let o = run(&["inspect-frozen", p(&file), "--out", p(&page)]);
    assert_exit(&o, 0, "wrote");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Verified: yes"), "{html}");
    assert!(html.contains("<svg"));
}

#[test]
fn json_lines_with_u64_keys() {
    let dir = scratch("jsonl");
    let input = dir.join("codes.jsonl");
    std::fs::write(
        &input,
        "[404, \"Not Found\"]\n\n{\"key\": 200, \"value\": \"OK\"}\n",
    )
    .unwrap();
    let file = dir.join("codes.gmf");
    assert_exit(
        &run(&["freeze", p(&input), "-o", p(&file), "--keys", "u64"]),
        0,
        "2 entries",
    );
    assert_exit(
        &run(&["get", p(&file), "200", "404"]),
        0,
        "200\tOK\n404\tNot Found\n",
    );
    // A key that is not of the file's key type is a usage error.
    assert_exit(&run(&["get", p(&file), "two hundred"]), 2, "not a u64");
}

#[test]
fn bad_input_is_reported_with_its_line_and_leaves_no_file() {
    let dir = scratch("bad");
    let file = dir.join("out.gmf");
    let cases: [(&str, &str, &[&str], &str); 4] = [
        (
            "notab.tsv",
            "a\t1\nb\n",
            &[],
            "notab.tsv:2: expected KEY<TAB>VALUE",
        ),
        ("dup.tsv", "a\t1\na\t2\n", &[], "duplicate key \"a\""),
        (
            "num.tsv",
            "a\tx\n",
            &["--values", "u64"],
            "num.tsv:1: not a u64",
        ),
        (
            "bad.jsonl",
            "[1, 2, 3]\n",
            &[],
            "bad.jsonl:1: expected [key, value]",
        ),
    ];
    for (name, text, extra, needle) in cases {
        let input = dir.join(name);
        std::fs::write(&input, text).unwrap();
        let mut args = vec!["freeze", p(&input), "-o", p(&file)];
        args.extend_from_slice(extra);
        let o = run(&args);
        assert_exit(&o, 1, needle);
        assert!(!file.exists(), "{name}: a failed freeze left a file");
        let leftovers = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp-")
            })
            .count();
        assert_eq!(leftovers, 0, "{name}: a temporary file was left");
    }
    assert_exit(
        &run(&["freeze", p(&dir.join("missing.tsv")), "-o", p(&file)]),
        1,
        "cannot read",
    );
}

#[test]
fn damaged_files_fail_verify_and_get_with_exit_1() {
    let dir = scratch("damaged");
    let input = dir.join("in.tsv");
    std::fs::write(&input, "k\tv\nk2\tv2\n").unwrap();
    let file = dir.join("m.gmf");
    assert_exit(&run(&["freeze", p(&input), "-o", p(&file)]), 0, "wrote");
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x20;
    let bad = dir.join("flipped.gmf");
    std::fs::write(&bad, &bytes).unwrap();
    assert_exit(&run(&["verify", p(&bad)]), 1, "checksum mismatch");
    let short = dir.join("short.gmf");
    std::fs::write(&short, &bytes[..100]).unwrap();
    assert_exit(&run(&["get", p(&short), "k"]), 1, "truncated");
    let not = dir.join("not.gmf");
    std::fs::write(&not, b"hello world").unwrap();
    assert_exit(&run(&["verify", p(&not)]), 1, "not a gomap frozen map");
    assert_exit(
        &run(&["verify", p(&dir.join("none.gmf"))]),
        1,
        "cannot read",
    );
    assert_exit(&run(&["get", p(&file)]), 2, "required");
}
