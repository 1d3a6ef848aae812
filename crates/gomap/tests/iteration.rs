//! Iteration order: internal iteration (`fold`, and so `for_each`, `sum`, `collect`, `extend`)
//! visits the entries in exactly the order of `next`, for every iterator, so that code pairing
//! `keys()` with `values()`, or mixing a `for` loop with `collect`, sees one order. Checked on
//! maps with long overflow chains (weak hashers), with holes left by removals, of every size
//! around the 8-bucket groups that `fold` works in, and after a partial `next`.

use std::hash::{BuildHasher, Hasher};

use gomap::HashMap;

/// A hasher that keeps only `bits` low bits of the key (and its top byte), so that many keys
/// share a bucket and chains grow long.
#[derive(Clone, Default)]
struct Weak<const BITS: u32>;
struct WeakHasher(u64, u32);
impl<const BITS: u32> BuildHasher for Weak<BITS> {
    type Hasher = WeakHasher;
    fn build_hasher(&self) -> WeakHasher {
        WeakHasher(0, BITS)
    }
}
impl Hasher for WeakHasher {
    fn finish(&self) -> u64 {
        let mixed = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed & (u64::MAX << 56)) | (self.0 & ((1 << self.1) - 1))
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Through `next` (a `for` loop calls `next`, never `fold`).
fn by_next<I: Iterator>(it: I) -> Vec<I::Item> {
    let mut v = Vec::new();
    for x in it {
        v.push(x);
    }
    v
}

fn by_fold<I: Iterator>(it: I) -> Vec<I::Item> {
    it.fold(Vec::new(), |mut v, x| {
        v.push(x);
        v
    })
}

fn check<S: BuildHasher>(map: &mut HashMap<u64, u64, S>, label: &str) {
    assert_eq!(by_next(map.iter()), by_fold(map.iter()), "{label}: iter");
    assert_eq!(by_next(map.keys()), by_fold(map.keys()), "{label}: keys");
    assert_eq!(
        by_next(map.values()),
        by_fold(map.values()),
        "{label}: values"
    );
    let order: Vec<u64> = by_next(map.keys()).into_iter().copied().collect();
    let mut folded = Vec::new();
    map.iter_mut().for_each(|(k, _)| folded.push(*k));
    assert_eq!(order, folded, "{label}: iter_mut");
    let mut folded = Vec::new();
    map.values_mut().for_each(|v| folded.push(*v));
    let values: Vec<u64> = by_next(map.values()).into_iter().copied().collect();
    assert_eq!(values, folded, "{label}: values_mut");
    // After a partial `next`, the rest comes in the same order too.
    let mut it = map.iter();
    let first: Vec<_> = it.by_ref().take(3).collect();
    let rest = by_fold(it);
    let all = by_next(map.iter());
    assert_eq!([first, rest].concat(), all, "{label}: next then fold");
}

fn fill_and_check<S: BuildHasher + Default>(label: &str) {
    for n in [0u64, 1, 7, 8, 9, 52, 53, 63, 64, 65, 100, 500, 1000, 5000] {
        let mut map: HashMap<u64, u64, S> = HashMap::default();
        for k in 0..n {
            map.insert(k * 7919, k);
        }
        map.finish_growth();
        check(&mut map, &format!("{label} n={n}"));
        // Holes: every third key removed (EMPTY_ONE slots, emptied overflow blocks).
        map.retain(|k, _| k % 3 != 0);
        check(&mut map, &format!("{label} n={n} after removals"));
    }
}

#[test]
fn fold_visits_entries_in_the_order_of_next_with_a_good_hasher() {
    fill_and_check::<gomap::DefaultHashBuilder>("foldhash");
}

#[test]
fn fold_visits_entries_in_the_order_of_next_with_long_chains() {
    fill_and_check::<Weak<3>>("3 bits");
    fill_and_check::<Weak<6>>("6 bits");
    fill_and_check::<Weak<0>>("one bucket");
}

#[test]
fn fold_visits_entries_in_the_order_of_next_in_the_middle_of_a_grow() {
    let mut map: HashMap<u64, u64> = HashMap::new();
    let mut k = 0;
    while k < 1000 || !map.stats().growing {
        map.insert(k, k);
        k += 1;
    }
    check(&mut map, "mid-grow");
}
