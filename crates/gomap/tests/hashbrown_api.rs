//! hashbrown's additions to std's API, which hashbrown users reach for: `entry_ref`,
//! `get_key_value_mut`, `Entry::insert`, `Entry::or_insert_entry`, `replace_entry_with` /
//! `and_replace_entry_with`, `Extend<&(K, V)>`, `allocation_size`, `HashSet::entry` and the
//! in-place set operators, plus std's `RandomState` / `DefaultHasher` under `gomap::hash_map`.
//!
//! Each behaves as hashbrown's does; the ones that write are also checked in the middle of a
//! grow, against a std map holding the same entries.

use std::cell::Cell;
use std::collections::HashMap as StdHashMap;
use std::collections::HashSet as StdHashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use gomap::hash_map::{Entry, EntryRef, HashMap};
use gomap::hash_set::{self, HashSet};

/// A map of `n` string keys caught in the middle of a grow (an insert started one and later
/// writes have not finished it), with the same entries in a std map.
fn growing_map(n: usize) -> (HashMap<String, usize>, StdHashMap<String, usize>) {
    let mut map = HashMap::new();
    let mut model = StdHashMap::new();
    let mut i = 0;
    while i < n || !map.stats().growing {
        map.insert(format!("k{i}"), i);
        model.insert(format!("k{i}"), i);
        i += 1;
    }
    assert!(map.stats().growing, "the map is mid-grow");
    (map, model)
}

fn assert_same(map: &HashMap<String, usize>, model: &StdHashMap<String, usize>) {
    assert_eq!(map.len(), model.len());
    for (k, v) in model {
        assert_eq!(map.get(k), Some(v), "key {k}");
    }
    let n: usize = map.iter().count();
    assert_eq!(n, model.len(), "iteration yields each entry once");
}

#[test]
fn entry_ref_makes_an_owned_key_only_for_a_new_entry() {
    thread_local!(static MADE: Cell<usize> = const { Cell::new(0) });
    #[derive(PartialEq, Eq, Hash, Debug)]
    struct Key(String);
    impl std::borrow::Borrow<str> for Key {
        fn borrow(&self) -> &str {
            &self.0
        }
    }
    impl From<&str> for Key {
        fn from(s: &str) -> Key {
            MADE.with(|m| m.set(m.get() + 1));
            Key(s.to_string())
        }
    }
    let mut map: HashMap<Key, u32> = HashMap::new();
    for word in "a b a c b a".split(' ') {
        *map.entry_ref(word).or_insert(0) += 1;
    }
    assert_eq!(MADE.with(Cell::get), 3, "one owned key per distinct word");
    assert_eq!(map["a"], 3);
    assert_eq!(map["b"], 2);
    assert_eq!(map["c"], 1);
}

#[test]
fn entry_ref_offers_the_entry_api_for_a_borrowed_key() {
    let mut map: HashMap<String, u32> = HashMap::new();
    assert_eq!(map.entry_ref("x").key(), "x");
    assert_eq!(*map.entry_ref("x").or_insert_with(|| 5), 5);
    assert_eq!(
        *map.entry_ref("y").or_insert_with_key(|k| k.len() as u32),
        1
    );
    assert_eq!(*map.entry_ref("z").or_default(), 0);
    map.entry_ref("x").and_modify(|v| *v += 1).or_insert(100);
    assert_eq!(map["x"], 6);
    let e = map.entry_ref("w").insert(7);
    assert_eq!((e.key().as_str(), *e.get()), ("w", 7));
    let e = map.entry_ref("w").insert(8);
    assert_eq!(
        *e.get(),
        8,
        "insert on an occupied entry replaces the value"
    );
    match map.entry_ref("nope") {
        EntryRef::Vacant(v) => {
            assert_eq!(v.key(), "nope");
            let e = v.insert_entry(1);
            assert_eq!(e.remove_entry(), ("nope".to_string(), 1));
        }
        EntryRef::Occupied(_) => unreachable!(),
    }
    match map.entry_ref("x") {
        EntryRef::Occupied(e) => assert_eq!(e.remove(), 6),
        EntryRef::Vacant(_) => unreachable!(),
    }
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["w", "y", "z"]);
    assert!(format!("{:?}", map.entry_ref("q")).contains("VacantEntryRef"));
}

#[test]
fn entry_ref_inserts_and_removes_correctly_in_the_middle_of_a_grow() {
    let (mut map, mut model) = growing_map(1000);
    let mut i = 0;
    while map.stats().growing {
        let new = format!("n{i}");
        *map.entry_ref(new.as_str()).or_insert(0) += i;
        *model.entry(new).or_insert(0) += i;
        let old = format!("k{i}");
        if let EntryRef::Occupied(e) = map.entry_ref(old.as_str()) {
            e.remove();
            model.remove(&old);
        }
        i += 1;
    }
    assert_same(&map, &model);
}

#[test]
fn get_key_value_mut_gives_the_stored_key_and_a_mutable_value() {
    let mut map = HashMap::from([("a".to_string(), 1)]);
    let (k, v) = map.get_key_value_mut("a").unwrap();
    assert_eq!(k, "a");
    *v = 10;
    assert_eq!(map["a"], 10);
    assert!(map.get_key_value_mut("b").is_none());
}

#[test]
fn entry_insert_and_or_insert_entry_return_the_occupied_entry() {
    let mut map: HashMap<&str, u32> = HashMap::new();
    let e = map.entry("a").insert(1);
    assert_eq!((e.key(), e.get()), (&"a", &1));
    let e = map.entry("a").insert(2);
    assert_eq!(e.get(), &2, "insert replaces an existing value");
    let e = map.entry("b").or_insert_entry(3);
    assert_eq!(e.get(), &3);
    let e = map.entry("b").or_insert_entry(4);
    assert_eq!(e.get(), &3, "or_insert_entry keeps an existing value");
    assert_eq!(map.len(), 2);
}

#[test]
fn replace_entry_with_replaces_or_removes_and_the_vacant_result_can_insert_again() {
    let mut map: HashMap<String, usize> = (0..100).map(|i| (format!("k{i}"), i)).collect();
    let Entry::Occupied(e) = map.entry("k7".to_string()) else {
        unreachable!()
    };
    let Entry::Occupied(e) = e.replace_entry_with(|k, v| {
        assert_eq!(k, "k7");
        Some(v + 1000)
    }) else {
        unreachable!()
    };
    assert_eq!(e.get(), &1007);
    let Entry::Vacant(v) = e.replace_entry_with(|_, _| None) else {
        unreachable!()
    };
    assert_eq!(v.key(), "k7");
    assert!(!map.contains_key("k7"), "a vacant result left the key out");
    assert_eq!(map.len(), 99);
    let Entry::Vacant(v) = map
        .entry("k8".to_string())
        .and_replace_entry_with(|_, _| None)
    else {
        unreachable!()
    };
    v.insert(8888);
    assert_eq!(
        map["k8"], 8888,
        "the vacant entry from a removal inserts again"
    );
    let e = map
        .entry("absent".to_string())
        .and_replace_entry_with(|_, _| unreachable!());
    assert!(
        matches!(e, Entry::Vacant(_)),
        "a vacant entry is returned unchanged"
    );
    assert_eq!(map.len(), 99);
}

#[test]
fn replace_entry_with_keeps_every_other_entry_findable_in_the_middle_of_a_grow() {
    let (mut map, mut model) = growing_map(2000);
    let keys: Vec<String> = model.keys().cloned().collect();
    for (i, k) in keys.iter().enumerate() {
        let remove = i % 3 == 0;
        let e = map
            .entry(k.clone())
            .and_replace_entry_with(|_, v| (!remove).then_some(v * 2));
        match (e, remove) {
            (Entry::Vacant(v), true) => {
                if i % 2 == 0 {
                    v.insert(1);
                    model.insert(k.clone(), 1);
                } else {
                    model.remove(k);
                }
            }
            (Entry::Occupied(_), false) => *model.get_mut(k).unwrap() *= 2,
            _ => panic!("wrong entry kind for {k}"),
        }
    }
    assert_same(&map, &model);
}

#[test]
fn a_panic_in_replace_entry_with_removes_the_entry_and_drops_it_once() {
    struct Counted(Rc<Cell<usize>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let drops = Rc::new(Cell::new(0));
    let mut map: HashMap<u32, Counted> = (0..20).map(|i| (i, Counted(drops.clone()))).collect();
    let r = catch_unwind(AssertUnwindSafe(|| {
        map.entry(5).and_replace_entry_with(|_, _v| panic!("boom"));
    }));
    assert!(r.is_err());
    assert_eq!(
        drops.get(),
        1,
        "the value moved into the closure was dropped by the unwind"
    );
    assert!(!map.contains_key(&5));
    assert_eq!(map.len(), 19);
    assert_eq!(map.iter().count(), 19);
    map.insert(5, Counted(drops.clone()));
    assert_eq!(map.len(), 20);
    drop(map);
    assert_eq!(drops.get(), 21, "every value dropped exactly once");
}

#[test]
fn extend_by_reference_to_pairs_copies_them() {
    let pairs = [(1, 'a'), (2, 'b')];
    let mut map: HashMap<i32, char> = HashMap::new();
    map.extend(&pairs);
    map.extend(pairs.iter());
    assert_eq!(map.len(), 2);
    assert_eq!(map[&2], 'b');
}

#[test]
fn allocation_size_counts_the_arrays_and_goes_to_zero_when_freed() {
    let mut map: HashMap<u64, u64> = HashMap::new();
    assert_eq!(map.allocation_size(), 0);
    map.extend((0..10_000).map(|i| (i, i)));
    let full = map.allocation_size();
    assert!(full >= 10_000 * 16, "at least the entries' bytes: {full}");
    assert_eq!(full, map.stats().heap_bytes);
    map.clear();
    map.shrink_to_fit();
    assert_eq!(map.allocation_size(), 0);
}

#[test]
fn std_s_hasher_types_are_under_gomap_hash_map() {
    use gomap::hash_map::{DefaultHasher, RandomState};
    use std::hash::{BuildHasher, Hasher};
    let mut map: HashMap<&str, u32, RandomState> = HashMap::with_hasher(RandomState::new());
    map.insert("a", 1);
    assert_eq!(map["a"], 1);
    let mut h = DefaultHasher::new();
    h.write_u32(1);
    let _ = h.finish();
    let s = RandomState::new();
    assert_eq!(s.hash_one(7u32), s.hash_one(7u32));
}

#[test]
fn hash_set_entry_inserts_gets_and_removes() {
    let mut set: HashSet<String> = HashSet::new();
    assert_eq!(set.entry("a".to_string()).get(), "a");
    set.entry("a".to_string()).or_insert();
    set.entry("a".to_string()).or_insert();
    assert_eq!(set.len(), 1);
    let e = set.entry("b".to_string()).insert();
    assert_eq!(e.get(), "b");
    match set.entry("c".to_string()) {
        hash_set::Entry::Vacant(v) => assert_eq!(v.into_value(), "c"),
        hash_set::Entry::Occupied(_) => unreachable!(),
    }
    assert!(!set.contains("c"));
    match set.entry("a".to_string()) {
        hash_set::Entry::Occupied(e) => assert_eq!(e.remove(), "a"),
        hash_set::Entry::Vacant(_) => unreachable!(),
    }
    assert_eq!(set.iter().collect::<Vec<_>>(), ["b"]);
}

#[test]
fn in_place_set_operators_agree_with_std_s_operators() {
    for (a, b) in [
        (0..50, 25..100),
        (0..10, 0..1000),
        (0..1000, 500..510),
        (0..0, 0..5),
    ] {
        let ga: HashSet<u32> = a.clone().collect();
        let gb: HashSet<u32> = b.clone().collect();
        let sa: StdHashSet<u32> = a.collect();
        let sb: StdHashSet<u32> = b.collect();
        let as_std = |s: &HashSet<u32>| s.iter().copied().collect::<StdHashSet<u32>>();

        let mut x = ga.clone();
        x |= &gb;
        assert_eq!(as_std(&x), &sa | &sb);
        let mut x = ga.clone();
        x &= &gb;
        assert_eq!(as_std(&x), &sa & &sb);
        let mut x = ga.clone();
        x ^= &gb;
        assert_eq!(as_std(&x), &sa ^ &sb);
        let mut x = ga.clone();
        x -= &gb;
        assert_eq!(as_std(&x), &sa - &sb);
        // The operators that make a new set agree with the in-place ones.
        let mut y = ga.clone();
        y -= &gb;
        assert_eq!(y, &ga - &gb);
    }
}
