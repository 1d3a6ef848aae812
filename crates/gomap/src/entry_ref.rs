//! `entry_ref`: the Entry API for a borrowed key (hashbrown's `EntryRef`), which makes an owned
//! key only when a vacant entry is filled: `map.entry_ref("word")` on a `HashMap<String, _>`
//! allocates a `String` for new words only.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};

use allocator_api2::alloc::{Allocator, Global};
use equivalent::Equivalent;

use crate::entry::OccupiedEntry;
use crate::table::InsertSlot;
use crate::HashMap;

/// A view into one entry of a map, looked up by a borrowed key, from [`HashMap::entry_ref`].
///
/// The occupied case is the same [`OccupiedEntry`] as [`Entry`](crate::hash_map::Entry)'s; the
/// vacant one holds the borrowed key and makes the owned key with `K::from(&Q)` only when a
/// value is inserted.
///
/// ```
/// use gomap::hash_map::{EntryRef, HashMap};
///
/// let mut counts: HashMap<String, u32> = HashMap::new();
/// for word in "a rose is a rose".split(' ') {
///     *counts.entry_ref(word).or_insert(0) += 1; // a String per new word only
/// }
/// assert_eq!(counts["rose"], 2);
/// match counts.entry_ref("is") {
///     EntryRef::Occupied(e) => assert_eq!(e.remove(), 1),
///     EntryRef::Vacant(_) => unreachable!(),
/// }
/// ```
pub enum EntryRef<'a, 'b, K, Q: ?Sized, V, S, A: Allocator = Global> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S, A>),
    /// The key is absent.
    Vacant(VacantEntryRef<'a, 'b, K, Q, V, S, A>),
}

/// A view into a vacant entry looked up by a borrowed key. Part of [`EntryRef`]. It holds the
/// borrowed key and a free slot already prepared for it.
pub struct VacantEntryRef<'a, 'b, K, Q: ?Sized, V, S, A: Allocator = Global> {
    map: &'a mut HashMap<K, V, S, A>,
    hash: u64,
    key: &'b Q,
    slot: InsertSlot<K, V>,
}

// SAFETY: a `VacantEntryRef` is an `&'a mut HashMap<K, V, S>`, a `&'b Q` and a slot of that map
// (raw pointers into it): as thread-safe as those references are.
unsafe impl<K: Send, Q: ?Sized + Sync, V: Send, S: Send, A: Allocator + Send> Send
    for VacantEntryRef<'_, '_, K, Q, V, S, A>
{
}
// SAFETY: as above; `&VacantEntryRef` only gives `&Q`.
unsafe impl<K: Sync, Q: ?Sized + Sync, V: Sync, S: Sync, A: Allocator + Sync> Sync
    for VacantEntryRef<'_, '_, K, Q, V, S, A>
{
}

impl<K, V, S, A: Allocator> HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// Gets the entry for a borrowed `key`, for in-place manipulation: like
    /// [`entry`](Self::entry), but the owned key is made (`K::from(key)`) only if a value is
    /// inserted into a vacant entry. **O(1)** on average, as `entry`.
    ///
    /// `K::from(&Q)` must give a key equal to `key` that hashes as `key` does (true of
    /// `String: From<&str>`, `Vec<T>: From<&[T]>`, `Box<str>`, `Rc<str>`, ...).
    ///
    /// ```
    /// let mut map: gomap::HashMap<String, u32> = gomap::HashMap::new();
    /// *map.entry_ref("poneyland").or_insert(3) += 10;
    /// *map.entry_ref("poneyland").or_insert(3) += 10;
    /// assert_eq!(map["poneyland"], 23);
    /// ```
    pub fn entry_ref<'a, 'b, Q>(&'a mut self, key: &'b Q) -> EntryRef<'a, 'b, K, Q, V, S, A>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.before_insert();
        let hash = self.hash_builder.hash_one(key);
        let hb = &self.hash_builder;
        match self
            .table
            .find_or_prepare_insert(hash, |k| key.equivalent(k), |k| hb.hash_one(k))
        {
            Ok(pos) => EntryRef::Occupied(OccupiedEntry::new(self, pos)),
            Err(slot) => EntryRef::Vacant(VacantEntryRef {
                map: self,
                hash,
                key,
                slot,
            }),
        }
    }
}

impl<'a, 'b, K, Q: ?Sized, V, S, A: Allocator> EntryRef<'a, 'b, K, Q, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// Sets the value (inserting with `K::from(key)`, or replacing) and returns the occupied
    /// entry. **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<String, u32> = gomap::HashMap::new();
    /// let entry = map.entry_ref("horseyland").insert(37);
    /// assert_eq!(entry.key(), "horseyland");
    /// ```
    pub fn insert(self, value: V) -> OccupiedEntry<'a, K, V, S, A>
    where
        K: From<&'b Q>,
    {
        match self {
            EntryRef::Occupied(mut e) => {
                e.insert(value);
                e
            }
            EntryRef::Vacant(e) => e.insert_entry(value),
        }
    }

    /// The value, inserting `default` (under `K::from(key)`) if the key is absent. **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<String, u32> = gomap::HashMap::new();
    /// *map.entry_ref("poneyland").or_insert(3) *= 2;
    /// assert_eq!(map["poneyland"], 6);
    /// ```
    pub fn or_insert(self, default: V) -> &'a mut V
    where
        K: From<&'b Q>,
    {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` if the key is absent; `default` runs only then.
    /// **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<String, Vec<u32>> = gomap::HashMap::new();
    /// map.entry_ref("poneyland").or_insert_with(Vec::new).push(1);
    /// assert_eq!(map["poneyland"], [1]);
    /// ```
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V
    where
        K: From<&'b Q>,
    {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(key)` (computed from the borrowed key) if the key is
    /// absent. **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<String, usize> = gomap::HashMap::new();
    /// map.entry_ref("poneyland").or_insert_with_key(|key| key.len());
    /// assert_eq!(map["poneyland"], 9);
    /// ```
    pub fn or_insert_with_key<F: FnOnce(&'b Q) -> V>(self, default: F) -> &'a mut V
    where
        K: From<&'b Q>,
    {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => {
                let value = default(e.key);
                e.insert(value)
            }
        }
    }

    /// The entry's key, as a `&Q`: the stored key if occupied, the borrowed one if vacant.
    ///
    /// ```
    /// let mut map: gomap::HashMap<String, u32> = gomap::HashMap::new();
    /// assert_eq!(map.entry_ref("poneyland").key(), "poneyland");
    /// ```
    pub fn key(&self) -> &Q
    where
        K: Borrow<Q>,
    {
        match self {
            EntryRef::Occupied(e) => e.key().borrow(),
            EntryRef::Vacant(e) => e.key,
        }
    }

    /// Calls `f` on the value if the key is present; returns the entry for chaining. **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<String, u32> = gomap::HashMap::new();
    /// map.entry_ref("a").and_modify(|v| *v += 1).or_insert(42);
    /// map.entry_ref("a").and_modify(|v| *v += 1).or_insert(42);
    /// assert_eq!(map["a"], 43);
    /// ```
    pub fn and_modify<F: FnOnce(&mut V)>(self, f: F) -> Self {
        match self {
            EntryRef::Occupied(mut e) => {
                f(e.get_mut());
                EntryRef::Occupied(e)
            }
            EntryRef::Vacant(e) => EntryRef::Vacant(e),
        }
    }
}

impl<'a, 'b, K, Q: ?Sized, V: Default, S, A: Allocator> EntryRef<'a, 'b, K, Q, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// The value, inserting `V::default()` if the key is absent. **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<String, u32> = gomap::HashMap::new();
    /// *map.entry_ref("poneyland").or_default() += 1;
    /// assert_eq!(map["poneyland"], 1);
    /// ```
    pub fn or_default(self) -> &'a mut V
    where
        K: From<&'b Q>,
    {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => e.insert(V::default()),
        }
    }
}

impl<'a, 'b, K, Q: ?Sized, V, S, A: Allocator> VacantEntryRef<'a, 'b, K, Q, V, S, A> {
    /// The borrowed key that would be inserted. **O(1)**.
    ///
    /// ```
    /// use gomap::hash_map::EntryRef;
    ///
    /// let mut map: gomap::HashMap<String, u32> = gomap::HashMap::new();
    /// if let EntryRef::Vacant(v) = map.entry_ref("poneyland") {
    ///     assert_eq!(v.key(), "poneyland");
    /// }
    /// ```
    pub fn key(&self) -> &'b Q {
        self.key
    }

    /// Inserts the value under `K::from(key)`, returning a reference to it. **O(1)**: the slot
    /// was prepared by [`HashMap::entry_ref`].
    ///
    /// ```
    /// use gomap::hash_map::EntryRef;
    ///
    /// let mut map: gomap::HashMap<String, u32> = gomap::HashMap::new();
    /// if let EntryRef::Vacant(v) = map.entry_ref("poneyland") {
    ///     v.insert(37);
    /// }
    /// assert_eq!(map["poneyland"], 37);
    /// ```
    pub fn insert(self, value: V) -> &'a mut V
    where
        K: From<&'b Q>,
    {
        self.insert_entry(value).into_mut()
    }

    /// Inserts the value under `K::from(key)`, returning the occupied entry. **O(1)**.
    ///
    /// ```
    /// use gomap::hash_map::EntryRef;
    ///
    /// let mut map: gomap::HashMap<String, u32> = gomap::HashMap::new();
    /// if let EntryRef::Vacant(v) = map.entry_ref("poneyland") {
    ///     let e = v.insert_entry(37);
    ///     assert_eq!((e.key().as_str(), *e.get()), ("poneyland", 37));
    /// }
    /// ```
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, A>
    where
        K: From<&'b Q>,
    {
        let VacantEntryRef {
            map,
            hash,
            key,
            slot,
        } = self;
        let key = K::from(key);
        // SAFETY: the slot was prepared for this hash by `entry_ref`, and the entry has held the
        // map borrowed since, so nothing changed (`K::from` cannot reach the map).
        let pos = unsafe { map.table.insert_in_slot(hash, slot, key, value) };
        OccupiedEntry::new(map, pos)
    }
}

impl<K: fmt::Debug, Q: ?Sized + fmt::Debug, V: fmt::Debug, S, A: Allocator> fmt::Debug
    for EntryRef<'_, '_, K, Q, V, S, A>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryRef::Occupied(e) => f.debug_tuple("EntryRef").field(e).finish(),
            EntryRef::Vacant(e) => f.debug_tuple("EntryRef").field(e).finish(),
        }
    }
}

impl<K, Q: ?Sized + fmt::Debug, V, S, A: Allocator> fmt::Debug
    for VacantEntryRef<'_, '_, K, Q, V, S, A>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntryRef").field(&self.key).finish()
    }
}
