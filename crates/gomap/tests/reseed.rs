//! Reseeding: like Go, a map that becomes empty gets a new hash seed, so that whatever an attacker
//! learned about one seed is useless once the map is emptied and refilled. gomap renews only a
//! hasher it built itself (`new`, `with_capacity`, `default`, `from_iter`, `from`), when the first
//! key goes into the emptied map; a hasher the user handed in is never replaced.

use std::hash::BuildHasher;

use gomap::HashMap;

/// The hash the map's current hasher gives a fixed probe key.
fn probe<S: BuildHasher>(map: &HashMap<u64, u64, S>) -> u64 {
    map.hasher().hash_one(0xDEAD_BEEF_u64)
}

/// A way of emptying a map, and its name.
type Emptier = (&'static str, fn(&mut HashMap<u64, u64>));

/// Every way of emptying a map.
fn emptiers() -> Vec<Emptier> {
    vec![
        ("remove", |m| {
            let keys: Vec<u64> = m.keys().copied().collect();
            for k in keys {
                m.remove(&k);
            }
        }),
        ("clear", |m| m.clear()),
        ("drain", |m| {
            m.drain();
        }),
        ("retain", |m| m.retain(|_, _| false)),
        ("extract_if", |m| {
            m.extract_if(|_, _| true).for_each(drop);
        }),
        ("entry remove", |m| {
            let keys: Vec<u64> = m.keys().copied().collect();
            for k in keys {
                if let gomap::Entry::Occupied(e) = m.entry(k) {
                    e.remove();
                }
            }
        }),
    ]
}

#[test]
fn a_map_emptied_and_refilled_hashes_with_a_new_seed() {
    for (how, empty) in emptiers() {
        let mut map: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
        let before = probe(&map);
        empty(&mut map);
        assert!(map.is_empty(), "{how}");
        map.insert(7, 7);
        assert_ne!(probe(&map), before, "{how}: the seed was not renewed");
        assert_eq!(map.get(&7), Some(&7), "{how}");
    }
}

#[test]
fn the_seed_stays_while_the_map_holds_anything() {
    let mut map: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
    let seed = probe(&map);
    for i in 0..999 {
        map.remove(&i);
        map.insert(10_000 + i, i);
    }
    assert_eq!(probe(&map), seed);
}

#[test]
fn a_fresh_map_keeps_the_seed_it_was_built_with() {
    let mut map: HashMap<u64, u64> = HashMap::new();
    let seed = probe(&map);
    map.insert(1, 1);
    assert_eq!(probe(&map), seed);
}

#[test]
fn a_hasher_given_by_the_user_is_never_replaced() {
    let given = gomap::DefaultHashBuilder::default();
    let mut map: HashMap<u64, u64> = HashMap::with_hasher(given.clone());
    for i in 0..100 {
        map.insert(i, i);
    }
    map.clear();
    map.insert(1, 1);
    assert_eq!(
        probe(&map),
        given.hash_one(0xDEAD_BEEF_u64),
        "with_hasher's hasher must stay"
    );
}

/// A way of refilling an emptied map with room asked for first, and its name.
type Refiller = (&'static str, fn(&mut HashMap<u64, u64>));

/// Refilling after a request for more room than the emptied array has: the request replaces the
/// (empty) bucket array, and the renewal of the seed must survive that.
fn refillers() -> Vec<Refiller> {
    vec![
        ("reserve", |m| {
            m.reserve(10_000);
            m.insert(7, 7);
        }),
        ("try_reserve", |m| {
            m.try_reserve(10_000).expect("10,000 entries fit");
            m.insert(7, 7);
        }),
        ("extend", |m| m.extend((0..10_000).map(|i| (i, i)))),
    ]
}

#[test]
fn a_map_emptied_then_reserved_or_extended_hashes_with_a_new_seed() {
    let mut kept = Vec::new();
    for (how_empty, empty) in emptiers() {
        for (how_refill, refill) in refillers() {
            let mut map: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
            let before = probe(&map);
            empty(&mut map);
            refill(&mut map);
            if probe(&map) == before {
                kept.push(format!("{how_empty} then {how_refill}"));
            }
            assert_eq!(map.get(&7), Some(&7), "{how_empty} then {how_refill}");
        }
    }
    assert!(kept.is_empty(), "the seed was not renewed after: {kept:?}");
}
