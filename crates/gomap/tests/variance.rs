//! Variance, as std promises it: every type that std makes covariant in its key and value
//! types is covariant here too, so a map or iterator of `&'static str` can be used where one of
//! a shorter lifetime is expected. std's own suite checks the same list
//! (`library/std/src/collections/hash/map/tests.rs`, `assert_covariance`).
//!
//! These are compile-time checks: a type that lost its covariance fails to build this file.
//! Each function is also called, so that the test exercises what it declares.

use gomap::hash_map::{
    Drain, HashMap, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values, ValuesMut,
};
use gomap::hash_set::{self, HashSet};

type Owned = &'static str;

fn map_key<'new>(v: HashMap<Owned, u8>) -> HashMap<&'new str, u8> {
    v
}
fn map_val<'new>(v: HashMap<u8, Owned>) -> HashMap<u8, &'new str> {
    v
}
fn iter_key<'a, 'new>(v: Iter<'a, Owned, u8>) -> Iter<'a, &'new str, u8> {
    v
}
fn iter_val<'a, 'new>(v: Iter<'a, u8, Owned>) -> Iter<'a, u8, &'new str> {
    v
}
fn iter_mut_key<'a, 'new>(v: IterMut<'a, Owned, u8>) -> IterMut<'a, &'new str, u8> {
    v
}
fn values_mut_key<'a, 'new>(v: ValuesMut<'a, Owned, u8>) -> ValuesMut<'a, &'new str, u8> {
    v
}
fn into_iter_key<'new>(v: IntoIter<Owned, u8>) -> IntoIter<&'new str, u8> {
    v
}
fn into_iter_val<'new>(v: IntoIter<u8, Owned>) -> IntoIter<u8, &'new str> {
    v
}
fn keys_key<'a, 'new>(v: Keys<'a, Owned, u8>) -> Keys<'a, &'new str, u8> {
    v
}
fn keys_val<'a, 'new>(v: Keys<'a, u8, Owned>) -> Keys<'a, u8, &'new str> {
    v
}
fn values_key<'a, 'new>(v: Values<'a, Owned, u8>) -> Values<'a, &'new str, u8> {
    v
}
fn values_val<'a, 'new>(v: Values<'a, u8, Owned>) -> Values<'a, u8, &'new str> {
    v
}
fn into_keys_key<'new>(v: IntoKeys<Owned, u8>) -> IntoKeys<&'new str, u8> {
    v
}
fn into_values_val<'new>(v: IntoValues<u8, Owned>) -> IntoValues<u8, &'new str> {
    v
}
// std's own check, with the borrow's lifetime shortened too.
fn drain<'a: 'new, 'new>(d: Drain<'a, Owned, Owned>) -> Drain<'new, &'new str, &'new str> {
    d
}

fn set<'new>(v: HashSet<Owned>) -> HashSet<&'new str> {
    v
}
fn set_iter<'a, 'new>(v: hash_set::Iter<'a, Owned>) -> hash_set::Iter<'a, &'new str> {
    v
}
fn set_into_iter<'new>(v: hash_set::IntoIter<Owned>) -> hash_set::IntoIter<&'new str> {
    v
}
fn set_drain<'a: 'new, 'new>(d: hash_set::Drain<'a, Owned>) -> hash_set::Drain<'new, &'new str> {
    d
}
fn difference<'a, 'new>(
    v: hash_set::Difference<'a, Owned, gomap::DefaultHashBuilder>,
) -> hash_set::Difference<'a, &'new str, gomap::DefaultHashBuilder> {
    v
}
fn symmetric_difference<'a, 'new>(
    v: hash_set::SymmetricDifference<'a, Owned, gomap::DefaultHashBuilder>,
) -> hash_set::SymmetricDifference<'a, &'new str, gomap::DefaultHashBuilder> {
    v
}
fn intersection<'a, 'new>(
    v: hash_set::Intersection<'a, Owned, gomap::DefaultHashBuilder>,
) -> hash_set::Intersection<'a, &'new str, gomap::DefaultHashBuilder> {
    v
}
fn union<'a, 'new>(
    v: hash_set::Union<'a, Owned, gomap::DefaultHashBuilder>,
) -> hash_set::Union<'a, &'new str, gomap::DefaultHashBuilder> {
    v
}

#[test]
fn map_types_are_covariant_in_keys_and_values_as_std_s_are() {
    let pairs = [("a", "x"), ("b", "y")];
    let local = String::from("b");
    let mut by_str: HashMap<&str, u8> = map_key(pairs.iter().map(|&(k, _)| (k, 1)).collect());
    // Shortened to the local's lifetime, the map takes a borrowed key.
    assert_eq!(by_str.get(local.as_str()), Some(&1));
    assert_eq!(iter_key(by_str.iter()).count(), 2);
    assert_eq!(keys_key(by_str.keys()).count(), 2);
    assert_eq!(values_key(by_str.values()).sum::<u8>(), 2);
    iter_mut_key(by_str.iter_mut()).for_each(|(_, v)| *v += 1);
    values_mut_key(by_str.values_mut()).for_each(|v| *v += 1);
    assert_eq!(by_str["a"], 3);
    assert_eq!(into_iter_key(by_str.clone().into_iter()).count(), 2);
    assert_eq!(into_keys_key(by_str.into_keys()).count(), 2);

    let by_u8: HashMap<u8, &str> = map_val((0..3u8).map(|i| (i, "v")).collect());
    assert_eq!(iter_val(by_u8.iter()).count(), 3);
    assert_eq!(keys_val(by_u8.keys()).count(), 3);
    assert_eq!(values_val(by_u8.values()).count(), 3);
    assert_eq!(into_iter_val(by_u8.clone().into_iter()).count(), 3);
    assert_eq!(into_values_val(by_u8.into_values()).count(), 3);

    let mut both: HashMap<&'static str, &'static str> = pairs.into_iter().collect();
    let drained: Vec<(&str, &str)> = drain(both.drain()).collect();
    assert_eq!(drained.len(), 2);
    assert!(both.is_empty());
}

#[test]
fn set_types_are_covariant_as_std_s_are() {
    let a: HashSet<&str> = set(["x", "y"].into_iter().collect());
    let b: HashSet<&str> = ["y", "z"].into_iter().collect();
    assert_eq!(set_iter(a.iter()).count(), 2);
    assert_eq!(difference(a.difference(&b)).count(), 1);
    assert_eq!(symmetric_difference(a.symmetric_difference(&b)).count(), 2);
    assert_eq!(intersection(a.intersection(&b)).count(), 1);
    assert_eq!(union(a.union(&b)).count(), 3);
    assert_eq!(set_into_iter(a.clone().into_iter()).count(), 2);
    let mut c: HashSet<&'static str> = ["p", "q"].into_iter().collect();
    assert_eq!(set_drain(c.drain()).count(), 2);
    assert!(c.is_empty());
}
