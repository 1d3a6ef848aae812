//! The entries of a [`HashTable`]: found (occupied), looked for and prepared (vacant), or
//! looked for without a hasher and not found (absent).

use core::fmt;

use allocator_api2::alloc::{Allocator, Global};

use super::HashTable;
use crate::table::{InsertSlot, Position};

/// A view into one place of a [`HashTable`], occupied or vacant, from [`HashTable::entry`].
pub enum Entry<'a, T, A: Allocator = Global> {
    /// An element matched.
    Occupied(OccupiedEntry<'a, T, A>),
    /// No element matched; a slot is prepared.
    Vacant(VacantEntry<'a, T, A>),
}

/// A view into an element of a [`HashTable`]. Part of [`Entry`], and from
/// [`HashTable::find_entry`] and [`HashTable::insert_unique`].
pub struct OccupiedEntry<'a, T, A: Allocator = Global> {
    table: &'a mut HashTable<T, A>,
    hash: u64,
    pos: Position<T, ()>,
}

/// A view into a free slot of a [`HashTable`], prepared for an element of a known hash. Part
/// of [`Entry`], and what [`OccupiedEntry::remove`] leaves.
pub struct VacantEntry<'a, T, A: Allocator = Global> {
    table: &'a mut HashTable<T, A>,
    hash: u64,
    slot: InsertSlot<T, ()>,
}

/// What [`HashTable::find_entry`] returns when nothing matched: the table, borrowed back.
/// (Preparing a slot would need a hasher, which `find_entry` does not take; use
/// [`HashTable::entry`] to insert.)
pub struct AbsentEntry<'a, T, A: Allocator = Global> {
    table: &'a mut HashTable<T, A>,
}

// SAFETY: each entry is an `&'a mut HashTable<T, A>` plus raw positions into it: as thread-safe
// as that reference.
unsafe impl<T: Send, A: Allocator + Send> Send for OccupiedEntry<'_, T, A> {}
// SAFETY: `&OccupiedEntry` only gives `&T`.
unsafe impl<T: Sync, A: Allocator + Sync> Sync for OccupiedEntry<'_, T, A> {}
// SAFETY: as for `OccupiedEntry`.
unsafe impl<T: Send, A: Allocator + Send> Send for VacantEntry<'_, T, A> {}
// SAFETY: `&VacantEntry` gives access to nothing of `T`.
unsafe impl<T: Sync, A: Allocator + Sync> Sync for VacantEntry<'_, T, A> {}

impl<'a, T, A: Allocator> Entry<'a, T, A> {
    /// Sets the element (inserting, or replacing the matched one, which is dropped) and returns
    /// the occupied entry. **O(1)**.
    ///
    /// ```
    /// let mut table: gomap::HashTable<&str> = gomap::HashTable::new();
    /// let e = table.entry(1, |&s| s == "a", |_| 1).insert("a");
    /// assert_eq!(e.get(), &"a");
    /// ```
    pub fn insert(self, value: T) -> OccupiedEntry<'a, T, A> {
        match self {
            Entry::Occupied(mut e) => {
                *e.get_mut() = value;
                e
            }
            Entry::Vacant(e) => e.insert(value),
        }
    }

    /// The occupied entry, inserting `default` first if nothing matched. **O(1)**.
    ///
    /// ```
    /// let mut table: gomap::HashTable<(u32, u32)> = gomap::HashTable::new();
    /// table.entry(1, |&(k, _)| k == 1, |_| 1).or_insert((1, 10));
    /// let e = table.entry(1, |&(k, _)| k == 1, |_| 1).or_insert((1, 20));
    /// assert_eq!(e.get(), &(1, 10));
    /// ```
    pub fn or_insert(self, default: T) -> OccupiedEntry<'a, T, A> {
        match self {
            Entry::Occupied(e) => e,
            Entry::Vacant(e) => e.insert(default),
        }
    }

    /// The occupied entry, inserting `default()` first if nothing matched; `default` runs only
    /// then. **O(1)**.
    pub fn or_insert_with(self, default: impl FnOnce() -> T) -> OccupiedEntry<'a, T, A> {
        match self {
            Entry::Occupied(e) => e,
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// Calls `f` on the element if one matched; returns the entry for chaining. **O(1)**.
    ///
    /// ```
    /// let mut table: gomap::HashTable<(u32, u32)> = gomap::HashTable::new();
    /// for _ in 0..3 {
    ///     table
    ///         .entry(1, |&(k, _)| k == 1, |_| 1)
    ///         .and_modify(|(_, n)| *n += 1)
    ///         .or_insert((1, 0));
    /// }
    /// assert_eq!(table.find(1, |&(k, _)| k == 1), Some(&(1, 2)));
    /// ```
    pub fn and_modify(self, f: impl FnOnce(&mut T)) -> Self {
        match self {
            Entry::Occupied(mut e) => {
                f(e.get_mut());
                Entry::Occupied(e)
            }
            Entry::Vacant(e) => Entry::Vacant(e),
        }
    }

    /// The table the entry borrows. **O(1)**.
    pub fn into_table(self) -> &'a mut HashTable<T, A> {
        match self {
            Entry::Occupied(e) => e.into_table(),
            Entry::Vacant(e) => e.into_table(),
        }
    }
}

impl<'a, T: Default, A: Allocator> Entry<'a, T, A> {
    /// The occupied entry, inserting `T::default()` first if nothing matched. **O(1)**.
    pub fn or_default(self) -> OccupiedEntry<'a, T, A> {
        self.or_insert_with(T::default)
    }
}

impl<'a, T, A: Allocator> OccupiedEntry<'a, T, A> {
    pub(super) fn new(table: &'a mut HashTable<T, A>, hash: u64, pos: Position<T, ()>) -> Self {
        OccupiedEntry { table, hash, pos }
    }

    /// The element. **O(1)**.
    pub fn get(&self) -> &T {
        // SAFETY: the position is live while the entry borrows the table.
        unsafe { &*self.pos.key() }
    }

    /// The element, mutably, for the entry's lifetime. Its hash must not change. **O(1)**.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: as in `get`, with the table borrowed mutably.
        unsafe { &mut *self.pos.key() }
    }

    /// The element, mutably, for the table borrow's lifetime. **O(1)**.
    pub fn into_mut(self) -> &'a mut T {
        // SAFETY: as in `get_mut`; the borrow of the table outlives the entry.
        unsafe { &mut *self.pos.key() }
    }

    /// Removes the element and returns it, with a vacant entry for an element of the same hash
    /// in the freed slot. **O(1)**; it does no grow work.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// table.insert_unique(5, "old", |_| 5);
    /// let (old, vacant) = table.find_entry(5, |&s| s == "old").unwrap().remove();
    /// assert_eq!(old, "old");
    /// vacant.insert("new");
    /// assert_eq!(table.find(5, |&s| s == "new"), Some(&"new"));
    /// assert_eq!(table.len(), 1);
    /// ```
    pub fn remove(self) -> (T, VacantEntry<'a, T, A>) {
        let OccupiedEntry { table, hash, pos } = self;
        // SAFETY: the position is live, and nothing changed the table since it was found.
        let ((value, ()), slot) = unsafe { table.table.take_at(pos) };
        (value, VacantEntry::new(table, hash, slot))
    }

    /// The table the entry borrows. **O(1)**.
    pub fn into_table(self) -> &'a mut HashTable<T, A> {
        self.table
    }
}

impl<'a, T, A: Allocator> VacantEntry<'a, T, A> {
    pub(super) fn new(table: &'a mut HashTable<T, A>, hash: u64, slot: InsertSlot<T, ()>) -> Self {
        VacantEntry { table, hash, slot }
    }

    /// Inserts `value` (whose hash must be the one the entry was made for) and returns its
    /// occupied entry. **O(1)**: the slot is already prepared.
    ///
    /// ```
    /// use gomap::hash_table::Entry;
    ///
    /// let mut table: gomap::HashTable<u64> = gomap::HashTable::new();
    /// if let Entry::Vacant(v) = table.entry(9, |&x| x == 9, |&x| x) {
    ///     assert_eq!(v.insert(9).get(), &9);
    /// }
    /// ```
    pub fn insert(self, value: T) -> OccupiedEntry<'a, T, A> {
        let VacantEntry { table, hash, slot } = self;
        // SAFETY: the slot was prepared for this hash (by `entry`, or freed by `remove` of an
        // element of this hash), and the entry has held the table borrowed since.
        let pos = unsafe { table.table.insert_in_slot(hash, slot, value, ()) };
        OccupiedEntry::new(table, hash, pos)
    }

    /// The table the entry borrows. **O(1)**.
    pub fn into_table(self) -> &'a mut HashTable<T, A> {
        self.table
    }
}

impl<'a, T, A: Allocator> AbsentEntry<'a, T, A> {
    pub(super) fn new(table: &'a mut HashTable<T, A>) -> Self {
        AbsentEntry { table }
    }

    /// The table the entry borrows. **O(1)**.
    pub fn into_table(self) -> &'a mut HashTable<T, A> {
        self.table
    }
}

impl<T: fmt::Debug, A: Allocator> fmt::Debug for Entry<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Entry").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Entry").field(e).finish(),
        }
    }
}

impl<T: fmt::Debug, A: Allocator> fmt::Debug for OccupiedEntry<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OccupiedEntry").field(self.get()).finish()
    }
}

impl<T, A: Allocator> fmt::Debug for VacantEntry<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VacantEntry")
            .field("hash", &self.hash)
            .finish()
    }
}

impl<T, A: Allocator> fmt::Debug for AbsentEntry<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AbsentEntry")
    }
}
