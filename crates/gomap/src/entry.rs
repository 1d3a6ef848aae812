//! The Entry API: look a key up once, then read, insert, update or remove in place.
//!
//! [`HashMap::entry`] does the lookup, and for an absent key also the write's share of grow
//! work and the choice of a free slot (linking an overflow bucket if the chain is full), so
//! everything an entry does afterwards is O(1) with no second probe.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;

use allocator_api2::alloc::{Allocator, Global};

use crate::table::{InsertSlot, Position};
use crate::HashMap;

/// A view into one entry of a map, vacant or occupied, from [`HashMap::entry`].
///
/// ```
/// use gomap::hash_map::{Entry, HashMap};
///
/// let mut map = HashMap::from([("a", 1)]);
/// match map.entry("a") {
///     Entry::Occupied(mut e) => *e.get_mut() += 10,
///     Entry::Vacant(e) => {
///         e.insert(0);
///     }
/// }
/// assert_eq!(map["a"], 11);
/// ```
pub enum Entry<'a, K, V, S, A: Allocator = Global> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S, A>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V, S, A>),
}

/// A view into an occupied entry: the key is present. Part of [`Entry`].
pub struct OccupiedEntry<'a, K, V, S, A: Allocator = Global> {
    map: &'a mut HashMap<K, V, S, A>,
    pos: Position<K, V>,
}

/// A view into a vacant entry. It holds the key, and a free slot already prepared for it
/// (growing the map first if the new key needs that).
pub struct VacantEntry<'a, K, V, S, A: Allocator = Global> {
    map: &'a mut HashMap<K, V, S, A>,
    hash: u64,
    key: K,
    slot: InsertSlot<K, V>,
}

// SAFETY: an entry is an `&'a mut HashMap<K, V, S, A>` plus a position in it (and, when vacant, the
// key by value); the raw bucket pointers in the position point into that map. It is as
// thread-safe as those parts are, which is what std's entries promise.
unsafe impl<K: Send, V: Send, S: Send, A: Allocator + Send> Send for OccupiedEntry<'_, K, V, S, A> {}
// SAFETY: as above; `&OccupiedEntry` only gives `&K` and `&V`.
unsafe impl<K: Sync, V: Sync, S: Sync, A: Allocator + Sync> Sync for OccupiedEntry<'_, K, V, S, A> {}
// SAFETY: as for `OccupiedEntry`; the owned key moves with the entry.
unsafe impl<K: Send, V: Send, S: Send, A: Allocator + Send> Send for VacantEntry<'_, K, V, S, A> {}
// SAFETY: as for `OccupiedEntry`; `&VacantEntry` only gives `&K`.
unsafe impl<K: Sync, V: Sync, S: Sync, A: Allocator + Sync> Sync for VacantEntry<'_, K, V, S, A> {}

impl<'a, K, V, S, A: Allocator> Entry<'a, K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// The value, inserting `default` if the key is absent. **O(1)**: the lookup was done by
    /// [`HashMap::entry`].
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, u32> = gomap::HashMap::new();
    /// *map.entry("poneyland").or_insert(3) += 10;
    /// assert_eq!(map["poneyland"], 13);
    /// ```
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` if the key is absent; `default` runs only then.
    /// **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, String> = gomap::HashMap::new();
    /// map.entry("poneyland").or_insert_with(|| "hoho".to_string());
    /// assert_eq!(map["poneyland"], "hoho");
    /// ```
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(&key)` if the key is absent, so the value can be computed
    /// from the key without cloning it first. **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, usize> = gomap::HashMap::new();
    /// map.entry("poneyland").or_insert_with_key(|key| key.chars().count());
    /// assert_eq!(map["poneyland"], 9);
    /// ```
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let value = default(&e.key);
                e.insert(value)
            }
        }
    }

    /// The entry's key: the stored one if occupied, the one given to `entry` if vacant.
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, u32> = gomap::HashMap::new();
    /// assert_eq!(map.entry("poneyland").key(), &"poneyland");
    /// ```
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }

    /// Calls `f` on the value if the key is present; returns the entry for chaining. **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, u32> = gomap::HashMap::new();
    /// map.entry("a").and_modify(|v| *v += 1).or_insert(42);
    /// map.entry("a").and_modify(|v| *v += 1).or_insert(42);
    /// assert_eq!(map["a"], 43);
    /// ```
    pub fn and_modify<F: FnOnce(&mut V)>(self, f: F) -> Self {
        match self {
            Entry::Occupied(mut e) => {
                f(e.get_mut());
                Entry::Occupied(e)
            }
            Entry::Vacant(e) => Entry::Vacant(e),
        }
    }

    /// Sets the value (inserting or replacing; the old value is dropped) and returns the
    /// occupied entry. **O(1)**. std's name; [`insert`](Self::insert) is hashbrown's.
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, String> = gomap::HashMap::new();
    /// let entry = map.entry("poneyland").insert_entry("hoho".to_string());
    /// assert_eq!(entry.key(), &"poneyland");
    /// assert_eq!(map["poneyland"], "hoho");
    /// ```
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, A> {
        match self {
            Entry::Occupied(mut e) => {
                e.insert(value);
                e
            }
            Entry::Vacant(e) => e.insert_entry(value),
        }
    }

    /// Sets the value and returns the occupied entry: hashbrown's name for
    /// [`insert_entry`](Self::insert_entry). **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, u32> = gomap::HashMap::new();
    /// let entry = map.entry("horseyland").insert(37);
    /// assert_eq!(entry.get(), &37);
    /// ```
    pub fn insert(self, value: V) -> OccupiedEntry<'a, K, V, S, A> {
        self.insert_entry(value)
    }

    /// The occupied entry, inserting `default` first if the key is absent (an existing value is
    /// kept). **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, u32> = gomap::HashMap::new();
    /// let entry = map.entry("poneyland").or_insert_entry(3);
    /// assert_eq!((entry.key(), entry.get()), (&"poneyland", &3));
    /// let entry = map.entry("poneyland").or_insert_entry(10);
    /// assert_eq!(entry.get(), &3);
    /// ```
    pub fn or_insert_entry(self, default: V) -> OccupiedEntry<'a, K, V, S, A> {
        match self {
            Entry::Occupied(e) => e,
            Entry::Vacant(e) => e.insert_entry(default),
        }
    }

    /// If the key is present, replaces its value with `f(&key, value)`, or removes the entry
    /// when `f` returns `None` (the result is then vacant, holding the key); a vacant entry is
    /// returned unchanged. **O(1)**; a removal prepares a free slot again for the vacant entry.
    ///
    /// If `f` panics, the entry is removed (its key and value dropped) and the map stays
    /// consistent.
    ///
    /// ```
    /// use gomap::hash_map::Entry;
    ///
    /// let mut map = gomap::HashMap::from([("poneyland", 42)]);
    /// let entry = map.entry("poneyland").and_replace_entry_with(|_key, v| Some(v + 1));
    /// assert!(matches!(entry, Entry::Occupied(e) if *e.get() == 43));
    /// let entry = map.entry("poneyland").and_replace_entry_with(|_key, _v| None);
    /// assert!(matches!(entry, Entry::Vacant(_)));
    /// assert!(!map.contains_key("poneyland"));
    /// ```
    pub fn and_replace_entry_with<F>(self, f: F) -> Self
    where
        F: FnOnce(&K, V) -> Option<V>,
    {
        match self {
            Entry::Occupied(e) => e.replace_entry_with(f),
            Entry::Vacant(e) => Entry::Vacant(e),
        }
    }
}

impl<'a, K, V: Default, S, A: Allocator> Entry<'a, K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// The value, inserting `V::default()` if the key is absent. **O(1)**.
    ///
    /// ```
    /// let mut words: gomap::HashMap<&str, usize> = gomap::HashMap::new();
    /// for w in "the cat and the hat".split(' ') {
    ///     *words.entry(w).or_default() += 1;
    /// }
    /// assert_eq!(words["the"], 2);
    /// ```
    pub fn or_default(self) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(V::default()),
        }
    }
}

impl<'a, K, V, S, A: Allocator> OccupiedEntry<'a, K, V, S, A> {
    pub(crate) fn new(map: &'a mut HashMap<K, V, S, A>, pos: Position<K, V>) -> Self {
        OccupiedEntry { map, pos }
    }

    /// The stored key (not the one given to `entry`, which is dropped when the key is present).
    /// **O(1)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([("poneyland", 12)]);
    /// if let gomap::hash_map::Entry::Occupied(e) = map.entry("poneyland") {
    ///     assert_eq!(e.key(), &"poneyland");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        // SAFETY: the position is live while the entry borrows the map.
        unsafe { &*self.pos.key() }
    }

    /// The value. **O(1)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([("poneyland", 12)]);
    /// if let gomap::hash_map::Entry::Occupied(e) = map.entry("poneyland") {
    ///     assert_eq!(e.get(), &12);
    /// }
    /// ```
    pub fn get(&self) -> &V {
        // SAFETY: as in `key`.
        unsafe { &*self.pos.value() }
    }

    /// The value, mutably, for the entry's lifetime; see [`into_mut`](Self::into_mut) for a
    /// reference that outlives the entry. **O(1)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([("poneyland", 12)]);
    /// if let gomap::hash_map::Entry::Occupied(mut e) = map.entry("poneyland") {
    ///     *e.get_mut() += 10;
    ///     assert_eq!(e.get(), &22);
    /// }
    /// ```
    pub fn get_mut(&mut self) -> &mut V {
        // SAFETY: as in `key`, with the map borrowed mutably.
        unsafe { &mut *self.pos.value() }
    }

    /// The value, mutably, for the map borrow's lifetime. **O(1)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([("poneyland", 12)]);
    /// if let gomap::hash_map::Entry::Occupied(e) = map.entry("poneyland") {
    ///     *e.into_mut() += 10;
    /// }
    /// assert_eq!(map["poneyland"], 22);
    /// ```
    pub fn into_mut(self) -> &'a mut V {
        // SAFETY: as in `get_mut`; the borrow of the map outlives the entry.
        unsafe { &mut *self.pos.value() }
    }

    /// Replaces the value, returning the old one; the stored key stays. **O(1)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([("poneyland", 12)]);
    /// if let gomap::hash_map::Entry::Occupied(mut e) = map.entry("poneyland") {
    ///     assert_eq!(e.insert(15), 12);
    /// }
    /// assert_eq!(map["poneyland"], 15);
    /// ```
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    /// Removes the entry, returning the value. **O(1)**; it does no grow work (the lookup did).
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([("poneyland", 12)]);
    /// if let gomap::hash_map::Entry::Occupied(e) = map.entry("poneyland") {
    ///     assert_eq!(e.remove(), 12);
    /// }
    /// assert!(map.is_empty());
    /// ```
    pub fn remove(self) -> V {
        self.remove_entry().1
    }

    /// Removes the entry, returning the stored key and value. **O(1)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([("poneyland".to_string(), 12)]);
    /// if let gomap::hash_map::Entry::Occupied(e) = map.entry("poneyland".to_string()) {
    ///     assert_eq!(e.remove_entry(), ("poneyland".to_string(), 12));
    /// }
    /// ```
    pub fn remove_entry(self) -> (K, V) {
        // SAFETY: the position is live, and nothing changed it since the lookup.
        unsafe { self.map.table.remove_at(self.pos) }
    }
}

impl<'a, K, V, S, A: Allocator> OccupiedEntry<'a, K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// Replaces the value with `f(&key, value)`, or removes the entry when `f` returns `None`,
    /// returning what the entry is then: occupied, or vacant with the removed key (hashbrown's
    /// `replace_entry_with`). **O(1)**; after a removal the key is hashed again to prepare the
    /// vacant entry's slot.
    ///
    /// If `f` panics, the entry is removed (its key and value dropped) and the map stays
    /// consistent.
    ///
    /// ```
    /// use gomap::hash_map::Entry;
    ///
    /// let mut map = gomap::HashMap::from([("poneyland", 42)]);
    /// let Entry::Occupied(e) = map.entry("poneyland") else { unreachable!() };
    /// let Entry::Occupied(e) = e.replace_entry_with(|_k, v| Some(v * 2)) else { unreachable!() };
    /// assert_eq!(e.get(), &84);
    /// let Entry::Vacant(v) = e.replace_entry_with(|_k, _v| None) else { unreachable!() };
    /// assert_eq!(v.key(), &"poneyland");
    /// assert!(map.is_empty());
    /// ```
    pub fn replace_entry_with<F>(self, f: F) -> Entry<'a, K, V, S, A>
    where
        F: FnOnce(&K, V) -> Option<V>,
    {
        let OccupiedEntry { map, pos } = self;
        // SAFETY: the position is live, and nothing changed the map since the lookup.
        match unsafe { map.table.replace_at_with(pos, f) } {
            Ok(()) => Entry::Occupied(OccupiedEntry { map, pos }),
            Err(key) => {
                let hash = map.hash_builder.hash_one(&key);
                let hb = &map.hash_builder;
                let slot = map
                    .table
                    .find_or_prepare_insert(hash, |_| false, |k| hb.hash_one(k))
                    .err()
                    .expect("the key was just removed");
                Entry::Vacant(VacantEntry::new(map, hash, key, slot))
            }
        }
    }
}

impl<'a, K, V, S, A: Allocator> VacantEntry<'a, K, V, S, A> {
    pub(crate) fn new(
        map: &'a mut HashMap<K, V, S, A>,
        hash: u64,
        key: K,
        slot: InsertSlot<K, V>,
    ) -> Self {
        VacantEntry {
            map,
            hash,
            key,
            slot,
        }
    }

    /// The key that would be inserted. **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, u32> = gomap::HashMap::new();
    /// if let gomap::hash_map::Entry::Vacant(v) = map.entry("poneyland") {
    ///     assert_eq!(v.key(), &"poneyland");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Takes the key back, inserting nothing. **O(1)**. (A free slot stays prepared; the map's
    /// contents do not change.)
    ///
    /// ```
    /// let mut map: gomap::HashMap<String, u32> = gomap::HashMap::new();
    /// if let gomap::hash_map::Entry::Vacant(v) = map.entry("poneyland".to_string()) {
    ///     assert_eq!(v.into_key(), "poneyland");
    /// }
    /// assert!(map.is_empty());
    /// ```
    pub fn into_key(self) -> K {
        self.key
    }

    /// Inserts the value, returning a reference to it. **O(1)**: the slot was prepared by
    /// [`HashMap::entry`] (which also did this write's grow work).
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, u32> = gomap::HashMap::new();
    /// if let gomap::hash_map::Entry::Vacant(v) = map.entry("poneyland") {
    ///     *v.insert(37) += 1;
    /// }
    /// assert_eq!(map["poneyland"], 38);
    /// ```
    pub fn insert(self, value: V) -> &'a mut V {
        self.insert_entry(value).into_mut()
    }

    /// Inserts the value, returning the occupied entry. **O(1)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<&str, u32> = gomap::HashMap::new();
    /// if let gomap::hash_map::Entry::Vacant(v) = map.entry("poneyland") {
    ///     let e = v.insert_entry(37);
    ///     assert_eq!((e.key(), e.get()), (&"poneyland", &37));
    /// }
    /// ```
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, A> {
        let VacantEntry {
            map,
            hash,
            key,
            slot,
        } = self;
        // SAFETY: the slot was prepared for this hash by `entry`, and the entry has held the map
        // borrowed since, so nothing changed.
        let pos = unsafe { map.table.insert_in_slot(hash, slot, key, value) };
        OccupiedEntry::new(map, pos)
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator> fmt::Debug for Entry<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Entry").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Entry").field(e).finish(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator> fmt::Debug for OccupiedEntry<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry")
            .field("key", self.key())
            .field("value", self.get())
            .finish_non_exhaustive()
    }
}

impl<K: fmt::Debug, V, S, A: Allocator> fmt::Debug for VacantEntry<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(self.key()).finish()
    }
}
