//! Panic safety: a panic in user code (`Hash`, `Eq`, `Clone`, `Drop`) never corrupts a map,
//! leaks, or drops anything twice.
//!
//! - A `Hash` that panics while a grow is under way, so that the panic hits the evacuation of an
//!   old chain: the core copies before it commits and rolls back, so afterwards the map holds
//!   exactly the same entries, answers lookups, takes inserts, finishes its grow once hashing
//!   works again, and drops every instance exactly once. Also through `remove`, `entry`,
//!   `finish_growth`, `reserve`, `shrink_to_fit` (rebuilds) and `clone`.
//! - An `Eq` that panics in the middle of a lookup, insert or remove: the map is unchanged.
//! - A `Clone` that panics half-way through `map.clone()`: the partial clone is dropped, nothing
//!   leaks.
//! - A `Drop` that panics once during `clear`, `drop(map)`, `drain`, `retain`, `extract_if` or
//!   `into_iter`: every other entry is still dropped exactly once, and the map is usable.
//!
//! Every test checks instance counts through `common::Tracker`.

mod common;

use std::collections::HashSet as StdHashSet;
use std::hash::BuildHasher;

use common::{
    insert_until_big_grow, panics, quiet_expected_panics, BadHasher, Badness, Tracked, Tracker,
};
use gomap::HashMap;

const VALUE_ID: u64 = 1 << 40;

type Map = HashMap<Tracked, Tracked>;

/// The entries of a map as `(key id, key serial, value id, value serial)`, sorted. Reading them
/// hashes nothing.
fn contents<S>(map: &HashMap<Tracked, Tracked, S>) -> Vec<(u64, u64, u64, u64)> {
    let mut v: Vec<_> = map
        .iter()
        .map(|(k, v)| (k.id, k.serial(), v.id, v.serial()))
        .collect();
    v.sort_unstable();
    v
}

/// A map mid-grow: keys `1..` inserted until a doubling grow from 64 buckets starts, then
/// `extra` more.
fn growing_map(t: &'static Tracker, extra: u64) -> (Map, u64) {
    let mut map = Map::new();
    let mut next = 0u64;
    // Big enough that a few more writes do not finish the grow: 64 old chains.
    insert_until_big_grow(&mut map, 64, || {
        next += 1;
        (t.make(next), t.make(VALUE_ID + next))
    });
    for _ in 0..extra {
        next += 1;
        map.insert(t.make(next), t.make(VALUE_ID + next));
    }
    let s = map.stats();
    assert!(s.growing && !s.same_size_grow, "{s:?}");
    (map, next)
}

/// Checks that `map` is whole after a panic: same entries as `before`, every key found, usable
/// for inserts and removes, its grow finishable, and exact drop counts throughout.
fn assert_whole_and_usable<S: BuildHasher>(
    t: &'static Tracker,
    mut map: HashMap<Tracked, Tracked, S>,
    before: &[(u64, u64, u64, u64)],
) {
    assert_eq!(contents(&map), before, "the map holds exactly what it held");
    assert_eq!(map.len(), before.len());
    assert_eq!(map.iter().count(), before.len());
    t.assert_live(2 * before.len());
    for &(k, _, v, _) in before {
        assert_eq!(map.get(&t.make(k)).map(|v| v.id), Some(v), "lookup of {k}");
    }
    let s = map.stats();
    assert_eq!(s.len, before.len());
    let fresh = 1 << 30;
    map.insert(t.make(fresh), t.make(VALUE_ID + fresh));
    assert!(map.contains_key(&t.make(fresh)));
    map.finish_growth();
    assert!(!map.stats().growing);
    for &(k, _, _, _) in before {
        assert!(map.contains_key(&t.make(k)), "{k} after finish_growth");
    }
    drop(map.remove(&t.make(fresh)));
    t.assert_live(2 * before.len());
    drop(map);
    t.assert_live(0);
}

/// Makes `Hash` panic for every key id in the map, except the ones in `spare`.
fn poison_all_but<S>(t: &'static Tracker, map: &HashMap<Tracked, Tracked, S>, spare: &[u64]) {
    let ids: StdHashSet<u64> = map
        .keys()
        .map(|k| k.id)
        .filter(|id| !spare.contains(id))
        .collect();
    t.panic_in_hash_for(Some(ids));
}

#[test]
fn a_hash_that_panics_during_evacuation_by_insert_leaves_the_map_whole() {
    quiet_expected_panics();
    for extra in [0u64, 1, 3, 10] {
        let t = Tracker::new();
        let (mut map, next) = growing_map(t, extra);
        let before = contents(&map);
        poison_all_but(t, &map, &[]);
        // The new key's own hash works; evacuating any non-empty old chain does not.
        let mut panicked = 0;
        let mut k = next;
        for _ in 1..=20 {
            // A new key whose old chain has not moved and holds keys: its own write must hash
            // one of them (a key picked blindly may land on a chain that already moved).
            k = unmoved_chain_key(t, &map, k + 1, 1);
            if panics(|| map.insert(t.make(k), t.make(VALUE_ID + k))) {
                panicked += 1;
                assert_eq!(contents(&map), before, "rolled back after panic {panicked}");
                // The key and value given to the failed insert were dropped.
                t.assert_live(2 * before.len());
            } else {
                // The chains it touched were empty; the key went in. Take it out again.
                assert!(map.stats().growing || map.len() == before.len() + 1);
                t.panic_in_hash_for(None);
                drop(map.remove(&t.make(k)));
                poison_all_but(t, &map, &[]);
            }
        }
        assert!(panicked > 0, "no evacuation hashed a key");
        assert!(map.stats().growing, "no chain moved while hashing panicked");
        t.panic_in_hash_for(None);
        assert_whole_and_usable(t, map, &before);
    }
}

#[test]
fn a_hash_that_panics_during_evacuation_by_remove_or_entry_leaves_the_map_whole() {
    quiet_expected_panics();
    let t = Tracker::new();
    let (mut map, next) = growing_map(t, 2);
    let before = contents(&map);
    // Keep one key hashable so that it can be looked up, removed and passed to entry(): one
    // whose old chain has not moved and holds other keys, so that writing it must evacuate
    // that chain and hash a poisoned key (a key picked blindly may sit in a chain that already
    // moved, and whether anything panics then depends on the seed).
    let spare = unmoved_chain_member(&map);
    poison_all_but(t, &map, &[spare]);
    assert!(panics(|| map.remove(&t.make(spare))));
    assert_eq!(contents(&map), before);
    assert!(panics(|| map.remove_entry(&t.make(spare))));
    // Likewise a new key whose own old chain has not moved and holds poisoned keys.
    let fresh = unmoved_chain_key(t, &map, next + 1, 2);
    assert!(panics(|| {
        map.entry(t.make(fresh)).or_insert(t.make(0));
    }));
    assert!(panics(|| {
        map.entry(t.make(spare)).or_insert(t.make(0));
    }));
    assert_eq!(contents(&map), before);
    t.assert_live(2 * before.len());
    // Lookups never hash stored keys: they still work while hashing panics.
    assert_eq!(
        map.get(&t.make(spare)).map(|v| v.id),
        Some(VALUE_ID + spare)
    );
    t.panic_in_hash_for(None);
    assert_whole_and_usable(t, map, &before);
}

/// The id of a stored key whose old chain has not moved and holds at least one other key.
fn unmoved_chain_member(map: &Map) -> u64 {
    let snap = map.snapshot();
    let old = snap.old.expect("the map is growing");
    let mask = old.chains.len() as u64 - 1;
    map.keys()
        .find(|&k| {
            let chain = &old.chains[(map.hasher().hash_one(k) & mask) as usize];
            !chain.evacuated() && chain.live() >= 2
        })
        .expect("some old chain has not moved")
        .id
}

/// The first id from `from` on whose key lands on an old chain that has not moved and holds at
/// least `live` keys, so that a write of it must evacuate that chain and hash them.
fn unmoved_chain_key(t: &'static Tracker, map: &Map, from: u64, live: usize) -> u64 {
    let snap = map.snapshot();
    let old = snap.old.expect("the map is growing");
    let mask = old.chains.len() as u64 - 1;
    (from..)
        .find(|&id| {
            let chain = &old.chains[(map.hasher().hash_one(t.make(id)) & mask) as usize];
            !chain.evacuated() && chain.live() >= live
        })
        .expect("some old chain has not moved")
}

/// With only 2 hash bits in use, the old chains are long (many overflow buckets), so an
/// evacuation copies many entries and chains overflow buckets onto its destinations before a
/// poisoned key late in the chain panics; all of that must be undone.
#[test]
fn a_hash_that_panics_late_in_a_long_chain_rolls_back_the_copies_and_overflow_buckets() {
    quiet_expected_panics();
    let t = Tracker::new();
    let mut map = HashMap::with_hasher(BadHasher(Badness::LowBits(2)));
    let mut next = 0u64;
    insert_until_big_grow(&mut map, 16, || {
        next += 1;
        (t.make(next), t.make(VALUE_ID + next))
    });
    assert!(map.stats().max_chain >= 3, "{:?}", map.stats());
    let before = contents(&map);
    let overflow = map.stats().overflow_buckets;
    // The most recently inserted keys sit at the ends of their chains.
    let late: StdHashSet<u64> = (next - 20..=next).collect();
    t.panic_in_hash_for(Some(late));
    let mut panicked = 0;
    for k in next + 1..next + 40 {
        if panics(|| map.insert(t.make(k), t.make(VALUE_ID + k))) {
            panicked += 1;
            assert_eq!(contents(&map), before);
            assert_eq!(
                map.stats().overflow_buckets,
                overflow,
                "overflow buckets given back"
            );
        } else {
            break;
        }
    }
    assert!(panicked > 0);
    t.panic_in_hash_for(None);
    t.assert_live(2 * before.len());
    assert_whole_and_usable(t, map, &before);
}

/// A same-size grow sends every entry of old chain `i` to new bucket `i`: its evacuation needs
/// no hash at all. So even with every stored key's `Hash` panicking, writes during a same-size
/// grow (started by churn aimed bucket by bucket, as in differential.rs) succeed, the grow
/// completes, and the map is whole.
#[test]
fn a_same_size_grow_evacuates_without_hashing_stored_keys() {
    quiet_expected_panics();
    let t = Tracker::new();
    let hasher = BadHasher(Badness::LowBits(8));
    let mut map = HashMap::with_hasher(hasher);
    for k in 0..60 {
        map.insert(t.make(k), t.make(VALUE_ID + k));
    }
    let b = map.stats().log2_buckets;
    let mut next = 1000u64;
    let mut round = 0;
    while !map.stats().same_size_grow {
        assert!(round < 1000, "no same-size grow");
        let j = round % (1usize << b);
        round += 1;
        let mut keys = Vec::new();
        while keys.len() < 9 {
            next += 1;
            if hasher.hash_one(t.make(next)) as usize & ((1 << b) - 1) == j {
                keys.push(next);
            }
        }
        for &k in &keys {
            map.insert(t.make(k), t.make(VALUE_ID + k));
            if map.stats().same_size_grow {
                break;
            }
        }
        if !map.stats().same_size_grow {
            for &k in &keys {
                drop(map.remove(&t.make(k)));
            }
        }
    }
    let mut before = contents(&map);
    poison_all_but(t, &map, &[]);
    let mut k = 1u64 << 31;
    while map.stats().growing {
        k += 1;
        map.insert(t.make(k), t.make(VALUE_ID + k));
        let (ks, vs) = {
            let (key, value) = map.get_key_value(&t.make(k)).unwrap();
            (key.serial(), value.serial())
        };
        before.push((k, ks, VALUE_ID + k, vs));
    }
    before.sort_unstable();
    assert_eq!(contents(&map), before);
    t.panic_in_hash_for(None);
    assert_whole_and_usable(t, map, &before);
}

#[test]
fn a_hash_that_panics_in_finish_growth_reserve_or_shrink_leaves_the_map_whole() {
    quiet_expected_panics();
    let t = Tracker::new();
    let (mut map, next) = growing_map(t, 1);
    let before = contents(&map);
    poison_all_but(t, &map, &[]);
    // finish_growth evacuates (and hashes) at once.
    assert!(panics(|| map.finish_growth()));
    assert_eq!(contents(&map), before);
    // reserve finishes the grow under way first.
    assert!(panics(|| map.reserve(100_000)));
    assert_eq!(contents(&map), before);
    t.panic_in_hash_for(None);
    map.finish_growth();
    // A reserve of more than 64x rebuilds at once, hashing every key.
    poison_all_but(t, &map, &[]);
    let cap = map.capacity();
    assert!(panics(|| map.reserve(map.len() * 200)));
    assert_eq!(contents(&map), before);
    assert_eq!(map.capacity(), cap, "a failed reserve changes nothing");
    // A smaller reserve starts an incremental grow, which later writes carry out.
    map.reserve(map.len() * 10);
    assert!(map.capacity() >= map.len() * 11);
    let fresh = unmoved_chain_key(t, &map, next + 1, 1);
    assert!(panics(|| map.insert(t.make(fresh), t.make(VALUE_ID))));
    assert_eq!(contents(&map), before);
    t.panic_in_hash_for(None);
    map.finish_growth();
    // A shrink, whether or not its evacuation needs hashes, keeps every entry.
    map.retain(|k, _| k.id % 8 == 0);
    let before = contents(&map);
    poison_all_but(t, &map, &[]);
    map.shrink_to_fit();
    let _ = panics(|| map.finish_growth());
    assert_eq!(contents(&map), before);
    t.panic_in_hash_for(None);
    assert_whole_and_usable(t, map, &before);
}

/// `clone` may or may not hash the keys it copies; either way a panicking `Hash` leaks nothing,
/// and a clone that succeeds is equal to the original.
#[test]
fn a_hash_that_panics_while_cloning_leaks_nothing() {
    quiet_expected_panics();
    let t = Tracker::new();
    let (map, _) = growing_map(t, 5);
    let before = contents(&map);
    // Only a few keys panic, so a hashing clone gets part-way first.
    let late: StdHashSet<u64> = map
        .keys()
        .map(|k| k.id)
        .filter(|id| id % 17 == 16)
        .collect();
    t.panic_in_hash_for(Some(late));
    let mut copy = None;
    let panicked = panics(|| copy = Some(map.clone()));
    t.panic_in_hash_for(None);
    if panicked {
        assert!(copy.is_none());
        t.assert_live(2 * before.len());
    } else {
        let copy = copy.take().unwrap();
        assert_eq!(copy, map);
        t.assert_live(4 * before.len());
        drop(copy);
    }
    t.assert_live(2 * before.len());
    assert_whole_and_usable(t, map, &before);
}

#[test]
fn an_eq_that_panics_mid_lookup_insert_or_remove_leaves_the_map_unchanged() {
    quiet_expected_panics();
    for growing in [false, true] {
        let t = Tracker::new();
        let mut map = if growing {
            growing_map(t, 3).0
        } else {
            let mut m = Map::new();
            for i in 1..=200 {
                m.insert(t.make(i), t.make(VALUE_ID + i));
            }
            m
        };
        let before = contents(&map);
        t.panic_in_eq(true);
        assert!(panics(|| map.get(&t.make(5)).is_some()));
        assert!(panics(|| map.contains_key(&t.make(6))));
        assert!(panics(|| map.insert(t.make(7), t.make(VALUE_ID))));
        assert!(panics(|| map.remove(&t.make(8))));
        assert!(panics(|| {
            map.entry(t.make(9)).or_insert(t.make(VALUE_ID));
        }));
        t.panic_in_eq(false);
        // The arguments of the failed calls were dropped; the map is as it was.
        assert_eq!(contents(&map), before);
        t.assert_live(2 * before.len());
        assert_whole_and_usable(t, map, &before);
    }
}

#[test]
fn a_clone_that_panics_half_way_through_map_clone_leaks_nothing() {
    quiet_expected_panics();
    for n in [1u64, 10, 100, 1000] {
        let t = Tracker::new();
        let mut map = Map::new();
        for i in 0..n {
            map.insert(t.make(i), t.make(VALUE_ID + i));
        }
        let before = contents(&map);
        // Two clones per entry; panic at the key or value clone of the middle entry.
        for at in [n as i64 - 1, n as i64] {
            t.panic_in_clone_after(Some(at));
            assert!(panics(|| map.clone()));
            t.panic_in_clone_after(None);
            t.assert_live(2 * n as usize);
            assert_eq!(contents(&map), before);
        }
        let copy = map.clone();
        assert_eq!(copy.len(), map.len());
        drop(copy);
        t.assert_live(2 * n as usize);
        assert_whole_and_usable(t, map, &before);
    }
}

/// Runs `op` on a map of `n` entries (mid-grow when `growing`) whose instance `bad` panics when
/// dropped, and checks that the panic came out, nothing was dropped twice, and every instance
/// is gone once the map and whatever `op` returned are dropped.
fn drop_panic_case<R>(growing: bool, bad: u64, op: impl FnOnce(&mut Map) -> R) {
    quiet_expected_panics();
    let t = Tracker::new();
    let mut map = if growing {
        growing_map(t, 4).0
    } else {
        let mut m = Map::new();
        for i in 1..=300 {
            m.insert(t.make(i), t.make(VALUE_ID + i));
        }
        m
    };
    t.panic_in_drop_of(bad);
    assert!(panics(|| op(&mut map)), "the panic comes out");
    assert_eq!(
        t.drop_panics(),
        1,
        "the bad instance was dropped (and panicked)"
    );
    assert_eq!(t.double_drops(), 0);
    assert_eq!(map.iter().count(), map.len());
    // The map is usable afterwards.
    map.insert(t.make(1 << 30), t.make(VALUE_ID));
    assert!(map.contains_key(&t.make(1 << 30)));
    drop(map);
    t.assert_live(0);
}

#[test]
fn a_drop_that_panics_during_clear_still_drops_every_other_entry_once() {
    for growing in [false, true] {
        for bad in [1, 7, VALUE_ID + 3] {
            drop_panic_case(growing, bad, |map| {
                map.clear();
                assert!(map.is_empty());
            });
        }
    }
    // And clear leaves the map empty even when it panics.
    quiet_expected_panics();
    let t = Tracker::new();
    let mut map = Map::new();
    for i in 1..=50 {
        map.insert(t.make(i), t.make(VALUE_ID + i));
    }
    t.panic_in_drop_of(20);
    assert!(panics(|| map.clear()));
    assert!(map.is_empty());
    assert_eq!(map.iter().count(), 0);
    t.assert_live(0);
}

#[test]
fn a_drop_that_panics_while_dropping_the_map_still_drops_every_other_entry_once() {
    quiet_expected_panics();
    for growing in [false, true] {
        for bad in [2, 50, VALUE_ID + 9] {
            let t = Tracker::new();
            let map = if growing {
                growing_map(t, 2).0
            } else {
                let mut m = Map::new();
                for i in 1..=300 {
                    m.insert(t.make(i), t.make(VALUE_ID + i));
                }
                m
            };
            t.panic_in_drop_of(bad);
            assert!(panics(move || drop(map)));
            assert_eq!(t.drop_panics(), 1);
            t.assert_live(0);
        }
    }
}

#[test]
fn a_drop_that_panics_in_a_dropped_drain_still_drops_every_other_entry_once() {
    for growing in [false, true] {
        for bad in [3, 40, VALUE_ID + 11] {
            drop_panic_case(growing, bad, |map| {
                let mut drain = map.drain();
                let first: Vec<_> = drain.by_ref().take(5).collect();
                drop(drain);
                first
            });
        }
    }
}

#[test]
fn a_drop_that_panics_during_retain_still_drops_every_other_entry_once() {
    for growing in [false, true] {
        for bad in [4, 10, VALUE_ID + 12] {
            drop_panic_case(growing, bad, |map| {
                map.retain(|k, _| k.id % 2 == 1);
            });
        }
    }
}

#[test]
fn a_drop_that_panics_in_extract_if_or_into_iter_still_drops_every_other_entry_once() {
    for growing in [false, true] {
        for bad in [6, 12, VALUE_ID + 20] {
            drop_panic_case(growing, bad, |map| {
                for (k, v) in map.extract_if(|k, _| k.id % 2 == 0) {
                    drop((k, v));
                }
            });
            drop_panic_case(growing, bad, |map| {
                let owned = std::mem::take(map);
                let mut iter = owned.into_iter();
                let first = iter.next();
                drop(iter);
                first
            });
        }
    }
}
