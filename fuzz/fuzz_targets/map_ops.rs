//! Differential fuzzing of `gomap::HashMap` against `std::collections::HashMap`.
//!
//! The input bytes choose a hasher and a key space, then decode into a sequence of operations on
//! the public API (every mutating call, the entry API, iteration, clones, capacity management,
//! batched lookups: the `Op`s of `crates/gomap/tests/common/ops.rs`, shared with
//! `tests/differential.rs`). Each operation is replayed on both maps and their answers must
//! agree; after each step the map's invariants are checked through `stats()` and `snapshot()` by
//! the same `Checker` the differential tests use (live slots == len, load factor when not
//! growing, a grow ends within `old_buckets` writes, a grow more than 2x only from a reserve, a
//! shrink only when asked...): all of them after every step while the map is small.
//!
//! Hashers: foldhash with a seed taken from the input (reproducible), gomap's default (random
//! seed, renewed when the map empties), std's SipHash with fixed keys, and the bad ones of the
//! tests: constant, a few low bits, the top byte only.
//!
//! Run it with `scripts/fuzz.sh [SECONDS]`.
#![no_main]

use std::hash::{BuildHasher, BuildHasherDefault};

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unreachable_pub)]
#[path = "../../crates/gomap/tests/common/mod.rs"]
mod common;

use common::ops::{apply, assert_same, EntryAction, Map, Model, Op};
use common::{BadHasher, Badness, Checker};

/// Operations decoded from one input at most (the inputs libFuzzer makes are a few KB).
const MAX_OPS: usize = 3000;

/// Entries an operation may ask for at once (`reserve`, `extend` of a range, `shrink_to`): large
/// enough to cross reserve grows of up to 64x, small enough to keep a run fast.
const MAX_BULK: usize = 3000;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let (Ok(hasher), Ok(bits)) = (u.int_in_range(0u8..=6), u.int_in_range(0u8..=5)) else {
        return;
    };
    // Keys are drawn from 0..2^bits: small spaces make every lookup hit and chains collide.
    let mask = (1u32 << [2, 4, 6, 8, 11, 14][bits as usize]) - 1;
    match hasher {
        0 => {
            let seed = u.arbitrary::<u64>().unwrap_or(0);
            run(&mut u, mask, foldhash::fast::FixedState::with_seed(seed));
        }
        1 => run(&mut u, mask, gomap::DefaultHashBuilder::default()),
        2 => run(
            &mut u,
            mask,
            BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default(),
        ),
        3 => run(&mut u, mask, BadHasher(Badness::Constant)),
        4 => {
            let n = u.int_in_range(1u32..=6).unwrap_or(1);
            run(&mut u, mask, BadHasher(Badness::LowBits(n)));
        }
        5 => run(&mut u, mask, BadHasher(Badness::TopByte)),
        _ => run(&mut u, mask, BadHasher(Badness::LowBits(8))),
    }
});

/// Replays the operations the rest of the input decodes to, checking after every one.
fn run<S: BuildHasher + Clone>(u: &mut Unstructured<'_>, mask: u32, hasher: S) {
    let mut g: Map<S> = gomap::HashMap::with_hasher(hasher);
    let mut m = Model::new();
    // Every check after every step while the map is small; for larger maps the O(buckets)
    // checks run on every change of capacity and every `buckets / 32` steps (as in the long
    // differential runs), which keeps the fuzzer fast enough to go deep.
    let mut checker = Checker::adaptive();
    let mut ops = Vec::new();
    let mut done = 0;
    while !u.is_empty() && done < MAX_OPS {
        ops.clear();
        if decode(u, mask, &mut ops).is_err() {
            break;
        }
        for op in &ops {
            let step = apply(op, &mut g, &mut m);
            checker.check(&g, step);
            if let Op::Get(k) | Op::Insert(k, _) | Op::Remove(k) | Op::RemoveEntry(k) = *op {
                assert_eq!(g.get(&k), m.get(&k), "get({k}) after {op:?}");
            }
            done += 1;
        }
    }
    assert_same(&g, &m);
}

/// Decodes one operation, or a run of single-key operations (each checked on its own, so that
/// the growth bound counts every write), into `out`.
fn decode(u: &mut Unstructured<'_>, mask: u32, out: &mut Vec<Op>) -> Result<()> {
    let key = |u: &mut Unstructured<'_>| u.int_in_range(0..=mask);
    let value = |u: &mut Unstructured<'_>| u.arbitrary::<u16>().map(u32::from);
    let small = |u: &mut Unstructured<'_>, max: usize| u.int_in_range(0..=max);
    let modulus = |u: &mut Unstructured<'_>| u.int_in_range(1u32..=6);
    let op = match u.arbitrary::<u8>()? {
        0..=49 => Op::Insert(key(u)?, value(u)?),
        50..=79 => Op::Remove(key(u)?),
        80..=87 => Op::RemoveEntry(key(u)?),
        88..=95 => Op::Get(key(u)?),
        96..=100 => Op::GetMut(key(u)?, value(u)?),
        101..=105 => Op::OrInsert(key(u)?, value(u)?),
        106..=108 => Op::OrInsertWith(key(u)?, value(u)?),
        109..=110 => Op::OrInsertWithKey(key(u)?),
        111..=113 => Op::AndModify(key(u)?, value(u)?),
        114..=115 => Op::OrDefault(key(u)?),
        116..=118 => Op::InsertEntry(key(u)?, value(u)?),
        119..=130 => {
            let action = match u.int_in_range(0u8..=2)? {
                0 => EntryAction::Insert,
                1 => EntryAction::Remove,
                _ => EntryAction::RemoveEntry,
            };
            Op::Entry(key(u)?, value(u)?, action)
        }
        131..=136 => {
            let n = small(u, 24)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push((key(u)?, value(u)?));
            }
            if u.arbitrary::<bool>()? {
                Op::ExtendRef(items)
            } else {
                Op::Extend(items)
            }
        }
        137..=140 => {
            // A range of consecutive keys at once: big maps from few bytes.
            let (start, n, v) = (key(u)?, small(u, MAX_BULK)?, value(u)?);
            Op::Extend(
                (0..n as u32)
                    .map(|i| (start.wrapping_add(i) & mask, v ^ i))
                    .collect(),
            )
        }
        141..=144 => Op::Retain(modulus(u)?),
        145 => Op::DrainAll,
        146..=147 => Op::DrainSome(small(u, 64)?),
        148..=150 => Op::ExtractAll(modulus(u)?),
        151..=153 => Op::ExtractSome(modulus(u)?, small(u, 40)?),
        154..=155 => Op::Clear,
        156..=159 => Op::Reserve(small(u, MAX_BULK)?),
        160..=162 => Op::TryReserve(match u.int_in_range(0u8..=7)? {
            // Impossible reservations must be errors on both sides.
            0 => usize::MAX,
            1 => usize::MAX / 2,
            2 => 1 << 62,
            3 => isize::MAX as usize,
            _ => small(u, MAX_BULK)?,
        }),
        163..=165 => Op::ShrinkTo(small(u, MAX_BULK)?),
        166..=167 => Op::ShrinkToFit,
        168..=170 => Op::FinishGrowth,
        171..=172 => Op::Clone,
        173 => Op::CloneFrom,
        174 => Op::Take,
        175..=178 => Op::GetDisjointMut([key(u)?, key(u)?, key(u)?]),
        179..=180 => Op::Iterate,
        181..=182 => Op::IterMut(value(u)?),
        183..=184 => Op::IntoIterSome(small(u, 64)?),
        185..=187 => {
            let n = small(u, 40)?;
            let mut keys = Vec::with_capacity(n);
            for _ in 0..n {
                keys.push(key(u)?);
            }
            Op::GetMany(keys, small(u, 48)?)
        }
        188..=224 => {
            // Inserts of consecutive keys, one write per step.
            let (start, n, v) = (key(u)?, small(u, 200)?, value(u)?);
            out.extend((0..n as u32).map(|i| Op::Insert(start.wrapping_add(i) & mask, v ^ i)));
            return Ok(());
        }
        225..=255 => {
            // Removals of consecutive keys, one write per step.
            let (start, n) = (key(u)?, small(u, 200)?);
            out.extend((0..n as u32).map(|i| Op::Remove(start.wrapping_add(i) & mask)));
            return Ok(());
        }
    };
    out.push(op);
    Ok(())
}
