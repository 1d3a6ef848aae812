//! Growth and iteration: what a user can rely on while a map grows, and what capacity promises.
//!
//! - **Iteration during a grow.** With a grow under way (a doubling grow at many points of its
//!   evacuation, a same-size grow, a reserve grow, a shrink), `iter`, `iter_mut`, `keys`,
//!   `values`, `values_mut`, `into_iter`, `into_keys`, `into_values`, `drain`, `retain` and
//!   `extract_if` yield every entry exactly once. Two iterations of an unchanged map agree, and
//!   lookups do not change the order (they never move entries); `keys()` zipped with `values()`
//!   is `iter()`. `ExactSizeIterator::len` is exact as iterators advance.
//! - **Progress.** Lookups work at every step of a grow; a doubling grow from `2^b` buckets takes
//!   between `2^b / 2` and `2^b` inserts; `finish_growth` ends any grow at once.
//! - **Capacity.** `new()` and `with_capacity(0)` hold no memory; `with_capacity(n)` and
//!   `reserve(n)` give `capacity() >= len() + n`, and the next `n` inserts of new keys never make
//!   the bucket array larger than it was right after; `try_reserve(usize::MAX)` is an error;
//!   `shrink_to_fit` reduces the capacity after removals (to the smallest that holds the
//!   entries once the incremental shrink is done); `clear` and `drain` keep the capacity; and
//!   `capacity()` is never below `len()`, as with std.

mod common;

use std::collections::HashMap as StdHashMap;
use std::collections::HashSet as StdHashSet;
use std::hash::BuildHasher;

use common::insert_until_big_grow;
use gomap::HashMap;

type Map = HashMap<u64, u64>;

/// The smallest capacity that holds `len` entries: `max(8, 6.5 * 2^B)` for the smallest such
/// `B`, or 0 for an empty map.
fn min_capacity_for(len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let mut b = 0u32;
    while len > 8 && len > 13 * ((1usize << b) / 2) {
        b += 1;
    }
    8usize.max(13 * ((1usize << b) / 2))
}

/// A map in a doubling grow from at least 64 buckets, `extra` inserts after the grow started,
/// with its model. Keys are spread over `u64`; values are `key * 3`.
fn growing(extra: usize) -> (Map, StdHashMap<u64, u64>) {
    let mut map = Map::new();
    let mut next = 0u64;
    let mut key = move || {
        next += 1;
        let k = next.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (k, k.wrapping_mul(3))
    };
    insert_until_big_grow(&mut map, 64, &mut key);
    for _ in 0..extra {
        let (k, v) = key();
        map.insert(k, v);
    }
    let model = map.iter().map(|(&k, &v)| (k, v)).collect();
    (map, model)
}

/// Maps in every kind of grow, each with a label and its model.
fn maps_mid_grow() -> Vec<(String, Map, StdHashMap<u64, u64>)> {
    let mut out = Vec::new();
    for extra in [0, 1, 2, 3, 7, 20, 40, 60] {
        let (map, model) = growing(extra);
        let s = map.stats();
        if s.growing {
            out.push((
                format!("doubling, {extra} inserts in, nevacuate {}", s.nevacuate),
                map,
                model,
            ));
        }
    }
    assert!(
        out.len() >= 5,
        "grows at several points of their evacuation"
    );

    // A reserve grow (up to 64x at once), part-way.
    let (mut map, _) = growing(0);
    map.finish_growth();
    map.reserve(map.len() * 20);
    assert!(map.stats().growing && map.stats().buckets >= 8 * map.stats().old_buckets);
    for i in 0..5u64 {
        map.insert(i, i * 3);
    }
    let model = map.iter().map(|(&k, &v)| (k, v)).collect();
    out.push(("reserve grow".into(), map, model));

    // A shrink, part-way.
    let (mut map, _) = growing(0);
    map.finish_growth();
    for i in 0..2000u64 {
        map.insert(i, i * 3);
    }
    map.finish_growth();
    map.retain(|&k, _| k < 50);
    map.shrink_to_fit();
    map.insert(1 << 40, 3 << 40);
    let s = map.stats();
    assert!(s.growing && s.buckets < s.old_buckets, "{s:?}");
    let model = map.iter().map(|(&k, &v)| (k, v)).collect();
    out.push(("shrink".into(), map, model));

    // A same-size grow, from churn aimed bucket by bucket.
    let (map, model) = same_size_growing();
    out.push(("same-size".into(), map, model));
    out
}

/// A map in a same-size grow: a steady population of 60 entries in 16 buckets, and churn that
/// overflows one bucket at a time (9 keys in, 9 out) until overflow buckets pile up.
fn same_size_growing() -> (Map, StdHashMap<u64, u64>) {
    let mut map = Map::new();
    for k in 0..60 {
        map.insert(k, k * 3);
    }
    let b = map.stats().log2_buckets;
    let mask = (1u64 << b) - 1;
    let mut next = 1000u64;
    for round in 0..10_000u64 {
        let j = round & mask;
        let mut keys = Vec::new();
        while keys.len() < 9 {
            next += 1;
            if map.hasher().hash_one(next) & mask == j {
                keys.push(next);
            }
        }
        for &k in &keys {
            map.insert(k, k * 3);
            if map.stats().same_size_grow {
                let model = map.iter().map(|(&k, &v)| (k, v)).collect();
                return (map, model);
            }
        }
        for &k in &keys {
            map.remove(&k);
        }
    }
    panic!("no same-size grow");
}

/// Asserts that `items` are exactly the entries of `model`, each once.
#[track_caller]
fn assert_exactly(
    label: &str,
    items: impl IntoIterator<Item = (u64, u64)>,
    model: &StdHashMap<u64, u64>,
) {
    let mut seen = StdHashSet::new();
    for (k, v) in items {
        assert_eq!(model.get(&k), Some(&v), "{label}: yielded ({k}, {v})");
        assert!(seen.insert(k), "{label}: {k} yielded twice");
    }
    assert_eq!(seen.len(), model.len(), "{label}: every entry yielded");
}

#[test]
fn every_iterator_yields_every_entry_once_during_a_grow() {
    for (label, mut map, model) in maps_mid_grow() {
        let label = label.as_str();
        assert!(map.stats().growing, "{label}");
        assert_exactly(label, map.iter().map(|(&k, &v)| (k, v)), &model);
        assert_exactly(label, (&map).into_iter().map(|(&k, &v)| (k, v)), &model);
        assert_exactly(label, map.iter_mut().map(|(&k, v)| (k, *v)), &model);
        assert_exactly(label, (&mut map).into_iter().map(|(&k, v)| (k, *v)), &model);
        assert_exactly(
            label,
            map.keys().zip(map.values()).map(|(&k, &v)| (k, v)),
            &model,
        );
        let keys: Vec<u64> = map.keys().copied().collect();
        let values: Vec<u64> = map.values_mut().map(|v| *v).collect();
        assert_exactly(label, keys.into_iter().zip(values), &model);
        assert_exactly(label, map.clone(), &model); // IntoIterator for the map
        let keys: StdHashSet<u64> = map.clone().into_keys().collect();
        assert_eq!(keys.len(), model.len());
        assert!(keys.iter().all(|k| model.contains_key(k)));
        let mut values: Vec<u64> = map.clone().into_values().collect();
        let mut expected: Vec<u64> = model.values().copied().collect();
        values.sort_unstable();
        expected.sort_unstable();
        assert_eq!(values, expected, "{label}: into_values");
        // The map was not changed by any of that.
        assert!(map.stats().growing, "{label}");
        assert_eq!(map.len(), model.len());
    }
}

#[test]
fn mutating_iterators_visit_every_entry_once_during_a_grow() {
    for (label, map, model) in maps_mid_grow() {
        let label = label.as_str();
        // iter_mut writes reach every entry.
        let mut m = map.clone();
        for (_, v) in m.iter_mut() {
            *v += 1;
        }
        for v in m.values_mut() {
            *v += 1;
        }
        assert_exactly(label, m.iter().map(|(&k, &v)| (k, v - 2)), &model);

        // drain: everything, once; the map is left empty.
        let mut m = map.clone();
        assert_exactly(label, m.drain(), &model);
        assert!(m.is_empty() && m.iter().next().is_none());

        // retain: visits each entry once; keeps exactly what it says.
        let mut m = map.clone();
        let mut visited = Vec::new();
        m.retain(|&k, v| {
            visited.push((k, *v));
            k % 3 != 0
        });
        assert_exactly(label, visited, &model);
        let kept: StdHashMap<u64, u64> = model
            .iter()
            .filter(|(k, _)| *k % 3 != 0)
            .map(|(&k, &v)| (k, v))
            .collect();
        assert_exactly(label, m.iter().map(|(&k, &v)| (k, v)), &kept);

        // extract_if: takes exactly the matching entries, visits each once.
        let mut m = map.clone();
        let mut visited = Vec::new();
        let taken: Vec<_> = m
            .extract_if(|&k, v| {
                visited.push((k, *v));
                k % 2 == 0
            })
            .collect();
        assert_exactly(label, visited, &model);
        let even: StdHashMap<u64, u64> = model
            .iter()
            .filter(|(k, _)| *k % 2 == 0)
            .map(|(&k, &v)| (k, v))
            .collect();
        let odd: StdHashMap<u64, u64> = model
            .iter()
            .filter(|(k, _)| *k % 2 == 1)
            .map(|(&k, &v)| (k, v))
            .collect();
        assert_exactly(label, taken, &even);
        assert_exactly(label, m.iter().map(|(&k, &v)| (k, v)), &odd);

        // extract_if dropped early: what it took plus what is left is everything.
        let mut m = map.clone();
        let taken: Vec<_> = m.extract_if(|_, _| true).take(5).collect();
        assert_exactly(
            label,
            taken.into_iter().chain(m.iter().map(|(&k, &v)| (k, v))),
            &model,
        );
    }
}

#[test]
fn two_iterations_of_an_unchanged_map_agree_and_lookups_do_not_reorder() {
    for (label, map, _) in maps_mid_grow() {
        let first: Vec<(u64, u64)> = map.iter().map(|(&k, &v)| (k, v)).collect();
        let second: Vec<(u64, u64)> = map.iter().map(|(&k, &v)| (k, v)).collect();
        assert_eq!(first, second, "{label}");
        let zipped: Vec<(u64, u64)> = map
            .keys()
            .zip(map.values())
            .map(|(&k, &v)| (k, v))
            .collect();
        assert_eq!(
            first, zipped,
            "{label}: keys() zipped with values() is iter()"
        );
        for (k, _) in &first {
            assert!(map.contains_key(k));
        }
        let third: Vec<(u64, u64)> = map.iter().map(|(&k, &v)| (k, v)).collect();
        assert_eq!(first, third, "{label}: lookups do not move entries");
        // A clone of the iterator continues from the same place.
        let mut it = map.iter();
        it.next();
        let rest: Vec<_> = it.clone().collect();
        assert_eq!(rest, it.collect::<Vec<_>>(), "{label}");
    }
}

#[test]
fn exact_size_iterators_report_the_remaining_length_as_they_advance() {
    fn check<I: ExactSizeIterator>(label: &str, mut it: I, n: usize) {
        for left in (0..=n).rev() {
            assert_eq!(it.len(), left, "{label}");
            assert_eq!(it.size_hint(), (left, Some(left)), "{label}");
            assert_eq!(it.next().is_some(), left > 0, "{label}");
        }
        assert!(it.next().is_none(), "{label}: fused");
        assert_eq!(it.len(), 0);
    }
    for (label, mut map, model) in maps_mid_grow() {
        let n = model.len();
        let l = label.as_str();
        check(l, map.iter(), n);
        check(l, map.keys(), n);
        check(l, map.values(), n);
        check(l, map.iter_mut(), n);
        check(l, map.values_mut(), n);
        check(l, map.clone().into_iter(), n);
        check(l, map.clone().into_keys(), n);
        check(l, map.clone().into_values(), n);
        check(l, map.clone().drain(), n);
        assert_eq!(map.len(), n);
    }
    let empty = Map::new();
    check("empty", empty.iter(), 0);
}

#[test]
fn lookups_find_every_key_at_every_step_of_a_grow() {
    let mut map = Map::new();
    let mut model = StdHashMap::new();
    let mut steps_growing = 0;
    for i in 0..3000u64 {
        let k = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        map.insert(k, i);
        model.insert(k, i);
        if map.stats().growing {
            steps_growing += 1;
            for (k, v) in &model {
                assert_eq!(map.get(k), Some(v));
            }
            assert_eq!(map.get(&7), None);
        }
    }
    assert!(steps_growing > 100);
}

#[test]
fn a_doubling_grow_takes_between_a_third_and_half_of_the_old_bucket_count_in_inserts() {
    // Each write moves the next two old chains in order, plus (rarely) the full old chain its key
    // goes to: between 2 and 3 chains per write (DESIGN.md section 3).
    let mut map = Map::new();
    let mut next = 0u64;
    let mut checked = 0;
    while checked < 6 {
        next += 1;
        map.insert(next, next);
        let s = map.stats();
        if !s.growing {
            continue;
        }
        // This insert started it: count the inserts that finish it.
        let old = s.old_buckets;
        assert_eq!(s.buckets, 2 * old, "an insert starts a doubling grow");
        let mut writes = 1;
        while map.stats().growing {
            next += 1;
            map.insert(next, next);
            writes += 1;
        }
        assert!(
            writes <= old.div_ceil(2),
            "{writes} writes for {old} old buckets"
        );
        assert!(3 * writes >= old, "{writes} writes for {old} old buckets");
        checked += 1;
    }
}

#[test]
fn finish_growth_ends_any_grow_at_once_and_is_a_no_op_otherwise() {
    for (label, mut map, model) in maps_mid_grow() {
        map.finish_growth();
        let s = map.stats();
        assert!(!s.growing, "{label}: {s:?}");
        assert_exactly(&label, map.iter().map(|(&k, &v)| (k, v)), &model);
        let before = map.stats();
        map.finish_growth();
        assert_eq!(map.stats(), before, "{label}");
    }
}

// ---------------------------------------------------------------------------------------------
// Capacity.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_new_map_and_with_capacity_zero_hold_no_memory() {
    let a = Map::new();
    let b = Map::with_capacity(0);
    let c = Map::default();
    for m in [&a, &b, &c] {
        assert_eq!(m.capacity(), 0);
        assert_eq!(m.stats().heap_bytes, 0);
        assert_eq!(m.stats().buckets, 0);
    }
    let d: HashMap<String, Vec<u8>> = HashMap::with_capacity(0);
    assert_eq!(d.stats().heap_bytes, 0);
}

#[test]
fn an_emptied_map_shrunk_to_fit_holds_no_memory() {
    let mut map: Map = (0..1000).map(|i| (i, i)).collect();
    map.clear();
    assert!(map.capacity() >= 1000, "clear keeps the capacity");
    map.shrink_to_fit();
    assert_eq!(map.capacity(), 0);
    assert_eq!(map.stats().heap_bytes, 0);
    map.insert(1, 1);
    assert_eq!(map[&1], 1);
}

/// After `reserve(n)` (or `with_capacity(n)`), `capacity() >= len() + n`, and inserting `n` new
/// keys never makes the bucket array larger than it was right after the reservation.
#[test]
fn reserve_makes_room_for_n_more_inserts_without_a_larger_array() {
    for start in [0u64, 1, 10, 100, 1000, 5000] {
        for n in [0usize, 1, 7, 8, 9, 100, 1000, 20_000] {
            let mut map = Map::new();
            for i in 0..start {
                map.insert(i, i);
            }
            map.reserve(n);
            assert!(
                map.capacity() >= map.len() + n,
                "start {start}, reserve({n})"
            );
            let b = map.stats().log2_buckets;
            let cap = map.capacity();
            for i in 0..n as u64 {
                map.insert(1 << 32 | i, i);
                // capacity() grows with log2_buckets, and costs O(1) where stats() is O(buckets).
                assert!(
                    map.capacity() <= cap,
                    "start {start}, reserve({n}), insert {i}"
                );
                if i % 101 == 0 {
                    assert!(map.stats().log2_buckets <= b);
                }
            }
            assert!(map.stats().log2_buckets <= b);
            assert_eq!(map.len(), start as usize + n);
        }
        // And while a grow is under way.
        let (mut map, _) = growing(3);
        map.reserve(500);
        assert!(map.capacity() >= map.len() + 500);
        let b = map.stats().log2_buckets;
        for i in 0..500u64 {
            map.insert(1 << 33 | i, i);
        }
        assert!(map.stats().log2_buckets <= b);
    }
}

#[test]
fn with_capacity_makes_room_for_n_inserts_without_a_larger_array() {
    for n in [1usize, 8, 9, 13, 14, 100, 1000, 10_000] {
        let mut map = Map::with_capacity(n);
        assert!(map.capacity() >= n);
        let b = map.stats().log2_buckets;
        for i in 0..n as u64 {
            map.insert(i, i);
        }
        assert_eq!(map.stats().log2_buckets, b, "with_capacity({n})");
        assert!(!map.stats().growing);
    }
}

#[test]
fn try_reserve_of_an_impossible_size_is_an_error_not_a_panic() {
    let mut map = Map::new();
    assert!(map.try_reserve(usize::MAX).is_err());
    assert!(map.try_reserve(usize::MAX / 2).is_err());
    map.insert(1, 1);
    assert!(map.try_reserve(usize::MAX).is_err());
    assert!(map.try_reserve(usize::MAX - 1).is_err());
    assert!(map.try_reserve(isize::MAX as usize).is_err());
    assert_eq!(map[&1], 1);
    assert!(map.try_reserve(100).is_ok());
    assert!(map.capacity() >= 101);
}

#[test]
#[should_panic(expected = "gomap: capacity overflow")]
fn reserve_of_an_impossible_size_panics() {
    let mut map = Map::new();
    map.insert(1, 1);
    map.reserve(usize::MAX);
}

#[test]
fn shrink_to_fit_reduces_the_capacity_after_removals() {
    for n in [20u64, 100, 1000, 10_000, 100_000] {
        let mut map: Map = (0..n).map(|i| (i, i)).collect();
        let full = map.capacity();
        map.retain(|&k, _| k % 10 == 0);
        map.shrink_to_fit();
        assert!(map.capacity() < full, "n = {n}");
        assert!(map.capacity() >= map.len());
        // The shrink is incremental; once done, the capacity is the smallest that fits.
        map.finish_growth();
        assert_eq!(map.capacity(), min_capacity_for(map.len()), "n = {n}");
        assert!(map.stats().heap_bytes > 0);
        for i in 0..n {
            assert_eq!(map.get(&i).is_some(), i % 10 == 0);
        }
    }
}

#[test]
fn shrink_to_keeps_at_least_the_requested_capacity() {
    let mut map: Map = (0..10_000).map(|i| (i, i)).collect();
    map.retain(|&k, _| k < 10);
    map.shrink_to(500);
    map.finish_growth();
    assert!(map.capacity() >= 500);
    assert!(map.capacity() < 10_000);
    // Asking for more than the capacity does nothing.
    let cap = map.capacity();
    map.shrink_to(1_000_000);
    assert_eq!(map.capacity(), cap);
    assert_eq!(map.len(), 10);
}

#[test]
fn clear_and_drain_keep_the_capacity() {
    let mut map: Map = (0..1000).map(|i| (i, i)).collect();
    let cap = map.capacity();
    map.clear();
    assert_eq!(map.capacity(), cap);
    map.extend((0..1000).map(|i| (i, i)));
    let cap = map.capacity();
    drop(map.drain());
    assert_eq!(map.capacity(), cap);
    let (mut map, _) = growing(1);
    let cap = map.capacity();
    map.clear();
    assert_eq!(map.capacity(), cap);
    assert!(!map.stats().growing);
}

/// A reserve after a shrink was queued (asked for while a grow is under way) gives the room
/// asked for, without a panic.
#[test]
fn reserve_with_a_queued_shrink_is_correct() {
    for extra in [10usize, 100, 1000, 100_000] {
        let (mut map, model) = growing(0);
        map.retain(|&k, _| k % 64 == 0);
        map.shrink_to_fit();
        assert!(map.stats().growing);
        map.reserve(extra);
        assert!(map.capacity() >= map.len() + extra);
        let kept: StdHashMap<u64, u64> = model.into_iter().filter(|(k, _)| k % 64 == 0).collect();
        assert_exactly(
            "reserve after shrink",
            map.iter().map(|(&k, &v)| (k, v)),
            &kept,
        );
    }
}

/// A shrink asked for while a grow is under way is queued, and `capacity()` reports its target
/// at once; emptying the map must not forget it.
#[test]
fn clear_and_drain_keep_a_queued_shrink() {
    for use_drain in [false, true] {
        let (mut map, _) = growing(0);
        map.retain(|&k, _| k % 64 == 0);
        map.shrink_to_fit();
        assert!(map.stats().growing);
        let cap = map.capacity();
        if use_drain {
            drop(map.drain());
        } else {
            map.clear();
        }
        assert_eq!(map.capacity(), cap, "drain: {use_drain}");
    }
}

/// std never reports `capacity() < len()`; code computing `capacity() - len()` relies on it.
#[test]
fn capacity_is_never_less_than_len() {
    // During and after a shrink.
    let mut map: Map = (0..2000).map(|i| (i, i)).collect();
    map.retain(|&k, _| k < 104);
    map.shrink_to_fit();
    for i in 2000..2010 {
        map.insert(i, i);
        assert!(map.capacity() >= map.len(), "{}", map.stats());
    }
    map.finish_growth();
    assert!(map.capacity() >= map.len(), "{}", map.stats());
    // During and after a same-size grow.
    let (mut map, _) = same_size_growing();
    let mut k = 1 << 50;
    while map.stats().growing {
        k += 1;
        map.insert(k, k);
        assert!(map.capacity() >= map.len(), "{}", map.stats());
    }
}

#[test]
fn stats_display_names_the_kind_of_grow() {
    let mut map: Map = (0..2000).map(|i| (i, i)).collect();
    map.retain(|&k, _| k < 50);
    map.shrink_to_fit();
    assert!(map.stats().growing);
    let text = map.stats().to_string();
    assert!(
        !text.contains("doubling"),
        "a shrink is not a doubling grow:\n{text}"
    );
    let (mut map, _) = growing(0);
    map.finish_growth();
    map.reserve(map.len() * 30);
    let s = map.stats();
    assert!(s.growing && s.buckets > 2 * s.old_buckets);
    let text = s.to_string();
    assert!(
        !text.contains("doubling"),
        "a 32x grow is not a doubling grow:\n{text}"
    );
}
