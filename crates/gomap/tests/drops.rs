//! Drop accounting: every key and value a map takes is dropped exactly once, or handed back to
//! the caller, whichever way it leaves the map.
//!
//! Keys and values are `Tracked` instances (see `common`): each has a unique serial, and its
//! tracker counts instances made, dropped, and dropped twice. Each test ends by checking that no
//! instance was dropped twice and that exactly the expected number are still alive (usually 0).
//! The paths covered: overwriting insert (std's rule: the old value comes back, the map keeps
//! the old key and drops the key passed in), the entry API, remove, clear, drain (consumed,
//! dropped half-way, leaked), retain, extract_if, into_iter dropped half-way, into_keys,
//! into_values, dropping a map mid-growth at many points of the evacuation, reserve/shrink
//! rebuilds, and clone.

// `Tracked` hashes and compares only its immutable `id`; its atomics are bookkeeping.
#![allow(clippy::mutable_key_type)]

mod common;

use std::collections::HashMap as StdHashMap;

use common::{insert_until_big_grow, Tracked, Tracker};
use gomap::HashMap;

/// Values get ids far from the keys', so a value never equals a key.
const VALUE_ID: u64 = 1 << 40;

type Map = HashMap<Tracked, Tracked>;

/// A map of `n` tracked entries, keys `0..n`.
fn filled(t: &'static Tracker, n: u64) -> Map {
    let mut map = Map::new();
    for i in 0..n {
        assert!(map.insert(t.make(i), t.make(VALUE_ID + i)).is_none());
    }
    map
}

/// Sizes that leave maps in different states: empty, one bucket, many buckets, mid-grow.
const SIZES: [u64; 6] = [0, 1, 8, 9, 100, 1000];

#[test]
fn every_entry_is_dropped_once_when_the_map_is_dropped() {
    for n in SIZES {
        let t = Tracker::new();
        let map = filled(t, n);
        t.assert_live(2 * n as usize);
        drop(map);
        t.assert_live(0);
    }
}

#[test]
fn an_overwriting_insert_returns_the_old_value_keeps_the_old_key_and_drops_the_new_one() {
    // First, what std does.
    let t = Tracker::new();
    let mut std_map = StdHashMap::new();
    let k1 = t.make(1);
    let k1_serial = k1.serial();
    std_map.insert(k1, t.make(VALUE_ID + 1));
    let k2 = t.make(1);
    let k2_serial = k2.serial();
    let old = std_map
        .insert(k2, t.make(VALUE_ID + 2))
        .expect("std returns the old value");
    assert_eq!(old.id, VALUE_ID + 1);
    assert_eq!(
        std_map.get_key_value(&t.make(1)).unwrap().0.serial(),
        k1_serial
    );
    drop((old, std_map));
    t.assert_live(0);

    // gomap, the same.
    let t = Tracker::new();
    let mut map = Map::new();
    let k1 = t.make(1);
    let k1_serial = k1.serial();
    map.insert(k1, t.make(VALUE_ID + 1));
    let k2 = t.make(1);
    assert_ne!(k2.serial(), k1_serial);
    let old = map
        .insert(k2, t.make(VALUE_ID + 2))
        .expect("the old value comes back");
    assert_eq!(old.id, VALUE_ID + 1);
    // Alive: k1 and the new value in the map, `old` here; k2 was dropped by the insert.
    t.assert_live(3);
    assert_ne!(k2_serial, k1_serial);
    let probe = t.make(1);
    let (k, v) = map.get_key_value(&probe).unwrap();
    assert_eq!(k.serial(), k1_serial, "the map keeps the key it had");
    assert_eq!(v.id, VALUE_ID + 2);
    drop(probe);
    drop(old);
    t.assert_live(2);
    drop(map);
    t.assert_live(0);
}

#[test]
fn every_value_is_dropped_once_through_overwrites_during_a_grow() {
    let t = Tracker::new();
    let mut map = filled(t, 500);
    for round in 0..3 {
        for i in 0..600 {
            // Overwrites for 0..500, new keys above: grows happen in between.
            drop(map.insert(t.make(i), t.make(VALUE_ID + round * 1000 + i)));
        }
    }
    t.assert_live(2 * 600);
    drop(map);
    t.assert_live(0);
}

#[test]
fn the_entry_api_drops_exactly_what_it_does_not_keep() {
    let t = Tracker::new();
    let mut map = filled(t, 50);
    // Occupied: the key passed to entry() and the unused default are dropped.
    map.entry(t.make(3)).or_insert(t.make(VALUE_ID + 999));
    map.entry(t.make(4))
        .or_insert_with(|| unreachable!("occupied: the default is not made"));
    t.assert_live(100);
    // Vacant, then dropped without inserting: the key is dropped.
    match map.entry(t.make(1000)) {
        gomap::Entry::Vacant(v) => drop(v),
        gomap::Entry::Occupied(_) => panic!("1000 is absent"),
    }
    t.assert_live(100);
    // Vacant, inserted: both kept.
    map.entry(t.make(1001)).or_insert(t.make(VALUE_ID + 1001));
    t.assert_live(102);
    // into_key gives the key back.
    let gomap::Entry::Vacant(v) = map.entry(t.make(1002)) else {
        panic!("1002 is absent")
    };
    let key = v.into_key();
    t.assert_live(103);
    drop(key);
    // OccupiedEntry::insert returns the old value; remove and remove_entry return what they
    // took.
    let gomap::Entry::Occupied(mut o) = map.entry(t.make(5)) else {
        panic!("5 is present")
    };
    let old = o.insert(t.make(VALUE_ID + 5000));
    assert_eq!(old.id, VALUE_ID + 5);
    drop(old);
    t.assert_live(102);
    let gomap::Entry::Occupied(o) = map.entry(t.make(6)) else {
        panic!("6 is present")
    };
    let v = o.remove();
    t.assert_live(101);
    drop(v);
    t.assert_live(100);
    let gomap::Entry::Occupied(o) = map.entry(t.make(7)) else {
        panic!("7 is present")
    };
    let (k, v) = o.remove_entry();
    assert_eq!((k.id, v.id), (7, VALUE_ID + 7));
    drop((k, v));
    t.assert_live(98);
    // insert_entry on an occupied entry drops the replaced value.
    map.entry(t.make(8)).insert_entry(t.make(VALUE_ID + 8000));
    t.assert_live(98);
    drop(map);
    t.assert_live(0);
}

#[test]
fn every_entry_is_dropped_once_through_remove_and_remove_entry() {
    let t = Tracker::new();
    let mut map = filled(t, 300);
    for i in 0..300 {
        let probe = t.make(i);
        if i % 2 == 0 {
            let v = map.remove(&probe).expect("present");
            assert_eq!(v.id, VALUE_ID + i);
        } else {
            let (k, v) = map.remove_entry(&probe).expect("present");
            assert_eq!((k.id, v.id), (i, VALUE_ID + i));
        }
        assert!(map.remove(&probe).is_none());
        t.assert_live(2 * (299 - i as usize) + 1);
    }
    drop(map);
    t.assert_live(0);
}

#[test]
fn every_entry_is_dropped_once_by_clear_and_the_map_stays_usable() {
    for n in SIZES {
        let t = Tracker::new();
        let mut map = filled(t, n);
        map.clear();
        t.assert_live(0);
        assert!(map.is_empty());
        map.insert(t.make(1), t.make(2));
        t.assert_live(2);
        drop(map);
        t.assert_live(0);
    }
}

#[test]
fn every_entry_is_yielded_once_by_a_consumed_drain() {
    for n in SIZES {
        let t = Tracker::new();
        let mut map = filled(t, n);
        let drained: Vec<_> = map.drain().collect();
        assert_eq!(drained.len(), n as usize);
        assert!(map.is_empty());
        t.assert_live(2 * n as usize);
        drop(drained);
        t.assert_live(0);
        drop(map);
        t.assert_live(0);
    }
}

#[test]
fn every_value_is_dropped_once_when_a_drain_is_dropped_half_way() {
    for n in SIZES {
        let t = Tracker::new();
        let mut map = filled(t, n);
        let mut drain = map.drain();
        let half: Vec<_> = drain.by_ref().take(n as usize / 2).collect();
        drop(drain);
        assert!(map.is_empty());
        t.assert_live(2 * half.len());
        drop(half);
        t.assert_live(0);
        // The map is usable afterwards.
        map.insert(t.make(7), t.make(8));
        drop(map);
        t.assert_live(0);
    }
}

/// A drain that is leaked (`mem::forget`) leaks its entries, but drops nothing twice and leaves
/// the map empty and usable. (The leak is real: `scripts/valgrind.sh` skips tests named
/// `*leaked*`.)
#[test]
fn a_leaked_drain_leaves_the_map_empty_and_drops_nothing_twice() {
    let t = Tracker::new();
    let mut map = filled(t, 100);
    let mut drain = map.drain();
    let first: Vec<_> = drain.by_ref().take(10).collect();
    std::mem::forget(drain);
    assert!(map.is_empty());
    assert_eq!(map.len(), 0);
    assert_eq!(map.iter().count(), 0);
    assert!(map.get(&t.make(50)).is_none());
    drop(first);
    // 90 entries leaked: alive forever, never dropped.
    t.assert_live(180);
    map.insert(t.make(1), t.make(2));
    assert_eq!(map.len(), 1);
    drop(map);
    t.assert_live(180);
}

#[test]
fn retain_drops_exactly_the_entries_it_removes() {
    for n in SIZES {
        let t = Tracker::new();
        let mut map = filled(t, n);
        map.retain(|k, _| k.id % 3 == 0);
        let kept = (n as usize).div_ceil(3);
        assert_eq!(map.len(), kept);
        t.assert_live(2 * kept);
        drop(map);
        t.assert_live(0);
    }
}

#[test]
fn extract_if_hands_over_what_it_extracts_and_keeps_the_rest() {
    for n in SIZES {
        let t = Tracker::new();
        let mut map = filled(t, n);
        let taken: Vec<_> = map.extract_if(|k, _| k.id % 2 == 1).collect();
        assert_eq!(taken.len(), n as usize / 2);
        t.assert_live(2 * n as usize);
        drop(taken);
        t.assert_live(2 * map.len());
        // Dropped early: the entries it did not reach stay, the ones it took are ours.
        let early: Vec<_> = map.extract_if(|_, _| true).take(3).collect();
        assert_eq!(map.len() + early.len(), n.div_ceil(2) as usize);
        drop(early);
        t.assert_live(2 * map.len());
        drop(map);
        t.assert_live(0);
    }
}

#[test]
fn every_entry_is_dropped_once_when_into_iter_is_dropped_half_way() {
    for n in SIZES {
        let t = Tracker::new();
        let map = filled(t, n);
        let mut iter = map.into_iter();
        let half: Vec<_> = iter.by_ref().take(n as usize / 2).collect();
        assert_eq!(iter.len(), n as usize - half.len());
        drop(iter);
        t.assert_live(2 * half.len());
        drop(half);
        t.assert_live(0);
    }
}

#[test]
fn into_keys_and_into_values_drop_the_other_half_of_each_entry() {
    for n in SIZES {
        let t = Tracker::new();
        let keys: Vec<_> = filled(t, n).into_keys().collect();
        t.assert_live(n as usize);
        assert!(keys.iter().all(|k| k.id < VALUE_ID));
        drop(keys);
        t.assert_live(0);

        let mut values = filled(t, n).into_values();
        let first = values.next();
        drop(values);
        t.assert_live(usize::from(first.is_some()));
        drop(first);
        t.assert_live(0);
    }
}

/// Drops a map at many points of a grow: right after it starts, after each of several later
/// inserts and removes (so `nevacuate` varies), and with some old chains emptied by removals.
#[test]
fn every_entry_is_dropped_once_when_the_map_is_dropped_mid_growth() {
    for extra in [0u64, 1, 2, 3, 5, 8, 13, 21] {
        for removes in [false, true] {
            let t = Tracker::new();
            let mut map = Map::new();
            let mut next = 0u64;
            insert_until_big_grow(&mut map, 64, || {
                next += 1;
                (t.make(next), t.make(VALUE_ID + next))
            });
            for i in 0..extra {
                if removes {
                    drop(map.remove(&t.make(i * 7 + 1)));
                } else {
                    next += 1;
                    map.insert(t.make(next), t.make(VALUE_ID + next));
                }
            }
            let s = map.stats();
            assert!(s.growing || extra > 0, "{s:?}");
            t.assert_live(2 * map.len());
            drop(map);
            t.assert_live(0);
        }
    }
}

#[test]
fn reserve_shrink_and_finish_growth_move_entries_without_dropping_them() {
    let t = Tracker::new();
    let mut map = Map::new();
    let mut next = 0u64;
    insert_until_big_grow(&mut map, 64, || {
        next += 1;
        (t.make(next), t.make(VALUE_ID + next))
    });
    let n = map.len();
    map.finish_growth();
    t.assert_live(2 * n);
    map.reserve(10_000);
    t.assert_live(2 * n);
    map.retain(|k, _| k.id % 10 == 0);
    let n = map.len();
    t.assert_live(2 * n);
    map.shrink_to_fit();
    t.assert_live(2 * n);
    map.shrink_to(1000);
    t.assert_live(2 * n);
    for i in 1..=next {
        assert_eq!(map.contains_key(&t.make(i)), i % 10 == 0);
    }
    drop(map);
    t.assert_live(0);
}

#[test]
fn a_clone_and_its_original_each_drop_their_own_entries_once() {
    for n in SIZES {
        let t = Tracker::new();
        let map = filled(t, n);
        let copy = map.clone();
        t.assert_live(4 * n as usize);
        assert_eq!(copy.len(), map.len());
        for (k, v) in &map {
            let (ck, cv) = copy.get_key_value(k).expect("the clone has every key");
            assert_ne!(ck.serial(), k.serial(), "the clone owns new instances");
            assert_eq!(cv.id, v.id);
        }
        drop(map);
        t.assert_live(2 * n as usize);
        drop(copy);
        t.assert_live(0);
    }
}

#[test]
fn a_map_cloned_mid_growth_drops_cleanly() {
    let t = Tracker::new();
    let mut map = Map::new();
    let mut next = 0u64;
    insert_until_big_grow(&mut map, 64, || {
        next += 1;
        (t.make(next), t.make(VALUE_ID + next))
    });
    let copy = map.clone();
    assert_eq!(copy, map);
    t.assert_live(4 * map.len());
    drop(copy);
    drop(map);
    t.assert_live(0);
}

/// Many writes after a grow starts, with the table in every state the evacuation passes through:
/// nothing is dropped or duplicated by evacuation itself.
#[test]
fn evacuation_neither_drops_nor_duplicates_entries() {
    let t = Tracker::new();
    let mut map = Map::new();
    let mut live = 0usize;
    for i in 0..3000u64 {
        map.insert(t.make(i), t.make(VALUE_ID + i));
        if i % 3 == 0 {
            drop(map.remove(&t.make(i / 2)));
        }
        live = 2 * map.len();
        if i % 97 == 0 {
            t.assert_live(live);
        }
    }
    t.assert_live(live);
    drop(map);
    t.assert_live(0);
}
