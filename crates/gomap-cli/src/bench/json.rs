//! `BenchResults` as JSON: every repetition, medians, ratios, geometric means, memory, key
//! checksums and machine info.

use serde_json::{json, Map, Value};

use super::BenchResults;

/// The ratios reported against gomap's main rivals.
const RIVALS: [&str; 4] = ["hashbrown", "std", "std+foldhash", "go"];

/// The pretty-printed JSON of `r`.
pub(crate) fn to_json(r: &BenchResults) -> String {
    let mut ratios = Vec::new();
    for c in r.cells.iter().filter(|c| c.implementation == "gomap") {
        let mut row = Map::new();
        row.insert("workload".into(), json!(c.workload));
        row.insert("keys".into(), json!(c.keys));
        row.insert("n".into(), json!(c.n));
        for rival in RIVALS {
            if let Some(x) = r.ratio(&c.workload, &c.keys, c.n, "gomap", rival) {
                row.insert(format!("gomap/{rival}"), json!(x));
            }
        }
        ratios.push(Value::Object(row));
    }
    let mut geomean = Map::new();
    let mut worst = Map::new();
    for rival in RIVALS {
        if let Some(g) = r.geomean_ratio("gomap", rival) {
            geomean.insert(format!("gomap/{rival}"), json!(g));
        }
        if let Some((w, k, n, x)) = r.worst_ratio("gomap", rival) {
            worst.insert(
                format!("gomap/{rival}"),
                json!({"workload": w, "keys": k, "n": n, "ratio": x}),
            );
        }
    }
    let checks: Vec<Value> = r
        .key_checks
        .iter()
        .map(|c| {
            json!({
                "n": c.n,
                "first": format!("{:016x}", c.first),
                "first_miss": format!("{:016x}", c.first_miss),
                "first_shuffled": format!("{:016x}", c.first_shuffled),
                "chk_hit": format!("{:016x}", c.chk_hit),
                "chk_miss": format!("{:016x}", c.chk_miss),
                "chk_q": format!("{:016x}", c.chk_q),
                "first_str": c.first_str,
            })
        })
        .collect();
    let v = json!({
        "unit": "ns per operation",
        "machine": r.machine,
        "min_ms": r.min_ms,
        "reps": r.reps.iter().map(|&(n, k)| json!({"n": n, "reps": k})).collect::<Vec<_>>(),
        "implementations": r.implementations(),
        "cells": r.cells,
        "ratios": ratios,
        "geomean": geomean,
        "worst": worst,
        "memory": r.memory,
        "key_checks": checks,
        "notes": r.notes,
    });
    serde_json::to_string_pretty(&v).expect("JSON of plain data")
}
