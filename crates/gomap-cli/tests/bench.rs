//! `gomap bench` end to end: the built binary on tiny sizes with one repetition.

mod common;

use std::process::Output;

/// `gomap bench` with `args`.
fn gomap(args: &[&str]) -> Output {
    let mut all = vec!["bench"];
    all.extend_from_slice(args);
    common::gomap(&all)
}

use common::{stderr, stdout};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    common::scratch("bench", name)
}

/// Every workload `gomap bench` runs by default.
const WORKLOADS: [&str; 8] = [
    "insert_grow",
    "insert_presized",
    "lookup_hit",
    "lookup_hit_batched",
    "lookup_miss",
    "remove",
    "iterate",
    "churn",
];

const TINY: [&str; 6] = ["--n", "200", "--reps", "1", "--min-ms", "0"];

#[test]
fn a_tiny_run_prints_the_table() {
    let o = gomap(&TINY);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let out = stdout(&o);
    for w in WORKLOADS {
        assert!(out.contains(w), "no {w} row:\n{out}");
    }
    for col in [
        "gomap",
        "hashbrown",
        "std",
        "std+foldhash",
        "gomap/hashbrown",
    ] {
        assert!(out.contains(col), "no {col} column:\n{out}");
    }
    assert!(out.contains("gomap/hashbrown: geomean"), "{out}");
    assert!(out.contains("heap bytes per entry"), "{out}");
    assert!(
        !out.contains("CHECK"),
        "key checksums belong in the JSON only:\n{out}"
    );
    // 7 workloads x 2 key types, one N.
    let rows = out.lines().filter(|l| l.contains(" 200 ")).count();
    assert!(rows >= WORKLOADS.len() * 2, "{rows} rows:\n{out}");
}

#[test]
fn json_holds_every_number() {
    let dir = scratch("json");
    let path = dir.join("out.json");
    let mut args = TINY.to_vec();
    let p = path.to_str().unwrap();
    args.extend(["--keys", "u64", "--impls", "gomap,hashbrown", "--json", p]);
    let o = gomap(&args);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("valid JSON");
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), WORKLOADS.len() * 2);
    for c in cells {
        assert_eq!(c["keys"], "u64");
        assert_eq!(c["n"], 200);
        assert_eq!(c["reps"].as_array().unwrap().len(), 1);
        assert!(c["median_ns"].as_f64().unwrap() > 0.0);
    }
    assert!(v["geomean"]["gomap/hashbrown"].as_f64().unwrap() > 0.0);
    assert_eq!(v["ratios"].as_array().unwrap().len(), WORKLOADS.len());
    assert!(v["machine"]["nproc"].as_u64().unwrap() >= 1);
    assert_eq!(v["memory"].as_array().unwrap().len(), 2);
    assert_eq!(v["key_checks"][0]["first"], "157a3807a48faa9d");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn go_results_become_a_column_when_the_keys_match() {
    let dir = scratch("go");
    let path = dir.join("go.txt");
    // The CHECK line the Go anchor prints for N = 1000 (`anchors-go bench 1000`).
    let check = "CHECK\tgo\tn=1000\tfirst=157a3807a48faa9d\tfirst_miss=825a7e1c8e8ace2b\t\
                 first_shuffled=2374e6791c67f52e\tchk_hit=4e554e9da0043d4b\tchk_miss=ae0ee07661b81125\t\
                 chk_q=4eea70efa77266d0\tfirst_str=157a3807a48faa9d\n";
    let result =
        "RESULT\tgo\tgo_map\tu64_lookup_hit\t1000\t7.75\t7.50\t8.00\t3\t130\t7.50,7.75,8.00\n";
    std::fs::write(&path, format!("{check}{result}")).unwrap();
    let p = path.to_str().unwrap();
    let args = [
        "--n",
        "1K",
        "--reps",
        "1",
        "--min-ms",
        "0",
        "--keys",
        "u64",
        "--workloads",
        "lookup_hit,lookup_miss",
        "--no-memory",
        "--go-results",
        p,
    ];
    let o = gomap(&args);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("gomap/go"), "{out}");
    assert!(out.contains("7.75"), "{out}");
    assert!(out.contains("gomap/go: geomean"), "{out}");

    // Another N's checksums under N = 1000: the Go numbers are on other keys.
    std::fs::write(
        &path,
        format!("{}{result}", check.replace("chk_q=4e", "chk_q=5e")),
    )
    .unwrap();
    let o = gomap(&args);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("other keys"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_arguments_are_usage_errors() {
    let usage = |args: &[&str], needle: &str| common::assert_usage_error(&gomap(args), needle);
    usage(&["--n", "0"], "at least 1");
    usage(&["--n", "1000,0"], "at least 1");
    usage(&["--n", "-5"], "not a size");
    usage(&["--n", "lots"], "not a size");
    usage(
        &["--n", "10", "--workloads", "sort"],
        "unknown workload \"sort\"",
    );
    usage(&["--n", "10", "--keys", "u32"], "unknown key type");
    usage(&["--n", "10", "--impls", "btree"], "unknown implementation");
    usage(&["--n", "10", "--reps", "0"], "--reps");
}

/// (A `--json` path under a file is checked with every subcommand's output paths, in cli.rs.)
#[test]
fn a_missing_go_file_fails_and_a_missing_json_directory_is_made() {
    let dir = scratch("files");
    common::assert_runtime_error(
        &gomap(&["--n", "10", "--go-results", "/nonexistent-dir/go.txt"]),
        "--go-results: cannot read",
    );
    // A missing directory is created, as for every output path.
    let json = dir.join("new/sub/out.json");
    let o = gomap(&[
        "--n",
        "10",
        "--reps",
        "1",
        "--min-ms",
        "0",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    assert!(json.is_file());
    let _ = std::fs::remove_dir_all(dir);
}
