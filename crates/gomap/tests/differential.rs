//! Differential specification: `gomap::HashMap` behaves exactly like `std::collections::HashMap`.
//!
//! Random sequences of every mutating operation (insert, remove, remove_entry, the whole entry
//! API, writes through `get_mut`, `get_disjoint_mut`, `iter_mut` and `values_mut`, `retain`,
//! `drain` consumed or dropped half-way, `extract_if` consumed or dropped early, `clear`,
//! `extend`, `reserve`, `try_reserve`, `shrink_to`, `shrink_to_fit`, `finish_growth`, clones,
//! partial `into_iter`; and the batched `get_many`/`contains_many`) are replayed on both maps
//! (the operations live in `common/ops.rs`, which the fuzz target in `fuzz/` replays too). Every
//! return value must agree after every operation, and the full contents periodically and at the
//! end.
//!
//! After every step the map's internal invariants are checked through `stats()` and
//! `snapshot()` (see `common::Checker`): `stats().len == len()`, the load factor (6.5 per
//! bucket) holds when not growing, a doubling grow has `old_buckets == buckets / 2` and a
//! same-size grow `old_buckets == buckets`, a grow finishes within `old_buckets` writes (inserts
//! of new keys, removals of present keys), `iter()` yields `len()` entries, and the snapshot's
//! live slots number `len()`.
//!
//! The sequences come from proptest (an `Op` strategy, like indexmap's `tests/quick.rs`) and from
//! long seeded runs over small and large key spaces that cross many doubling grows and, with
//! churn at constant size, same-size grows. Hashers of bad quality (constant, a few low bits,
//! only the top byte) must change nothing but speed. `GOMAP_TEST_SCALE=small` shortens the runs.

#![allow(
    clippy::incompatible_msrv,
    reason = "the library needs Rust 1.82; its tests need 1.88 anyway (proptest), and compare with std APIs newer than 1.82"
)]

mod common;

use std::hash::BuildHasher;

use common::ops::{apply, assert_same, EntryAction, Map, Model, Op};
use common::{scaled, BadHasher, Badness, Checker, Rng};
use proptest::prelude::*;

/// Replays `ops` on a fresh pair of maps, checking after every step.
fn run<S: BuildHasher + Clone>(ops: &[Op], hasher: S) -> Checker {
    let mut g: Map<S> = gomap::HashMap::with_hasher(hasher);
    let mut m = Model::new();
    let mut checker = Checker::new();
    for op in ops {
        let eff = apply(op, &mut g, &mut m);
        checker.check(&g, eff);
        if let Op::Get(k) | Op::Insert(k, _) | Op::Remove(k) = *op {
            assert_eq!(g.get(&k), m.get(&k));
        }
    }
    assert_same(&g, &m);
    checker
}

// ---------------------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------------------

fn entry_action() -> impl Strategy<Value = EntryAction> {
    prop_oneof![
        Just(EntryAction::Insert),
        Just(EntryAction::Remove),
        Just(EntryAction::RemoveEntry)
    ]
}

/// Operations over keys `0..keys`, weighted towards inserts and removes so that maps grow,
/// shrink and churn.
fn op(keys: u32) -> impl Strategy<Value = Op> {
    let k = move || 0..keys;
    let v = any::<u32>;
    let pairs = move || prop::collection::vec((0..keys, any::<u32>()), 0..40);
    prop_oneof![
        30 => (k(), v()).prop_map(|(k, v)| Op::Insert(k, v)),
        12 => k().prop_map(Op::Remove),
        4 => k().prop_map(Op::RemoveEntry),
        4 => k().prop_map(Op::Get),
        3 => (k(), v()).prop_map(|(k, v)| Op::GetMut(k, v)),
        4 => (k(), v()).prop_map(|(k, v)| Op::OrInsert(k, v)),
        2 => (k(), v()).prop_map(|(k, v)| Op::OrInsertWith(k, v)),
        1 => k().prop_map(Op::OrInsertWithKey),
        2 => (k(), v()).prop_map(|(k, v)| Op::AndModify(k, v)),
        2 => k().prop_map(Op::OrDefault),
        2 => (k(), v()).prop_map(|(k, v)| Op::InsertEntry(k, v)),
        6 => (k(), v(), entry_action()).prop_map(|(k, v, a)| Op::Entry(k, v, a)),
        2 => pairs().prop_map(Op::Extend),
        1 => pairs().prop_map(Op::ExtendRef),
        2 => (1..6u32).prop_map(Op::Retain),
        1 => Just(Op::DrainAll),
        1 => (0..50usize).prop_map(Op::DrainSome),
        2 => (1..5u32).prop_map(Op::ExtractAll),
        2 => ((1..5u32), (0..30usize)).prop_map(|(m, n)| Op::ExtractSome(m, n)),
        1 => Just(Op::Clear),
        1 => (0..300usize).prop_map(Op::Reserve),
        // Impossible reservations must be errors on both sides.
        1 => prop_oneof![
            0..300usize,
            Just(usize::MAX),
            Just(usize::MAX / 2),
            Just(1usize << 62)
        ]
            .prop_map(Op::TryReserve),
        1 => (0..300usize).prop_map(Op::ShrinkTo),
        1 => Just(Op::ShrinkToFit),
        1 => Just(Op::FinishGrowth),
        1 => Just(Op::Clone),
        1 => Just(Op::CloneFrom),
        1 => Just(Op::Take),
        2 => (k(), k(), k()).prop_map(|(a, b, c)| Op::GetDisjointMut([a, b, c])),
        1 => Just(Op::Iterate),
        1 => v().prop_map(Op::IterMut),
        1 => (0..50usize).prop_map(Op::IntoIterSome),
        2 => (prop::collection::vec(k(), 0..40), 0..45usize)
            .prop_map(|(keys, n)| Op::GetMany(keys, n)),
    ]
}

fn cases(n: u32) -> ProptestConfig {
    // PROPTEST_CASES, when set, overrides (scripts/valgrind.sh sets it low).
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn random_ops_on_a_small_key_space_match_std(ops in prop::collection::vec(op(48), 1..300)) {
        run(&ops, gomap::DefaultHashBuilder::default());
    }

    #[test]
    fn random_ops_on_a_medium_key_space_match_std(ops in prop::collection::vec(op(3000), 1..400)) {
        run(&ops, gomap::DefaultHashBuilder::default());
    }
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn random_ops_with_std_siphash_match_std(ops in prop::collection::vec(op(200), 1..400)) {
        run(&ops, std::collections::hash_map::RandomState::new());
    }

    #[test]
    fn random_ops_with_a_constant_hash_match_std(ops in prop::collection::vec(op(100), 1..300)) {
        run(&ops, BadHasher(Badness::Constant));
    }

    #[test]
    fn random_ops_with_only_three_low_hash_bits_match_std(
        ops in prop::collection::vec(op(300), 1..300)
    ) {
        run(&ops, BadHasher(Badness::LowBits(3)));
    }

    #[test]
    fn random_ops_with_only_the_top_hash_byte_match_std(
        ops in prop::collection::vec(op(300), 1..300)
    ) {
        run(&ops, BadHasher(Badness::TopByte));
    }
}

// ---------------------------------------------------------------------------------------------
// Long seeded runs.
// ---------------------------------------------------------------------------------------------

/// A random operation for the long runs: mostly inserts and removes of keys drawn from
/// `0..space` (spread over all of `u32` when `spread`), with `insert_pct` percent inserts among
/// them, and now and then any other operation.
fn random_op(rng: &mut Rng, space: u64, spread: bool, insert_pct: u64) -> Op {
    let key = |rng: &mut Rng| {
        let k = rng.below(space) as u32;
        if spread {
            k.wrapping_mul(0x9e37_79b1)
        } else {
            k
        }
    };
    let v = rng.next_u64() as u32;
    let r = rng.below(1000);
    if r < 940 {
        return if rng.chance(insert_pct) {
            match rng.below(8) {
                0 => Op::OrInsert(key(rng), v),
                1 => Op::Entry(key(rng), v, EntryAction::Insert),
                _ => Op::Insert(key(rng), v),
            }
        } else {
            match rng.below(6) {
                0 => Op::RemoveEntry(key(rng)),
                1 => Op::Entry(key(rng), v, EntryAction::Remove),
                _ => Op::Remove(key(rng)),
            }
        };
    }
    match r - 940 {
        0..=19 => Op::Get(key(rng)),
        20..=34 => Op::GetMut(key(rng), v),
        35..=44 => Op::AndModify(key(rng), v),
        45..=49 => Op::OrDefault(key(rng)),
        50..=52 => Op::InsertEntry(key(rng), v),
        53 => Op::OrInsertWithKey(key(rng)),
        54 => Op::Entry(key(rng), v, EntryAction::RemoveEntry),
        55 => Op::Retain(7 + rng.below(20) as u32),
        56 => Op::ExtractSome(3 + rng.below(10) as u32, rng.below(20) as usize),
        57 if rng.chance(50) => Op::Reserve(rng.below(64) as usize),
        58 => Op::FinishGrowth,
        59 => Op::Clone,
        57 => Op::TryReserve(rng.below(64) as usize),
        _ => unreachable!(),
    }
}

/// Runs `steps` random operations on both maps, in phases: grow towards `space * insert_pct%`
/// entries, churn at constant size, shrink; with rare whole-map operations (drain, clear,
/// shrink_to_fit) in between. Returns the checker (for its grow counts).
fn long_run<S: BuildHasher + Clone>(
    seed: u64,
    steps: usize,
    space: u64,
    spread: bool,
    hasher: S,
) -> Checker {
    let mut rng = Rng::new(seed);
    let mut g: Map<S> = gomap::HashMap::with_hasher(hasher);
    let mut m = Model::new();
    let mut checker = Checker::adaptive();
    let phase_len = (steps / 6).max(1);
    for step in 0..steps {
        // Grow (75% inserts), churn (50%), shrink (25%), churn, grow, churn.
        let insert_pct = match step / phase_len {
            0 | 4 => 75,
            2 => 25,
            _ => 50,
        };
        let op = if step % phase_len == phase_len - 1 {
            // A whole-map operation at the end of some phases.
            match step / phase_len {
                0 => Op::Retain(2),
                1 => Op::ExtractAll(3),
                // After the shrinking phase: an incremental shrink that later writes finish.
                2 => Op::ShrinkToFit,
                3 => Op::DrainSome(100),
                _ => Op::ShrinkTo(space as usize / 4),
            }
        } else {
            random_op(&mut rng, space, spread, insert_pct)
        };
        let eff = apply(&op, &mut g, &mut m);
        checker.check(&g, eff);
        let every = (m.len() / 8).max(64);
        if step % every == 0 {
            assert_same(&g, &m);
        }
    }
    assert_same(&g, &m);
    checker
}

#[test]
fn a_long_seeded_run_over_a_small_key_space_matches_std() {
    let c = long_run(
        1,
        scaled(150_000),
        600,
        false,
        gomap::DefaultHashBuilder::default(),
    );
    assert!(c.doubling_grows >= 5 || common::small(), "{c:?}");
    assert!(c.shrinks >= 1 || common::small(), "{c:?}");
}

#[test]
fn a_long_seeded_run_over_a_large_key_space_matches_std() {
    let c = long_run(
        2,
        scaled(150_000),
        60_000,
        true,
        gomap::DefaultHashBuilder::default(),
    );
    assert!(c.doubling_grows >= 8 || common::small(), "{c:?}");
    assert!(c.shrinks >= 1 || common::small(), "{c:?}");
}

/// Keys (not in `m`, not in `taken`) whose hash, under `hasher`, picks bucket `j` of `2^b`.
fn keys_for_bucket<S: BuildHasher>(
    hasher: &S,
    b: u8,
    j: usize,
    n: usize,
    m: &Model,
    next: &mut u32,
) -> Vec<u32> {
    let mask = (1u64 << b) - 1;
    let mut keys = Vec::with_capacity(n);
    while keys.len() < n {
        let k = *next;
        *next = next.wrapping_add(1);
        if !m.contains_key(&k) && (hasher.hash_one(k) & mask) as usize == j {
            keys.push(k);
        }
    }
    keys
}

/// Churn aimed bucket by bucket, the pattern that makes Go maps do same-size grows: with the map
/// holding a steady population, push one bucket past its 8 slots (an overflow bucket is chained)
/// and take those keys out again (the overflow bucket stays), then the next bucket. Once about
/// as many overflow buckets as buckets are chained, the next insert must start a same-size grow,
/// which compacts the chains. The population never passes the load factor, so no doubling grow
/// may happen. Everything still matches std.
fn targeted_churn_triggers_same_size_grows<S: BuildHasher + Clone>(hasher: S) -> Checker {
    let mut g: Map<S> = gomap::HashMap::with_hasher(hasher);
    let mut m = Model::new();
    let mut checker = Checker::new();
    let mut next = 0u32;
    // A steady population of 60 entries: 16 buckets (B = 4, capacity 104).
    let b = 4u8;
    for k in 0..60u32 {
        let eff = apply(&Op::Insert(k, k), &mut g, &mut m);
        checker.check(&g, eff);
        next = k + 1;
    }
    assert_eq!(g.stats().log2_buckets, b);
    checker.doubling_grows = 0;
    for round in 0..scaled(200).max(40) {
        let j = round % (1 << b);
        // Enough keys to overflow bucket j whatever it holds now, then remove them.
        let keys = keys_for_bucket(g.hasher(), b, j, 9, &m, &mut next);
        for &k in &keys {
            let eff = apply(&Op::Insert(k, round as u32), &mut g, &mut m);
            checker.check(&g, eff);
        }
        for &k in &keys {
            let eff = apply(&Op::Remove(k), &mut g, &mut m);
            checker.check(&g, eff);
        }
        assert_eq!(
            g.stats().log2_buckets,
            b,
            "churn at 60..69 entries never doubles"
        );
    }
    assert_same(&g, &m);
    assert!(
        checker.same_size_grows > 0,
        "no same-size grow seen: {checker:?}"
    );
    assert_eq!(checker.doubling_grows, 0, "{checker:?}");
    checker
}

#[test]
fn churn_with_a_low_bits_hasher_triggers_same_size_grows_and_matches_std() {
    targeted_churn_triggers_same_size_grows(BadHasher(Badness::LowBits(8)));
}

#[test]
fn churn_with_the_default_hasher_triggers_same_size_grows_and_matches_std() {
    targeted_churn_triggers_same_size_grows(gomap::DefaultHashBuilder::default());
}

/// With a constant hash every key lands in one chain, whose length follows the population, so
/// churn never piles up overflow buckets there (a same-size grow cannot help and must not loop);
/// everything still matches std.
#[test]
fn churn_with_a_constant_hasher_matches_std() {
    let mut g: Map<BadHasher> = gomap::HashMap::with_hasher(BadHasher(Badness::Constant));
    let mut m = Model::new();
    let mut checker = Checker::new();
    let mut rng = Rng::new(4);
    for step in 0..scaled(6_000) {
        let k = rng.below(120) as u32;
        let op = if step % 2 == 0 {
            Op::Insert(k, step as u32)
        } else {
            Op::Remove(k)
        };
        let eff = apply(&op, &mut g, &mut m);
        checker.check(&g, eff);
        assert!(g.stats().max_chain <= 120 / 8 + 1);
    }
    assert_same(&g, &m);
}

/// With a good hasher, long churn at constant size near the load factor still accumulates
/// overflow buckets (as in Go) and a same-size grow compacts them; nothing is lost.
#[test]
fn long_churn_at_constant_size_with_the_default_hasher_matches_std() {
    let mut g: Map<gomap::DefaultHashBuilder> = gomap::HashMap::default();
    let mut m = Model::new();
    let mut checker = Checker::adaptive();
    let mut rng = Rng::new(5);
    // Fill to just below a grow: 6.5 * 2^7 = 832 entries fill 128 buckets.
    let size = 830u32;
    let mut lo = 0u32;
    let mut hi = 0u32;
    while hi < size {
        let eff = apply(
            &Op::Insert(hi.wrapping_mul(0x9e37_79b1), hi),
            &mut g,
            &mut m,
        );
        checker.check(&g, eff);
        hi += 1;
    }
    for _ in 0..scaled(120_000) {
        let op = if hi - lo < size && (hi - lo < size - 20 || rng.chance(50)) {
            hi += 1;
            Op::Insert((hi - 1).wrapping_mul(0x9e37_79b1), hi)
        } else {
            lo += 1;
            Op::Remove((lo - 1).wrapping_mul(0x9e37_79b1))
        };
        let eff = apply(&op, &mut g, &mut m);
        checker.check(&g, eff);
    }
    assert_same(&g, &m);
    assert!(
        checker.same_size_grows > 0 || common::small(),
        "no same-size grow seen: {checker:?}"
    );
}

/// The long runs again with bad hashers (shorter: every operation walks long chains).
#[test]
fn a_seeded_run_with_bad_hashers_matches_std() {
    for (i, badness) in [Badness::Constant, Badness::LowBits(3), Badness::TopByte]
        .into_iter()
        .enumerate()
    {
        let steps = if badness == Badness::Constant {
            4_000
        } else {
            15_000
        };
        long_run(10 + i as u64, scaled(steps), 400, true, BadHasher(badness));
    }
}
