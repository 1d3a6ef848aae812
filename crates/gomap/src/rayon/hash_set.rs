//! Parallel iterators over a [`HashSet`].

use core::fmt;
use core::hash::{BuildHasher, Hash};

use ::rayon::iter::plumbing::UnindexedConsumer;
use ::rayon::iter::{
    FromParallelIterator, IntoParallelIterator, IntoParallelRefIterator, ParallelExtend,
    ParallelIterator,
};

use super::hash_map;
use crate::HashSet;

/// A parallel iterator over `&T`, from `par_iter()` on a [`HashSet`] (rayon's
/// `IntoParallelRefIterator`).
///
/// ```
/// use rayon::prelude::*;
///
/// let set: gomap::HashSet<u32> = (0..1000).collect();
/// assert_eq!(set.par_iter().filter(|v| **v % 10 == 0).count(), 100);
/// ```
pub struct ParIter<'a, T> {
    inner: hash_map::ParKeys<'a, T, ()>,
}

impl<T> Clone for ParIter<'_, T> {
    fn clone(&self) -> Self {
        ParIter {
            inner: self.inner.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for ParIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<'a, T: Sync> ParallelIterator for ParIter<'a, T> {
    type Item = &'a T;

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        self.inner.drive_unindexed(consumer)
    }
}

/// A parallel iterator over `T`, from `into_par_iter()` on a [`HashSet`].
///
/// Values it does not yield are dropped; the set's memory is freed once every worker is done.
///
/// ```
/// use rayon::prelude::*;
///
/// let set: gomap::HashSet<u32> = (0..100).collect();
/// let mut v: Vec<u32> = set.into_par_iter().collect();
/// v.sort();
/// assert_eq!(v, (0..100).collect::<Vec<_>>());
/// ```
pub struct IntoParIter<T> {
    inner: hash_map::IntoParIter<T, ()>,
}

impl<T> fmt::Debug for IntoParIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: Send> ParallelIterator for IntoParIter<T> {
    type Item = T;

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        self.inner.map(|(k, ())| k).drive_unindexed(consumer)
    }
}

/// A parallel draining iterator over `T`, from [`HashSet::par_drain`].
///
/// When it is done, or dropped without being run, the set is empty and keeps its capacity.
pub struct ParDrain<'a, T> {
    inner: hash_map::ParDrain<'a, T, ()>,
}

impl<T> fmt::Debug for ParDrain<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: Send> ParallelIterator for ParDrain<'_, T> {
    type Item = T;

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        self.inner.map(|(k, ())| k).drive_unindexed(consumer)
    }
}

impl<T: Send, S> IntoParallelIterator for HashSet<T, S> {
    type Item = T;
    type Iter = IntoParIter<T>;

    fn into_par_iter(self) -> IntoParIter<T> {
        IntoParIter {
            inner: self.map.into_par_iter(),
        }
    }
}

impl<'a, T: Sync, S> IntoParallelIterator for &'a HashSet<T, S> {
    type Item = &'a T;
    type Iter = ParIter<'a, T>;

    fn into_par_iter(self) -> ParIter<'a, T> {
        ParIter {
            inner: self.map.par_keys(),
        }
    }
}

impl<T: Send, S> HashSet<T, S> {
    /// Removes every value and returns them as a parallel iterator, keeping the capacity
    /// (feature `rayon`).
    ///
    /// Values it does not yield are dropped. Once it has run, or is dropped without running,
    /// the set is empty.
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let mut set: gomap::HashSet<u32> = (0..1000).collect();
    /// assert_eq!(set.par_drain().count(), 1000);
    /// assert!(set.is_empty());
    /// ```
    pub fn par_drain(&mut self) -> ParDrain<'_, T> {
        ParDrain {
            inner: self.map.par_drain(),
        }
    }
}

/// Declares a parallel set-operation iterator over two borrowed sets.
macro_rules! set_op {
    ($(#[$doc:meta])* $name:ident, |$a:ident, $b:ident| $body:expr) => {
        $(#[$doc])*
        pub struct $name<'a, T, S> {
            a: &'a HashSet<T, S>,
            b: &'a HashSet<T, S>,
        }

        impl<T, S> Clone for $name<'_, T, S> {
            fn clone(&self) -> Self {
                $name { a: self.a, b: self.b }
            }
        }

        impl<T, S> fmt::Debug for $name<'_, T, S> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl<'a, T, S> ParallelIterator for $name<'a, T, S>
        where
            T: Eq + Hash + Sync,
            S: BuildHasher + Sync,
        {
            type Item = &'a T;

            fn drive_unindexed<C>(self, consumer: C) -> C::Result
            where
                C: UnindexedConsumer<Self::Item>,
            {
                let ($a, $b) = (self.a, self.b);
                $body.drive_unindexed(consumer)
            }
        }
    };
}

set_op!(
    /// A parallel iterator over the values in one set but not another, from
    /// [`HashSet::par_difference`].
    ParDifference,
    |a, b| a.par_iter().filter(move |v| !b.contains(*v))
);
set_op!(
    /// A parallel iterator over the values in both of two sets, from
    /// [`HashSet::par_intersection`]. It walks the smaller set.
    ParIntersection,
    |a, b| {
        let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        small.par_iter().filter(move |v| large.contains(*v))
    }
);
set_op!(
    /// A parallel iterator over the values in exactly one of two sets, from
    /// [`HashSet::par_symmetric_difference`].
    ParSymmetricDifference,
    |a, b| a.par_difference(b).chain(b.par_difference(a))
);
set_op!(
    /// A parallel iterator over the values in either of two sets, each once, from
    /// [`HashSet::par_union`].
    ParUnion,
    |a, b| {
        let (large, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
        large.par_iter().chain(small.par_difference(large))
    }
);

impl<T, S> HashSet<T, S>
where
    T: Eq + Hash + Sync,
    S: BuildHasher + Sync,
{
    /// Returns a parallel iterator over the values in `self` but not in `other` (feature
    /// `rayon`).
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let a: gomap::HashSet<u32> = (0..100).collect();
    /// let b: gomap::HashSet<u32> = (50..150).collect();
    /// assert_eq!(a.par_difference(&b).count(), 50);
    /// ```
    pub fn par_difference<'a>(&'a self, other: &'a Self) -> ParDifference<'a, T, S> {
        ParDifference { a: self, b: other }
    }

    /// Returns a parallel iterator over the values in `self` or in `other` but not in both
    /// (feature `rayon`).
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let a: gomap::HashSet<u32> = (0..100).collect();
    /// let b: gomap::HashSet<u32> = (50..150).collect();
    /// assert_eq!(a.par_symmetric_difference(&b).count(), 100);
    /// ```
    pub fn par_symmetric_difference<'a>(
        &'a self,
        other: &'a Self,
    ) -> ParSymmetricDifference<'a, T, S> {
        ParSymmetricDifference { a: self, b: other }
    }

    /// Returns a parallel iterator over the values in both `self` and `other` (feature
    /// `rayon`). It walks the smaller set.
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let a: gomap::HashSet<u32> = (0..100).collect();
    /// let b: gomap::HashSet<u32> = (50..150).collect();
    /// assert_eq!(a.par_intersection(&b).count(), 50);
    /// ```
    pub fn par_intersection<'a>(&'a self, other: &'a Self) -> ParIntersection<'a, T, S> {
        ParIntersection { a: self, b: other }
    }

    /// Returns a parallel iterator over the values in `self` or in `other`, each once
    /// (feature `rayon`).
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let a: gomap::HashSet<u32> = (0..100).collect();
    /// let b: gomap::HashSet<u32> = (50..150).collect();
    /// assert_eq!(a.par_union(&b).count(), 150);
    /// ```
    pub fn par_union<'a>(&'a self, other: &'a Self) -> ParUnion<'a, T, S> {
        ParUnion { a: self, b: other }
    }

    /// Returns `true` if `self` and `other` have no value in common, checking in parallel
    /// (feature `rayon`). It walks the smaller set.
    pub fn par_is_disjoint(&self, other: &Self) -> bool {
        let (small, large) = if self.len() <= other.len() {
            (self, other)
        } else {
            (other, self)
        };
        small.par_iter().all(|v| !large.contains(v))
    }

    /// Returns `true` if every value of `self` is in `other`, checking in parallel (feature
    /// `rayon`).
    pub fn par_is_subset(&self, other: &Self) -> bool {
        self.len() <= other.len() && self.par_iter().all(|v| other.contains(v))
    }

    /// Returns `true` if every value of `other` is in `self`, checking in parallel (feature
    /// `rayon`).
    pub fn par_is_superset(&self, other: &Self) -> bool {
        other.par_is_subset(self)
    }

    /// Returns `true` if the two sets hold the same values, checking in parallel (feature
    /// `rayon`).
    ///
    /// ```
    /// let a: gomap::HashSet<u32> = (0..1000).collect();
    /// let b: gomap::HashSet<u32> = (0..1000).rev().collect();
    /// assert!(a.par_eq(&b));
    /// ```
    pub fn par_eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.par_is_subset(other)
    }
}

impl<T, S> ParallelExtend<T> for HashSet<T, S>
where
    T: Eq + Hash + Send,
    S: BuildHasher,
{
    /// Collects in parallel into per-thread vectors, then inserts sequentially.
    fn par_extend<I>(&mut self, par_iter: I)
    where
        I: IntoParallelIterator<Item = T>,
    {
        self.map
            .par_extend(par_iter.into_par_iter().map(|k| (k, ())));
    }
}

impl<'a, T, S> ParallelExtend<&'a T> for HashSet<T, S>
where
    T: 'a + Copy + Eq + Hash + Send + Sync,
    S: BuildHasher,
{
    /// Collects in parallel into per-thread vectors, then inserts sequentially.
    fn par_extend<I>(&mut self, par_iter: I)
    where
        I: IntoParallelIterator<Item = &'a T>,
    {
        self.par_extend(par_iter.into_par_iter().copied());
    }
}

impl<T, S> FromParallelIterator<T> for HashSet<T, S>
where
    T: Eq + Hash + Send,
    S: BuildHasher + Default,
{
    /// Collects in parallel into per-thread vectors, then inserts sequentially.
    ///
    /// ```
    /// use rayon::prelude::*;
    ///
    /// let set: gomap::HashSet<u32> = (0..1000u32).into_par_iter().map(|i| i % 10).collect();
    /// assert_eq!(set.len(), 10);
    /// ```
    fn from_par_iter<I>(par_iter: I) -> Self
    where
        I: IntoParallelIterator<Item = T>,
    {
        let mut set = HashSet::default();
        set.par_extend(par_iter);
        set
    }
}
