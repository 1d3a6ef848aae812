//! `gomap bench --concurrent`, end to end at its `--quick` size: the table, the JSON, Go's
//! results merged after the key check, and clear errors for bad options.

mod common;

use common::{gomap, scratch, stderr, stdout};

#[test]
fn a_quick_run_prints_throughput_and_latency_and_writes_json() {
    let dir = scratch("concurrent", "quick");
    let json = dir.join("c.json");
    let go = dir.join("go.txt");
    // Go results whose keys are not ours are refused before anything runs.
    std::fs::write(
        &go,
        "lang=go\tkey0=0000000000000001\tkey1=0\tkey_last=0\tsum=0\txor=0\trng_sum=0\tseq_ok=true\n\
         lang=go\timpl=syncmap\tworkload=read\tthreads=1\tmops=3.1\terrors=0\n",
    )
    .unwrap();
    let bad = gomap(&[
        "bench",
        "--concurrent",
        "--quick",
        "--go-results",
        go.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("not the same keys"),
        "{}",
        stderr(&bad)
    );

    let out = gomap(&[
        "bench",
        "--concurrent",
        "--quick",
        "--impls",
        "syncmap,dashmap,rwlock",
        "--workloads",
        "readmostly,grow,readlat",
        "--secs",
        "0.01",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "syncmap/best",
        "readmostly",
        "grow",
        "readlat",
        "dashmap",
        "rwlock",
        "p99.99",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = v["rows"].as_array().unwrap();
    // readmostly and grow at 1 and 2 threads, readlat at 2: 5 cases x 3 implementations.
    assert_eq!(rows.len(), 15);
    assert!(rows
        .iter()
        .all(|r| r["errors"] == 0 && r["mops"].as_f64().unwrap() > 0.0));
    let readlat = rows
        .iter()
        .find(|r| r["workload"] == "readlat" && r["implementation"] == "syncmap")
        .unwrap();
    assert!(
        readlat["get"]["n"].as_u64().unwrap() > 0 && readlat["ins"]["max_ns"].as_u64().is_some()
    );
}

#[test]
fn bad_options_fail_with_a_clear_message() {
    for (args, needle) in [
        (
            &["bench", "--concurrent", "--impls", "nosuch"][..],
            "unknown implementation",
        ),
        (
            &["bench", "--concurrent", "--workloads", "lookup"][..],
            "unknown workload",
        ),
        (&["bench", "--concurrent", "--secs", "0"][..], "--secs"),
        (&["bench", "--concurrent", "--reps", "0"][..], "--reps"),
    ] {
        let out = gomap(args);
        assert!(!out.status.success(), "{args:?} fails");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn showcase_runs_the_showcase_configuration() {
    let dir = scratch("concurrent", "showcase");
    let json = dir.join("c.json");
    let out = gomap(&[
        "bench",
        "--concurrent",
        "--showcase",
        "--quick",
        "--impls",
        "syncmap,papaya",
        "--workloads",
        "read",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    // The showcase's quick sizes: a hundredth of the anchor's, 0.01 s, 1 repetition.
    assert_eq!(v["prefill"], 10_000);
    assert_eq!(v["grow_to"], 40_000);
    assert_eq!(v["readlat_to"], 50_000);
    assert_eq!(
        (v["secs"].as_f64(), v["reps"].as_u64()),
        (Some(0.01), Some(1))
    );
    // read at 1 and 2 threads, 2 implementations.
    assert_eq!(v["rows"].as_array().unwrap().len(), 4);
    assert!(stdout(&out).contains("syncmap/best"));
}
