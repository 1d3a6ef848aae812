//! What a `SyncMap` read hit costs, and why: `sync_probe [N] [PASSES]` (default 1M keys, 5
//! passes) times, interleaved in one process, random hits on N `u64` keys through
//!
//! - `get_cloned`: `SyncMap::get_cloned` (one epoch pin per lookup, as `gomap bench
//!   --concurrent` does);
//! - `get_with`: `SyncMap::get_with` under one held guard (no pin per lookup);
//! - `model16`: a safe-code model of the same read path (256 shards, each a table of 16-byte
//!   `(hash, node)` slots probed linearly from the high bits of the hash, at the load a
//!   `SyncMap` of that size has, then a 32-byte node holding the key and the value);
//! - `model8`: the model with 8-byte slots (a 16-bit tag and the node's 48-bit index in one
//!   word), a layout `SyncMap` does not have;
//! - `inline32`: the model without the node hop: each shard's table holds 32-byte cells (hash,
//!   key, value pointer, inline value), probed linearly at the same load, the layout that would
//!   take Go's entry out of the read path;
//! - `inline32+pin`: that model with one epoch pin per lookup (`SyncMap::guard`), as a
//!   `get_cloned` of that layout would pay;
//! - `model8+pin`, `model8+seize`: `SyncMap`'s own layout (`model8`) with one pin per lookup,
//!   crossbeam-epoch's (a locked instruction) or seize's (with its default `fast-barrier`: a
//!   compiler fence, the collector paying a `membarrier` system call instead);
//! - `hashbrown`: `hashbrown::HashMap::get`, one cache miss per hit, for scale;
//! - `dashmap`: `dashmap::DashMap::get` (a shard's read lock, then hashbrown's probe), the best
//!   map on the benchmark's read workload;
//!
//! and then the latency of one dependent load over working sets of 4, 16 and 64 MiB (a random
//! cycle of cache lines). Prints the median of the passes, ns per lookup. The module docs of
//! `gomap::sync` quote its figures.

use std::hint::black_box;
use std::time::Instant;

use gomap::sync::SyncMap;

type Fold = foldhash::fast::FixedState;

/// splitmix64's finaliser.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The i-th key of the concurrent benchmark's sequence.
fn key(i: u64) -> u64 {
    mix64(0x0123_4567_89ab_cdef_u64.wrapping_add((i + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

/// The model's hash of a key (one multiply, as foldhash's `u64` path).
fn hash(k: u64) -> u64 {
    let p = u128::from(k ^ 0x243f_6a88_85a3_08d3) * 0x2545_f491_4f6c_dd1d;
    (p as u64) ^ ((p >> 64) as u64)
}

/// The probe start's spread, as `sync::index` computes it.
fn spread(h: u64) -> u64 {
    let p = u128::from(h) * 0x9e37_79b9_7f4a_7c15;
    (p as u64) ^ ((p >> 64) as u64)
}

/// A node of the model: what a `SyncMap<u64, u64>` node holds (32 bytes).
struct Node {
    _hash: u64,
    key: u64,
    _value_ptr: u64,
    value: u64,
}

/// The model: per shard, a power-of-two table of 16-byte and one of 8-byte slots over the same
/// nodes (node indices stored plus one: 0 is an empty slot).
struct Model {
    nodes: Vec<Node>,
    wide: Vec<Vec<(u64, u64)>>,
    packed: Vec<Vec<u64>>,
    cells: Vec<Vec<Node>>,
    shift: u32,
}

const SHARDS: usize = 256;

impl Model {
    fn new(n: u64) -> Model {
        // A SyncMap table is at most 5/8 full before it migrates into one sized for 8/5 of its
        // keys, rounded up to a power of two.
        let cap = ((n as usize / SHARDS + 1) * 8 / 5 + 1).next_power_of_two();
        let shift = 64 - cap.trailing_zeros();
        let mut m = Model {
            nodes: Vec::with_capacity(n as usize),
            wide: vec![vec![(0, 0); cap]; SHARDS],
            packed: vec![vec![0; cap]; SHARDS],
            cells: (0..SHARDS)
                .map(|_| {
                    (0..cap)
                        .map(|_| Node {
                            _hash: 0,
                            key: 0,
                            _value_ptr: 0,
                            value: 0,
                        })
                        .collect()
                })
                .collect(),
            shift,
        };
        for i in 0..n {
            let (k, h) = (key(i), hash(key(i)));
            m.nodes.push(Node {
                _hash: h,
                key: k,
                _value_ptr: 0,
                value: i,
            });
            let (s, idx) = ((h >> 56) as usize, m.nodes.len() as u64);
            let mut j = m.home(h);
            while m.wide[s][j].1 != 0 {
                j = (j + 1) & (cap - 1);
            }
            m.wide[s][j] = (h, idx);
            let mut j = m.home(h);
            while m.packed[s][j] != 0 {
                j = (j + 1) & (cap - 1);
            }
            m.packed[s][j] = (spread(h) >> 48) << 48 | idx;
            let mut j = m.home(h);
            while m.cells[s][j]._value_ptr != 0 {
                j = (j + 1) & (cap - 1);
            }
            m.cells[s][j] = Node {
                _hash: h,
                key: k,
                _value_ptr: 1,
                value: i,
            };
        }
        m
    }

    fn home(&self, h: u64) -> usize {
        (spread(h) >> self.shift) as usize
    }

    fn get16(&self, k: u64) -> Option<u64> {
        let h = hash(k);
        let t = &self.wide[(h >> 56) as usize];
        let mut j = self.home(h);
        loop {
            let (sh, idx) = t[j];
            if idx == 0 {
                return None;
            }
            if sh == h {
                let n = &self.nodes[idx as usize - 1];
                if n.key == k {
                    return Some(n.value);
                }
            }
            j = (j + 1) & (t.len() - 1);
        }
    }

    fn get8(&self, k: u64) -> Option<u64> {
        let h = hash(k);
        let (t, tag) = (&self.packed[(h >> 56) as usize], spread(h) >> 48);
        let mut j = self.home(h);
        loop {
            let w = t[j];
            if w == 0 {
                return None;
            }
            if w >> 48 == tag {
                let n = &self.nodes[(w & 0xffff_ffff_ffff) as usize - 1];
                if n.key == k {
                    return Some(n.value);
                }
            }
            j = (j + 1) & (t.len() - 1);
        }
    }
}

impl Model {
    fn get_inline(&self, k: u64) -> Option<u64> {
        let h = hash(k);
        let t = &self.cells[(h >> 56) as usize];
        let mut j = self.home(h);
        loop {
            let c = &t[j];
            if c._value_ptr == 0 {
                return None;
            }
            if c._hash == h && c.key == k {
                return Some(c.value);
            }
            j = (j + 1) & (t.len() - 1);
        }
    }
}

/// Times `ops` random hits through `get`, ns per lookup.
fn time(n: u64, ops: u64, get: impl Fn(u64) -> Option<u64>) -> f64 {
    let (mut r, mut sum) = (0x5eed_u64, 0u64);
    let t = Instant::now();
    for _ in 0..ops {
        r = r.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let i = ((u128::from(mix64(r)) * u128::from(n)) >> 64) as u64;
        sum = sum.wrapping_add(get(key(i)).expect("every probed key is present"));
    }
    black_box(sum);
    t.elapsed().as_nanos() as f64 / ops as f64
}

/// ns per dependent load over a random cycle of the cache lines of `bytes`.
fn chase(bytes: usize, steps: usize) -> f64 {
    let lines = bytes / 64;
    let mut order: Vec<usize> = (0..lines).collect();
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    for i in (1..lines).rev() {
        x = mix64(x);
        order.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let mut next = vec![[0usize; 8]; lines];
    for w in 0..lines {
        next[order[w]][0] = order[(w + 1) % lines];
    }
    let mut p = order[0];
    let t = Instant::now();
    for _ in 0..steps {
        p = next[p][0];
    }
    black_box(p);
    t.elapsed().as_nanos() as f64 / steps as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .map_or(1_000_000, |a| a.parse().expect("N: a number"));
    let passes: usize = args
        .next()
        .map_or(5, |a| a.parse().expect("PASSES: a number"));
    let ops = 10_000_000;

    let sync: SyncMap<u64, u64, Fold> = SyncMap::default();
    let mut brown: hashbrown::HashMap<u64, u64, Fold> = hashbrown::HashMap::default();
    let dash: dashmap::DashMap<u64, u64, Fold> = dashmap::DashMap::default();
    for i in 0..n {
        sync.insert(key(i), i);
        brown.insert(key(i), i);
        dash.insert(key(i), i);
    }
    let model = Model::new(n);
    let seize = seize::Collector::new();

    let names = [
        "get_cloned",
        "get_with",
        "model16",
        "model8",
        "inline32",
        "inline32+pin",
        "model8+pin",
        "model8+seize",
        "hashbrown",
        "dashmap",
    ];
    let mut times = vec![Vec::new(); names.len()];
    for _ in 0..passes {
        times[0].push(time(n, ops, |k| sync.get_cloned(&k)));
        let guard = sync.guard();
        times[1].push(time(n, ops, |k| sync.get_with(&k, &guard).copied()));
        drop(guard);
        times[2].push(time(n, ops, |k| model.get16(k)));
        times[3].push(time(n, ops, |k| model.get8(k)));
        times[4].push(time(n, ops, |k| model.get_inline(k)));
        times[5].push(time(n, ops, |k| {
            let _pinned = sync.guard();
            model.get_inline(k)
        }));
        times[6].push(time(n, ops, |k| {
            let _pinned = sync.guard();
            model.get8(k)
        }));
        times[7].push(time(n, ops, |k| {
            let _pinned = seize.enter();
            model.get8(k)
        }));
        times[8].push(time(n, ops, |k| brown.get(&k).copied()));
        times[9].push(time(n, ops, |k| dash.get(&k).map(|v| *v)));
    }
    println!("{n} keys, median of {passes} interleaved passes, ns per hit:");
    for (name, t) in names.iter().zip(times) {
        println!("  {name:<10} {:6.1}", median(t));
    }
    println!("dependent load latency, ns:");
    for mib in [4, 16, 64] {
        println!("  {mib:>3} MiB    {:6.1}", chase(mib << 20, 2_000_000));
    }
}
