//! Reading the Go anchor's output (`anchors/go`, run by `scripts/go-anchor.sh`): its
//! `RESULT` lines become cells of implementation `"go"`, its `MEM` lines memory rows, and its
//! `CHECK` lines prove it used our keys.

use super::{Cell, KeyCheck, MemoryRow};

/// What one Go anchor output holds.
#[derive(Debug, Default)]
pub(crate) struct GoResults {
    /// One cell per `RESULT` line.
    pub(crate) cells: Vec<Cell>,
    /// One row per `MEM ... grow` line.
    pub(crate) memory: Vec<MemoryRow>,
    /// One per `CHECK` line.
    pub(crate) checks: Vec<KeyCheck>,
}

/// The implementation name of a Go result: `go` for `go_map`, `go-gcoff` when run with GOGC=off.
fn implementation(label: &str) -> String {
    match label {
        "go_map" => "go".to_string(),
        "go_map_gcoff" => "go-gcoff".to_string(),
        other => format!("go:{other}"),
    }
}

fn num<T: std::str::FromStr>(s: &str, what: &str, line: usize) -> Result<T, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("line {line}: bad {what} {s:?}"))
}

fn hex(s: &str, what: &str, line: usize) -> Result<u64, String> {
    u64::from_str_radix(s.trim(), 16).map_err(|_| format!("line {line}: bad {what} {s:?}"))
}

/// The `key=value` fields of a line.
fn field<'a>(fields: &[&'a str], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find_map(|f| f.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// Parses the anchor's output; lines other than `RESULT`, `MEM` and `CHECK` are ignored.
pub(crate) fn parse(text: &str) -> Result<GoResults, String> {
    let mut out = GoResults::default();
    for (i, line) in text.lines().enumerate() {
        let ln = i + 1;
        let f: Vec<&str> = line.trim_end().split('\t').collect();
        match f.first().copied() {
            Some("RESULT") => {
                // RESULT go <impl> <workload> <N> <median> <min> <max> <reps> <iters> <all reps>
                if f.len() < 11 {
                    return Err(format!("line {ln}: a RESULT line needs 11 fields"));
                }
                let (keys, workload) = f[3]
                    .split_once('_')
                    .ok_or_else(|| format!("line {ln}: bad workload {:?}", f[3]))?;
                let reps = f[10]
                    .split(',')
                    .map(|x| num::<f64>(x, "rep", ln))
                    .collect::<Result<Vec<_>, _>>()?;
                out.cells.push(Cell {
                    workload: workload.to_string(),
                    keys: keys.to_string(),
                    n: num(f[4], "N", ln)?,
                    implementation: implementation(f[2]),
                    median_ns: num(f[5], "median", ln)?,
                    min_ns: num(f[6], "min", ln)?,
                    max_ns: num(f[7], "max", ln)?,
                    reps,
                });
            }
            Some("MEM") if f.get(3) == Some(&"grow") => {
                let n: usize = num(field(&f, "n").unwrap_or(""), "n", ln)?;
                let bpe: f64 = num(
                    field(&f, "bytes_per_entry_alloc").unwrap_or(""),
                    "bytes_per_entry_alloc",
                    ln,
                )?;
                out.memory.push(MemoryRow {
                    implementation: implementation(f[2]),
                    n,
                    bytes_per_entry: bpe,
                    peak_bytes_per_entry: f64::NAN,
                });
            }
            Some("CHECK") => {
                let get = |k: &str| field(&f, k).ok_or_else(|| format!("line {ln}: no {k}="));
                out.checks.push(KeyCheck {
                    n: num(get("n")?, "n", ln)?,
                    first: hex(get("first")?, "first", ln)?,
                    first_miss: hex(get("first_miss")?, "first_miss", ln)?,
                    first_shuffled: hex(get("first_shuffled")?, "first_shuffled", ln)?,
                    chk_hit: hex(get("chk_hit")?, "chk_hit", ln)?,
                    chk_miss: hex(get("chk_miss")?, "chk_miss", ln)?,
                    chk_q: hex(get("chk_q")?, "chk_q", ln)?,
                    first_str: get("first_str")?.to_string(),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_anchor_lines() {
        let text = "CHECK\tgo\tn=1000\tfirst=00000000000000ab\tfirst_miss=1\tfirst_shuffled=2\t\
                    chk_hit=3\tchk_miss=4\tchk_q=5\tfirst_str=00000000000000ab\n\
                    RESULT\tgo\tgo_map\tu64_insert_grow\t1000\t20.50\t20.00\t21.00\t3\t900\t20.00,20.50,21.00\n\
                    MEM\tgo\tgo_map\tgrow\tn=1000\tlive_bytes=40000\tbytes_per_entry_alloc=40.00\tB=7\n\
                    noise\n";
        let g = parse(text).unwrap();
        assert_eq!(g.cells.len(), 1);
        let c = &g.cells[0];
        assert_eq!(
            (c.keys.as_str(), c.workload.as_str(), c.n),
            ("u64", "insert_grow", 1000)
        );
        assert_eq!(c.implementation, "go");
        assert_eq!(c.reps, [20.0, 20.5, 21.0]);
        assert_eq!(g.memory[0].bytes_per_entry, 40.0);
        assert_eq!(g.checks[0].first, 0xab);
        assert_eq!(g.checks[0].chk_q, 5);
    }

    #[test]
    fn rejects_a_short_result_line() {
        assert!(parse("RESULT\tgo\tgo_map\tu64_insert_grow\t1000\n").is_err());
    }
}
