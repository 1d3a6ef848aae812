//! The map works for every shape of key and value type, like std's:
//!
//! - zero-sized keys and values (`()`, unit structs, a zero-sized type with a `Drop`), including
//!   `HashMap<(), ()>` and `HashMap<u8, ()>`;
//! - keys and values larger than `gomap::introspect::MAX_INLINE` (128) bytes, which are stored out of line
//!   (`[u8; 200]`, `[u64; 40]`, and big types that count their drops): insert, get, remove,
//!   iterate, grow, drain, clone and drop, with exact drop counts;
//! - over-aligned types (`#[repr(align(64))]`, `#[repr(align(128))]`, and one so large it is
//!   boxed): every reference the map hands out is aligned;
//! - borrowed lookups: `String` keys by `&str`, `Vec<u8>` by `&[u8]`, and a type implementing
//!   `gomap::Equivalent`.

mod common;

use std::collections::HashMap as StdHashMap;
use std::fmt::Debug;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use common::{Tracked, Tracker};
use gomap::{Equivalent, HashMap};

/// Runs the same workload on a gomap map and a std map of `n` entries made by `key(i)` and
/// `value(i)`: inserts that cross several grows, overwrites, lookups, `get_mut` writes,
/// removals, iteration, clone, drain, and finally drops both.
fn exercise<K, V>(n: u64, key: impl Fn(u64) -> K, value: impl Fn(u64) -> V)
where
    K: Hash + Eq + Clone + Debug,
    V: PartialEq + Clone + Debug,
{
    let mut g = HashMap::new();
    let mut m = StdHashMap::new();
    for i in 0..n {
        assert_eq!(g.insert(key(i), value(i)), m.insert(key(i), value(i)));
    }
    assert_eq!(g.len(), m.len());
    for i in 0..n {
        assert_eq!(g.get(&key(i)), m.get(&key(i)));
        assert_eq!(g.get_key_value(&key(i)), m.get_key_value(&key(i)));
    }
    // Overwrites return the old value.
    for i in (0..n).step_by(3) {
        assert_eq!(
            g.insert(key(i), value(i + 1)),
            m.insert(key(i), value(i + 1))
        );
    }
    // Writes through get_mut.
    for i in (0..n).step_by(5) {
        if let (Some(a), Some(b)) = (g.get_mut(&key(i)), m.get_mut(&key(i))) {
            *a = value(i + 2);
            *b = value(i + 2);
        }
    }
    // Iteration sees every entry once.
    assert_eq!(g.iter().count(), m.len());
    for (k, v) in &g {
        assert_eq!(m.get(k), Some(v));
    }
    // Remove half.
    for i in (0..n).step_by(2) {
        assert_eq!(g.remove(&key(i)), m.remove(&key(i)));
    }
    assert_eq!(g.len(), m.len());
    let copy = g.clone();
    assert_eq!(copy.len(), g.len());
    for (k, v) in &m {
        assert_eq!(copy.get(k), Some(v));
    }
    let drained: Vec<(K, V)> = g.drain().collect();
    assert_eq!(drained.len(), m.len());
    for (k, v) in &drained {
        assert_eq!(m.get(k), Some(v));
    }
    assert!(g.is_empty());
    for (k, v) in copy {
        assert_eq!(m.remove(&k), Some(v));
    }
    assert!(m.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Zero-sized types.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
struct Unit;

#[test]
fn a_map_from_unit_to_unit_holds_at_most_one_entry() {
    let mut map: HashMap<(), ()> = HashMap::new();
    assert_eq!(map.insert((), ()), None);
    assert_eq!(map.insert((), ()), Some(()));
    assert_eq!(map.len(), 1);
    assert_eq!(map.get(&()), Some(&()));
    assert_eq!(map.iter().collect::<Vec<_>>(), [(&(), &())]);
    assert_eq!(map.remove(&()), Some(()));
    assert_eq!(map.remove(&()), None);
    assert!(map.is_empty());
    map.insert((), ());
    assert_eq!(map.drain().count(), 1);
    assert!(map.is_empty());
    *map.entry(()).or_default() = ();
    assert_eq!(map.len(), 1);
    assert_eq!(format!("{map:?}"), "{(): ()}");
}

#[test]
fn a_unit_struct_works_as_key_and_value() {
    let mut map: HashMap<Unit, Unit> = HashMap::new();
    assert_eq!(map.insert(Unit, Unit), None);
    assert_eq!(map.insert(Unit, Unit), Some(Unit));
    assert_eq!(map[&Unit], Unit);
    assert_eq!(map.into_iter().collect::<Vec<_>>(), [(Unit, Unit)]);
}

#[test]
fn a_map_from_u8_to_unit_holds_all_256_keys_across_grows() {
    let mut map: HashMap<u8, ()> = HashMap::new();
    for k in 0..=255u8 {
        assert_eq!(map.insert(k, ()), None);
    }
    assert_eq!(map.len(), 256);
    for k in 0..=255u8 {
        assert!(map.contains_key(&k));
        assert_eq!(map.insert(k, ()), Some(()));
    }
    let mut keys: Vec<u8> = map.keys().copied().collect();
    keys.sort_unstable();
    assert_eq!(keys, (0..=255).collect::<Vec<_>>());
    map.retain(|k, _| k % 2 == 0);
    assert_eq!(map.len(), 128);
    map.shrink_to_fit();
    assert_eq!(map.len(), 128);
    assert!((0..=255u8).all(|k| map.contains_key(&k) == (k % 2 == 0)));
    exercise(256, |i| i as u8, |_| ());
}

#[test]
fn zero_sized_values_with_sized_keys_and_sized_values_with_zero_sized_keys() {
    exercise(2000, |i| i, |_| ());
    exercise(2000, |i| i, |_| Unit);
    exercise(1, |_| Unit, |i| i);
    exercise(1, |_| (), |i| vec![i; 3]);
}

static ZST_DROPS: AtomicUsize = AtomicUsize::new(0);

/// A zero-sized value that counts its drops (only one test uses it).
#[derive(Debug, PartialEq)]
struct ZstDrop;

impl Drop for ZstDrop {
    fn drop(&mut self) {
        ZST_DROPS.fetch_add(1, SeqCst);
    }
}

#[test]
fn zero_sized_values_with_a_drop_are_dropped_once_each() {
    let mut map: HashMap<u32, ZstDrop> = HashMap::new();
    for k in 0..1000 {
        map.insert(k, ZstDrop);
    }
    assert_eq!(ZST_DROPS.load(SeqCst), 0);
    drop(map.insert(7, ZstDrop)); // the old value comes back and is dropped here
    assert_eq!(ZST_DROPS.load(SeqCst), 1);
    map.retain(|k, _| k % 2 == 0);
    assert_eq!(ZST_DROPS.load(SeqCst), 501);
    drop(map.remove(&0));
    assert_eq!(ZST_DROPS.load(SeqCst), 502);
    drop(map);
    assert_eq!(ZST_DROPS.load(SeqCst), 1001);
}

// ---------------------------------------------------------------------------------------------
// Big types, stored out of line.
// ---------------------------------------------------------------------------------------------

fn big_key(i: u64) -> [u8; 200] {
    let mut k = [0u8; 200];
    k[..8].copy_from_slice(&i.to_le_bytes());
    k[199] = (i % 251) as u8;
    k
}

fn big_value(i: u64) -> [u64; 40] {
    std::array::from_fn(|j| i.wrapping_mul(j as u64 + 1))
}

#[test]
fn keys_and_values_larger_than_max_inline_work_across_grows() {
    const {
        assert!(std::mem::size_of::<[u8; 200]>() > gomap::introspect::MAX_INLINE);
        assert!(std::mem::size_of::<[u64; 40]>() > gomap::introspect::MAX_INLINE);
    }
    exercise(3000, big_key, big_value);
    exercise(3000, big_key, |i| i);
    exercise(3000, |i| i, big_value);
}

#[test]
fn out_of_line_entries_are_counted_in_heap_bytes() {
    let mut small: HashMap<u64, u64> = HashMap::new();
    let mut big: HashMap<u64, [u64; 40]> = HashMap::new();
    for i in 0..1000 {
        small.insert(i, i);
        big.insert(i, big_value(i));
    }
    let s = big.stats();
    assert!(
        s.heap_bytes >= 1000 * std::mem::size_of::<[u64; 40]>(),
        "boxed values are counted: {s:?}"
    );
    assert!(s.heap_bytes > small.stats().heap_bytes);
}

/// A key over 128 bytes that counts its instances.
#[derive(Clone, Debug)]
struct BigTracked {
    t: Tracked,
    pad: [u8; 200],
}

impl PartialEq for BigTracked {
    fn eq(&self, other: &Self) -> bool {
        self.t == other.t
    }
}
impl Eq for BigTracked {}
impl Hash for BigTracked {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.t.hash(state);
    }
}

#[test]
fn out_of_line_keys_and_values_are_dropped_once_each() {
    let t = Tracker::new();
    let big = |id: u64| BigTracked {
        t: t.make(id),
        pad: [id as u8; 200],
    };
    let value = |id: u64| (t.make(1 << 40 | id), [id; 40]);
    let mut map = HashMap::new();
    for i in 0..2000 {
        map.insert(big(i), value(i));
    }
    t.assert_live(4000);
    assert!(map.get(&big(5)).is_some_and(|v| v.1[39] == 5));
    for i in 0..2000 {
        drop(map.insert(big(i), value(i + 1)));
    }
    t.assert_live(4000);
    assert!(map.get(&big(5)).is_some_and(|v| v.1[0] == 6));
    for i in (0..2000).step_by(2) {
        drop(map.remove_entry(&big(i)));
    }
    t.assert_live(2000);
    assert!(map
        .iter()
        .all(|(k, v)| k.pad[0] == k.t.id as u8 && v.0.id & 1 == 0));
    let copy = map.clone();
    t.assert_live(4000);
    let mut it = copy.into_iter();
    drop(it.next());
    drop(it);
    t.assert_live(2000);
    let mut drain = map.drain();
    drop(drain.next());
    drop(drain);
    t.assert_live(0);
    map.insert(big(1), value(1));
    drop(map);
    t.assert_live(0);
}

// ---------------------------------------------------------------------------------------------
// Over-aligned types.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(align(64))]
struct Align64(u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(align(128))]
struct Align128(u32);

/// Aligned to 256, so 256 bytes: larger than `MAX_INLINE`, stored out of line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(align(256))]
struct Align256(u16);

fn assert_aligned<T>(r: &T) {
    let addr = r as *const T as usize;
    assert_eq!(
        addr % std::mem::align_of::<T>(),
        0,
        "{} at {addr:#x}",
        std::any::type_name::<T>()
    );
}

fn check_alignment<K: Hash + Eq + Clone + Debug, V: PartialEq + Clone + Debug>(
    key: impl Fn(u64) -> K,
    value: impl Fn(u64) -> V,
) {
    let mut map = HashMap::new();
    for i in 0..1500 {
        map.insert(key(i), value(i));
        if i % 100 == 0 {
            // Also mid-grow, with entries in both arrays.
            for (k, v) in &map {
                assert_aligned(k);
                assert_aligned(v);
            }
        }
    }
    for (k, v) in map.iter_mut() {
        assert_aligned(k);
        assert_aligned(&*v);
    }
    for i in 0..1500 {
        let (k, v) = map.get_key_value(&key(i)).unwrap();
        assert_aligned(k);
        assert_aligned(v);
        assert_aligned(map.get_mut(&key(i)).unwrap());
    }
    exercise(1500, key, value);
}

#[test]
fn over_aligned_keys_and_values_are_stored_aligned() {
    check_alignment(Align64, Align64);
    check_alignment(|i| Align128(i as u32), |i| i as u8);
    check_alignment(|i| i as u8 as u16, |i| Align128(i as u32));
    check_alignment(|i| Align256(i as u16), Align64);
    check_alignment(|i| i, |i| Align256(i as u16));
}

// ---------------------------------------------------------------------------------------------
// Borrowed lookups.
// ---------------------------------------------------------------------------------------------

#[test]
fn string_keys_are_found_by_str() {
    let mut map: HashMap<String, usize> = HashMap::new();
    for i in 0..500 {
        map.insert(format!("key-{i}"), i);
    }
    let k = String::from("key-42");
    assert_eq!(map.get(k.as_str()), Some(&42));
    assert_eq!(map.get("key-42"), Some(&42));
    assert!(map.contains_key("key-499"));
    assert!(!map.contains_key("key-500"));
    assert_eq!(
        map.get_key_value("key-7").map(|(k, v)| (k.as_str(), *v)),
        Some(("key-7", 7))
    );
    *map.get_mut("key-1").unwrap() += 1000;
    assert_eq!(map["key-1"], 1001);
    assert_eq!(map.remove("key-2"), Some(2));
    assert_eq!(map.remove_entry("key-3"), Some((String::from("key-3"), 3)));
    assert_eq!(map.len(), 498);
}

#[test]
fn vec_keys_are_found_by_slice() {
    let mut map: HashMap<Vec<u8>, u32> = HashMap::new();
    for i in 0..300u32 {
        map.insert(i.to_le_bytes().to_vec(), i);
    }
    let probe: &[u8] = &7u32.to_le_bytes();
    assert_eq!(map.get(probe), Some(&7));
    assert_eq!(map[probe], 7);
    assert_eq!(map.remove(probe), Some(7));
    assert!(!map.contains_key(probe));
}

/// A borrowed view of a `(String, u32)` key that is not a `Borrow` of it.
#[derive(Hash)]
struct NameRef<'a>(&'a str, u32);

impl Equivalent<(String, u32)> for NameRef<'_> {
    fn equivalent(&self, key: &(String, u32)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

#[test]
fn a_type_implementing_equivalent_finds_keys() {
    let mut map: HashMap<(String, u32), &str> = HashMap::new();
    map.insert(("a".into(), 1), "a1");
    map.insert(("a".into(), 2), "a2");
    map.insert(("b".into(), 1), "b1");
    // NameRef hashes like (String, u32): (str, u32) hashing is the same as (String, u32).
    assert_eq!(map.get(&NameRef("a", 2)), Some(&"a2"));
    assert_eq!(map.get(&NameRef("b", 2)), None);
    assert!(map.contains_key(&NameRef("b", 1)));
    assert_eq!(map.remove(&NameRef("a", 1)), Some("a1"));
    assert_eq!(map.len(), 2);
    let [a2, b1] = map.get_disjoint_mut([&NameRef("a", 2), &NameRef("b", 1)]);
    std::mem::swap(a2.unwrap(), b1.unwrap());
    assert_eq!(map[&("a".to_string(), 2)], "b1");
}
