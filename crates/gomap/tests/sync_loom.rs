//! loom models of `SyncMap`'s races (run by `scripts/loom.sh`: `RUSTFLAGS="--cfg loom
//! --cfg crossbeam_loom" cargo test -p gomap --release --test sync_loom`). Under loom the map has
//! one shard, so a handful of operations reach promotions, rebuilds and expunges; loom then
//! explores every interleaving of the real code (the mutex, the atomics, crossbeam-epoch's pins
//! and deferred frees) up to its preemption bound.
#![cfg(loom)]

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

use gomap::sync::SyncMap;

type Map = SyncMap<u64, u64>;

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

/// A map where key 1 (value 10) was promoted into the read map.
fn promoted() -> Map {
    let map = Map::new();
    map.insert(1, 10);
    assert_eq!(map.get_cloned(&1), Some(10)); // a miss: promotes the one-entry dirty map
    map
}

#[test]
fn get_vs_promotion() {
    model(|| {
        let map = Arc::new(Map::new());
        map.insert(1, 10);
        map.insert(2, 20);
        let m = Arc::clone(&map);
        // Both readers miss in the (empty) read map and take the lock; one of them promotes.
        let t = thread::spawn(move || (m.get_cloned(&1), m.get_cloned(&2)));
        let here = (map.get_cloned(&2), map.get_cloned(&1));
        assert_eq!(here, (Some(20), Some(10)));
        assert_eq!(t.join().unwrap(), (Some(10), Some(20)));
    });
}

#[test]
fn insert_vs_expunge() {
    model(|| {
        let map = Arc::new(promoted());
        assert_eq!(map.remove(&1).map(|r| *r), Some(10)); // removed: next rebuild expunges it
        map.insert(2, 20); // a new key: the dirty map is rebuilt from the read map
        let m = Arc::clone(&map);
        // Re-inserting key 1 races with the rebuild expunging its removed node.
        let t = thread::spawn(move || m.insert(1, 11).is_none());
        map.insert(3, 30);
        assert!(t.join().unwrap(), "key 1 was absent");
        assert_eq!(map.get_cloned(&1), Some(11));
        assert_eq!(map.len(), 3);
    });
}

#[test]
fn get_or_insert_vs_remove() {
    model(|| {
        let map = Arc::new(promoted());
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
        let map = Arc::new(promoted());
        map.insert(2, 20); // only in the dirty map: iter must promote it
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
        let map: Arc<SyncMap<u64, Counted>> = Arc::new(SyncMap::new());
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
