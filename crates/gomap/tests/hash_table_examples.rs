//! `gomap::HashTable`: hashbrown's `HashTable` documentation examples, run on gomap's table, and
//! a seeded differential run against std's `HashMap` through growth.

mod common;

use std::collections::HashMap as StdHashMap;
use std::hash::BuildHasher;

use common::Rng;
use gomap::hash_table::Entry;
use gomap::{DefaultHashBuilder, HashTable};

#[test]
fn the_type_level_example_finds_what_was_inserted() {
    let mut table = HashTable::new();
    let hasher = DefaultHashBuilder::default();
    let hasher = |val: &_| hasher.hash_one(val);
    table.insert_unique(hasher(&1), 1, hasher);
    table.insert_unique(hasher(&2), 2, hasher);
    table.insert_unique(hasher(&3), 3, hasher);
    assert_eq!(table.find(hasher(&2), |&val| val == 2), Some(&2));
    assert_eq!(table.find(hasher(&4), |&val| val == 4), None);
}

#[test]
fn find_mut_changes_a_value_in_place() {
    let mut table = HashTable::new();
    let hasher = DefaultHashBuilder::default();
    let hasher = |val: &_| hasher.hash_one(val);
    table.insert_unique(hasher(&1), (1, "a"), |val| hasher(&val.0));
    if let Some(val) = table.find_mut(hasher(&1), |val| val.0 == 1) {
        val.1 = "b";
    }
    assert_eq!(table.find(hasher(&1), |val| val.0 == 1), Some(&(1, "b")));
    assert_eq!(table.find(hasher(&2), |val| val.0 == 2), None);
}

#[test]
fn find_entry_then_remove_takes_the_value_out() {
    let mut table = HashTable::new();
    let hasher = DefaultHashBuilder::default();
    let hasher = |val: &_| hasher.hash_one(val);
    table.insert_unique(hasher(&1), 1, hasher);
    if let Ok(entry) = table.find_entry(hasher(&1), |&val| val == 1) {
        entry.remove();
    }
    assert_eq!(table.find(hasher(&1), |&val| val == 1), None);
    assert!(table.find_entry(hasher(&1), |&val| val == 1).is_err());
}

#[test]
fn entry_removes_an_occupied_value_and_fills_a_vacant_one() {
    let mut table = HashTable::new();
    let hasher = DefaultHashBuilder::default();
    let hasher = |val: &_| hasher.hash_one(val);
    table.insert_unique(hasher(&1), 1, hasher);
    if let Entry::Occupied(entry) = table.entry(hasher(&1), |&val| val == 1, hasher) {
        entry.remove();
    }
    if let Entry::Vacant(entry) = table.entry(hasher(&2), |&val| val == 2, hasher) {
        entry.insert(2);
    }
    assert!(table.find(hasher(&1), |&val| val == 1).is_none());
    assert!(table.find(hasher(&2), |&val| val == 2).is_some());
}

#[test]
fn the_vacant_entry_a_removal_leaves_takes_a_value_back_without_growing() {
    let mut table = HashTable::new();
    let s = DefaultHashBuilder::default();
    let hasher = |val: &u64| s.hash_one(val);
    for x in 0..1000u64 {
        table.insert_unique(hasher(&x), x, hasher);
    }
    table.finish_growth(hasher);
    let before = table.stats();
    for x in 0..1000u64 {
        let entry = table.find_entry(hasher(&x), |&v| v == x).ok().unwrap();
        let (v, vacant) = entry.remove();
        assert_eq!(v, x);
        assert_eq!(*vacant.insert(x).get(), x);
    }
    let after = table.stats();
    assert_eq!((after.len, after.buckets), (before.len, before.buckets));
    for x in 0..1000u64 {
        assert_eq!(table.find(hasher(&x), |&v| v == x), Some(&x));
    }
}

#[test]
fn retain_keeps_the_values_the_predicate_accepts() {
    let mut table = HashTable::new();
    let hasher = DefaultHashBuilder::default();
    let hasher = |val: &_| hasher.hash_one(val);
    for x in 1..=8 {
        table.insert_unique(hasher(&x), x, hasher);
    }
    table.retain(|&mut x| x % 2 == 0);
    assert_eq!(table.len(), 4);
    let mut left: Vec<i32> = table.iter().copied().collect();
    left.sort();
    assert_eq!(left, [2, 4, 6, 8]);
}

#[test]
fn drain_empties_the_table_and_keeps_its_capacity() {
    let mut table = HashTable::new();
    let hasher = DefaultHashBuilder::default();
    let hasher = |val: &_| hasher.hash_one(val);
    for x in 1..=3 {
        table.insert_unique(hasher(&x), x, hasher);
    }
    let capacity = table.capacity();
    let mut drained: Vec<i32> = table.drain().collect();
    drained.sort();
    assert_eq!(drained, [1, 2, 3]);
    assert!(table.is_empty());
    assert_eq!(table.capacity(), capacity);
}

#[test]
fn iter_mut_changes_every_value() {
    let mut table = HashTable::new();
    let hasher = DefaultHashBuilder::default();
    let hasher = |val: &(i32, i32)| hasher.hash_one(val.0);
    for x in 1..=3 {
        table.insert_unique(hasher(&(x, x)), (x, x), hasher);
    }
    for val in table.iter_mut() {
        val.1 *= 2;
    }
    let mut all: Vec<(i32, i32)> = table.into_iter().collect();
    all.sort();
    assert_eq!(all, [(1, 2), (2, 4), (3, 6)]);
}

#[test]
fn entry_helpers_insert_and_modify_like_the_maps() {
    let mut table: HashTable<(&str, u32)> = HashTable::new();
    let s = DefaultHashBuilder::default();
    let hasher = |v: &(&str, u32)| s.hash_one(v.0);
    for word in ["a", "b", "a", "c", "a"] {
        table
            .entry(s.hash_one(word), |v| v.0 == word, hasher)
            .and_modify(|v| v.1 += 1)
            .or_insert((word, 1));
    }
    assert_eq!(table.find(s.hash_one("a"), |v| v.0 == "a"), Some(&("a", 3)));
    assert_eq!(table.len(), 3);
    let copy = table.clone();
    assert_eq!(copy.len(), 3);
    table.clear();
    table.shrink_to_fit(hasher);
    assert_eq!(table.capacity(), 0);
}

#[test]
fn random_ops_through_growth_match_std() {
    let s = DefaultHashBuilder::default();
    let hasher = |v: &(u32, u32)| s.hash_one(v.0);
    let mut rng = Rng::new(0x7ab1e);
    let mut table: HashTable<(u32, u32)> = HashTable::new();
    let mut model: StdHashMap<u32, u32> = StdHashMap::new();
    let mut saw_growing = false;
    for step in 0..common::scaled(200_000) {
        let k = rng.below(20_000) as u32;
        let h = s.hash_one(k);
        match rng.below(10) {
            0..=4 => {
                let v = rng.next_u64() as u32;
                match table.entry(h, |e| e.0 == k, hasher) {
                    Entry::Occupied(mut e) => e.get_mut().1 = v,
                    Entry::Vacant(e) => {
                        e.insert((k, v));
                    }
                }
                model.insert(k, v);
            }
            5 | 6 => {
                let got = table.find_entry(h, |e| e.0 == k).ok().map(|e| e.remove().0);
                assert_eq!(got.map(|e| e.1), model.remove(&k));
            }
            7 => assert_eq!(
                table.find(h, |e| e.0 == k).map(|e| e.1),
                model.get(&k).copied()
            ),
            8 => {
                if let Some(e) = table.find_mut(h, |e| e.0 == k) {
                    e.1 = e.1.wrapping_add(1);
                    *model.get_mut(&k).unwrap() = e.1;
                }
            }
            _ => {
                if step % 1000 == 0 {
                    table.shrink_to(rng.below(5000) as usize, hasher);
                }
            }
        }
        saw_growing |= step % 64 == 0 && table.stats().growing;
        assert_eq!(table.len(), model.len());
    }
    assert!(saw_growing, "the table grew incrementally");
    let mut all: Vec<(u32, u32)> = table.iter().copied().collect();
    all.sort();
    let mut want: Vec<(u32, u32)> = model.into_iter().collect();
    want.sort();
    assert_eq!(all, want);
}
