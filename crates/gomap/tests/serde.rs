//! Serde: JSON round trips, std's behaviour on duplicates, and a capped length hint.
#![cfg(feature = "serde")]

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet};

use gomap::{HashMap, HashSet};
use serde::de::value::{Error as ValueError, MapDeserializer, SeqDeserializer};
use serde::Deserialize;

#[test]
fn map_round_trip() {
    for n in [0u32, 1, 1000] {
        let map: HashMap<u32, String> = (0..n).map(|i| (i, format!("v{i}"))).collect();
        let json = serde_json::to_string(&map).unwrap();
        let back: HashMap<u32, String> = serde_json::from_str(&json).unwrap();
        assert_eq!(map, back);
        // The same JSON as std's map (up to order).
        let std: std::collections::HashMap<u32, String> = serde_json::from_str(&json).unwrap();
        assert_eq!(std.len(), map.len());
        assert!(std.iter().all(|(k, v)| map.get(k) == Some(v)));
    }
}

#[test]
fn map_serializes_as_a_json_object() {
    let map = HashMap::from([("a".to_string(), 1)]);
    assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"a":1}"#);
    let empty: HashMap<String, u32> = HashMap::new();
    assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
    let value = serde_json::to_value(HashMap::from([(1, 2), (3, 4)])).unwrap();
    let back: BTreeMap<String, u32> = serde_json::from_value(value).unwrap();
    assert_eq!(
        back,
        BTreeMap::from([("1".to_string(), 2), ("3".to_string(), 4)])
    );
}

#[test]
fn set_round_trip_and_format() {
    let set: HashSet<String> = (0..500).map(|i| i.to_string()).collect();
    let json = serde_json::to_string(&set).unwrap();
    assert!(json.starts_with('['));
    let back: HashSet<String> = serde_json::from_str(&json).unwrap();
    assert_eq!(set, back);
    assert_eq!(serde_json::to_string(&HashSet::from([7])).unwrap(), "[7]");
    let sorted: BTreeSet<String> = serde_json::from_str(&json).unwrap();
    assert_eq!(sorted.len(), 500);
}

#[test]
fn other_hashers_deserialize() {
    let map: HashMap<u8, u8, RandomState> = serde_json::from_str(r#"{"1":2}"#).unwrap();
    assert_eq!(map[&1], 2);
    let set: HashSet<u8, RandomState> = serde_json::from_str("[1,2,2]").unwrap();
    assert_eq!(set.len(), 2);
}

#[test]
fn duplicate_keys_last_wins_like_std() {
    let json = r#"{"a":1,"b":2,"a":3}"#;
    let ours: HashMap<String, u32> = serde_json::from_str(json).unwrap();
    let std: std::collections::HashMap<String, u32> = serde_json::from_str(json).unwrap();
    assert_eq!(ours.len(), 2);
    assert_eq!(ours["a"], 3);
    assert_eq!(ours["a"], std["a"]);
    assert_eq!(ours["b"], std["b"]);
    let set: HashSet<u32> = serde_json::from_str("[1,1,2,1]").unwrap();
    assert_eq!(set, HashSet::from([1, 2]));
}

#[test]
fn errors_are_reported() {
    assert!(serde_json::from_str::<HashMap<u32, u32>>("[1,2]").is_err());
    assert!(serde_json::from_str::<HashSet<u32>>(r#"{"a":1}"#).is_err());
    assert!(serde_json::from_str::<HashMap<u32, u32>>(r#"{"1":"x"}"#).is_err());
    let err = serde_json::from_str::<HashSet<u32>>("3").unwrap_err();
    assert!(err.to_string().contains("a sequence"), "{err}");
    let err = serde_json::from_str::<HashMap<u32, u32>>("3").unwrap_err();
    assert!(err.to_string().contains("a map"), "{err}");
}

/// Yields a few items but claims to hold `claimed`, as a hostile length prefix would.
struct Liar<I> {
    inner: I,
    claimed: usize,
}

impl<I: Iterator> Iterator for Liar<I> {
    type Item = I::Item;
    fn next(&mut self) -> Option<I::Item> {
        self.inner.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.claimed, Some(self.claimed))
    }
}

#[test]
fn a_huge_length_hint_does_not_preallocate() {
    let claimed = usize::MAX / 4;
    let seq = SeqDeserializer::<_, ValueError>::new(Liar {
        inner: [1u32, 2, 3].into_iter(),
        claimed,
    });
    let set = HashSet::<u32>::deserialize(seq).unwrap();
    assert_eq!(set.len(), 3);
    assert!(set.capacity() <= 8192, "capacity {}", set.capacity());

    let map = MapDeserializer::<_, ValueError>::new(Liar {
        inner: [(1u32, 10u32), (2, 20)].into_iter(),
        claimed,
    });
    let map = HashMap::<u32, u32>::deserialize(map).unwrap();
    assert_eq!(map.len(), 2);
    assert_eq!(map[&2], 20);
    assert!(map.capacity() <= 8192, "capacity {}", map.capacity());

    // An honest hint below the cap is used.
    let seq = SeqDeserializer::<_, ValueError>::new(0u32..1000);
    let set = HashSet::<u32>::deserialize(seq).unwrap();
    assert_eq!(set.len(), 1000);
    assert!(set.capacity() >= 1000);
}
