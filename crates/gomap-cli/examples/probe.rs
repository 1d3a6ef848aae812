//! A small driver for profiling one workload of one map under callgrind or perf:
//! `probe IMPL WORKLOAD N [REPS]` with IMPL `gomap` or `hashbrown`, WORKLOAD one of `grow`,
//! `presized`, `hit`, `miss`, `remove`. The timed loop is the `#[inline(never)]` function
//! `probe::work`, so `valgrind --tool=callgrind --toggle-collect='*probe::work*'` counts only it.
//! Prints ns per operation (wall time, for perf runs) and the operation count.

use std::hint::black_box;
use std::time::Instant;

type G = gomap::HashMap<u64, u64>;
type H = hashbrown::HashMap<u64, u64>;

fn keys(n: usize, seed: u64) -> Vec<u64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            // splitmix64
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
        .collect()
}

trait M: Sized {
    fn new() -> Self;
    fn cap(n: usize) -> Self;
    fn ins(&mut self, k: u64, v: u64);
    fn get(&self, k: &u64) -> Option<u64>;
    fn rem(&mut self, k: &u64) -> Option<u64>;
}
impl M for G {
    fn new() -> Self {
        G::new()
    }
    fn cap(n: usize) -> Self {
        G::with_capacity(n)
    }
    #[inline]
    fn ins(&mut self, k: u64, v: u64) {
        self.insert(k, v);
    }
    #[inline]
    fn get(&self, k: &u64) -> Option<u64> {
        G::get(self, k).copied()
    }
    #[inline]
    fn rem(&mut self, k: &u64) -> Option<u64> {
        self.remove(k)
    }
}
impl M for H {
    fn new() -> Self {
        H::new()
    }
    fn cap(n: usize) -> Self {
        H::with_capacity(n)
    }
    #[inline]
    fn ins(&mut self, k: u64, v: u64) {
        self.insert(k, v);
    }
    #[inline]
    fn get(&self, k: &u64) -> Option<u64> {
        H::get(self, k).copied()
    }
    #[inline]
    fn rem(&mut self, k: &u64) -> Option<u64> {
        self.remove(k)
    }
}

#[inline(never)]
fn work<T: M>(w: &str, m: &mut Option<T>, ks: &[u64], miss: &[u64]) -> u64 {
    let mut sum = 0u64;
    match w {
        "grow" | "presized" => {
            let mut t = if w == "grow" {
                T::new()
            } else {
                T::cap(ks.len())
            };
            for (i, &k) in ks.iter().enumerate() {
                t.ins(k, i as u64);
            }
            *m = Some(t);
        }
        "hit" => {
            let t = m.as_ref().unwrap();
            for k in ks {
                sum = sum.wrapping_add(t.get(k).unwrap_or(0));
            }
        }
        "miss" => {
            let t = m.as_ref().unwrap();
            for k in miss {
                sum = sum.wrapping_add(t.get(k).unwrap_or(0));
            }
        }
        "remove" => {
            let t = m.as_mut().unwrap();
            for k in ks {
                sum = sum.wrapping_add(t.rem(k).unwrap_or(0));
            }
        }
        _ => panic!("workload"),
    }
    sum
}

fn run<T: M>(w: &str, n: usize, reps: usize) {
    let ks = keys(n, 1);
    let miss = keys(n, 2);
    let mut order = ks.clone();
    // A fixed shuffle (Fisher-Yates on splitmix draws) for lookups and removals.
    let r = keys(n, 3);
    for i in (1..n).rev() {
        order.swap(i, (r[i] % (i as u64 + 1)) as usize);
    }
    let mut best = f64::MAX;
    for _ in 0..reps {
        let mut m: Option<T> = None;
        if w != "grow" && w != "presized" {
            let mut t = T::new();
            for (i, &k) in ks.iter().enumerate() {
                t.ins(k, i as u64);
            }
            m = Some(t);
        }
        let t0 = Instant::now();
        black_box(work(
            w,
            &mut m,
            if w == "remove" || w == "hit" {
                &order
            } else {
                &ks
            },
            &miss,
        ));
        let ns = t0.elapsed().as_nanos() as f64 / n as f64;
        best = best.min(ns);
        drop(m);
    }
    println!("{w} n={n} reps={reps} best {best:.2} ns/op");
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n: usize = a[3].parse().unwrap();
    let reps: usize = a.get(4).map_or(1, |r| r.parse().unwrap());
    match a[1].as_str() {
        "gomap" => run::<G>(&a[2], n, reps),
        "hashbrown" => run::<H>(&a[2], n, reps),
        _ => panic!("impl"),
    }
}
