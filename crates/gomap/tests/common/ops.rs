//! The operations of the differential specification, shared by `tests/differential.rs` and the
//! fuzz target (`fuzz/fuzz_targets/map_ops.rs`): an [`Op`] is one call (or a short sequence of
//! calls) on the public API of `gomap::HashMap`, and [`apply`] replays it on a gomap map and on
//! std's `HashMap`, asserting that both answer the same.
#![allow(
    clippy::incompatible_msrv,
    reason = "the library needs Rust 1.82; its tests need 1.88 anyway (proptest), and compare with std APIs newer than 1.82"
)]

use std::collections::HashMap as StdHashMap;
use std::collections::HashSet as StdHashSet;
use std::hash::BuildHasher;

use gomap::allocator::{Allocator, Global};

use super::Step;

pub(crate) type Map<S, A = Global> = gomap::HashMap<u32, u32, S, A>;
pub(crate) type Model = StdHashMap<u32, u32>;

/// What to do with an entry found by `entry()`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EntryAction {
    /// Occupied: `OccupiedEntry::insert`; vacant: `VacantEntry::insert`.
    Insert,
    /// Occupied: `OccupiedEntry::remove`; vacant: `VacantEntry::insert_entry`.
    Remove,
    /// Occupied: `OccupiedEntry::remove_entry`; vacant: dropped (`into_key`), nothing inserted.
    RemoveEntry,
}

/// One operation on a map.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Insert(u32, u32),
    Remove(u32),
    RemoveEntry(u32),
    Get(u32),
    GetMut(u32, u32),
    OrInsert(u32, u32),
    OrInsertWith(u32, u32),
    OrInsertWithKey(u32),
    AndModify(u32, u32),
    OrDefault(u32),
    InsertEntry(u32, u32),
    Entry(u32, u32, EntryAction),
    Extend(Vec<(u32, u32)>),
    ExtendRef(Vec<(u32, u32)>),
    /// Keep entries with `(k ^ v) % m != 0`, bumping the kept values.
    Retain(u32),
    DrainAll,
    /// Take this many entries from a drain, then drop it.
    DrainSome(usize),
    /// Extract entries with `(k + v) % m == 0`, scrambling the others' values.
    ExtractAll(u32),
    /// Extract at most `n` entries with `(k + v) % m == 0`, then drop the iterator.
    ExtractSome(u32, usize),
    Clear,
    Reserve(usize),
    TryReserve(usize),
    ShrinkTo(usize),
    ShrinkToFit,
    FinishGrowth,
    /// Replace the map by its clone (a clone must be a complete map: same entries, and it keeps
    /// working, mid-grow too).
    Clone,
    /// `clone_from` into a map that held other entries, then continue with it.
    CloneFrom,
    /// `mem::take` the map and continue with the taken one.
    Take,
    /// `get_disjoint_mut` of three keys, each value found bumped by its position (skipped when
    /// a present key repeats: that panics, which `tests/api.rs` checks).
    GetDisjointMut([u32; 3]),
    /// Compare `iter`, `keys`, `values` (and `len()` of a half-consumed `iter`) with std's.
    Iterate,
    /// Rewrite every value through `iter_mut` (even argument) or `values_mut` (odd).
    IterMut(u32),
    /// Take this many entries from `into_iter` of a clone, then drop the iterator.
    IntoIterSome(usize),
    /// `get_many` and `contains_many` of these keys, the first consumed to this many answers
    /// then dropped with lookups pending, the second to the end.
    GetMany(Vec<u32>, usize),
}

pub(crate) fn retain_keeps(k: u32, v: u32, m: u32) -> bool {
    (k ^ v) % m != 0
}

pub(crate) fn extract_takes(k: u32, v: u32, m: u32) -> bool {
    k.wrapping_add(v) % m == 0
}

/// `clear` and `drain` keep the bucket array, so `capacity()` afterwards is what the array
/// holds: the capacity before, or less when the map was past its load limit (a grow that did not
/// double leaves that state, and `capacity()` then reports `len()`). With a shrink queued, the
/// capacity is that of the queued target, which is what `capacity()` reported before (or
/// `len()`, if more); it never goes up.
#[track_caller]
fn assert_capacity_kept<S, A: Allocator>(g: &Map<S, A>, before: usize, what: &str) {
    let s = g.stats();
    // The array the map is heading for: the current one, or a queued shrink's target.
    let heading = s
        .queued_shrink
        .map_or(s.log2_buckets, |t| t.min(s.log2_buckets));
    let limit = if s.buckets == 0 {
        0 // holds no memory
    } else if heading == 0 {
        8
    } else {
        13 << (heading - 1)
    };
    let after = g.capacity();
    assert_eq!(
        after, limit,
        "{what} keeps the bucket array (or the queued shrink): {s:?}"
    );
    assert!(
        after <= before.max(limit),
        "{what} never raises capacity: before {before}, after {after}, {s:?}"
    );
}

/// Applies `op` to both maps, asserting that they answer the same.
#[track_caller]
pub(crate) fn apply<S: BuildHasher + Clone, A: Allocator + Clone>(
    op: &Op,
    g: &mut Map<S, A>,
    m: &mut Model,
) -> Step {
    let present = |m: &Model, k: u32| m.contains_key(&k);
    let mut eff = Step::default();
    match *op {
        Op::Insert(k, v) => {
            eff.write = !present(m, k);
            eff.added = eff.write;
            assert_eq!(g.insert(k, v), m.insert(k, v), "insert({k}, {v})");
        }
        Op::Remove(k) => {
            eff.write = present(m, k);
            assert_eq!(g.remove(&k), m.remove(&k), "remove({k})");
        }
        Op::RemoveEntry(k) => {
            eff.write = present(m, k);
            assert_eq!(g.remove_entry(&k), m.remove_entry(&k), "remove_entry({k})");
        }
        Op::Get(k) => {
            assert_eq!(g.get(&k), m.get(&k));
            assert_eq!(g.get_key_value(&k), m.get_key_value(&k));
            assert_eq!(g.contains_key(&k), m.contains_key(&k));
        }
        Op::GetMut(k, v) => {
            let a = g.get_mut(&k).map(|x| std::mem::replace(x, v));
            let b = m.get_mut(&k).map(|x| std::mem::replace(x, v));
            assert_eq!(a, b, "get_mut({k})");
        }
        Op::OrInsert(k, v) => {
            eff.write = !present(m, k);
            eff.added = eff.write;
            let a = g.entry(k).or_insert(v);
            *a = a.wrapping_add(1);
            let a = *a;
            let b = m.entry(k).or_insert(v);
            *b = b.wrapping_add(1);
            assert_eq!(a, *b, "entry({k}).or_insert({v})");
        }
        Op::OrInsertWith(k, v) => {
            eff.write = !present(m, k);
            eff.added = eff.write;
            let mut called = false;
            let a = *g.entry(k).or_insert_with(|| {
                called = true;
                v
            });
            assert_eq!(
                called, eff.write,
                "or_insert_with calls its closure iff vacant"
            );
            assert_eq!(a, *m.entry(k).or_insert_with(|| v));
        }
        Op::OrInsertWithKey(k) => {
            eff.write = !present(m, k);
            eff.added = eff.write;
            let a = *g.entry(k).or_insert_with_key(|&k| k.wrapping_mul(7));
            assert_eq!(a, *m.entry(k).or_insert_with_key(|&k| k.wrapping_mul(7)));
        }
        Op::AndModify(k, v) => {
            eff.write = !present(m, k);
            eff.added = eff.write;
            let a = *g.entry(k).and_modify(|x| *x ^= v).or_insert(v);
            let b = *m.entry(k).and_modify(|x| *x ^= v).or_insert(v);
            assert_eq!(a, b, "and_modify");
        }
        Op::OrDefault(k) => {
            eff.write = !present(m, k);
            eff.added = eff.write;
            let a = g.entry(k).or_default();
            *a = a.wrapping_add(3);
            let a = *a;
            let b = m.entry(k).or_default();
            *b = b.wrapping_add(3);
            assert_eq!(a, *b, "or_default");
        }
        Op::InsertEntry(k, v) => {
            eff.write = !present(m, k);
            eff.added = eff.write;
            let a = g.entry(k).insert_entry(v);
            let b = m.entry(k).insert_entry(v);
            assert_eq!((a.key(), a.get()), (b.key(), b.get()), "insert_entry");
        }
        Op::Entry(k, v, action) => {
            use gomap::Entry as G;
            use std::collections::hash_map::Entry as M;
            let was_present = present(m, k);
            match (g.entry(k), m.entry(k)) {
                (G::Occupied(mut a), M::Occupied(mut b)) => {
                    assert_eq!(a.key(), b.key());
                    assert_eq!(a.get(), b.get());
                    *a.get_mut() ^= 1;
                    *b.get_mut() ^= 1;
                    match action {
                        EntryAction::Insert => assert_eq!(a.insert(v), b.insert(v)),
                        EntryAction::Remove => {
                            eff.write = true;
                            assert_eq!(a.remove(), b.remove());
                        }
                        EntryAction::RemoveEntry => {
                            eff.write = true;
                            assert_eq!(a.remove_entry(), b.remove_entry());
                        }
                    }
                }
                (G::Vacant(a), M::Vacant(b)) => {
                    assert_eq!(a.key(), b.key());
                    match action {
                        EntryAction::Insert => {
                            eff.write = true;
                            eff.added = true;
                            assert_eq!(*a.insert(v), *b.insert(v));
                        }
                        EntryAction::Remove => {
                            eff.write = true;
                            eff.added = true;
                            let a = a.insert_entry(v);
                            let b = b.insert_entry(v);
                            assert_eq!((a.key(), a.get()), (b.key(), b.get()));
                        }
                        EntryAction::RemoveEntry => assert_eq!(a.into_key(), b.into_key()),
                    }
                }
                (a, b) => panic!("entry({k}) disagrees (present: {was_present}): {a:?} vs {b:?}"),
            }
        }
        Op::Extend(ref items) => {
            eff.reserve = true;
            eff.added = items.iter().any(|(k, _)| !present(m, *k));
            // Several writes at once: the growth bound is checked per step, so count none.
            g.extend(items.iter().copied());
            m.extend(items.iter().copied());
        }
        Op::ExtendRef(ref items) => {
            eff.reserve = true;
            eff.added = items.iter().any(|(k, _)| !present(m, *k));
            g.extend(items.iter().map(|(k, v)| (k, v)));
            m.extend(items.iter().map(|(k, v)| (k, v)));
        }
        Op::Retain(md) => {
            let mut visited = 0;
            g.retain(|&k, v| {
                visited += 1;
                let keep = retain_keeps(k, *v, md);
                if keep {
                    *v = v.wrapping_add(1);
                }
                keep
            });
            assert_eq!(visited, m.len(), "retain visits every entry once");
            m.retain(|&k, v| {
                let keep = retain_keeps(k, *v, md);
                if keep {
                    *v = v.wrapping_add(1);
                }
                keep
            });
        }
        Op::DrainAll => {
            let cap = g.capacity();
            let mut a: Vec<_> = g.drain().collect();
            let mut b: Vec<_> = m.drain().collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "drain");
            assert!(g.is_empty());
            assert_capacity_kept(g, cap, "drain");
        }
        Op::DrainSome(n) => {
            let cap = g.capacity();
            let mut seen = StdHashSet::new();
            {
                let mut d = g.drain();
                assert_eq!(d.len(), m.len());
                for (k, v) in d.by_ref().take(n) {
                    assert_eq!(m.get(&k), Some(&v), "drain yields the map's entries");
                    assert!(seen.insert(k), "drain yields each entry once");
                }
                assert_eq!(seen.len(), n.min(m.len()));
                assert_eq!(d.len(), m.len() - seen.len());
            }
            m.drain().take(n).for_each(drop);
            assert!(m.is_empty());
            assert!(g.is_empty(), "a drain dropped half-way empties the map");
            assert_capacity_kept(g, cap, "drain");
        }
        Op::ExtractAll(md) => {
            let scramble = |k: u32, v: &mut u32| {
                if extract_takes(k, *v, md) {
                    true
                } else {
                    *v = v.wrapping_mul(5).wrapping_add(1);
                    false
                }
            };
            let mut a: Vec<_> = g.extract_if(|&k, v| scramble(k, v)).collect();
            let mut b: Vec<_> = m.extract_if(|&k, v| scramble(k, v)).collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "extract_if");
        }
        Op::ExtractSome(md, n) => {
            let matching = m.iter().filter(|(&k, &v)| extract_takes(k, v, md)).count();
            let got: Vec<_> = g
                .extract_if(|&k, v| extract_takes(k, *v, md))
                .take(n)
                .collect();
            assert_eq!(got.len(), n.min(matching), "extract_if dropped early");
            for (k, v) in got {
                assert!(extract_takes(k, v, md));
                assert_eq!(
                    m.remove(&k),
                    Some(v),
                    "extract_if yields the map's entries once"
                );
            }
        }
        Op::Clear => {
            let cap = g.capacity();
            g.clear();
            m.clear();
            assert!(g.is_empty());
            assert_capacity_kept(g, cap, "clear");
        }
        Op::Reserve(n) => {
            eff.reserve = true;
            g.reserve(n);
            m.reserve(n);
            assert!(g.capacity() >= g.len() + n, "reserve({n})");
        }
        Op::TryReserve(n) => {
            eff.reserve = true;
            let a = g.try_reserve(n);
            let b = m.try_reserve(n);
            assert_eq!(a.is_ok(), b.is_ok(), "try_reserve({n})");
            if a.is_ok() {
                assert!(g.capacity() >= g.len() + n);
            }
        }
        Op::ShrinkTo(n) => {
            eff.shrink = true;
            let cap = g.capacity();
            g.shrink_to(n);
            m.shrink_to(n);
            assert!(g.capacity() <= cap, "shrink_to never grows");
            assert!(g.capacity() >= g.len().max(n.min(cap)), "shrink_to({n})");
        }
        Op::ShrinkToFit => {
            eff.shrink = true;
            let cap = g.capacity();
            g.shrink_to_fit();
            m.shrink_to_fit();
            assert!(g.capacity() <= cap, "shrink_to_fit never grows");
            assert!(g.capacity() >= g.len());
        }
        Op::Clone => {
            let copy = g.clone();
            assert_eq!(copy.len(), g.len());
            assert!(copy == *g, "a clone equals its original");
            *g = copy;
        }
        Op::CloneFrom => {
            let mut other = Map::with_hasher_in(g.hasher().clone(), g.allocator().clone());
            other.extend((0..20).map(|i| (i, i)));
            other.clone_from(g);
            assert!(other == *g, "clone_from makes an equal map");
            *g = other;
        }
        Op::Take => {
            let empty = Map::with_hasher_in(g.hasher().clone(), g.allocator().clone());
            let taken = std::mem::replace(g, empty);
            assert!(g.is_empty());
            *g = taken;
        }
        Op::FinishGrowth => {
            g.finish_growth();
            assert!(!g.stats().growing, "finish_growth ends the grow");
        }
        Op::GetDisjointMut(ks) => {
            let first = |i: usize| !ks[..i].contains(&ks[i]);
            let present_repeat = (0..3).any(|i| !first(i) && present(m, ks[i]));
            if !present_repeat {
                let bump = |v: &mut u32, i: usize| *v = v.wrapping_mul(3).wrapping_add(i as u32);
                let mut found = [None; 3];
                let refs = g.get_disjoint_mut([&ks[0], &ks[1], &ks[2]]);
                for (i, v) in refs.into_iter().enumerate() {
                    if let Some(v) = v {
                        found[i] = Some(*v);
                        bump(v, i);
                    }
                }
                for (i, k) in ks.iter().enumerate() {
                    assert_eq!(found[i], m.get(k).copied(), "get_disjoint_mut({ks:?})[{i}]");
                    if first(i) {
                        if let Some(v) = m.get_mut(k) {
                            bump(v, i);
                        }
                    }
                }
            }
        }
        Op::Iterate => {
            let mut a: Vec<_> = g.iter().map(|(&k, &v)| (k, v)).collect();
            let mut b: Vec<_> = m.iter().map(|(&k, &v)| (k, v)).collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "iter");
            let mut keys: Vec<u32> = g.keys().copied().collect();
            keys.sort_unstable();
            assert!(keys.iter().eq(b.iter().map(|(k, _)| k)), "keys");
            let mut values: Vec<u32> = g.values().copied().collect();
            let mut expected: Vec<u32> = m.values().copied().collect();
            values.sort_unstable();
            expected.sort_unstable();
            assert_eq!(values, expected, "values");
            let mut it = g.iter();
            let half = m.len() / 2;
            it.by_ref().take(half).for_each(drop);
            assert_eq!(it.len(), m.len() - half, "len() of a half-consumed iter");
            assert_eq!(it.count(), m.len() - half);
        }
        Op::IterMut(x) => {
            if x % 2 == 0 {
                let f = |k: &u32, v: &mut u32| *v ^= k.wrapping_mul(x);
                g.iter_mut().for_each(|(k, v)| f(k, v));
                m.iter_mut().for_each(|(k, v)| f(k, v));
            } else {
                g.values_mut().for_each(|v| *v = v.wrapping_add(x));
                m.values_mut().for_each(|v| *v = v.wrapping_add(x));
            }
        }
        Op::GetMany(ref keys, n) => {
            let expected: Vec<Option<&u32>> = keys.iter().map(|k| m.get(k)).collect();
            let got: Vec<Option<&u32>> = g.get_many(keys).take(n).collect();
            assert_eq!(got, expected[..n.min(keys.len())], "get_many({keys:?})");
            let hits: Vec<bool> = g.contains_many(keys).collect();
            let expected: Vec<bool> = expected.iter().map(Option::is_some).collect();
            assert_eq!(hits, expected, "contains_many({keys:?})");
        }
        Op::IntoIterSome(n) => {
            let mut it = g.clone().into_iter();
            let mut seen = StdHashSet::new();
            for (k, v) in it.by_ref().take(n) {
                assert_eq!(m.get(&k), Some(&v), "into_iter yields the map's entries");
                assert!(seen.insert(k), "into_iter yields each entry once");
            }
            assert_eq!(
                it.len(),
                m.len() - seen.len(),
                "len() of a partial into_iter"
            );
        }
    }
    assert_eq!(g.len(), m.len(), "len after {op:?}");
    assert_eq!(g.is_empty(), m.is_empty());
    eff
}

/// Asserts that both maps hold the same entries: every entry of `m` is found in `g`, and `g`'s
/// iteration yields each of them exactly once.
#[track_caller]
pub(crate) fn assert_same<S: BuildHasher, A: Allocator>(g: &Map<S, A>, m: &Model) {
    assert_eq!(g.len(), m.len());
    for (k, v) in m {
        assert_eq!(g.get(k), Some(v), "lookup of {k}");
    }
    let mut seen = StdHashSet::with_capacity(m.len());
    for (k, v) in g {
        assert_eq!(m.get(k), Some(v), "iteration yields {k}");
        assert!(seen.insert(*k), "iteration yields {k} twice");
    }
    assert_eq!(seen.len(), m.len());
    assert_eq!(g.iter().len(), m.len());
}
