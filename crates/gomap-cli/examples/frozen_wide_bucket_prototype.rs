//! A prototype of a smaller frozen-map index, against odht (10M `u64` keys by default): the
//! "untuned prototype" of `gomap::frozen`'s "Lookup cost" docs, kept as a starting point.
//!
//! ```text
//! cargo build --release -p gomap-cli --example frozen_wide_bucket_prototype
//! nice -n -15 target/release/examples/frozen_wide_bucket_prototype [N] [LAMBDAS]  # 10000000 6,7,8
//! ```
//!
//! Layout: 16-byte records of 11 tags, a count byte and the index of the bucket's first entry
//! (dense entries, as in the format); the bucket chosen by a 128-bit `mulhi` of the v2 folded
//! hash (any bucket count, `n / lambda`), the tag its low byte; a full bucket's extra keys
//! spill into the next bucket (linear probing over buckets, at most `max_probe` of them). Not
//! hardened: the builder trusts its input and the reader its table.
use std::hint::black_box;
use std::time::Instant;

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
#[inline]
fn fold8(k: u64, seed: u64) -> u64 {
    let p = ((k ^ seed) as u128) * 0x9E37_79B9_7F4A_7C15u128;
    (p as u64) ^ ((p >> 64) as u64)
}
const S: usize = 11;
#[derive(Clone, Copy, Default)]
#[repr(C, align(16))]
struct Rec {
    tags: [u8; 11],
    count: u8,
    first: u32,
}
struct Wide<'a> {
    nb: u64,
    seed: u64,
    max_probe: u32,
    recs: &'a [Rec],
    entries: &'a [(u64, u64)],
}
/// The bit `j` set for each of the record's 11 tags equal to `tag`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn mm(r: &Rec, tag: u8) -> u32 {
    use core::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    // SAFETY: `r` is a valid 16-byte `Rec` (plain bytes), so reading 16 bytes from its address
    // is in bounds; SSE2 is part of x86-64; the unaligned load needs no alignment.
    unsafe {
        let v = _mm_loadu_si128(core::ptr::from_ref(r).cast());
        (_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(tag as i8))) as u32) & 0x7ff
    }
}
/// The bit `j` set for each of the record's 11 tags equal to `tag`.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn mm(r: &Rec, tag: u8) -> u32 {
    r.tags
        .iter()
        .enumerate()
        .fold(0, |m, (j, &t)| m | ((t == tag) as u32) << j)
}

impl<'a> Wide<'a> {
    #[inline]
    fn get(&self, k: u64) -> Option<&'a u64> {
        let h = fold8(k, self.seed);
        let b = ((h as u128 * self.nb as u128) >> 64) as usize;
        let tag = h as u8;
        let r = self.recs.get(b)?;
        let m = mm(r, tag);
        if m != 0 {
            let e = self
                .entries
                .get(r.first as usize + m.trailing_zeros() as usize)?;
            if e.0 == k {
                return Some(&e.1);
            }
        } else if (r.count as usize) < S {
            return None;
        }
        self.slow(b, m & m.wrapping_sub(1), tag, k)
    }
    #[cold]
    #[inline(never)]
    fn slow(&self, mut b: usize, mut m: u32, tag: u8, k: u64) -> Option<&'a u64> {
        let mut steps = 1;
        loop {
            let r = self.recs.get(b)?;
            while m != 0 {
                if let Some(e) = self
                    .entries
                    .get(r.first as usize + m.trailing_zeros() as usize)
                {
                    if e.0 == k {
                        return Some(&e.1);
                    }
                }
                m &= m - 1;
            }
            let full = r.count as usize >= S;
            if !full || steps >= self.max_probe {
                return None;
            }
            steps += 1;
            b += 1;
            m = mm(self.recs.get(b)?, tag);
        }
    }
}
fn build(keys: &[u64], lambda: f64, seed: u64) -> (Vec<Rec>, Vec<(u64, u64)>, u64, u32) {
    let nb = ((keys.len() as f64 / lambda).ceil() as u64).max(1);
    let home = |k: u64| ((fold8(k, seed) as u128 * nb as u128) >> 64) as usize;
    let mut cnt = vec![0usize; nb as usize + 1];
    for &k in keys {
        cnt[home(k) + 1] += 1;
    }
    for b in 0..nb as usize {
        cnt[b + 1] += cnt[b];
    }
    let mut byhome = vec![(0u64, 0u64); keys.len()];
    let mut cur = cnt.clone();
    for (i, &k) in keys.iter().enumerate() {
        let h = home(k);
        byhome[cur[h]] = (k, i as u64);
        cur[h] += 1;
    }
    let mut recs = Vec::new();
    let mut entries = Vec::with_capacity(keys.len());
    let mut carry: std::collections::VecDeque<(u64, u64)> = Default::default();
    let mut max_probe = 1u32;
    let mut carry_home: std::collections::VecDeque<usize> = Default::default();
    let mut b = 0usize;
    while b < nb as usize || !carry.is_empty() {
        if b < nb as usize {
            for &e in &byhome[cnt[b]..cnt[b + 1]] {
                carry.push_back(e);
                carry_home.push_back(b);
            }
        }
        let mut r = Rec {
            first: entries.len() as u32,
            ..Default::default()
        };
        for j in 0..S {
            let Some(e) = carry.pop_front() else { break };
            let hb = carry_home.pop_front().unwrap();
            max_probe = max_probe.max((b - hb + 1) as u32);
            r.tags[j] = fold8(e.0, seed) as u8;
            r.count += 1;
            entries.push(e);
        }
        recs.push(r);
        b += 1;
    }
    recs.push(Rec {
        first: entries.len() as u32,
        ..Default::default()
    });
    (recs, entries, nb, max_probe)
}
struct OdhtU64;
impl odht::Config for OdhtU64 {
    type Key = [u8; 8];
    type Value = u64;
    type EncodedKey = [u8; 8];
    type EncodedValue = [u8; 8];
    type H = odht::FxHashFn;
    fn encode_key(k: &[u8; 8]) -> [u8; 8] {
        *k
    }
    fn encode_value(v: &u64) -> [u8; 8] {
        v.to_le_bytes()
    }
    fn decode_key(k: &[u8; 8]) -> [u8; 8] {
        *k
    }
    fn decode_value(v: &[u8; 8]) -> u64 {
        u64::from_le_bytes(*v)
    }
}
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(10_000_000, |s| s.parse().unwrap());
    let lambdas: Vec<f64> = args.get(2).map_or(vec![9.0], |s| {
        s.split(',').map(|x| x.parse().unwrap()).collect()
    });
    let mut s = 0x0123_4567_89AB_CDEFu64;
    let keys: Vec<u64> = (0..n).map(|_| splitmix64(&mut s)).collect();
    let miss: Vec<u64> = (0..n.min(1_000_000)).map(|_| splitmix64(&mut s)).collect();
    let mut look = keys.clone();
    let mut sh = 0xDEAD_BEEF_CAFE_F00Du64;
    for i in (1..look.len()).rev() {
        let j = (splitmix64(&mut sh) % (i as u64 + 1)) as usize;
        look.swap(i, j);
    }
    look.truncate(1_000_000);
    let seed = 0x1234_5678;
    let tables: Vec<_> = lambdas
        .iter()
        .map(|&l| {
            let t = build(&keys, l, seed);
            let full =
                t.0.windows(2)
                    .filter(|w| w[1].first - w[0].first == S as u32)
                    .count();
            eprintln!(
                "lambda {l}: {} records ({} MB), max probe {}, full {:.1}%, B/entry {:.2}",
                t.0.len(),
                (t.0.len() * 16) >> 20,
                t.3,
                100.0 * full as f64 / t.0.len() as f64,
                (t.0.len() * 16 + t.1.len() * 16) as f64 / n as f64
            );
            t
        })
        .collect();
    let mut o = odht::HashTableOwned::<OdhtU64>::with_capacity(n, 87);
    for (i, k) in keys.iter().enumerate() {
        o.insert(&k.to_le_bytes(), &(i as u64));
    }
    drop(keys);
    let mut names = vec!["odht".to_string()];
    for l in &lambdas {
        names.push(format!("wide l={l}"));
    }
    let run = |i: usize, ks: &[u64]| -> u64 {
        if i == 0 {
            let t = odht::HashTable::<OdhtU64, &[u8]>::from_raw_bytes(o.raw_bytes()).unwrap();
            ks.iter().fold(0u64, |a, k| {
                a.wrapping_add(t.get(&k.to_le_bytes()).unwrap_or(0))
            })
        } else {
            let (r, e, nb, mp) = &tables[i - 1];
            let m = black_box(Wide {
                nb: *nb,
                seed,
                max_probe: *mp,
                recs: r,
                entries: e,
            });
            ks.iter()
                .fold(0u64, |a, &k| a.wrapping_add(m.get(k).copied().unwrap_or(0)))
        }
    };
    let want = run(0, &look);
    let mut th = vec![Vec::new(); names.len()];
    let mut tm = vec![Vec::new(); names.len()];
    for rep in 0..7 {
        for j in 0..names.len() {
            let i = (j + rep) % names.len();
            let st = Instant::now();
            let sum = black_box(run(i, black_box(&look)));
            th[i].push(st.elapsed().as_nanos() as f64 / look.len() as f64);
            assert_eq!(sum, want, "{}", names[i]);
            let st = Instant::now();
            let sum = black_box(run(i, black_box(&miss)));
            tm[i].push(st.elapsed().as_nanos() as f64 / miss.len() as f64);
            assert_eq!(sum, 0);
        }
    }
    for i in 0..names.len() {
        th[i].sort_by(f64::total_cmp);
        tm[i].sort_by(f64::total_cmp);
        println!(
            "{:<10} hit {:5.1} ns  miss {:5.1} ns",
            names[i], th[i][3], tm[i][3]
        );
    }
}
