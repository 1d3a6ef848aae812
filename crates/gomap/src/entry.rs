//! The Entry API: look a key up once, then read, insert, update or remove in place.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;

use allocator_api2::alloc::{Allocator, Global};

use crate::table::{InsertSlot, Position};
use crate::HashMap;

/// A view into one entry of a map, vacant or occupied, from [`HashMap::entry`].
pub enum Entry<'a, K, V, S, A: Allocator = Global> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S, A>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V, S, A>),
}

/// A view into an occupied entry.
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
    /// The value, inserting `default` if the key is absent.
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

    /// The value, inserting `default()` if the key is absent.
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(&key)` if the key is absent.
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let value = default(&e.key);
                e.insert(value)
            }
        }
    }

    /// The entry's key.
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }

    /// Calls `f` on the value if the key is present; returns the entry for chaining.
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

    /// Sets the value (inserting or replacing) and returns the occupied entry.
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, A> {
        match self {
            Entry::Occupied(mut e) => {
                e.insert(value);
                e
            }
            Entry::Vacant(e) => e.insert_entry(value),
        }
    }
}

impl<'a, K, V: Default, S, A: Allocator> Entry<'a, K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// The value, inserting `V::default()` if the key is absent.
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

    /// The stored key.
    pub fn key(&self) -> &K {
        // SAFETY: the position is live while the entry borrows the map.
        unsafe { &*self.pos.key() }
    }

    /// The value.
    pub fn get(&self) -> &V {
        // SAFETY: as in `key`.
        unsafe { &*self.pos.value() }
    }

    /// The value, mutably, for the entry's lifetime.
    pub fn get_mut(&mut self) -> &mut V {
        // SAFETY: as in `key`, with the map borrowed mutably.
        unsafe { &mut *self.pos.value() }
    }

    /// The value, mutably, for the map borrow's lifetime.
    pub fn into_mut(self) -> &'a mut V {
        // SAFETY: as in `get_mut`; the borrow of the map outlives the entry.
        unsafe { &mut *self.pos.value() }
    }

    /// Replaces the value, returning the old one.
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    /// Removes the entry, returning the value.
    pub fn remove(self) -> V {
        self.remove_entry().1
    }

    /// Removes the entry, returning the stored key and value.
    pub fn remove_entry(self) -> (K, V) {
        // SAFETY: the position is live, and nothing changed it since the lookup.
        unsafe { self.map.table.remove_at(self.pos) }
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

    /// The key that would be inserted.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Takes the key back.
    pub fn into_key(self) -> K {
        self.key
    }

    /// Inserts the value, returning a reference to it.
    pub fn insert(self, value: V) -> &'a mut V {
        self.insert_entry(value).into_mut()
    }

    /// Inserts the value, returning the occupied entry.
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
