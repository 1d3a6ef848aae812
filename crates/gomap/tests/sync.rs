//! `gomap::sync::SyncMap` as a specification: every method against std's `HashMap` (one
//! thread, long random sequences that pass through many table migrations), then
//! from several threads: each thread's own keys checked exactly against its own model, shared
//! keys checked for the outcomes only a linearizable map can give (compare-and-swap counters
//! that lose no increment, one winner per `get_or_insert` and per `remove`).

mod common;

use std::collections::HashMap as StdHashMap;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Barrier;
use std::thread;

use common::{scaled, Rng};
use gomap::sync::SyncMap;

/// One thread's random operations on keys `base..base + keys`, each result compared with a std
/// model of those keys.
fn own_keys_run(map: &SyncMap<u64, u64>, base: u64, keys: u64, ops: usize, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut model: StdHashMap<u64, u64> = StdHashMap::new();
    for step in 0..ops {
        let k = base + rng.below(keys);
        let v = rng.next_u64();
        match rng.below(10) {
            0..=2 => {
                let old = map.insert(k, v).map(|r| *r);
                assert_eq!(old, model.insert(k, v), "insert({k}) at step {step}");
            }
            3 => {
                let old = map.remove(&k).map(|r| *r);
                assert_eq!(old, model.remove(&k), "remove({k}) at step {step}");
            }
            4 => {
                let absent = !model.contains_key(&k);
                let (got, inserted) = map.get_or_insert(k, v);
                let want = *model.entry(k).or_insert(v);
                assert_eq!(
                    (*got, inserted),
                    (want, absent),
                    "get_or_insert({k}) at step {step}"
                );
            }
            5 => {
                let r = map.swap(&k, v).map(|r| *r);
                let want = match model.get_mut(&k) {
                    Some(slot) => Ok(std::mem::replace(slot, v)),
                    None => Err(v),
                };
                assert_eq!(r, want, "swap({k}) at step {step}");
            }
            6 => {
                // Compare against the right value half of the time.
                let current = if rng.chance(50) {
                    model.get(&k).copied().unwrap_or(v)
                } else {
                    v ^ 1
                };
                let r = map.compare_and_swap(&k, &current, v).map(|r| *r);
                let want = match model.get_mut(&k) {
                    Some(slot) if *slot == current => Ok(std::mem::replace(slot, v)),
                    _ => Err(v),
                };
                assert_eq!(r, want, "compare_and_swap({k}) at step {step}");
            }
            7 => {
                let current = model.get(&k).copied().unwrap_or(v);
                let removed = map.compare_and_remove(&k, &current);
                let want = model.get(&k) == Some(&current);
                if want {
                    model.remove(&k);
                }
                assert_eq!(removed, want, "compare_and_remove({k}) at step {step}");
            }
            _ => {
                assert_eq!(
                    map.get_cloned(&k),
                    model.get(&k).copied(),
                    "get({k}) at step {step}"
                );
                assert_eq!(map.contains_key(&k), model.contains_key(&k));
            }
        }
    }
    for k in base..base + keys {
        assert_eq!(map.get_cloned(&k), model.get(&k).copied(), "final get({k})");
    }
    check_tables(map);
}

/// The table invariants `stats` shows: no table past 3/4 full, every live entry in a used slot.
fn check_tables<K, V>(map: &SyncMap<K, V>)
where
    K: Eq + std::hash::Hash + Send + 'static,
    V: Send + 'static,
{
    let st = map.stats();
    assert!(st.max_load <= 0.75, "a table past 3/4: {st:?}");
    assert!(st.used <= st.slots && st.len <= st.used, "{st:?}");
    assert!(
        st.visited <= st.slots && st.migrating <= st.shards,
        "{st:?}"
    );
}

#[test]
fn tables_shrink_back_when_keys_come_and_go() {
    // 200K distinct keys pass through a window of 1000 live ones: removed nodes are left out by
    // migrations, so the tables stay sized for the live keys, not for every key ever stored.
    let map: SyncMap<u64, u64> = SyncMap::new();
    let window = 1000u64;
    let mut peak = 0;
    for k in 0..scaled(200_000) as u64 {
        map.insert(k, k);
        if k >= window {
            assert_eq!(map.remove(&(k - window)).map(|r| *r), Some(k - window));
        }
        if k % 1000 == 0 {
            check_tables(&map);
            peak = peak.max(map.stats().slots);
        }
    }
    let st = map.stats();
    assert_eq!(st.len, window as usize);
    assert!(
        peak <= 16 * window as usize + 64 * st.shards,
        "tables grew with the keys ever stored: peak {peak} slots, {st:?}"
    );
    map.clear();
    assert_eq!(map.stats().used, 0);
}

#[test]
fn matches_std_on_one_thread() {
    for (keys, seed) in [(8, 1), (200, 2), (5000, 3)] {
        let map = SyncMap::new();
        own_keys_run(&map, 0, keys, scaled(60_000), seed);
    }
}

#[test]
fn len_iter_snapshot_and_debug_agree_with_the_contents() {
    let map: SyncMap<u32, u32> = SyncMap::new();
    let mut model = StdHashMap::new();
    let mut rng = Rng::new(7);
    for round in 0..scaled(200) as u32 {
        for _ in 0..50 {
            let k = rng.below(300) as u32;
            if rng.chance(70) {
                map.insert(k, round);
                model.insert(k, round);
            } else {
                map.remove(&k);
                model.remove(&k);
            }
        }
        assert_eq!(map.len(), model.len());
        assert_eq!(map.is_empty(), model.is_empty());
        check_tables(&map);
        let guard = map.guard();
        let mut seen: Vec<(u32, u32)> = map.iter(&guard).map(|(k, v)| (*k, *v)).collect();
        seen.sort();
        let mut want: Vec<(u32, u32)> = model.iter().map(|(k, v)| (*k, *v)).collect();
        want.sort();
        assert_eq!(seen, want, "iter, round {round}");
        let mut snap = map.snapshot();
        snap.sort();
        assert_eq!(snap, want, "snapshot, round {round}");
    }
    let small: SyncMap<u8, char> = [(1, 'a')].into_iter().collect();
    assert_eq!(format!("{small:?}"), "{1: 'a'}");
}

#[test]
fn retain_clear_extend_and_from_iter() {
    let mut map: SyncMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
    assert_eq!(map.len(), 1000);
    map.retain(|k, v| k % 3 == 0 && *v == *k);
    assert_eq!(map.len(), 334);
    assert!(map.contains_key(&999) && !map.contains_key(&998));
    map.extend((2000..2010).map(|i| (i, 0)));
    assert_eq!(map.len(), 344);
    map.clear();
    assert!(map.is_empty());
    assert_eq!(map.get_cloned(&999), None);
    map.insert(5, 5);
    assert_eq!(map.snapshot(), [(5, 5)]);
    let default: SyncMap<String, u8> = SyncMap::default();
    assert!(default.get("x").is_none());
}

#[test]
fn get_or_insert_with_calls_the_closure_only_for_an_absent_key() {
    let map = SyncMap::new();
    let calls = AtomicUsize::new(0);
    let make = || {
        calls.fetch_add(1, SeqCst);
        String::from("made")
    };
    let (v, inserted) = map.get_or_insert_with(1, make);
    assert!(inserted && *v == "made");
    let (v, inserted) = map.get_or_insert_with(1, || unreachable!("the key exists"));
    assert!(!inserted && *v == "made");
    assert_eq!(calls.load(SeqCst), 1);
}

#[test]
fn a_ref_keeps_reading_the_value_it_was_given() {
    let map = SyncMap::new();
    map.insert("k", vec![1, 2, 3]);
    let before = map.get("k").unwrap();
    let old = map.insert("k", vec![4]).unwrap();
    assert!(map.remove("k").is_some());
    assert_eq!(*before, [1, 2, 3]);
    assert_eq!(*old, [1, 2, 3]);
    assert!(map.get("k").is_none());
}

#[test]
fn borrowed_lookups_work_like_hash_map() {
    let map: SyncMap<String, usize> = SyncMap::new();
    map.insert("alpha".to_string(), 1);
    assert_eq!(*map.get("alpha").unwrap(), 1);
    assert!(map.contains_key("alpha"));
    assert_eq!(*map.remove("alpha").unwrap(), 1);
}

#[test]
fn threads_own_keys_match_their_models_exactly() {
    let threads = 4u64;
    let map = SyncMap::new();
    thread::scope(|s| {
        for t in 0..threads {
            let map = &map;
            s.spawn(move || own_keys_run(map, t << 32, 500, scaled(40_000), 100 + t));
        }
    });
}

#[test]
fn shared_counters_lose_no_compare_and_swap_increment() {
    let threads = 4;
    let per_thread = scaled(20_000);
    let counters = 16u64;
    let map: SyncMap<u64, u64> = SyncMap::new();
    thread::scope(|s| {
        for t in 0..threads {
            let map = &map;
            s.spawn(move || {
                let mut rng = Rng::new(t as u64);
                for _ in 0..per_thread {
                    let k = rng.below(counters);
                    loop {
                        let (cur, _) = map.get_or_insert(k, 0);
                        let cur = *cur;
                        if map.compare_and_swap(&k, &cur, cur + 1).is_ok() {
                            break;
                        }
                    }
                    // Unrelated new keys keep migrations going meanwhile.
                    map.insert(1000 + rng.below(5000), 0);
                }
            });
        }
    });
    let total: u64 = (0..counters).filter_map(|k| map.get_cloned(&k)).sum();
    assert_eq!(total, (threads * per_thread) as u64);
}

#[test]
fn one_winner_per_get_or_insert_and_per_remove() {
    let threads = 4usize;
    let rounds = scaled(4_000) as u64;
    let map: SyncMap<u64, usize> = (0..rounds).map(|r| (r + (1 << 40), 0)).collect();
    let barrier = Barrier::new(threads);
    let logs: Vec<Vec<(bool, usize, bool)>> = thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (map, barrier) = (&map, &barrier);
                s.spawn(move || {
                    let mut log = Vec::new();
                    for r in 0..rounds {
                        if r % 64 == 0 {
                            barrier.wait();
                        }
                        let (v, inserted) = map.get_or_insert(r, t);
                        let removed = map.remove(&(r + (1 << 40))).is_some();
                        log.push((inserted, *v, removed));
                    }
                    log
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in 0..rounds {
        let outcomes: Vec<_> = logs.iter().map(|log| log[r as usize]).collect();
        let stored = map.get_cloned(&r).unwrap();
        let inserters: Vec<usize> = (0..threads).filter(|&t| outcomes[t].0).collect();
        assert_eq!(
            inserters,
            [stored],
            "one get_or_insert({r}) inserts: {outcomes:?}"
        );
        assert!(
            outcomes.iter().all(|o| o.1 == stored),
            "every get_or_insert({r}) returns the stored value: {outcomes:?}"
        );
        let removers = outcomes.iter().filter(|o| o.2).count();
        assert_eq!(
            removers, 1,
            "one remove of a present key wins: {outcomes:?}"
        );
    }
    assert_eq!(map.len(), rounds as usize);
}

#[test]
fn readers_see_every_key_while_writers_grow_and_shrink_the_map() {
    let n = scaled(50_000) as u64;
    let map: SyncMap<u64, u64> = (0..n).map(|i| (i, i)).collect();
    let stop = std::sync::atomic::AtomicBool::new(false);
    thread::scope(|s| {
        let (map, stop) = (&map, &stop);
        s.spawn(move || {
            let mut rng = Rng::new(9);
            while !stop.load(SeqCst) {
                let k = rng.below(n);
                assert_eq!(map.get_cloned(&k), Some(k), "a stable key is always found");
                assert_eq!(map.get_cloned(&(k + 10 * n + 1)), None);
            }
        });
        // New keys come and go: migrations, expunges, revivals, table swaps.
        for round in 0..4 {
            for i in 0..n {
                map.insert(n + round * n + i, i);
            }
            for i in 0..n {
                assert_eq!(map.remove(&(n + round * n + i)).map(|r| *r), Some(i));
            }
        }
        stop.store(true, SeqCst);
    });
    assert_eq!(map.len(), n as usize);
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip() {
    let map: SyncMap<String, u32> = [("a".to_string(), 1), ("b".to_string(), 2)]
        .into_iter()
        .collect();
    let json = serde_json::to_string(&map).unwrap();
    let back: SyncMap<String, u32> = serde_json::from_str(&json).unwrap();
    let mut v = back.snapshot();
    v.sort();
    assert_eq!(v, [("a".to_string(), 1), ("b".to_string(), 2)]);
    assert!(serde_json::from_str::<SyncMap<String, u32>>("[1]").is_err());
}

#[test]
fn send_and_sync_exactly_when_sound() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<SyncMap<String, Vec<u8>>>();
    is_send_sync::<SyncMap<u64, std::sync::Arc<u64>>>();
    // `Cell` is Send but not Sync: the map is then Send only; `Rc` neither (checked by the
    // compile-fail doc tests of the module).
    fn is_send<T: Send>() {}
    is_send::<SyncMap<u64, std::cell::Cell<u64>>>();
}
