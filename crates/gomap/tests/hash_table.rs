//! `gomap::HashTable<T>`: hashbrown's raw-table API on gomap's incrementally growing table.
//!
//! Random operation sequences run on a `HashTable<(u64, u64)>` (key, value) and on a std
//! `HashMap<u64, u64>` model, crossing many growths and shrinks, with good and deliberately bad
//! hash functions; after every step the answers agree, and the table's `stats()` agree with its
//! length. The remove-then-reinsert path (`OccupiedEntry::remove` hands back a vacant entry for
//! the freed slot, which may be in the old array mid-grow) is exercised throughout.

use std::cell::Cell;
use std::collections::HashMap as StdHashMap;
use std::rc::Rc;

use gomap::hash_table::{Entry, HashTable};

/// xorshift64*: a small deterministic generator for the operation sequences.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

type Hasher = fn(u64) -> u64;
fn good(k: u64) -> u64 {
    (k ^ 0x5555)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(29)
}
fn low_bits_only(k: u64) -> u64 {
    k & 0xff // 256 hashes: long chains, and the tophash is always the same
}
fn constant(_: u64) -> u64 {
    42
}

fn run(seed: u64, ops: usize, key_space: u64, h: Hasher) {
    let mut rng = Rng(seed | 1);
    let mut table: HashTable<(u64, u64)> = HashTable::new();
    let mut model: StdHashMap<u64, u64> = StdHashMap::new();
    let hasher = move |&(k, _): &(u64, u64)| h(k);
    for step in 0..ops {
        let k = rng.below(key_space);
        let v = rng.next();
        match rng.below(10) {
            0..=2 => {
                // entry-insert or update
                match table.entry(h(k), |&(x, _)| x == k, hasher) {
                    Entry::Occupied(mut e) => e.get_mut().1 = v,
                    Entry::Vacant(e) => {
                        e.insert((k, v));
                    }
                }
                model.insert(k, v);
            }
            3 => {
                if let std::collections::hash_map::Entry::Vacant(m) = model.entry(k) {
                    let e = table.insert_unique(h(k), (k, v), hasher);
                    assert_eq!(e.get(), &(k, v));
                    m.insert(v);
                }
            }
            4 | 5 => {
                // remove, and half the time reinsert a new value into the freed slot
                let got = table.find_entry(h(k), |&(x, _)| x == k);
                match (got, model.get(&k)) {
                    (Ok(e), Some(&mv)) => {
                        let ((rk, rv), vacant) = e.remove();
                        assert_eq!((rk, rv), (k, mv));
                        if rng.below(2) == 0 {
                            vacant.insert((k, v));
                            model.insert(k, v);
                        } else {
                            model.remove(&k);
                        }
                    }
                    (Err(_), None) => {}
                    (got, m) => panic!("step {step}: find_entry {:?} vs model {m:?}", got.is_ok()),
                }
            }
            6 => {
                let got = table.find(h(k), |&(x, _)| x == k).map(|&(_, v)| v);
                assert_eq!(got, model.get(&k).copied(), "step {step}: find {k}");
            }
            7 => {
                if let Some(e) = table.find_mut(h(k), |&(x, _)| x == k) {
                    e.1 = v;
                    *model.get_mut(&k).unwrap() = v;
                } else {
                    assert!(!model.contains_key(&k));
                }
            }
            8 => {
                if rng.below(50) == 0 {
                    let m = rng.below(4);
                    table.retain(|&mut (x, _)| x % 4 != m);
                    model.retain(|&x, _| x % 4 != m);
                }
            }
            _ => {
                if rng.below(100) == 0 {
                    table.shrink_to_fit(hasher);
                }
            }
        }
        assert_eq!(table.len(), model.len(), "step {step}");
        if step % 97 == 0 {
            let stats = table.stats();
            assert_eq!(stats.len, model.len());
            assert!(stats.len <= table.capacity());
            let mut seen: Vec<(u64, u64)> = table.iter().copied().collect();
            seen.sort_unstable();
            let mut want: Vec<(u64, u64)> = model.iter().map(|(&k, &v)| (k, v)).collect();
            want.sort_unstable();
            assert_eq!(
                seen, want,
                "step {step}: iteration yields each element once"
            );
        }
    }
    for (&k, &v) in &model {
        assert_eq!(table.find(h(k), |&(x, _)| x == k), Some(&(k, v)));
    }
    let cloned = table.clone();
    assert_eq!(cloned.len(), table.len());
    let mut drained: Vec<(u64, u64)> = table.drain().collect();
    drained.sort_unstable();
    let mut want: Vec<(u64, u64)> = model.into_iter().collect();
    want.sort_unstable();
    assert_eq!(drained, want);
    assert!(table.is_empty());
    let mut from_clone: Vec<(u64, u64)> = cloned.into_iter().collect();
    from_clone.sort_unstable();
    assert_eq!(from_clone, want, "the clone held the same elements");
}

#[test]
fn random_operations_agree_with_std_across_many_growths() {
    for seed in 1..=6 {
        run(seed, 40_000, 5_000, good);
    }
}

#[test]
fn random_operations_agree_with_std_with_a_low_bits_hash() {
    run(7, 20_000, 2_000, low_bits_only);
}

#[test]
fn random_operations_agree_with_std_with_a_constant_hash() {
    run(8, 4_000, 300, constant);
}

#[test]
fn remove_then_insert_in_the_freed_slot_works_in_the_middle_of_a_grow() {
    let hasher = |&x: &u64| good(x);
    let mut table: HashTable<u64> = HashTable::new();
    let mut n = 0;
    while n < 1000 || !table.stats().growing {
        table.insert_unique(good(n), n, hasher);
        n += 1;
    }
    assert!(table.stats().growing);
    // Old chains are only read by lookups; replace every element through its freed slot.
    for k in 0..n {
        let (old, vacant) = table.find_entry(good(k), |&x| x == k).unwrap().remove();
        assert_eq!(old, k);
        assert_eq!(vacant.insert(k).get(), &k);
    }
    assert_eq!(table.len(), n as usize);
    table.finish_growth(hasher);
    for k in 0..n {
        assert_eq!(table.find(good(k), |&x| x == k), Some(&k), "key {k}");
    }
    assert_eq!(table.iter().count(), n as usize);
}

#[test]
fn a_vacant_entry_left_unused_after_a_remove_leaves_a_consistent_table() {
    let hasher = |&x: &u64| low_bits_only(x);
    let mut table: HashTable<u64> = HashTable::new();
    for k in 0..500 {
        table.insert_unique(hasher(&k), k, hasher);
    }
    for k in (0..500).step_by(3) {
        // The vacant entry for the freed slot is dropped unused.
        let (_, _vacant) = table.find_entry(hasher(&k), |&x| x == k).unwrap().remove();
    }
    for k in 0..500 {
        let found = table.find(hasher(&k), |&x| x == k).is_some();
        assert_eq!(found, k % 3 != 0, "key {k}");
    }
    // New elements still go in (the freed slots are reusable).
    for k in 1000..1200 {
        table.insert_unique(hasher(&k), k, hasher);
    }
    assert_eq!(table.len(), 500 - 167 + 200);
}

#[test]
fn entry_helpers_behave_as_hashbrown_s() {
    let hasher = |&(k, _): &(u32, u32)| u64::from(k);
    let mut table: HashTable<(u32, u32)> = HashTable::new();
    table.entry(1, |&(k, _)| k == 1, hasher).or_insert((1, 1));
    table.entry(1, |&(k, _)| k == 1, hasher).or_insert((1, 2));
    assert_eq!(table.find(1, |&(k, _)| k == 1), Some(&(1, 1)));
    table.entry(1, |&(k, _)| k == 1, hasher).insert((1, 3));
    assert_eq!(table.find(1, |&(k, _)| k == 1), Some(&(1, 3)));
    table
        .entry(2, |&(k, _)| k == 2, hasher)
        .and_modify(|_| unreachable!())
        .or_insert_with(|| (2, 20));
    assert_eq!(table.len(), 2);
    let e = table.entry(3, |&(k, _)| k == 3, hasher).or_default();
    assert_eq!(e.get(), &(0, 0));
    assert!(table.find_entry(99, |_| false).is_err());
    let t = table.find_entry(99, |_| false).unwrap_err().into_table();
    assert_eq!(t.len(), 3);
    let mut v: Vec<_> = table
        .iter_mut()
        .map(|e| {
            e.1 += 1;
            *e
        })
        .collect();
    v.sort_unstable();
    assert_eq!(v, [(0, 1), (1, 4), (2, 21)]);
    assert!(format!("{table:?}").starts_with('{'));
}

#[test]
fn get_disjoint_mut_finds_distinct_elements_and_panics_on_a_repeat() {
    let mut table: HashTable<(u32, char)> = HashTable::new();
    for (k, c) in [(1, 'a'), (2, 'b')] {
        table.insert_unique(u64::from(k), (k, c), |&(k, _)| u64::from(k));
    }
    let keys = [1, 2, 3];
    let [a, b, c] = table.get_disjoint_mut([1, 2, 3], |i, &(k, _)| k == keys[i]);
    std::mem::swap(&mut a.unwrap().1, &mut b.unwrap().1);
    assert!(c.is_none());
    assert_eq!(table.find(1, |&(k, _)| k == 1), Some(&(1, 'b')));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = table.get_disjoint_mut([1, 1], |_, &(k, _)| k == 1);
    }));
    assert!(r.is_err());
}

#[test]
fn every_element_is_dropped_once_by_clear_drain_extract_if_and_drop() {
    struct Counted(u64, Rc<Cell<usize>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.1.set(self.1.get() + 1);
        }
    }
    let drops = Rc::new(Cell::new(0));
    let hasher = |c: &Counted| good(c.0);
    let mut table: HashTable<Counted> = HashTable::new();
    for k in 0..3000 {
        table.insert_unique(good(k), Counted(k, drops.clone()), hasher);
    }
    let extracted = table.extract_if(|c| c.0 % 2 == 0).count();
    assert_eq!(extracted, 1500);
    assert_eq!(drops.get(), 1500);
    let drained = table.drain().take(10).count();
    assert_eq!(drained, 10);
    assert_eq!(drops.get(), 3000, "the drain dropped what it did not yield");
    assert!(table.is_empty());
    for k in 0..100 {
        table.insert_unique(good(k), Counted(k, drops.clone()), hasher);
    }
    table.clear();
    assert_eq!(drops.get(), 3100);
    for k in 0..100 {
        table.insert_unique(good(k), Counted(k, drops.clone()), hasher);
    }
    drop(table);
    assert_eq!(drops.get(), 3200);
}

#[test]
fn hash_table_is_covariant_send_and_sync_like_hashbrown_s() {
    fn covariant<'new>(t: HashTable<&'static str>) -> HashTable<&'new str> {
        t
    }
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<HashTable<String>>();
    is_send_sync::<gomap::hash_table::Iter<'static, String>>();
    is_send_sync::<gomap::hash_table::IterMut<'static, String>>();
    is_send_sync::<gomap::hash_table::OccupiedEntry<'static, String>>();
    let mut t = HashTable::new();
    t.insert_unique(1, "a", |_| 1);
    assert_eq!(covariant(t).len(), 1);
}
