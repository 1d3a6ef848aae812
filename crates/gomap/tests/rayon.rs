//! Parallel iteration: the same entries as sequential iteration, exact drop counts, real splits.
#![cfg(feature = "rayon")]

use std::hash::{Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gomap::{HashMap, HashSet};
use rayon::prelude::*;

const SIZES: [u64; 4] = [0, 1, 1000, 200_000];

fn pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
}

fn map_of(n: u64) -> HashMap<u64, u64> {
    (0..n)
        .map(|i| (i, i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
        .collect()
}

/// A map of at least `min_len` entries in the middle of a grow: fill it to `min_len`, then
/// until the bucket array is replaced (`capacity` changes), which starts a grow.
fn growing_map(min_len: u64) -> HashMap<u64, u64> {
    let mut map = HashMap::new();
    let mut i = 0u64;
    let mut insert = |map: &mut HashMap<u64, u64>| {
        map.insert(i, i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        i += 1;
    };
    while (map.len() as u64) < min_len {
        insert(&mut map);
    }
    let cap = map.capacity();
    while map.capacity() == cap {
        insert(&mut map);
    }
    assert!(map.stats().growing);
    map
}

/// A map that held `n` entries, kept one in 16, and is in the middle of shrinking: its old
/// (larger) array has more chains than the new one.
fn shrinking_map(n: u64) -> HashMap<u64, u64> {
    let mut map = map_of(n);
    map.retain(|k, _| k % 16 == 0);
    let buckets = map.stats().buckets;
    map.shrink_to_fit();
    let stats = map.stats();
    assert!(stats.growing && stats.buckets < buckets, "{stats:?}");
    assert!(stats.old_buckets > stats.buckets);
    map
}

/// Every map the equality tests run on: each size, two maps in the middle of a grow and two in
/// the middle of a shrink.
fn maps() -> Vec<HashMap<u64, u64>> {
    let mut maps: Vec<_> = SIZES.iter().map(|&n| map_of(n)).collect();
    maps.push(growing_map(1000));
    maps.push(growing_map(200_000));
    maps.push(shrinking_map(1000));
    maps.push(shrinking_map(200_000));
    maps
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[test]
fn par_iter_matches_iter() {
    pool().install(|| {
        for map in maps() {
            let growing = map.stats().growing;
            let seq = sorted(map.iter().map(|(k, v)| (*k, *v)).collect());
            let par = sorted(map.par_iter().map(|(k, v)| (*k, *v)).collect());
            assert_eq!(seq.len(), map.len());
            assert_eq!(seq, par, "len {} growing {growing}", map.len());
            let par = sorted((&map).into_par_iter().map(|(k, _)| *k).collect());
            assert_eq!(sorted(map.keys().copied().collect()), par);
            let keys = sorted(map.par_keys().copied().collect());
            assert_eq!(sorted(map.keys().copied().collect()), keys);
            let values = sorted(map.par_values().copied().collect());
            assert_eq!(sorted(map.values().copied().collect()), values);
            assert_eq!(map.par_iter().count(), map.len());
            // Iterating did not change the map.
            assert_eq!(map.stats().growing, growing);
        }
    });
}

#[test]
fn par_iter_really_splits() {
    pool().install(|| {
        for map in [map_of(1000), map_of(200_000), growing_map(200_000)] {
            let pieces: Vec<usize> = map.par_iter().fold(|| 0usize, |n, _| n + 1).collect();
            assert!(pieces.len() > 1, "{} pieces", pieces.len());
            assert_eq!(pieces.iter().sum::<usize>(), map.len());
        }
    });
}

#[test]
fn par_iter_mut_and_values_mut() {
    pool().install(|| {
        for mut map in maps() {
            let expect: Vec<(u64, u64)> =
                sorted(map.iter().map(|(k, v)| (*k, v.wrapping_add(*k))).collect());
            map.par_iter_mut()
                .for_each(|(k, v)| *v = v.wrapping_add(*k));
            assert_eq!(sorted(map.iter().map(|(k, v)| (*k, *v)).collect()), expect);
            (&mut map)
                .into_par_iter()
                .for_each(|(_, v)| *v = v.wrapping_add(1));
            map.par_values_mut().for_each(|v| *v = v.wrapping_sub(1));
            assert_eq!(sorted(map.iter().map(|(k, v)| (*k, *v)).collect()), expect);
        }
    });
}

#[test]
fn into_par_iter_matches_into_iter() {
    pool().install(|| {
        for map in maps() {
            let seq = sorted(map.iter().map(|(k, v)| (*k, *v)).collect());
            let par = sorted(map.into_par_iter().collect());
            assert_eq!(seq, par);
        }
    });
}

#[test]
fn par_drain_matches_and_keeps_capacity() {
    pool().install(|| {
        for mut map in maps() {
            let seq = sorted(map.iter().map(|(k, v)| (*k, *v)).collect());
            let cap = map.capacity();
            let par = sorted(map.par_drain().collect());
            assert_eq!(seq, par);
            assert!(map.is_empty());
            assert_eq!(map.capacity(), cap);
            assert!(!map.stats().growing);
            assert_eq!(map.iter().count(), 0);
            // The map still works.
            map.extend((0..100).map(|i| (i, i)));
            assert_eq!(map.len(), 100);
            assert_eq!(map[&42], 42);
        }
    });
}

#[test]
fn collect_and_extend() {
    pool().install(|| {
        for n in SIZES {
            let map: HashMap<u64, u64> = (0..n).into_par_iter().map(|i| (i, i * 2)).collect();
            assert_eq!(map.len() as u64, n);
            assert!((0..n).all(|i| map[&i] == i * 2));
            let set: HashSet<u64> = (0..n).into_par_iter().collect();
            assert_eq!(set.len() as u64, n);
        }
        // Duplicate keys: the last one wins, as sequentially.
        let mut map: HashMap<u64, u64> = HashMap::new();
        map.par_extend((0..1000u64).into_par_iter().map(|i| (i % 10, i)));
        assert_eq!(map.len(), 10);
        assert!((0..10).all(|k| map[&k] == 990 + k));
        // Extending a non-empty map, by reference.
        let other = map_of(1000);
        map.par_extend(other.par_iter());
        assert_eq!(map.len(), 1000);
        assert_eq!(map[&3], other[&3]);
        let mut set: HashSet<u64> = HashSet::from([1_000_000]);
        let v: Vec<u64> = (0..500).collect();
        set.par_extend(v.par_iter());
        set.par_extend(v.into_par_iter());
        assert_eq!(set.len(), 501);
    });
}

#[test]
fn set_par_iterators() {
    pool().install(|| {
        for map in maps() {
            let set: HashSet<u64> = map.keys().copied().collect();
            let seq = sorted(set.iter().copied().collect());
            assert_eq!(sorted(set.par_iter().copied().collect()), seq);
            assert_eq!(sorted((&set).into_par_iter().copied().collect()), seq);
            let mut drained = set.clone();
            let cap = drained.capacity();
            assert_eq!(sorted(drained.par_drain().collect()), seq);
            assert!(drained.is_empty());
            assert_eq!(drained.capacity(), cap);
            assert_eq!(sorted(set.into_par_iter().collect()), seq);
        }
        let (set, _) = growing_set(1000);
        assert!(set.stats().growing);
        let seq = sorted(set.iter().copied().collect());
        assert_eq!(sorted(set.par_iter().copied().collect()), seq);
        assert_eq!(sorted(set.into_par_iter().collect()), seq);
    });
}

fn growing_set(min_len: u64) -> (HashSet<u64>, u64) {
    let mut set = HashSet::new();
    let mut i = 0u64;
    while (set.len() as u64) < min_len {
        set.insert(i);
        i += 1;
    }
    let cap = set.capacity();
    while set.capacity() == cap {
        set.insert(i);
        i += 1;
    }
    (set, i)
}

/// Counts its drops in a shared counter; big enough (over 128 bytes) when `BIG` to be stored
/// out of line.
struct Counted<const PAD: usize> {
    key: u64,
    drops: Arc<AtomicUsize>,
    _pad: [u8; PAD],
}

impl<const PAD: usize> Counted<PAD> {
    fn new(key: u64, drops: &Arc<AtomicUsize>) -> Self {
        Counted {
            key,
            drops: drops.clone(),
            _pad: [0; PAD],
        }
    }
}

impl<const PAD: usize> Drop for Counted<PAD> {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

impl<const PAD: usize> PartialEq for Counted<PAD> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<const PAD: usize> Eq for Counted<PAD> {}
impl<const PAD: usize> Hash for Counted<PAD> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

/// A map of `Counted` keys and values with `n` entries, growing if asked; returns the counter.
fn counted_map<const PAD: usize>(
    n: u64,
    growing: bool,
) -> (HashMap<u64, Counted<PAD>>, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut map = HashMap::new();
    let mut i = 0u64;
    while (map.len() as u64) < n {
        map.insert(i, Counted::new(i, &drops));
        i += 1;
    }
    let cap = map.capacity();
    while growing && map.capacity() == cap {
        map.insert(i, Counted::new(i, &drops));
        i += 1;
    }
    assert!(!growing || map.stats().growing);
    (map, drops)
}

/// Like `counted_map`, but shrinking: it held `16 * n` entries, kept one in 16 (dropped the rest,
/// which the counter does not count) and is in the middle of shrinking.
fn shrinking_counted_map<const PAD: usize>(
    n: u64,
) -> (HashMap<u64, Counted<PAD>>, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut map: HashMap<u64, Counted<PAD>> =
        (0..16 * n).map(|i| (i, Counted::new(i, &drops))).collect();
    map.retain(|k, _| k % 16 == 0);
    map.shrink_to_fit();
    assert!(map.stats().growing);
    assert!(map.stats().old_buckets > map.stats().buckets);
    drops.store(0, Ordering::Relaxed);
    (map, drops)
}

fn each_counted_map<const PAD: usize>(
    mut test: impl FnMut(HashMap<u64, Counted<PAD>>, &Arc<AtomicUsize>),
) {
    for n in SIZES {
        let (map, drops) = counted_map::<PAD>(n, false);
        test(map, &drops);
    }
    let (map, drops) = counted_map::<PAD>(1000, true);
    assert!(map.stats().growing);
    test(map, &drops);
    let (map, drops) = shrinking_counted_map::<PAD>(1000);
    test(map, &drops);
}

fn drop_counts_into_par_iter<const PAD: usize>() {
    pool().install(|| {
        // Consumed fully.
        each_counted_map::<PAD>(|map, drops| {
            let n = map.len();
            let v: Vec<(u64, Counted<PAD>)> = map.into_par_iter().collect();
            assert_eq!(v.len(), n);
            assert_eq!(drops.load(Ordering::Relaxed), 0);
            drop(v);
            assert_eq!(drops.load(Ordering::Relaxed), n);
        });
        // Stopped early: the rest is dropped, once.
        each_counted_map::<PAD>(|map, drops| {
            let n = map.len();
            let found = map.into_par_iter().find_any(|(k, _)| *k == 0);
            assert_eq!(found.is_some(), n > 0);
            assert_eq!(drops.load(Ordering::Relaxed), n - found.is_some() as usize);
            drop(found);
            assert_eq!(drops.load(Ordering::Relaxed), n);
        });
        // Never run.
        each_counted_map::<PAD>(|map, drops| {
            let n = map.len();
            drop(map.into_par_iter());
            assert_eq!(drops.load(Ordering::Relaxed), n);
        });
    });
}

fn drop_counts_par_drain<const PAD: usize>() {
    pool().install(|| {
        each_counted_map::<PAD>(|mut map, drops| {
            let n = map.len();
            let seen = AtomicUsize::new(0);
            map.par_drain().for_each(|(k, v)| {
                assert_eq!(k, v.key);
                seen.fetch_add(1, Ordering::Relaxed);
            });
            assert_eq!(seen.into_inner(), n);
            assert_eq!(drops.load(Ordering::Relaxed), n);
            assert!(map.is_empty());
            drop(map);
            assert_eq!(drops.load(Ordering::Relaxed), n);
        });
        each_counted_map::<PAD>(|mut map, drops| {
            let n = map.len();
            let found = map.par_drain().find_any(|(k, _)| *k == 0);
            assert!(map.is_empty());
            drop(found);
            assert_eq!(drops.load(Ordering::Relaxed), n);
            map.insert(1, Counted::new(1, drops));
            drop(map);
            assert_eq!(drops.load(Ordering::Relaxed), n + 1);
        });
        // Never run: the map is still emptied.
        each_counted_map::<PAD>(|mut map, drops| {
            let n = map.len();
            drop(map.par_drain());
            assert!(map.is_empty());
            assert_eq!(drops.load(Ordering::Relaxed), n);
        });
    });
}

#[test]
fn into_par_iter_drop_counts_are_exact() {
    drop_counts_into_par_iter::<0>();
}

#[test]
fn into_par_iter_drop_counts_are_exact_out_of_line() {
    drop_counts_into_par_iter::<200>();
}

#[test]
fn par_drain_drop_counts_are_exact() {
    drop_counts_par_drain::<0>();
}

#[test]
fn par_drain_drop_counts_are_exact_out_of_line() {
    drop_counts_par_drain::<200>();
}

#[test]
fn a_panicking_consumer_drops_everything_once() {
    pool().install(|| {
        for growing in [false, true] {
            let (map, drops) = counted_map::<0>(20_000, growing);
            let n = map.len();
            let r = panic::catch_unwind(AssertUnwindSafe(|| {
                map.into_par_iter().for_each(|(k, _)| {
                    if k % 1000 == 999 {
                        panic!("consumer panics");
                    }
                })
            }));
            assert!(r.is_err());
            assert_eq!(drops.load(Ordering::Relaxed), n);

            let (mut map, drops) = counted_map::<0>(20_000, growing);
            let n = map.len();
            let r = panic::catch_unwind(AssertUnwindSafe(|| {
                map.par_drain().for_each(|(k, _)| {
                    if k == 5 {
                        panic!("consumer panics");
                    }
                })
            }));
            assert!(r.is_err());
            assert_eq!(drops.load(Ordering::Relaxed), n);
            assert!(map.is_empty());
            map.insert(1, Counted::new(1, &drops));
            assert_eq!(map.len(), 1);
        }
    });
}

#[test]
fn set_drop_counts_are_exact() {
    pool().install(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let set: HashSet<Counted<0>> = (0..10_000).map(|i| Counted::new(i, &drops)).collect();
        let found = set.into_par_iter().find_any(|c| c.key == 3);
        assert_eq!(drops.load(Ordering::Relaxed), 9_999);
        drop(found);
        assert_eq!(drops.load(Ordering::Relaxed), 10_000);

        let drops = Arc::new(AtomicUsize::new(0));
        let mut set: HashSet<Counted<0>> = (0..10_000).map(|i| Counted::new(i, &drops)).collect();
        assert_eq!(set.par_drain().filter(|c| c.key % 2 == 0).count(), 5_000);
        assert_eq!(drops.load(Ordering::Relaxed), 10_000);
        assert!(set.is_empty());
    });
}

#[test]
fn iterators_are_send_and_debug() {
    fn send<T: Send>(_: &T) {}
    let mut map = map_of(3);
    let mut set: HashSet<u64> = (0..3).collect();
    send(&map.par_iter());
    send(&map.par_keys());
    send(&map.par_values());
    assert!(format!("{:?}", map.par_iter()).starts_with('['));
    assert_eq!(format!("{:?}", map_of(1).par_keys()), "[0]");
    assert_eq!(format!("{:?}", map_of(1).par_values()), "[0]");
    assert_eq!(
        format!("{:?}", set.par_iter().clone()).len(),
        "[0, 1, 2]".len()
    );
    assert!(format!("{:?}", map.par_iter_mut()).contains("ParIterMut"));
    assert!(format!("{:?}", map.par_values_mut()).contains("ParValuesMut"));
    send(&map.par_iter_mut());
    send(&map.par_drain());
    send(&set.par_drain());
    send(&set.clone().into_par_iter());
    assert!(format!("{:?}", map.clone().into_par_iter()).contains("IntoParIter"));
    assert!(format!("{:?}", set.par_drain()).contains("ParDrain"));
}

#[test]
fn par_set_operations_match_sequential() {
    pool().install(|| {
        let (growing, _) = growing_set(1000);
        let sets: Vec<HashSet<u64>> = vec![
            HashSet::new(),
            HashSet::from([3]),
            (0..1000).collect(),
            (500..5000).step_by(3).collect(),
            growing,
        ];
        for a in &sets {
            for b in &sets {
                let seq = |it: &mut dyn Iterator<Item = &u64>| sorted(it.copied().collect());
                assert_eq!(
                    sorted(a.par_difference(b).copied().collect()),
                    seq(&mut a.difference(b))
                );
                assert_eq!(
                    sorted(a.par_symmetric_difference(b).copied().collect()),
                    seq(&mut a.symmetric_difference(b))
                );
                assert_eq!(
                    sorted(a.par_intersection(b).copied().collect()),
                    seq(&mut a.intersection(b))
                );
                assert_eq!(
                    sorted(a.par_union(b).copied().collect()),
                    seq(&mut a.union(b))
                );
                assert_eq!(a.par_is_disjoint(b), a.is_disjoint(b));
                assert_eq!(a.par_is_subset(b), a.is_subset(b));
                assert_eq!(a.par_is_superset(b), a.is_superset(b));
                assert_eq!(a.par_eq(b), a == b);
            }
        }
        let a = HashSet::from([1u64]);
        assert!(format!("{:?}", a.par_union(&a).clone()).contains("ParUnion"));
    });
}

#[test]
fn map_par_eq() {
    pool().install(|| {
        for map in maps() {
            let copy: HashMap<u64, u64> = map.iter().map(|(k, v)| (*k, *v)).collect();
            assert!(map.par_eq(&copy));
            let mut other = copy.clone();
            if let Some((&k, _)) = map.iter().next() {
                other.insert(k, 12345);
                assert!(!map.par_eq(&other));
                other.remove(&k);
                assert!(!map.par_eq(&other));
            }
        }
    });
}
