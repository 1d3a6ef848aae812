//! loom models of `SyncMap`'s races (run by `scripts/loom.sh`: `RUSTFLAGS="--cfg loom
//! --cfg crossbeam_loom" cargo test -p gomap --release --test sync_loom`). Under loom the map has
//! one shard with tables of 8 slots and migrations of 4 slots per addition, so a handful of
//! operations reach a migration (its copies, expunges and the table swap); loom then explores
//! every interleaving of the real code (the mutex, the atomics, crossbeam-epoch's pins and
//! deferred frees) up to its preemption bound.
#![cfg(loom)]

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

use gomap::sync::SyncMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::BuildHasherDefault;

/// A fixed hasher (SipHash with zero keys): loom replays each interleaving, so the probes (which
/// are loom atomics) must touch the same slots in every execution.
type Fixed = BuildHasherDefault<DefaultHasher>;

type Map = SyncMap<u64, u64, Fixed>;

/// Runs `f` under loom and checks that loom explored more than one interleaving (a model that
/// sees one schedule only would prove nothing).
fn model(f: impl Fn() + Sync + Send + 'static) {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    RUNS.store(0, std::sync::atomic::Ordering::SeqCst);
    loom::model(move || {
        RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        f();
    });
    let runs = RUNS.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!("loom explored {runs} interleavings");
    assert!(runs > 1, "loom explored {runs} interleaving(s)");
}

/// A map holding key 1 (value 10).
fn one() -> Map {
    let map = Map::default();
    map.insert(1, 10);
    map
}

/// A map holding keys 1..=5 (value 10 k): its 8-slot table is one addition short of 5/8 full,
/// so the next new key starts a migration, and the one after finishes it.
fn five() -> Map {
    let map = Map::default();
    for k in 1..=5 {
        map.insert(k, 10 * k);
    }
    map
}

#[test]
fn get_vs_migration() {
    model(|| {
        let map = Arc::new(five());
        let m = Arc::clone(&map);
        // Two new keys: the first starts the migration, the second finishes and publishes it.
        let t = thread::spawn(move || {
            m.insert(6, 60);
            assert_eq!(m.stats().migrating, 1, "the sixth key starts a migration");
            m.insert(7, 70);
            assert_eq!(m.stats().migrating, 0, "the seventh ends it");
        });
        // Every old key is found throughout, in whichever table is published; a new key is
        // either not there yet or there with its value.
        for k in [1, 5, 3] {
            assert_eq!(map.get_cloned(&k), Some(10 * k));
        }
        assert!(matches!(map.get_cloned(&6), None | Some(60)));
        t.join().unwrap();
        assert_eq!(map.get_cloned(&7), Some(70));
        assert_eq!(map.len(), 7);
    });
}

#[test]
fn insert_vs_expunge() {
    model(|| {
        let map = Arc::new(five());
        assert_eq!(map.remove(&1).map(|r| *r), Some(10)); // removed: a migration expunges it
        let m = Arc::clone(&map);
        // Storing key 1 again (a revival of its node, or a new node once it is expunged) races
        // with the migration that the new keys drive.
        let t = thread::spawn(move || m.insert(1, 11).is_none());
        map.insert(6, 60);
        map.insert(7, 70);
        assert!(t.join().unwrap(), "key 1 was absent");
        assert!(map.stats().slots > 8, "a migration ran");
        assert_eq!(map.get_cloned(&1), Some(11));
        assert_eq!(map.len(), 7);
        let guard = map.guard();
        assert_eq!(map.iter(&guard).filter(|(k, _)| **k == 1).count(), 1);
    });
}

#[test]
fn get_or_insert_vs_remove() {
    model(|| {
        let map = Arc::new(one());
        let m = Arc::clone(&map);
        let t = thread::spawn(move || m.remove(&1).map(|r| *r));
        let (v, inserted) = map.get_or_insert(1, 20);
        let (v, inserted) = (*v, inserted);
        let removed = t.join().unwrap();
        // Either order, nothing else: get_or_insert saw 10 (then remove took it), or remove
        // took 10 first and get_or_insert stored 20.
        assert_eq!(removed, Some(10));
        let now = map.get_cloned(&1);
        match (v, inserted) {
            (10, false) => assert_eq!(now, None),
            (20, true) => assert_eq!(now, Some(20)),
            other => panic!("impossible outcome {other:?}"),
        }
    });
}

#[test]
fn iter_vs_insert() {
    model(|| {
        let map = Arc::new(one());
        map.insert(2, 20);
        let m = Arc::clone(&map);
        let t = thread::spawn(move || drop(m.insert(3, 30)));
        let guard = map.guard();
        let mut keys: Vec<u64> = map.iter(&guard).map(|(k, _)| *k).collect();
        drop(guard);
        keys.sort();
        t.join().unwrap();
        assert!(
            keys == [1, 2] || keys == [1, 2, 3],
            "each key at most once, old keys always: {keys:?}"
        );
    });
}

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn reclamation_vs_a_reader_holding_a_guard() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let map: Arc<SyncMap<u64, Counted, Fixed>> = Arc::new(SyncMap::default());
        map.insert(1, Counted(Arc::clone(&drops)));
        let m = Arc::clone(&map);
        let d = Arc::clone(&drops);
        let t = thread::spawn(move || {
            // Replace and remove: the first value is unlinked, handed to the collector.
            drop(m.insert(1, Counted(Arc::clone(&d))));
            drop(m.remove(&1));
            gomap::sync::reclaim();
        });
        if let Some(r) = map.get(&1) {
            // Whatever was read stays alive while the Ref (and its guard) lives.
            let before = drops.load(SeqCst);
            gomap::sync::reclaim();
            assert!(Arc::strong_count(&r.0) >= 1);
            assert!(drops.load(SeqCst) >= before);
        }
        t.join().unwrap();
        assert!(drops.load(SeqCst) <= 2, "no value dropped twice");
    });
}
