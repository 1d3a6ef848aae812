//! HashSet: std's semantics, checked against `std::collections::HashSet`.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::collections::HashSet as StdSet;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use gomap::hash_set;
use gomap::HashSet;
use proptest::prelude::*;

fn sorted<'a, T: Ord + Clone + 'a>(it: impl IntoIterator<Item = &'a T>) -> Vec<T> {
    let mut v: Vec<T> = it.into_iter().cloned().collect();
    v.sort();
    v
}

fn std_sorted<T: Ord + Clone>(s: &StdSet<T>) -> Vec<T> {
    sorted(s.iter())
}

/// A set in the middle of a grow, and the values it holds.
fn growing_set() -> (HashSet<u64>, Vec<u64>) {
    let mut set = HashSet::new();
    let mut values = Vec::new();
    let mut i = 0u64;
    loop {
        set.insert(i);
        values.push(i);
        i += 1;
        if set.len() > 200 && set.stats().growing {
            break;
        }
    }
    (set, values)
}

#[test]
fn new_and_capacity() {
    let set: HashSet<u32> = HashSet::new();
    assert_eq!(set.capacity(), 0);
    assert!(set.is_empty());
    assert_eq!(set.len(), 0);
    let set: HashSet<u32> = HashSet::with_capacity(100);
    assert!(set.capacity() >= 100);
    let set: HashSet<u32> = HashSet::with_capacity(0);
    assert_eq!(set.capacity(), 0);
    let set: HashSet<u32, RandomState> = HashSet::with_capacity_and_hasher(10, RandomState::new());
    assert!(set.capacity() >= 10);
    let _ = set.hasher();
}

#[test]
fn with_hasher_is_const() {
    struct Fixed;
    impl std::hash::BuildHasher for Fixed {
        type Hasher = std::collections::hash_map::DefaultHasher;
        fn build_hasher(&self) -> Self::Hasher {
            Default::default()
        }
    }
    const EMPTY: HashSet<u32, Fixed> = HashSet::with_hasher(Fixed);
    let mut set = EMPTY;
    set.insert(3);
    assert!(set.contains(&3));
}

#[test]
fn insert_contains_remove_take() {
    let mut set = HashSet::new();
    assert!(set.insert(1));
    assert!(set.insert(2));
    assert!(!set.insert(2));
    assert_eq!(set.len(), 2);
    assert!(set.contains(&1));
    assert!(!set.contains(&3));
    assert_eq!(set.get(&2), Some(&2));
    assert_eq!(set.get(&3), None);
    assert!(set.remove(&1));
    assert!(!set.remove(&1));
    assert_eq!(set.take(&2), Some(2));
    assert_eq!(set.take(&2), None);
    assert!(set.is_empty());
}

#[test]
fn borrowed_lookups() {
    let mut set: HashSet<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    assert!(set.contains("a"));
    assert_eq!(set.get("b").map(String::as_str), Some("b"));
    assert!(set.remove("c"));
    assert_eq!(set.take("a").as_deref(), Some("a"));
    assert_eq!(set.len(), 1);
}

/// Equal by `key` only, so tests can tell which of two equal values the set holds.
#[derive(Debug, Clone)]
struct Tagged {
    key: u32,
    tag: &'static str,
}

impl PartialEq for Tagged {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Tagged {}
impl Hash for Tagged {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

fn t(key: u32, tag: &'static str) -> Tagged {
    Tagged { key, tag }
}

#[test]
fn insert_keeps_the_old_value_replace_swaps_it() {
    let mut set = HashSet::new();
    assert!(set.insert(t(1, "first")));
    assert!(!set.insert(t(1, "second")));
    assert_eq!(set.get(&t(1, "")).unwrap().tag, "first");
    let old = set.replace(t(1, "third")).unwrap();
    assert_eq!(old.tag, "first");
    assert_eq!(set.get(&t(1, "")).unwrap().tag, "third");
    assert!(set.replace(t(2, "new")).is_none());
    assert_eq!(set.len(), 2);
    assert_eq!(set.get(&t(2, "")).unwrap().tag, "new");
}

#[test]
fn replace_on_a_growing_set() {
    let (mut set, values) = growing_set();
    assert!(set.stats().growing);
    for &v in &values {
        assert_eq!(set.replace(v), Some(v));
    }
    assert_eq!(set.len(), values.len());
    assert_eq!(sorted(set.iter()), values);
}

#[test]
fn get_or_insert() {
    let mut set = HashSet::from([1, 2, 3]);
    assert_eq!(*set.get_or_insert(2), 2);
    assert_eq!(set.len(), 3);
    assert_eq!(*set.get_or_insert(100), 100);
    assert_eq!(set.len(), 4);
    assert!(set.contains(&100));

    let mut set = HashSet::new();
    set.insert(t(1, "first"));
    assert_eq!(set.get_or_insert(t(1, "second")).tag, "first");
    assert_eq!(set.get_or_insert(t(2, "second")).tag, "second");
}

#[test]
fn get_or_insert_with() {
    let mut set: HashSet<String> = HashSet::new();
    let calls = Cell::new(0);
    for pet in ["cat", "dog", "cat", "fish", "dog"] {
        let v = set.get_or_insert_with(pet, |p| {
            calls.set(calls.get() + 1);
            p.to_string()
        });
        assert_eq!(v, pet);
    }
    assert_eq!(calls.get(), 3);
    assert_eq!(set.len(), 3);
}

#[test]
#[should_panic(expected = "not equivalent")]
fn get_or_insert_with_checks_the_new_value() {
    let mut set: HashSet<String> = HashSet::new();
    set.get_or_insert_with("a", |_| "b".to_string());
}

#[test]
fn get_or_insert_many_grows_correctly() {
    let mut set = HashSet::new();
    for i in 0..5000u32 {
        assert_eq!(*set.get_or_insert(i), i);
        assert_eq!(*set.get_or_insert(i / 2), i / 2);
    }
    assert_eq!(set.len(), 5000);
    for i in 0..5000u32 {
        assert!(set.contains(&i));
    }
}

#[test]
fn iter_traits() {
    let set: HashSet<u32> = (0..100).collect();
    let it = set.iter();
    assert_eq!(it.len(), 100);
    let mut it2 = it.clone();
    assert_eq!(it2.size_hint(), (100, Some(100)));
    it2.next();
    assert_eq!(it2.len(), 99);
    assert_eq!(it.count(), 100);
    let mut empty: hash_set::Iter<'_, u32> = Default::default();
    assert_eq!(empty.next(), None);
    assert_eq!(empty.next(), None);
    let small = HashSet::from([7]);
    assert_eq!(format!("{:?}", small.iter()), "[7]");
    // Two iterations of an unchanged set agree.
    let a: Vec<_> = set.iter().collect();
    let b: Vec<_> = (&set).into_iter().collect();
    assert_eq!(a, b);
}

#[test]
fn into_iter_and_default() {
    let set: HashSet<String> = (0..50).map(|i| i.to_string()).collect();
    let it = set.into_iter();
    assert_eq!(it.len(), 50);
    let mut v: Vec<String> = it.collect();
    v.sort_by_key(|s| s.parse::<u32>().unwrap());
    assert_eq!(v[49], "49");
    let mut empty: hash_set::IntoIter<String> = Default::default();
    assert_eq!(empty.next(), None);
    assert_eq!(format!("{empty:?}"), "[]");
}

#[test]
fn debug_is_a_set() {
    let set = HashSet::from([1]);
    assert_eq!(format!("{set:?}"), "{1}");
    let empty: HashSet<u8> = HashSet::new();
    assert_eq!(format!("{empty:?}"), "{}");
}

#[test]
fn eq_clone_default() {
    let a: HashSet<u32> = (0..1000).collect();
    let b: HashSet<u32> = (0..1000).rev().collect();
    assert_eq!(a, b);
    let c = a.clone();
    assert_eq!(a, c);
    let mut d = c.clone();
    d.remove(&5);
    assert_ne!(a, d);
    d.insert(1000);
    assert_ne!(a, d);
    let e: HashSet<u32> = HashSet::default();
    assert!(e.is_empty());
}

#[test]
fn extend_and_from() {
    let mut set = HashSet::from([1, 2]);
    set.extend([2, 3, 4]);
    set.extend(&[4, 5]);
    assert_eq!(sorted(set.iter()), [1, 2, 3, 4, 5]);
    let s2: HashSet<_> = [1, 2, 3, 4, 5].into();
    assert_eq!(set, s2);
    let map = gomap::HashMap::from([(1, ()), (9, ())]);
    let s3 = HashSet::from(map);
    assert_eq!(sorted(s3.iter()), [1, 9]);
}

#[test]
fn drain_keeps_capacity_and_drops_the_rest() {
    let mut set: HashSet<u32> = (0..1000).collect();
    let cap = set.capacity();
    let mut v: Vec<_> = set.drain().collect();
    v.sort();
    assert_eq!(v, (0..1000).collect::<Vec<_>>());
    assert!(set.is_empty());
    assert_eq!(set.capacity(), cap);
    set.extend(0..10);
    assert_eq!(set.len(), 10);

    let drops = Rc::new(Cell::new(0));
    let mut set: HashSet<Counted> = (0..100).map(|i| Counted::new(i, &drops)).collect();
    {
        let mut d = set.drain();
        assert_eq!(d.len(), 100);
        for _ in 0..10 {
            d.next().unwrap();
        }
        assert_eq!(d.len(), 90);
        // Like std's, Debug lists what the drain has not yielded yet.
        assert_eq!(format!("{d:?}").matches("Counted").count(), 90);
    }
    assert_eq!(drops.get(), 100);
    assert!(set.is_empty());
}

#[test]
fn extract_if_and_retain() {
    let mut set: HashSet<u32> = (0..100).collect();
    let evens: Vec<_> = sorted(&set.extract_if(|v| v % 2 == 0).collect::<Vec<_>>());
    assert_eq!(evens, (0..100).step_by(2).collect::<Vec<_>>());
    assert_eq!(set.len(), 50);
    // Dropping it early keeps what it did not reach.
    let mut it = set.extract_if(|_| true);
    assert_eq!(it.size_hint().0, 0);
    it.next().unwrap();
    drop(it);
    assert_eq!(set.len(), 49);
    set.retain(|v| v % 3 == 0);
    assert!(set.iter().all(|v| v % 3 == 0 && v % 2 == 1));
    assert!(format!("{:?}", set.extract_if(|_| false)).contains("ExtractIf"));
}

#[test]
fn extract_if_and_retain_on_a_growing_set() {
    let (mut set, values) = growing_set();
    let mut odd: Vec<_> = set.extract_if(|v| v % 2 == 1).collect();
    odd.sort();
    let expect: Vec<u64> = values.iter().copied().filter(|v| v % 2 == 1).collect();
    assert_eq!(odd, expect);
    set.retain(|v| v % 4 == 0);
    let expect: Vec<u64> = values.iter().copied().filter(|v| v % 4 == 0).collect();
    assert_eq!(sorted(set.iter()), expect);
}

#[test]
fn clear_keeps_capacity() {
    let mut set: HashSet<u32> = (0..1000).collect();
    let cap = set.capacity();
    set.clear();
    assert!(set.is_empty());
    assert_eq!(set.capacity(), cap);
    assert!(!set.contains(&1));
}

#[test]
fn reserve_and_try_reserve() {
    let mut set: HashSet<u32> = HashSet::new();
    set.reserve(1000);
    let cap = set.capacity();
    assert!(cap >= 1000);
    set.extend(0..1000);
    assert_eq!(set.capacity(), cap);
    assert!(set.try_reserve(10).is_ok());
    assert!(set.try_reserve(usize::MAX).is_err());
    assert_eq!(set.len(), 1000);
}

#[test]
fn shrink() {
    let mut set: HashSet<u32> = (0..1000).collect();
    set.retain(|&v| v < 10);
    set.shrink_to(500);
    assert!(set.capacity() >= 500);
    // A second shrink during the first takes effect by the time the resizing is finished.
    set.shrink_to_fit();
    set.finish_growth();
    assert!(set.capacity() < 100);
    assert_eq!(sorted(set.iter()), (0..10).collect::<Vec<_>>());

    let mut set: HashSet<u32> = (0..1000).collect();
    set.retain(|&v| v < 10);
    set.shrink_to_fit();
    assert!(set.capacity() < 100);
    assert_eq!(sorted(set.iter()), (0..10).collect::<Vec<_>>());
    set.finish_growth();
    assert!(!set.stats().growing);
    assert_eq!(sorted(set.iter()), (0..10).collect::<Vec<_>>());
}

#[test]
fn shrink_to_then_shrink_to_fit() {
    let mut set: HashSet<u32> = (0..1000).collect();
    set.retain(|&v| v < 10);
    set.shrink_to(500);
    assert!(set.capacity() >= 500);
    set.shrink_to_fit();
    assert!(set.capacity() < 100);
    assert_eq!(sorted(set.iter()), (0..10).collect::<Vec<_>>());
}

#[test]
fn stats_snapshot_finish_growth() {
    let (mut set, values) = growing_set();
    let stats = set.stats();
    assert!(stats.growing);
    assert_eq!(stats.len, values.len());
    let snap = set.snapshot();
    assert!(snap.old.is_some());
    for v in &values {
        assert!(set.contains(v));
    }
    set.finish_growth();
    assert!(!set.stats().growing);
    assert!(set.snapshot().old.is_none());
    assert_eq!(sorted(set.iter()), values);
}

#[test]
fn set_operations() {
    let a = HashSet::from([1, 2, 3]);
    let b = HashSet::from([4, 2, 3, 4]);
    assert_eq!(sorted(a.difference(&b)), [1]);
    assert_eq!(sorted(b.difference(&a)), [4]);
    assert_eq!(sorted(a.symmetric_difference(&b)), [1, 4]);
    assert_eq!(sorted(a.intersection(&b)), [2, 3]);
    assert_eq!(sorted(a.union(&b)), [1, 2, 3, 4]);
    assert_eq!(&a | &b, HashSet::from([1, 2, 3, 4]));
    assert_eq!(&a & &b, HashSet::from([2, 3]));
    assert_eq!(&a ^ &b, HashSet::from([1, 4]));
    assert_eq!(&a - &b, HashSet::from([1]));
    assert_eq!(format!("{:?}", a.difference(&b)), "[1]");
    assert_eq!(format!("{:?}", a.intersection(&HashSet::from([3]))), "[3]");
    assert_eq!(format!("{:?}", a.symmetric_difference(&a)), "[]");
    assert_eq!(
        format!("{:?}", HashSet::from([5]).union(&HashSet::from([5]))),
        "[5]"
    );
}

#[test]
fn intersection_yields_the_smaller_sets_values() {
    let small = HashSet::from([t(1, "small"), t(2, "small")]);
    let large: HashSet<_> = (0..10).map(|k| t(k, "large")).collect();
    assert!(small.intersection(&large).all(|v| v.tag == "small"));
    assert!(large.intersection(&small).all(|v| v.tag == "small"));
    assert_eq!(large.intersection(&small).count(), 2);
}

#[test]
fn subset_superset_disjoint() {
    let sup = HashSet::from([1, 2, 3]);
    let mut set = HashSet::new();
    assert!(set.is_subset(&sup));
    assert!(sup.is_superset(&set));
    assert!(set.is_disjoint(&sup));
    set.insert(2);
    assert!(set.is_subset(&sup));
    assert!(!set.is_disjoint(&sup));
    set.insert(4);
    assert!(!set.is_subset(&sup));
    assert!(!sup.is_superset(&set));
    assert!(HashSet::from([7, 8]).is_disjoint(&sup));
    assert!(sup.is_disjoint(&HashSet::from([7, 8, 9, 10, 11])));
}

/// Checks that `size_hint` bounds every remaining length along the way.
fn check_size_hints<'a, I: Iterator<Item = &'a u32> + Clone>(mut it: I) {
    loop {
        let (lo, hi) = it.size_hint();
        let n = it.clone().count();
        assert!(lo <= n, "lower bound {lo} > {n}");
        if let Some(hi) = hi {
            assert!(n <= hi, "upper bound {hi} < {n}");
        }
        if it.next().is_none() {
            break;
        }
    }
    // Fused.
    assert!(it.next().is_none());
    assert!(it.next().is_none());
}

fn std_of(s: &HashSet<u32>) -> StdSet<u32> {
    s.iter().copied().collect()
}

proptest! {
    #[test]
    fn set_operations_match_std(
        a in proptest::collection::vec(0u32..64, 0..60),
        b in proptest::collection::vec(0u32..64, 0..60),
    ) {
        let ga: HashSet<u32> = a.iter().copied().collect();
        let gb: HashSet<u32> = b.iter().copied().collect();
        let sa: StdSet<u32> = a.iter().copied().collect();
        let sb: StdSet<u32> = b.iter().copied().collect();
        prop_assert_eq!(std_of(&ga), sa.clone());
        prop_assert_eq!(sorted(ga.difference(&gb)), sorted(sa.difference(&sb)));
        prop_assert_eq!(sorted(ga.symmetric_difference(&gb)), sorted(sa.symmetric_difference(&sb)));
        prop_assert_eq!(sorted(ga.intersection(&gb)), sorted(sa.intersection(&sb)));
        prop_assert_eq!(sorted(ga.union(&gb)), sorted(sa.union(&sb)));
        prop_assert_eq!(ga.is_subset(&gb), sa.is_subset(&sb));
        prop_assert_eq!(ga.is_superset(&gb), sa.is_superset(&sb));
        prop_assert_eq!(ga.is_disjoint(&gb), sa.is_disjoint(&sb));
        prop_assert_eq!(ga == gb, sa == sb);
        prop_assert_eq!(std_sorted(&(&sa | &sb)), sorted((&ga | &gb).iter()));
        prop_assert_eq!(std_sorted(&(&sa & &sb)), sorted((&ga & &gb).iter()));
        prop_assert_eq!(std_sorted(&(&sa ^ &sb)), sorted((&ga ^ &gb).iter()));
        prop_assert_eq!(std_sorted(&(&sa - &sb)), sorted((&ga - &gb).iter()));
        check_size_hints(ga.difference(&gb));
        check_size_hints(ga.symmetric_difference(&gb));
        check_size_hints(ga.intersection(&gb));
        check_size_hints(ga.union(&gb));
        check_size_hints(ga.iter());
    }

    #[test]
    fn operations_match_std(ops in proptest::collection::vec((0u8..8, 0u32..200), 0..400)) {
        let mut g: HashSet<u32> = HashSet::new();
        let mut s: StdSet<u32> = StdSet::new();
        for (op, v) in ops {
            match op {
                0 | 1 => prop_assert_eq!(g.insert(v), s.insert(v)),
                2 => prop_assert_eq!(g.remove(&v), s.remove(&v)),
                3 => prop_assert_eq!(g.take(&v), s.take(&v)),
                4 => prop_assert_eq!(g.replace(v), s.replace(v)),
                5 => prop_assert_eq!(g.contains(&v), s.contains(&v)),
                6 => {
                    g.retain(|x| x % 7 != v % 7);
                    s.retain(|x| x % 7 != v % 7);
                }
                _ => {
                    prop_assert_eq!(*g.get_or_insert(v), v);
                    s.insert(v);
                }
            }
            prop_assert_eq!(g.len(), s.len());
        }
        prop_assert_eq!(std_of(&g), s);
    }
}

/// Counts its drops.
#[derive(Debug)]
struct Counted {
    key: u32,
    drops: Rc<Cell<usize>>,
}

impl Counted {
    fn new(key: u32, drops: &Rc<Cell<usize>>) -> Self {
        Counted {
            key,
            drops: drops.clone(),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Counted {}
impl Hash for Counted {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

#[test]
fn drops_are_exact() {
    let drops = Rc::new(Cell::new(0));
    {
        let mut set: HashSet<Counted> = (0..500).map(|i| Counted::new(i, &drops)).collect();
        assert_eq!(drops.get(), 0);
        // A duplicate insert drops the new value.
        assert!(!set.insert(Counted::new(3, &drops)));
        assert_eq!(drops.get(), 1);
        // Replace hands back the old one.
        drop(set.replace(Counted::new(4, &drops)));
        assert_eq!(drops.get(), 2);
        assert!(set.remove(&Counted::new(5, &drops)));
        assert_eq!(drops.get(), 4);
        let taken = set.take(&Counted::new(6, &drops));
        assert_eq!(drops.get(), 5);
        drop(taken);
        assert_eq!(drops.get(), 6);
        // 498 left; consume 100 by value and drop the rest with the iterator.
        let mut it = set.into_iter();
        for _ in 0..100 {
            drop(it.next());
        }
        assert_eq!(drops.get(), 106);
    }
    assert_eq!(drops.get(), 6 + 498);
}

/// Over 128 bytes, so the set stores it out of line.
#[derive(Clone, Debug)]
struct Big {
    key: u32,
    tag: u32,
    _pad: [u8; 200],
}

fn big(key: u32, tag: u32) -> Big {
    Big {
        key,
        tag,
        _pad: [7; 200],
    }
}

impl PartialEq for Big {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Big {}
impl Hash for Big {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

#[test]
fn out_of_line_values() {
    let mut set = HashSet::new();
    for i in 0..2000 {
        assert!(set.insert(big(i, 0)));
    }
    for i in 0..2000 {
        assert_eq!(set.replace(big(i, 1)).unwrap().tag, 0);
        assert_eq!(set.get_or_insert(big(i, 2)).tag, 1);
    }
    assert_eq!(set.get_or_insert(big(5000, 3)).tag, 3);
    assert_eq!(set.take(&big(5000, 0)).unwrap().tag, 3);
    let removed = set.extract_if(|b| b.key % 2 == 0).count();
    assert_eq!(removed, 1000);
    assert!(set.iter().all(|b| b.key % 2 == 1 && b.tag == 1));
    let clone = set.clone();
    assert_eq!(clone, set);
    assert_eq!(set.drain().count(), 1000);
    assert!(set.is_empty());
    assert_eq!(clone.into_iter().filter(|b| b.tag == 1).count(), 1000);
}

#[test]
fn extract_if_iter_and_drain_on_a_shrinking_set() {
    let mut set: HashSet<u32> = (0..20_000).collect();
    set.retain(|v| v % 16 == 0);
    set.shrink_to_fit();
    assert!(set.stats().growing);
    let expect: Vec<u32> = (0..20_000).step_by(16).collect();
    assert_eq!(sorted(set.iter()), expect);
    assert_eq!(set.iter().len(), expect.len());
    let mut odd: Vec<u32> = set.extract_if(|v| v % 32 == 16).collect();
    odd.sort();
    assert_eq!(odd, (16..20_000).step_by(32).collect::<Vec<_>>());
    let mut rest: Vec<u32> = set.drain().collect();
    rest.sort();
    assert_eq!(rest, (0..20_000).step_by(32).collect::<Vec<_>>());
}
