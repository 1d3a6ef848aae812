//! `HashSet::entry`: look a value up once, then insert or remove it in place (hashbrown's set
//! entries), over the map's entries of `(T, ())`.

use core::fmt;
use core::hash::{BuildHasher, Hash};

use allocator_api2::alloc::{Allocator, Global};

use super::HashSet;
use crate::entry as map;

/// A view into one value of a set, present or absent, from [`HashSet::entry`].
///
/// ```
/// use gomap::hash_set::{Entry, HashSet};
///
/// let mut set = HashSet::new();
/// for word in ["a", "b", "a"] {
///     match set.entry(word) {
///         Entry::Occupied(e) => println!("{} again", e.get()),
///         Entry::Vacant(e) => {
///             e.insert();
///         }
///     }
/// }
/// assert_eq!(set.len(), 2);
/// ```
pub enum Entry<'a, T, S, A: Allocator = Global> {
    /// An equal value is in the set.
    Occupied(OccupiedEntry<'a, T, S, A>),
    /// No equal value is in the set.
    Vacant(VacantEntry<'a, T, S, A>),
}

/// A view into a value that is present. Part of [`Entry`].
pub struct OccupiedEntry<'a, T, S, A: Allocator = Global> {
    inner: map::OccupiedEntry<'a, T, (), S, A>,
}

/// A view into an absent value: it holds the value, and a free slot prepared for it. Part of
/// [`Entry`].
pub struct VacantEntry<'a, T, S, A: Allocator = Global> {
    inner: map::VacantEntry<'a, T, (), S, A>,
}

impl<T, S, A: Allocator> HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    /// Gets the entry for `value`, to insert or remove it after one lookup (hashbrown's
    /// `HashSet::entry`). **O(1)** on average; like [`insert`](Self::insert), it does a write's
    /// grow work and, for an absent value, prepares the free slot.
    ///
    /// ```
    /// use gomap::hash_set::Entry;
    ///
    /// let mut set: gomap::HashSet<String> = gomap::HashSet::new();
    /// let e = set.entry("poneyland".to_string()).insert();
    /// assert_eq!(e.get(), "poneyland");
    /// if let Entry::Occupied(e) = set.entry("poneyland".to_string()) {
    ///     assert_eq!(e.remove(), "poneyland");
    /// }
    /// assert!(set.is_empty());
    /// ```
    pub fn entry(&mut self, value: T) -> Entry<'_, T, S, A> {
        match self.map.entry(value) {
            map::Entry::Occupied(inner) => Entry::Occupied(OccupiedEntry { inner }),
            map::Entry::Vacant(inner) => Entry::Vacant(VacantEntry { inner }),
        }
    }
}

impl<'a, T, S, A: Allocator> Entry<'a, T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    /// Inserts the value if it is absent (an equal stored value is kept) and returns the
    /// occupied entry. **O(1)**.
    ///
    /// ```
    /// let mut set: gomap::HashSet<&str> = gomap::HashSet::new();
    /// let e = set.entry("horseyland").insert();
    /// assert_eq!(e.get(), &"horseyland");
    /// ```
    pub fn insert(self) -> OccupiedEntry<'a, T, S, A> {
        match self {
            Entry::Occupied(e) => e,
            Entry::Vacant(e) => e.insert(),
        }
    }

    /// Inserts the value if it is absent. **O(1)**.
    ///
    /// ```
    /// let mut set: gomap::HashSet<&str> = gomap::HashSet::new();
    /// set.entry("poneyland").or_insert();
    /// set.entry("poneyland").or_insert();
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn or_insert(self) {
        if let Entry::Vacant(e) = self {
            e.insert();
        }
    }

    /// The entry's value: the stored one if present, the one given to `entry` if absent.
    ///
    /// ```
    /// let mut set: gomap::HashSet<&str> = gomap::HashSet::new();
    /// assert_eq!(set.entry("poneyland").get(), &"poneyland");
    /// ```
    pub fn get(&self) -> &T {
        match self {
            Entry::Occupied(e) => e.get(),
            Entry::Vacant(e) => e.get(),
        }
    }
}

impl<T, S, A: Allocator> OccupiedEntry<'_, T, S, A> {
    /// The stored value (not the one given to `entry`, which was dropped). **O(1)**.
    ///
    /// ```
    /// use gomap::hash_set::Entry;
    ///
    /// let mut set = gomap::HashSet::from(["poneyland"]);
    /// if let Entry::Occupied(e) = set.entry("poneyland") {
    ///     assert_eq!(e.get(), &"poneyland");
    /// }
    /// ```
    pub fn get(&self) -> &T {
        self.inner.key()
    }

    /// Removes the value from the set and returns it. **O(1)**.
    ///
    /// ```
    /// use gomap::hash_set::Entry;
    ///
    /// let mut set = gomap::HashSet::from(["poneyland"]);
    /// if let Entry::Occupied(e) = set.entry("poneyland") {
    ///     assert_eq!(e.remove(), "poneyland");
    /// }
    /// assert!(set.is_empty());
    /// ```
    pub fn remove(self) -> T {
        self.inner.remove_entry().0
    }
}

impl<'a, T, S, A: Allocator> VacantEntry<'a, T, S, A> {
    /// The value that would be inserted. **O(1)**.
    ///
    /// ```
    /// use gomap::hash_set::Entry;
    ///
    /// let mut set: gomap::HashSet<&str> = gomap::HashSet::new();
    /// if let Entry::Vacant(v) = set.entry("poneyland") {
    ///     assert_eq!(v.get(), &"poneyland");
    /// }
    /// ```
    pub fn get(&self) -> &T {
        self.inner.key()
    }

    /// Takes the value back, inserting nothing. **O(1)**.
    ///
    /// ```
    /// use gomap::hash_set::Entry;
    ///
    /// let mut set: gomap::HashSet<String> = gomap::HashSet::new();
    /// if let Entry::Vacant(v) = set.entry("poneyland".to_string()) {
    ///     assert_eq!(v.into_value(), "poneyland");
    /// }
    /// assert!(set.is_empty());
    /// ```
    pub fn into_value(self) -> T {
        self.inner.into_key()
    }

    /// Inserts the value and returns the occupied entry. **O(1)**: the slot was prepared by
    /// [`HashSet::entry`].
    ///
    /// ```
    /// use gomap::hash_set::Entry;
    ///
    /// let mut set: gomap::HashSet<&str> = gomap::HashSet::new();
    /// if let Entry::Vacant(v) = set.entry("poneyland") {
    ///     v.insert();
    /// }
    /// assert!(set.contains("poneyland"));
    /// ```
    pub fn insert(self) -> OccupiedEntry<'a, T, S, A> {
        OccupiedEntry {
            inner: self.inner.insert_entry(()),
        }
    }
}

impl<T: fmt::Debug, S, A: Allocator> fmt::Debug for Entry<'_, T, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Entry").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Entry").field(e).finish(),
        }
    }
}

impl<T: fmt::Debug, S, A: Allocator> fmt::Debug for OccupiedEntry<'_, T, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OccupiedEntry").field(self.get()).finish()
    }
}

impl<T: fmt::Debug, S, A: Allocator> fmt::Debug for VacantEntry<'_, T, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(self.get()).finish()
    }
}
