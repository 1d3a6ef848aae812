//! Parallel iterators over a [`HashMap`].

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use ::rayon::iter::plumbing::UnindexedConsumer;
use ::rayon::iter::{
    FromParallelIterator, IntoParallelIterator, IntoParallelRefIterator, ParallelExtend,
    ParallelIterator,
};

use super::raw::{drive_exclusive, drive_owned, drive_shared, full_range};
use crate::iter::Iter;
use crate::table::{RawIter, RawTable};
use crate::HashMap;

/// A parallel iterator over `(&K, &V)`, from `par_iter()` on a [`HashMap`] (rayon's
/// `IntoParallelRefIterator`).
///
/// ```
/// use rayon::prelude::*;
///
/// let map: gomap::HashMap<u32, u32> = (0..1000).map(|i| (i, i * 2)).collect();
/// let sum: u32 = map.par_iter().map(|(_, v)| *v).sum();
/// assert_eq!(sum, 999 * 1000);
/// ```
pub struct ParIter<'a, K, V> {
    table: &'a RawTable<K, V>,
}

impl<K, V> Clone for ParIter<'_, K, V> {
    fn clone(&self) -> Self {
        ParIter { table: self.table }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for ParIter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(Iter::new(self.table.raw_iter()))
            .finish()
    }
}

impl<'a, K: Sync, V: Sync> ParallelIterator for ParIter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        drive_shared(self.table, consumer)
    }
}

/// A parallel iterator over the keys of a [`HashMap`], from [`HashMap::par_keys`].
pub struct ParKeys<'a, K, V> {
    inner: ParIter<'a, K, V>,
}

impl<K, V> Clone for ParKeys<'_, K, V> {
    fn clone(&self) -> Self {
        ParKeys {
            inner: self.inner.clone(),
        }
    }
}

impl<K: fmt::Debug, V> fmt::Debug for ParKeys<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(Iter::new(self.inner.table.raw_iter()).map(|(k, _)| k))
            .finish()
    }
}

impl<'a, K: Sync, V: Sync> ParallelIterator for ParKeys<'a, K, V> {
    type Item = &'a K;

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        self.inner.map(|(k, _)| k).drive_unindexed(consumer)
    }
}

/// A parallel iterator over the values of a [`HashMap`], from [`HashMap::par_values`].
pub struct ParValues<'a, K, V> {
    inner: ParIter<'a, K, V>,
}

impl<K, V> Clone for ParValues<'_, K, V> {
    fn clone(&self) -> Self {
        ParValues {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V: fmt::Debug> fmt::Debug for ParValues<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(Iter::new(self.inner.table.raw_iter()).map(|(_, v)| v))
            .finish()
    }
}

impl<'a, K: Sync, V: Sync> ParallelIterator for ParValues<'a, K, V> {
    type Item = &'a V;

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        self.inner.map(|(_, v)| v).drive_unindexed(consumer)
    }
}

/// A parallel iterator over `(&K, &mut V)`, from `par_iter_mut()` on a [`HashMap`] (rayon's
/// `IntoParallelRefMutIterator`).
///
/// ```
/// use rayon::prelude::*;
///
/// let mut map: gomap::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
/// map.par_iter_mut().for_each(|(k, v)| *v += k);
/// assert_eq!(map[&7], 14);
/// ```
pub struct ParIterMut<'a, K, V> {
    /// A full range iterator over the table, which is borrowed mutably for `'a`.
    iter: RawIter<K, V>,
    len: usize,
    _marker: PhantomData<(&'a K, &'a mut V)>,
}

impl<'a, K, V> ParIterMut<'a, K, V> {
    fn new(table: &'a mut RawTable<K, V>) -> Self {
        ParIterMut {
            iter: full_range(table),
            len: table.len(),
            _marker: PhantomData,
        }
    }
}

impl<K, V> fmt::Debug for ParIterMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParIterMut")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl<'a, K: Sync, V: Send> ParallelIterator for ParIterMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        // SAFETY: the iterator was made from a table borrowed mutably for 'a (`new`), which
        // this iterator stands for.
        unsafe { drive_exclusive(self.iter, consumer) }
    }
}

/// A parallel iterator over mutable references to the values of a [`HashMap`], from
/// [`HashMap::par_values_mut`].
pub struct ParValuesMut<'a, K, V> {
    inner: ParIterMut<'a, K, V>,
}

impl<K, V> fmt::Debug for ParValuesMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParValuesMut")
            .field("len", &self.inner.len)
            .finish_non_exhaustive()
    }
}

impl<'a, K: Sync, V: Send> ParallelIterator for ParValuesMut<'a, K, V> {
    type Item = &'a mut V;

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        self.inner.map(|(_, v)| v).drive_unindexed(consumer)
    }
}

/// A parallel iterator over `(K, V)`, from `into_par_iter()` on a [`HashMap`].
///
/// Entries it does not yield (the consumer stopped early, or a panic) are dropped; the map's
/// memory is freed once every worker is done.
///
/// ```
/// use rayon::prelude::*;
///
/// let map: gomap::HashMap<u32, String> = (0..100).map(|i| (i, i.to_string())).collect();
/// let mut v: Vec<(u32, String)> = map.into_par_iter().collect();
/// v.sort();
/// assert_eq!(v[42], (42, "42".to_string()));
/// ```
pub struct IntoParIter<K, V> {
    table: RawTable<K, V>,
}

impl<K, V> fmt::Debug for IntoParIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoParIter")
            .field("len", &self.table.len())
            .finish_non_exhaustive()
    }
}

impl<K: Send, V: Send> ParallelIterator for IntoParIter<K, V> {
    type Item = (K, V);

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        struct FreeOnExit<K, V>(RawTable<K, V>);
        impl<K, V> Drop for FreeOnExit<K, V> {
            fn drop(&mut self) {
                // Every entry was moved out or dropped by the producers: free memory only (the
                // table's own `Drop` then finds nothing).
                self.0.free_storage();
            }
        }
        let mut table = FreeOnExit(self.table);
        // SAFETY: the guard frees the table without dropping entries, also on unwinding.
        unsafe { drive_owned(&mut table.0, consumer) }
    }
}

/// A parallel draining iterator over `(K, V)`, from [`HashMap::par_drain`].
///
/// When it is done, or dropped without being run, the map is empty and keeps its capacity.
pub struct ParDrain<'a, K, V> {
    table: &'a mut RawTable<K, V>,
}

impl<K, V> fmt::Debug for ParDrain<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParDrain")
            .field("len", &self.table.len())
            .finish_non_exhaustive()
    }
}

impl<K: Send, V: Send> ParallelIterator for ParDrain<'_, K, V> {
    type Item = (K, V);

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        struct ClearOnExit<'t, K, V>(&'t mut RawTable<K, V>);
        impl<K, V> Drop for ClearOnExit<'_, K, V> {
            fn drop(&mut self) {
                // Every entry was moved out or dropped by the producers: forget them, keeping
                // the bucket array.
                self.0.clear_no_drop();
            }
        }
        let table = ClearOnExit(&mut *self.table);
        // SAFETY: the guard empties the table without dropping entries, also on unwinding.
        unsafe { drive_owned(&mut *table.0, consumer) }
    }
}

impl<K, V> Drop for ParDrain<'_, K, V> {
    fn drop(&mut self) {
        // Not run: drop the entries now, as a drained map must end up empty.
        if self.table.len() != 0 {
            self.table.clear();
        }
    }
}

impl<K: Send, V: Send, S> IntoParallelIterator for HashMap<K, V, S> {
    type Item = (K, V);
    type Iter = IntoParIter<K, V>;

    fn into_par_iter(self) -> IntoParIter<K, V> {
        IntoParIter { table: self.table }
    }
}

impl<'a, K: Sync, V: Sync, S> IntoParallelIterator for &'a HashMap<K, V, S> {
    type Item = (&'a K, &'a V);
    type Iter = ParIter<'a, K, V>;

    fn into_par_iter(self) -> ParIter<'a, K, V> {
        ParIter { table: &self.table }
    }
}

impl<'a, K: Sync, V: Send, S> IntoParallelIterator for &'a mut HashMap<K, V, S> {
    type Item = (&'a K, &'a mut V);
    type Iter = ParIterMut<'a, K, V>;

    fn into_par_iter(self) -> ParIterMut<'a, K, V> {
        ParIterMut::new(&mut self.table)
    }
}

impl<K: Sync, V: Sync, S> HashMap<K, V, S> {
    /// Returns a parallel iterator over the keys, in arbitrary order (feature `rayon`).
    ///
    /// Splits the bucket array's chains in halves across rayon's threads.
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let map: gomap::HashMap<u32, ()> = (0..1000).map(|i| (i, ())).collect();
    /// assert_eq!(map.par_keys().max(), Some(&999));
    /// ```
    pub fn par_keys(&self) -> ParKeys<'_, K, V> {
        ParKeys {
            inner: ParIter { table: &self.table },
        }
    }

    /// Returns a parallel iterator over the values, in arbitrary order (feature `rayon`).
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let map: gomap::HashMap<u32, u64> = (0..1000).map(|i| (i, 1)).collect();
    /// assert_eq!(map.par_values().sum::<u64>(), 1000);
    /// ```
    pub fn par_values(&self) -> ParValues<'_, K, V> {
        ParValues {
            inner: ParIter { table: &self.table },
        }
    }
}

impl<K: Sync, V: Send, S> HashMap<K, V, S> {
    /// Returns a parallel iterator over mutable references to the values, in arbitrary order
    /// (feature `rayon`).
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let mut map: gomap::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// map.par_values_mut().for_each(|v| *v *= 2);
    /// assert_eq!(map[&21], 42);
    /// ```
    pub fn par_values_mut(&mut self) -> ParValuesMut<'_, K, V> {
        ParValuesMut {
            inner: ParIterMut::new(&mut self.table),
        }
    }
}

impl<K: Send, V: Send, S> HashMap<K, V, S> {
    /// Removes every entry and returns them as a parallel iterator, keeping the capacity
    /// (feature `rayon`).
    ///
    /// Entries it does not yield are dropped. Once it has run, or is dropped without running,
    /// the map is empty.
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let mut map: gomap::HashMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
    /// let cap = map.capacity();
    /// let sum: u32 = map.par_drain().map(|(_, v)| v).sum();
    /// assert_eq!(sum, 999 * 1000 / 2);
    /// assert!(map.is_empty());
    /// assert_eq!(map.capacity(), cap);
    /// ```
    pub fn par_drain(&mut self) -> ParDrain<'_, K, V> {
        ParDrain {
            table: &mut self.table,
        }
    }
}

impl<K, V, S> HashMap<K, V, S>
where
    K: Eq + Hash + Sync,
    V: PartialEq + Sync,
    S: BuildHasher + Sync,
{
    /// Returns `true` if the two maps hold the same entries, checking in parallel (feature
    /// `rayon`).
    ///
    /// ```
    /// let a: gomap::HashMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
    /// let mut b = a.clone();
    /// assert!(a.par_eq(&b));
    /// b.insert(5, 6);
    /// assert!(!a.par_eq(&b));
    /// ```
    pub fn par_eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .par_iter()
                .all(|(k, v)| other.get(k).is_some_and(|w| *v == *w))
    }
}

/// Collects a parallel iterator into per-thread vectors, then inserts them sequentially after
/// reserving room for all (half as many when the map already holds entries, as keys may repeat).
fn extend_from_par<K, V, S, I, T>(map: &mut HashMap<K, V, S>, par_iter: I)
where
    K: Eq + Hash,
    S: BuildHasher,
    I: IntoParallelIterator<Item = T>,
    T: Send,
    HashMap<K, V, S>: Extend<T>,
{
    let list = par_iter.into_par_iter().collect_vec_list();
    let len: usize = list.iter().map(Vec::len).sum();
    let reserve = if map.is_empty() { len } else { len.div_ceil(2) };
    // Room is a hint: on failure, the inserts below grow the map as needed.
    let _ = map.try_reserve(reserve);
    for vec in list {
        map.extend(vec);
    }
}

impl<K, V, S> ParallelExtend<(K, V)> for HashMap<K, V, S>
where
    K: Eq + Hash + Send,
    V: Send,
    S: BuildHasher,
{
    /// Collects in parallel into per-thread vectors, then inserts sequentially.
    fn par_extend<I>(&mut self, par_iter: I)
    where
        I: IntoParallelIterator<Item = (K, V)>,
    {
        extend_from_par(self, par_iter);
    }
}

impl<'a, K, V, S> ParallelExtend<(&'a K, &'a V)> for HashMap<K, V, S>
where
    K: Copy + Eq + Hash + Sync,
    V: Copy + Sync,
    S: BuildHasher,
{
    /// Collects in parallel into per-thread vectors, then inserts sequentially.
    fn par_extend<I>(&mut self, par_iter: I)
    where
        I: IntoParallelIterator<Item = (&'a K, &'a V)>,
    {
        extend_from_par(self, par_iter);
    }
}

impl<K, V, S> FromParallelIterator<(K, V)> for HashMap<K, V, S>
where
    K: Eq + Hash + Send,
    V: Send,
    S: BuildHasher + Default,
{
    /// Collects in parallel into per-thread vectors, then inserts sequentially.
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let map: gomap::HashMap<u32, u32> = (0..1000u32).into_par_iter().map(|i| (i, i)).collect();
    /// assert_eq!(map.len(), 1000);
    /// ```
    fn from_par_iter<I>(par_iter: I) -> Self
    where
        I: IntoParallelIterator<Item = (K, V)>,
    {
        let mut map = HashMap::default();
        map.par_extend(par_iter);
        map
    }
}
