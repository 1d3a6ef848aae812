//! Criterion benches: gomap against hashbrown and std (SipHash) on the workloads of `gomap bench`,
//! for N = 1K and 100K, u64 and String keys.
//!
//! The workload code is `src/bench/workloads.rs`, included here by path, so these benches time
//! exactly what `gomap bench` times (see that file for what each timed region holds). Each bench
//! is named `<workload>/<keys>/<implementation>/<N>`; throughput is in operations (elements).
//!
//! ```text
//! cargo bench -p gomap-cli                            # everything: a few minutes
//! cargo bench -p gomap-cli -- lookup_hit/u64          # one workload and key type
//! cargo bench -p gomap-cli -- 'insert_grow/str/.*/100000'
//! ```

use std::rc::Rc;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};

// Its unit tests come along, unused: the bench is also compiled in test mode.
#[allow(dead_code, unused_imports)]
#[path = "../src/keys.rs"]
mod keys;

#[allow(dead_code)]
#[path = "../src/bench/workloads.rs"]
mod workloads;

use workloads::{BenchKey, BenchMap, GomapMap, HashbrownMap, KeySet, Runner, StdMap, Workload};

/// The sizes measured here (10M takes too long for criterion's sampling).
const SIZES: [usize; 2] = [1_000, 100_000];

fn one_impl<K: BenchKey, M: BenchMap<K>>(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    w: Workload,
    keys: &Rc<KeySet<K>>,
) {
    let mut runner = Runner::<K, M>::new(Rc::clone(keys));
    group.bench_function(BenchmarkId::new(M::NAME, keys.n()), |b| {
        // Each criterion iteration is one workload iteration of N operations; only the part the
        // workload times is counted (rebuilds and drops stay outside).
        b.iter_custom(|iters| (0..iters).map(|_| runner.one(w)).sum::<Duration>());
    });
}

fn workload<K: BenchKey>(c: &mut Criterion, w: Workload) {
    let mut group = c.benchmark_group(format!("{}/{}", w.name(), K::NAME));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for n in SIZES {
        let keys = Rc::new(KeySet::<K>::new(n));
        group.throughput(Throughput::Elements(n as u64));
        one_impl::<K, GomapMap<K>>(&mut group, w, &keys);
        one_impl::<K, HashbrownMap<K>>(&mut group, w, &keys);
        one_impl::<K, StdMap<K>>(&mut group, w, &keys);
    }
    group.finish();
}

fn maps(c: &mut Criterion) {
    for w in Workload::ALL {
        workload::<u64>(c, w);
        workload::<String>(c, w);
    }
}

criterion_group! {
    name = benches;
    // No plots and fewer bootstrap resamples: the whole suite stays within a few minutes.
    config = Criterion::default().without_plots().nresamples(10_000);
    targets = maps
}
criterion_main!(benches);
