//! API conformance: `gomap::HashMap` offers everything `std::collections::HashMap` offers, with
//! the same behaviour, so that it is a drop-in replacement.
//!
//! Each test calls a part of the API on a gomap map and on a std map and compares the answers:
//! constructors (including `with_hasher` in `const` and `static` items), capacity methods,
//! lookups (`get`, `get_mut`, `get_key_value`, `get_disjoint_mut`, `contains_key`, `Index`),
//! removals, the entry API, `retain`, `drain`, `extract_if`, every iterator, and the traits
//! `Clone`, `Debug`, `Default`, `PartialEq`/`Eq`, `Index`, `Extend` (owned and by reference),
//! `FromIterator`, `IntoIterator` (for the map, `&map` and `&mut map`) and `From<[(K, V); N]>`.
//! Static assertions check the iterator traits (`ExactSizeIterator`, `FusedIterator`, `Clone`,
//! `Default`, `Debug`) and the auto traits (`Send`/`Sync` where std's are, and not where they
//! would be unsound).

use std::cell::Cell;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap as StdHashMap;
use std::fmt::Debug;
use std::hash::{BuildHasher, BuildHasherDefault};
use std::iter::FusedIterator;
use std::rc::Rc;
use std::sync::Mutex;

use gomap::hash_map::{
    Drain, Entry, ExtractIf, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, OccupiedEntry,
    VacantEntry, Values, ValuesMut,
};
use gomap::HashMap;

fn sorted<K: Ord + Clone, V: Clone>(it: impl IntoIterator<Item = (K, V)>) -> Vec<(K, V)> {
    let mut v: Vec<(K, V)> = it.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn pairs() -> Vec<(u32, String)> {
    (0..50).map(|i| (i, format!("v{i}"))).collect()
}

fn both() -> (HashMap<u32, String>, StdHashMap<u32, String>) {
    (pairs().into_iter().collect(), pairs().into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// Construction.
// ---------------------------------------------------------------------------------------------

/// A hasher that can be built in a `const` context and remembers an id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct IdHasher(u32);

impl BuildHasher for IdHasher {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        DefaultHasher::new()
    }
}

const EMPTY: HashMap<u32, u32, IdHasher> = HashMap::with_hasher(IdHasher(7));
static GLOBAL: Mutex<HashMap<u32, &str, IdHasher>> = Mutex::new(HashMap::with_hasher(IdHasher(8)));

#[test]
fn with_hasher_is_a_const_fn_usable_in_const_and_static_items() {
    let mut map = EMPTY;
    assert_eq!(map.capacity(), 0);
    map.insert(1, 2);
    assert_eq!(map[&1], 2);
    assert_eq!(map.hasher(), &IdHasher(7));
    GLOBAL.lock().unwrap().insert(1, "one");
    assert_eq!(GLOBAL.lock().unwrap().get(&1), Some(&"one"));
    // std-compatible hasher types work too.
    let mut m: HashMap<u32, u32, BuildHasherDefault<DefaultHasher>> = HashMap::default();
    m.insert(3, 4);
    assert_eq!(m[&3], 4);
}

#[test]
fn constructors_behave_like_std() {
    let a: HashMap<u32, u32> = HashMap::new();
    assert!(a.is_empty());
    assert_eq!((a.len(), a.capacity()), (0, 0));
    let b: HashMap<u32, u32> = HashMap::with_capacity(100);
    assert!(b.capacity() >= 100 && b.is_empty());
    let c: HashMap<u32, u32, IdHasher> = HashMap::with_capacity_and_hasher(10, IdHasher(3));
    assert!(c.capacity() >= 10);
    assert_eq!(c.hasher(), &IdHasher(3));
    let d: HashMap<u32, u32> = Default::default();
    assert!(d.is_empty());
    let e = HashMap::from([(1, 'a'), (2, 'b'), (1, 'c')]);
    let s = StdHashMap::from([(1, 'a'), (2, 'b'), (1, 'c')]);
    assert_eq!(
        sorted(e.clone()),
        sorted(s.clone()),
        "From<[(K, V); N]>: later pairs win"
    );
    let f: HashMap<u32, char> = s.iter().map(|(&k, &v)| (k, v)).collect();
    assert_eq!(f, e, "FromIterator");
}

/// The hasher a user hands in is kept, even when the map is emptied and refilled.
#[test]
fn a_user_hasher_is_never_replaced() {
    let mut map = HashMap::with_hasher(IdHasher(42));
    map.insert(1, 1);
    map.remove(&1);
    map.insert(2, 2);
    map.clear();
    map.insert(3, 3);
    assert_eq!(map.hasher(), &IdHasher(42));
}

// ---------------------------------------------------------------------------------------------
// Capacity.
// ---------------------------------------------------------------------------------------------

#[test]
fn capacity_methods_behave_like_std() {
    let (mut g, mut s) = both();
    g.reserve(1000);
    s.reserve(1000);
    assert!(g.capacity() >= g.len() + 1000);
    assert!(g.try_reserve(10).is_ok() && s.try_reserve(10).is_ok());
    assert!(g.try_reserve(usize::MAX).is_err() && s.try_reserve(usize::MAX).is_err());
    let err = g.try_reserve(usize::MAX).unwrap_err();
    assert!(!err.to_string().is_empty());
    let _: &dyn std::error::Error = &err;
    g.shrink_to(100);
    s.shrink_to(100);
    assert!(g.capacity() >= 100);
    g.shrink_to_fit();
    s.shrink_to_fit();
    assert!(g.capacity() >= g.len());
    assert_eq!(sorted(g.clone()), sorted(s.clone()));
    g.clear();
    s.clear();
    assert!(g.is_empty() && s.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Lookups and updates.
// ---------------------------------------------------------------------------------------------

#[test]
fn lookups_behave_like_std() {
    let (mut g, mut s) = both();
    for k in 0..60 {
        assert_eq!(g.get(&k), s.get(&k));
        assert_eq!(g.get_key_value(&k), s.get_key_value(&k));
        assert_eq!(g.contains_key(&k), s.contains_key(&k));
        assert_eq!(
            g.get_mut(&k).map(|v| v.clone()),
            s.get_mut(&k).map(|v| v.clone())
        );
    }
    g.get_mut(&3).unwrap().push('!');
    s.get_mut(&3).unwrap().push('!');
    assert_eq!(g[&3], s[&3]);
    assert_eq!(g[&3], "v3!");
}

#[test]
#[should_panic(expected = "no entry found for key")]
fn index_panics_on_a_missing_key() {
    let map = HashMap::from([(1, 2)]);
    let _ = map[&3];
}

#[test]
fn get_disjoint_mut_behaves_like_std() {
    let (mut g, mut s) = both();
    let [a, b, c] = g.get_disjoint_mut([&1, &2, &99]);
    assert!(c.is_none());
    std::mem::swap(a.unwrap(), b.unwrap());
    #[allow(clippy::incompatible_msrv)] // the tests run on a toolchain that has it
    let [a, b, c] = s.get_disjoint_mut([&1, &2, &99]);
    assert!(c.is_none());
    std::mem::swap(a.unwrap(), b.unwrap());
    assert_eq!(sorted(g.clone()), sorted(s));
    assert_eq!(g[&1], "v2");
    let [] = g.get_disjoint_mut::<u32, 0>([]);
    // Missing keys may repeat.
    let [x, y] = g.get_disjoint_mut([&100, &100]);
    assert!(x.is_none() && y.is_none());
    // SAFETY: the keys 5 and 6 are distinct, so the references do not alias.
    let [p, q] = unsafe { g.get_disjoint_unchecked_mut([&5, &6]) };
    std::mem::swap(p.unwrap(), q.unwrap());
    assert_eq!((g[&5].as_str(), g[&6].as_str()), ("v6", "v5"));
}

#[test]
#[should_panic(expected = "get_disjoint_mut: duplicate keys found")]
fn get_disjoint_mut_panics_on_duplicate_keys() {
    let mut map = HashMap::from([(1, 10), (2, 20)]);
    let _ = map.get_disjoint_mut([&1, &2, &1]);
}

#[test]
#[should_panic(expected = "duplicate keys found")]
fn get_disjoint_mut_of_std_panics_on_duplicate_keys_too() {
    let mut map = StdHashMap::from([(1, 10), (2, 20)]);
    #[allow(clippy::incompatible_msrv)] // the tests run on a toolchain that has it
    let _ = map.get_disjoint_mut([&1, &2, &1]);
}

#[test]
fn insert_and_removals_behave_like_std() {
    let (mut g, mut s) = both();
    for k in 40..70 {
        assert_eq!(g.insert(k, format!("w{k}")), s.insert(k, format!("w{k}")));
    }
    for k in 0..80 {
        if k % 2 == 0 {
            assert_eq!(g.remove(&k), s.remove(&k));
        } else {
            assert_eq!(g.remove_entry(&k), s.remove_entry(&k));
        }
    }
    assert!(g.is_empty() && s.is_empty());
}

#[test]
fn the_entry_api_behaves_like_std() {
    let (mut g, mut s) = both();
    // Entry::key, or_insert, or_insert_with, or_insert_with_key, or_default, and_modify.
    assert_eq!(g.entry(5).key(), s.entry(5).key());
    assert_eq!(g.entry(500).key(), s.entry(500).key());
    assert_eq!(
        g.entry(1).or_insert("x".into()),
        s.entry(1).or_insert("x".into())
    );
    assert_eq!(
        g.entry(100).or_insert("x".into()),
        s.entry(100).or_insert("x".into())
    );
    assert_eq!(
        g.entry(101).or_insert_with(|| "y".into()),
        s.entry(101).or_insert_with(|| "y".into())
    );
    assert_eq!(
        g.entry(102).or_insert_with_key(|k| k.to_string()),
        s.entry(102).or_insert_with_key(|k| k.to_string())
    );
    assert_eq!(g.entry(103).or_default(), s.entry(103).or_default());
    g.entry(2).and_modify(|v| v.push('+')).or_default();
    s.entry(2).and_modify(|v| v.push('+')).or_default();
    g.entry(104).and_modify(|v| v.push('+')).or_default();
    s.entry(104).and_modify(|v| v.push('+')).or_default();
    // insert_entry on both kinds.
    let (gk, gv) = {
        let e = g.entry(3).insert_entry("z".into());
        (*e.key(), e.get().clone())
    };
    let e = s.entry(3).insert_entry("z".into());
    assert_eq!((gk, gv), (*e.key(), e.get().clone()));
    g.entry(105).insert_entry("n".into());
    s.entry(105).insert_entry("n".into());
    // OccupiedEntry: key, get, get_mut, into_mut, insert, remove, remove_entry.
    let gomap::Entry::Occupied(mut o) = g.entry(4) else {
        panic!("4 is present")
    };
    assert_eq!((o.key(), o.get().as_str()), (&4, "v4"));
    o.get_mut().push('1');
    assert_eq!(o.insert("new".into()), "v41");
    o.into_mut().push('2');
    assert_eq!(g[&4], "new2");
    s.insert(4, "new2".into());
    let gomap::Entry::Occupied(o) = g.entry(6) else {
        panic!("6 is present")
    };
    assert_eq!(o.remove(), "v6");
    s.remove(&6);
    let gomap::Entry::Occupied(o) = g.entry(7) else {
        panic!("7 is present")
    };
    assert_eq!(o.remove_entry(), (7, "v7".into()));
    s.remove(&7);
    // VacantEntry: key, into_key, insert, insert_entry.
    let gomap::Entry::Vacant(v) = g.entry(200) else {
        panic!("200 is absent")
    };
    assert_eq!(v.key(), &200);
    assert_eq!(v.into_key(), 200);
    let gomap::Entry::Vacant(v) = g.entry(201) else {
        panic!("201 is absent")
    };
    v.insert("a".into()).push('b');
    s.insert(201, "ab".into());
    let gomap::Entry::Vacant(v) = g.entry(202) else {
        panic!("202 is absent")
    };
    let o = v.insert_entry("c".into());
    assert_eq!((o.key(), o.get().as_str()), (&202, "c"));
    s.insert(202, "c".into());
    assert_eq!(sorted(g), sorted(s));
}

#[test]
fn retain_drain_and_extract_if_behave_like_std() {
    let (mut g, mut s) = both();
    g.retain(|k, v| {
        v.push('r');
        k % 3 != 0
    });
    s.retain(|k, v| {
        v.push('r');
        k % 3 != 0
    });
    assert_eq!(sorted(g.clone()), sorted(s.clone()));
    let ge = sorted(g.extract_if(|k, _| k % 2 == 0));
    #[allow(clippy::incompatible_msrv)] // the tests run on a toolchain that has it
    let se = sorted(s.extract_if(|k, _| k % 2 == 0));
    assert_eq!(ge, se);
    assert_eq!(sorted(g.clone()), sorted(s.clone()));
    assert_eq!(sorted(g.drain()), sorted(s.drain()));
    assert!(g.is_empty() && s.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Iterators.
// ---------------------------------------------------------------------------------------------

#[test]
#[allow(clippy::for_kv_map)] // iterating `&mut map` is the point
fn iterators_yield_what_std_yields() {
    let (mut g, mut s) = both();
    assert_eq!(sorted(g.iter()), sorted(s.iter()));
    assert_eq!(sorted(&g), sorted(&s));
    for (_, v) in &mut g {
        v.push('m');
    }
    for (_, v) in &mut s {
        v.push('m');
    }
    for (_, v) in g.iter_mut() {
        v.push('i');
    }
    for (_, v) in s.iter_mut() {
        v.push('i');
    }
    for v in g.values_mut() {
        v.push('v');
    }
    for v in s.values_mut() {
        v.push('v');
    }
    let mut gk: Vec<_> = g.keys().collect();
    let mut sk: Vec<_> = s.keys().collect();
    gk.sort();
    sk.sort();
    assert_eq!(gk, sk);
    let mut gv: Vec<_> = g.values().collect();
    let mut sv: Vec<_> = s.values().collect();
    gv.sort();
    sv.sort();
    assert_eq!(gv, sv);
    let mut gk: Vec<_> = g.clone().into_keys().collect();
    let mut sk: Vec<_> = s.clone().into_keys().collect();
    gk.sort();
    sk.sort();
    assert_eq!(gk, sk);
    let mut gv: Vec<_> = g.clone().into_values().collect();
    let mut sv: Vec<_> = s.clone().into_values().collect();
    gv.sort();
    sv.sort();
    assert_eq!(gv, sv);
    assert_eq!(sorted(g), sorted(s));
}

#[test]
fn default_iterators_are_empty() {
    assert_eq!(Iter::<u32, u32>::default().len(), 0);
    assert_eq!(IterMut::<u32, u32>::default().next(), None);
    assert_eq!(Keys::<u32, u32>::default().count(), 0);
    assert_eq!(Values::<u32, u32>::default().count(), 0);
    assert_eq!(ValuesMut::<u32, u32>::default().count(), 0);
    assert_eq!(IntoIter::<u32, String>::default().count(), 0);
    assert_eq!(IntoKeys::<u32, String>::default().count(), 0);
    assert_eq!(IntoValues::<u32, String>::default().count(), 0);
}

fn is_exact<I: ExactSizeIterator>(_: &I) {}
fn is_fused<I: FusedIterator>(_: &I) {}
fn is_clone<I: Clone>(_: &I) {}
fn is_debug<I: Debug>(_: &I) {}
fn is_default<I: Default>() {}

#[test]
fn iterators_implement_the_traits_std_iterators_do() {
    let mut map = HashMap::from([(1u32, String::from("a"))]);
    {
        let it = map.iter();
        is_exact(&it);
        is_fused(&it);
        is_clone(&it);
        is_debug(&it);
    }
    {
        let it = map.keys();
        is_exact(&it);
        is_fused(&it);
        is_clone(&it);
        is_debug(&it);
    }
    {
        let it = map.values();
        is_exact(&it);
        is_fused(&it);
        is_clone(&it);
        is_debug(&it);
    }
    {
        let it = map.iter_mut();
        is_exact(&it);
        is_fused(&it);
        is_debug(&it);
    }
    {
        let it = map.values_mut();
        is_exact(&it);
        is_fused(&it);
        is_debug(&it);
    }
    {
        let it = map.drain();
        is_exact(&it);
        is_fused(&it);
        is_debug(&it);
    }
    {
        let it = map.extract_if(|_, _| false);
        is_fused(&it);
        is_debug(&it);
    }
    let it = map.clone().into_iter();
    is_exact(&it);
    is_fused(&it);
    is_debug(&it);
    let it = map.clone().into_keys();
    is_exact(&it);
    is_fused(&it);
    is_debug(&it);
    let it = map.into_values();
    is_exact(&it);
    is_fused(&it);
    is_debug(&it);
    is_default::<Iter<'static, u32, u32>>();
    is_default::<IterMut<'static, u32, u32>>();
    is_default::<Keys<'static, u32, u32>>();
    is_default::<Values<'static, u32, u32>>();
    is_default::<ValuesMut<'static, u32, u32>>();
    is_default::<IntoIter<u32, u32>>();
    is_default::<IntoKeys<u32, u32>>();
    is_default::<IntoValues<u32, u32>>();
}

// ---------------------------------------------------------------------------------------------
// Traits of the map.
// ---------------------------------------------------------------------------------------------

#[test]
fn clone_default_and_equality_behave_like_std() {
    let (g, _) = both();
    let c = g.clone();
    assert_eq!(c, g);
    assert_eq!(sorted(c.clone()), sorted(g.clone()));
    let mut d = g.clone();
    d.insert(0, "different".into());
    assert_ne!(d, g, "a different value");
    let mut e = g.clone();
    e.remove(&0);
    assert_ne!(e, g, "a missing key");
    // Equality ignores insertion order and capacity.
    let forward: HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    let mut backward: HashMap<u32, u32> = HashMap::with_capacity(10_000);
    backward.extend((0..100).rev().map(|i| (i, i)));
    assert_eq!(forward, backward);
    fn is_eq<T: Eq>(_: &T) {}
    is_eq(&forward);
    let empty: HashMap<u32, u32> = HashMap::default();
    assert_eq!(empty, HashMap::new());
    let mut clone_into = HashMap::new();
    clone_into.clone_from(&forward);
    assert_eq!(clone_into, forward);
}

#[test]
fn debug_output_matches_std_for_one_entry() {
    let g = HashMap::from([(1, "a")]);
    let s = StdHashMap::from([(1, "a")]);
    assert_eq!(format!("{g:?}"), format!("{s:?}"));
    assert_eq!(format!("{g:#?}"), format!("{s:#?}"));
    assert_eq!(format!("{g:?}"), r#"{1: "a"}"#);
    let empty: HashMap<u8, u8> = HashMap::new();
    assert_eq!(format!("{empty:?}"), "{}");
    assert_eq!(format!("{:?}", g.iter()), format!("{:?}", s.iter()));
}

#[test]
fn iterator_and_entry_debug_output_matches_std() {
    let mut g = HashMap::from([(1, "a")]);
    let mut s = StdHashMap::from([(1, "a")]);
    assert_eq!(format!("{:?}", g.keys()), format!("{:?}", s.keys()));
    assert_eq!(format!("{:?}", g.values()), format!("{:?}", s.values()));
    assert_eq!(
        format!("{:?}", g.values_mut()),
        format!("{:?}", s.values_mut())
    );
    assert_eq!(format!("{:?}", g.iter_mut()), format!("{:?}", s.iter_mut()));
    assert_eq!(
        format!("{:?}", g.clone().into_iter()),
        format!("{:?}", s.clone().into_iter())
    );
    assert_eq!(
        format!("{:?}", g.clone().into_keys()),
        format!("{:?}", s.clone().into_keys())
    );
    assert_eq!(
        format!("{:?}", g.clone().into_values()),
        format!("{:?}", s.clone().into_values())
    );
    assert_eq!(format!("{:?}", g.entry(1)), format!("{:?}", s.entry(1)));
    assert_eq!(format!("{:?}", g.entry(2)), format!("{:?}", s.entry(2)));
    assert_eq!(format!("{:?}", g.drain()), format!("{:?}", s.drain()));
}

#[test]
fn extend_from_owned_and_borrowed_pairs_behaves_like_std() {
    let mut g: HashMap<u32, u32> = HashMap::new();
    let mut s: StdHashMap<u32, u32> = StdHashMap::new();
    g.extend((0..100).map(|i| (i % 70, i)));
    s.extend((0..100).map(|i| (i % 70, i)));
    assert_eq!(sorted(g.clone()), sorted(s.clone()));
    let more = [(5, 500), (200, 2)];
    g.extend(more.iter().map(|(k, v)| (k, v)));
    s.extend(more.iter().map(|(k, v)| (k, v)));
    assert_eq!(sorted(g.clone()), sorted(s.clone()));
    let other: HashMap<u32, u32> = HashMap::from([(7, 70), (300, 3)]);
    g.extend(&other);
    s.extend(other.iter().map(|(&k, &v)| (k, v)));
    assert_eq!(sorted(g), sorted(s));
}

#[test]
fn into_iterator_works_for_the_map_and_references() {
    let mut map = HashMap::from([(1, 10), (2, 20)]);
    let mut sum = 0;
    for (k, v) in &map {
        sum += k * v;
    }
    for (_, v) in &mut map {
        *v += 1;
    }
    let mut all: Vec<(i32, i32)> = Vec::new();
    for kv in map {
        all.push(kv);
    }
    all.sort_unstable();
    assert_eq!(sum, 50);
    assert_eq!(all, [(1, 11), (2, 21)]);
}

// ---------------------------------------------------------------------------------------------
// Auto traits.
// ---------------------------------------------------------------------------------------------

fn is_send<T: Send>() {}
fn is_sync<T: Sync>() {}

#[test]
fn the_map_and_its_iterators_are_send_and_sync_where_std_s_are() {
    type K = String;
    type V = Vec<u8>;
    is_send::<HashMap<K, V>>();
    is_sync::<HashMap<K, V>>();
    is_send::<Iter<'static, K, V>>();
    is_sync::<Iter<'static, K, V>>();
    is_send::<IterMut<'static, K, V>>();
    is_sync::<IterMut<'static, K, V>>();
    is_send::<Keys<'static, K, V>>();
    is_sync::<Keys<'static, K, V>>();
    is_send::<Values<'static, K, V>>();
    is_sync::<Values<'static, K, V>>();
    is_send::<ValuesMut<'static, K, V>>();
    is_sync::<ValuesMut<'static, K, V>>();
    is_send::<IntoIter<K, V>>();
    is_sync::<IntoIter<K, V>>();
    is_send::<IntoKeys<K, V>>();
    is_sync::<IntoKeys<K, V>>();
    is_send::<IntoValues<K, V>>();
    is_sync::<IntoValues<K, V>>();
    is_send::<Drain<'static, K, V>>();
    is_sync::<Drain<'static, K, V>>();
    is_send::<ExtractIf<'static, K, V, fn(&K, &mut V) -> bool>>();
    is_send::<Entry<'static, K, V, gomap::DefaultHashBuilder>>();
    is_sync::<Entry<'static, K, V, gomap::DefaultHashBuilder>>();
    is_send::<OccupiedEntry<'static, K, V, gomap::DefaultHashBuilder>>();
    is_sync::<OccupiedEntry<'static, K, V, gomap::DefaultHashBuilder>>();
    is_send::<VacantEntry<'static, K, V, gomap::DefaultHashBuilder>>();
    is_sync::<VacantEntry<'static, K, V, gomap::DefaultHashBuilder>>();
    // Values that are Send but not Sync (like std): owning types stay Send.
    is_send::<HashMap<u32, Cell<u32>>>();
    is_send::<IntoIter<u32, Cell<u32>>>();
    is_send::<IterMut<'static, u32, Cell<u32>>>();
    is_send::<Drain<'static, u32, Cell<u32>>>();
}

/// Whether a concrete type is Send / Sync, decided at compile time but answered at run time
/// (autoref specialization), so that a missing impl fails a test instead of the build.
struct Probe<T: ?Sized>(std::marker::PhantomData<T>);
trait ProbeSend {
    fn send(&self) -> bool {
        true
    }
}
impl<T: ?Sized + Send> ProbeSend for Probe<T> {}
trait ProbeNotSend {
    fn send(&self) -> bool {
        false
    }
}
impl<T: ?Sized> ProbeNotSend for &Probe<T> {}
trait ProbeSync {
    fn sync(&self) -> bool {
        true
    }
}
impl<T: ?Sized + Sync> ProbeSync for Probe<T> {}
trait ProbeNotSync {
    fn sync(&self) -> bool {
        false
    }
}
impl<T: ?Sized> ProbeNotSync for &Probe<T> {}
macro_rules! send_sync {
    ($t:ty) => {
        (
            (&Probe::<$t>(std::marker::PhantomData)).send(),
            (&Probe::<$t>(std::marker::PhantomData)).sync(),
        )
    };
}

#[test]
fn the_send_sync_probe_tells_the_truth() {
    assert_eq!(send_sync!(u32), (true, true));
    assert_eq!(send_sync!(Rc<u32>), (false, false));
    assert_eq!(send_sync!(Cell<u32>), (true, false));
    assert_eq!(
        send_sync!(std::collections::hash_map::OccupiedEntry<'static, String, Vec<u8>>),
        (true, true)
    );
}

#[test]
fn entries_are_send_and_sync_like_std() {
    type S = gomap::DefaultHashBuilder;
    use std::collections::hash_map as std_map;
    assert_eq!(
        send_sync!(Entry<'static, String, Vec<u8>, S>),
        send_sync!(std_map::Entry<'static, String, Vec<u8>>)
    );
    assert_eq!(
        send_sync!(OccupiedEntry<'static, String, Vec<u8>, S>),
        send_sync!(std_map::OccupiedEntry<'static, String, Vec<u8>>)
    );
    assert_eq!(
        send_sync!(VacantEntry<'static, String, Vec<u8>, S>),
        send_sync!(std_map::VacantEntry<'static, String, Vec<u8>>)
    );
    assert_eq!(
        send_sync!(OccupiedEntry<'static, String, Vec<u8>, S>),
        (true, true)
    );
}

/// Compiles only if `T` does NOT implement the trait: both blanket impls apply when it does,
/// and the call becomes ambiguous (the `static_assertions` crate's trick).
macro_rules! assert_not_impl {
    ($t:ty: $tr:path) => {{
        trait AmbiguousIfImpl<A> {
            fn some_item() {}
        }
        impl<T: ?Sized> AmbiguousIfImpl<()> for T {}
        #[allow(dead_code)]
        struct Invalid;
        impl<T: ?Sized + $tr> AmbiguousIfImpl<Invalid> for T {}
        let _ = <$t as AmbiguousIfImpl<_>>::some_item;
    }};
}

#[test]
fn the_map_and_its_iterators_are_not_send_or_sync_where_that_would_be_unsound() {
    // A shared borrow of non-Sync values must not cross threads.
    assert_not_impl!(Iter<'static, u32, Cell<u32>>: Send);
    assert_not_impl!(Iter<'static, u32, Cell<u32>>: Sync);
    assert_not_impl!(Values<'static, u32, Cell<u32>>: Send);
    assert_not_impl!(Keys<'static, Cell<u32>, u32>: Send);
    assert_not_impl!(HashMap<u32, Cell<u32>>: Sync);
    assert_not_impl!(IterMut<'static, u32, Cell<u32>>: Sync);
    // Non-Send contents never cross threads.
    assert_not_impl!(HashMap<Rc<u32>, u32>: Send);
    assert_not_impl!(HashMap<u32, Rc<u32>>: Send);
    assert_not_impl!(IntoIter<u32, Rc<u32>>: Send);
    assert_not_impl!(IntoKeys<Rc<u32>, u32>: Send);
    assert_not_impl!(Drain<'static, u32, Rc<u32>>: Send);
    assert_not_impl!(IterMut<'static, u32, Rc<u32>>: Send);
    assert_not_impl!(ValuesMut<'static, u32, Rc<u32>>: Send);
}

/// Code written for std's map compiles unchanged against gomap's names.
#[test]
fn the_hash_map_module_mirrors_std_names() {
    fn count(map: &gomap::hash_map::HashMap<&str, u32>) -> usize {
        let it: gomap::hash_map::Iter<'_, &str, u32> = map.iter();
        it.count()
    }
    let mut map = gomap::hash_map::HashMap::new();
    match map.entry("a") {
        gomap::hash_map::Entry::Occupied(_) => unreachable!(),
        gomap::hash_map::Entry::Vacant(v) => {
            v.insert(1);
        }
    }
    assert_eq!(count(&map), 1);
}

// ---------------------------------------------------------------------------------------------
// Empty maps.
// ---------------------------------------------------------------------------------------------

/// Every way of having an empty map: fresh (allocating nothing), presized, and emptied by each
/// kind of removal.
fn empty_maps<K, V>(
    key: impl Fn(u64) -> K,
    value: impl Fn(u64) -> V,
) -> Vec<(&'static str, HashMap<K, V>)>
where
    K: std::hash::Hash + Eq,
{
    let filled = || {
        let mut m = HashMap::new();
        for i in 0..100 {
            m.insert(key(i), value(i));
        }
        m
    };
    let mut out: Vec<(&'static str, HashMap<K, V>)> = vec![
        ("new", HashMap::new()),
        ("default", HashMap::default()),
        ("with_capacity(0)", HashMap::with_capacity(0)),
        ("with_capacity(100)", HashMap::with_capacity(100)),
    ];
    let mut m = filled();
    m.clear();
    out.push(("cleared", m));
    let mut m = filled();
    drop(m.drain());
    out.push(("drained", m));
    let mut m = filled();
    m.retain(|_, _| false);
    out.push(("retain(false)", m));
    let mut m = filled();
    m.extract_if(|_, _| true).for_each(drop);
    out.push(("extract_if(true)", m));
    let mut m = filled();
    for i in 0..100 {
        m.remove(&key(i));
    }
    out.push(("removed one by one", m));
    let mut m = filled();
    m.clear();
    m.shrink_to_fit();
    out.push(("cleared and shrunk", m));
    let mut m = filled();
    m.clear();
    m.reserve(0);
    out.push(("cleared, reserve(0)", m));
    out
}

fn check_empty_maps<K, V>(key: impl Fn(u64) -> K + Copy, value: impl Fn(u64) -> V + Copy)
where
    K: std::hash::Hash + Eq + Clone + Debug,
    V: PartialEq + Clone + Debug,
{
    let mut maps = empty_maps(key, value);
    for (label, map) in &mut maps {
        let k = key(7);
        assert!(map.is_empty(), "{label}");
        assert_eq!(map.len(), 0, "{label}");
        assert_eq!(map.get(&k), None, "{label}");
        assert_eq!(map.get_key_value(&k), None, "{label}");
        assert!(!map.contains_key(&k), "{label}");
        assert_eq!(map.get_mut(&k), None, "{label}");
        let [a, b] = map.get_disjoint_mut([&k, &key(8)]);
        assert!(a.is_none() && b.is_none(), "{label}");
        assert_eq!(map.remove(&k), None, "{label}");
        assert_eq!(map.remove_entry(&k), None, "{label}");
        assert_eq!(map.iter().count(), 0, "{label}");
        assert_eq!(map.iter_mut().count(), 0, "{label}");
        assert_eq!(map.keys().len(), 0, "{label}");
        assert_eq!(map.values().len(), 0, "{label}");
        assert_eq!(map.values_mut().len(), 0, "{label}");
        map.retain(|_, _| unreachable!("{label}: retain visits nothing"));
        assert_eq!(map.extract_if(|_, _| true).count(), 0, "{label}");
        assert_eq!(map.drain().count(), 0, "{label}");
        assert_eq!(format!("{map:?}"), "{}", "{label}");
        assert_eq!(map.stats().len, 0, "{label}");
        assert!(map.capacity() < 1000, "{label}");
        let copy = map.clone();
        assert!(copy.is_empty() && copy.iter().next().is_none(), "{label}");
        assert_eq!(map.clone().into_iter().count(), 0, "{label}");
        map.finish_growth();
        map.shrink_to(0);
    }
    // Each map takes an entry; no map sees another's (they may share a static empty bucket
    // while they own no memory).
    for (i, (label, map)) in maps.iter_mut().enumerate() {
        match map.entry(key(i as u64)) {
            Entry::Vacant(v) => {
                v.insert(value(i as u64));
            }
            Entry::Occupied(_) => panic!("{label}: an empty map has no entry"),
        }
    }
    for (i, (label, map)) in maps.iter().enumerate() {
        assert_eq!(map.len(), 1, "{label}");
        assert_eq!(map.get(&key(i as u64)), Some(&value(i as u64)), "{label}");
        for j in 0..maps.len() {
            assert_eq!(map.contains_key(&key(j as u64)), i == j, "{label} sees {j}");
        }
    }
    // And emptied once more, they are usable again.
    for (label, mut map) in maps {
        map.clear();
        map.insert(key(1), value(1));
        map.insert(key(2), value(2));
        assert_eq!(map.len(), 2, "{label}");
    }
}

#[test]
fn every_method_works_on_maps_emptied_in_every_way_and_they_share_nothing() {
    check_empty_maps(|i| i, |i| i as u8);
    check_empty_maps(|i| i.to_string(), |i| vec![i; 2]);
    check_empty_maps(|i| [i as u8; 200], |i| [i; 40]);
    check_empty_maps(|i| i as u16, |_| ());
}
