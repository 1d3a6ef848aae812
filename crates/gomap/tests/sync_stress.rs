//! `SyncMap` under load, with every key and value a `Tracked` instance: after many threads
//! insert, replace, remove and read overlapping keys, and the map is dropped, every instance has
//! been dropped exactly once (replaced and removed values only once no reader could see them:
//! readers check each value they hold). Then the panicking user code: `Hash`, `Eq`, `Clone`,
//! `Drop` and closures that panic leave the map consistent and usable, with no lock held.
//!
//! Sizes shrink under `GOMAP_TEST_SCALE=small` (valgrind).

// `Tracked` hashes and compares only its immutable `id`; its atomics are bookkeeping.
#![allow(clippy::mutable_key_type)]

mod common;

use std::collections::HashSet as StdHashSet;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

use common::{panics, quiet_expected_panics, scaled, Rng, Tracked, Tracker};
use gomap::sync::{reclaim, SyncMap};

/// Values get ids far from the keys', so a value never equals a key.
const VALUE_ID: u64 = 1 << 40;

/// Runs the epoch collector until `tracker` has exactly `live` instances alive, or fails after
/// a while (other tests' threads may hold guards for a moment).
#[track_caller]
fn assert_reclaimed_to(tracker: &Tracker, live: usize) {
    let start = Instant::now();
    while tracker.live() != live && start.elapsed() < Duration::from_secs(20) {
        reclaim();
        thread::sleep(Duration::from_millis(1));
    }
    tracker.assert_live(live);
}

#[test]
fn every_instance_is_dropped_exactly_once_under_contention() {
    let t = Tracker::new();
    let threads = 4u64;
    let ops = scaled(40_000);
    let keys = 2_000u64;
    {
        let map: SyncMap<Tracked, Tracked> = SyncMap::new();
        thread::scope(|s| {
            for th in 0..threads {
                let map = &map;
                s.spawn(move || {
                    let mut rng = Rng::new(th + 1);
                    for _ in 0..ops {
                        let id = rng.below(keys);
                        match rng.below(8) {
                            0 | 1 => drop(map.insert(t.make(id), t.make(VALUE_ID + id))),
                            2 => drop(map.remove(&t.make(id))),
                            3 => drop(map.get_or_insert(t.make(id), t.make(VALUE_ID + id))),
                            4 => drop(map.swap(&t.make(id), t.make(VALUE_ID + id))),
                            5 => {
                                let cur = t.make(VALUE_ID + id);
                                drop(map.compare_and_swap(
                                    &t.make(id),
                                    &cur,
                                    t.make(VALUE_ID + id),
                                ));
                            }
                            _ => {
                                // A value read stays valid (its id intact) while we hold it.
                                if let Some(v) = map.get(&t.make(id)) {
                                    assert_eq!(v.id, VALUE_ID + id);
                                }
                            }
                        }
                    }
                });
            }
        });
        let live = map.len();
        assert!(live <= keys as usize);
        // Each present key holds one key and one value; removed keys keep their node (and key)
        // until a rebuild leaves them out.
        reclaim();
        assert!(t.live() >= 2 * live);
        map.clear();
        assert_reclaimed_to(t, 0);
        for id in 0..100 {
            map.insert(t.make(id), t.make(VALUE_ID + id));
        }
    }
    assert_reclaimed_to(t, 0);
}

#[test]
fn readers_never_see_a_freed_value_during_replacement_and_clear() {
    let t = Tracker::new();
    let keys = 64u64;
    let map: SyncMap<u64, Tracked> = (0..keys).map(|k| (k, t.make(VALUE_ID + k))).collect();
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        for r in 0..2 {
            let (map, stop) = (&map, &stop);
            s.spawn(move || {
                let mut rng = Rng::new(50 + r);
                let guard = map.guard();
                let mut held = Vec::new();
                while !stop.load(SeqCst) {
                    let k = rng.below(keys);
                    if let Some(v) = map.get(&k) {
                        assert_eq!(v.id, VALUE_ID + k, "a value read through a Ref is intact");
                    }
                    // Hold a few references under one long-lived guard too.
                    if let Some(v) = map.get_with(&k, &guard) {
                        held.push(v);
                        if held.len() > 32 {
                            held.clear();
                        }
                    }
                    for v in &held {
                        assert!(v.id >= VALUE_ID);
                    }
                }
            });
        }
        for round in 0..scaled(400) as u64 {
            for k in 0..keys {
                map.insert(k, t.make(VALUE_ID + k));
            }
            if round % 50 == 0 {
                map.clear();
                for k in 0..keys {
                    map.insert(k, t.make(VALUE_ID + k));
                }
            }
        }
        stop.store(true, SeqCst);
    });
    drop(map);
    assert_reclaimed_to(t, 0);
}

#[test]
fn grow_from_empty_on_two_threads_keeps_every_key() {
    let n = scaled(200_000) as u64;
    let map: SyncMap<u64, u64> = SyncMap::new();
    thread::scope(|s| {
        for th in 0..2 {
            let map = &map;
            s.spawn(move || {
                for i in (th * n / 2)..((th + 1) * n / 2) {
                    assert!(map.insert(i, i).is_none());
                }
            });
        }
    });
    assert_eq!(map.len(), n as usize);
    for i in 0..n {
        assert_eq!(map.get_cloned(&i), Some(i));
    }
}

/// A map of tracked keys `0..n` to values, with panics switched on afterwards by the tests.
fn filled(t: &'static Tracker, n: u64) -> SyncMap<Tracked, Tracked> {
    (0..n)
        .map(|id| (t.make(id), t.make(VALUE_ID + id)))
        .collect()
}

/// The map holds exactly keys `ids`, with their values, and takes writes.
#[track_caller]
fn assert_usable(t: &'static Tracker, map: &SyncMap<Tracked, Tracked>, ids: &StdHashSet<u64>) {
    assert_eq!(map.len(), ids.len());
    for &id in ids {
        assert_eq!(map.get(&t.make(id)).map(|v| v.id), Some(VALUE_ID + id));
    }
    let probe = 1 << 30;
    assert!(map
        .insert(t.make(probe), t.make(VALUE_ID + probe))
        .is_none());
    assert!(map.remove(&t.make(probe)).is_some());
}

#[test]
fn a_panicking_hash_changes_nothing() {
    quiet_expected_panics();
    let t = Tracker::new();
    let n = 300;
    {
        let map = filled(t, n);
        t.panic_in_hash_for(Some([7, 1000].into_iter().collect()));
        assert!(panics(|| map.insert(t.make(1000), t.make(VALUE_ID))));
        assert!(panics(|| map.get(&t.make(7)).is_some()));
        assert!(panics(|| map.remove(&t.make(7))));
        assert!(panics(|| map.get_or_insert(t.make(1000), t.make(VALUE_ID))));
        t.panic_in_hash_for(None);
        assert_usable(t, &map, &(0..n).collect());
    }
    assert_reclaimed_to(t, 0);
}

#[test]
fn a_panicking_eq_changes_nothing() {
    quiet_expected_panics();
    let t = Tracker::new();
    let n = 300;
    {
        let map = filled(t, n);
        // Keys added since the last migration too.
        for id in n..n + 20 {
            map.insert(t.make(id), t.make(VALUE_ID + id));
        }
        t.panic_in_eq(true);
        for id in [3, n + 5] {
            assert!(panics(|| map.get(&t.make(id)).is_some()));
            assert!(panics(|| map.insert(t.make(id), t.make(VALUE_ID + id))));
            assert!(panics(|| map.remove(&t.make(id))));
        }
        t.panic_in_eq(false);
        assert_usable(t, &map, &(0..n + 20).collect());
    }
    assert_reclaimed_to(t, 0);
}

#[test]
fn a_panicking_clone_or_closure_changes_nothing() {
    quiet_expected_panics();
    let t = Tracker::new();
    let n = 100;
    {
        let map = filled(t, n);
        t.panic_in_clone_after(Some(0));
        assert!(panics(|| map.get_cloned(&t.make(3))));
        t.panic_in_clone_after(None);
        assert!(panics(
            || map.get_or_insert_with(t.make(5000), || panic!("make on command"))
        ));
        assert!(!map.contains_key(&t.make(5000)));
        let mut calls = 0;
        assert!(panics(|| map.retain(|_, _| {
            calls += 1;
            if calls == 10 {
                panic!("retain on command");
            }
            true
        })));
        assert!(panics(|| map
            .compare_and_swap(&t.make(1), &t.make(9), t.make(9))
            .map(|_| ())
            .map_err(|_| panic!("after a failed compare on command"))));
        assert_usable(t, &map, &(0..n).collect());
    }
    assert_reclaimed_to(t, 0);
}

#[test]
fn a_panicking_drop_of_a_replaced_value_is_contained() {
    quiet_expected_panics();
    let t = Tracker::new();
    let n = 100;
    {
        let map = filled(t, n);
        // The replaced value's drop runs in the collector, which catches the panic.
        t.panic_in_drop_of(VALUE_ID + 4);
        drop(map.insert(t.make(4), t.make(VALUE_ID + 4)));
        let start = Instant::now();
        while t.drop_panics() == 0 && start.elapsed() < Duration::from_secs(20) {
            reclaim();
            thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(t.drop_panics(), 1);
        assert_usable(t, &map, &(0..n).collect());
        // A key whose drop panics when the map is dropped: the others are still dropped, and
        // the panic reaches the caller.
        t.panic_in_drop_of(17);
        assert!(panics(move || drop(map)));
        assert_eq!(t.drop_panics(), 2);
    }
    assert_reclaimed_to(t, 0);
}
