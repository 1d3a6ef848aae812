//! Iterators over a set: by reference, by value, draining, extracting, and the set operations.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::{Chain, FusedIterator};

use allocator_api2::alloc::{Allocator, Global};

use crate::iter::{Drain as MapDrain, IntoKeys, Keys};
use crate::table::{RawIter, RawTable};
use crate::HashSet;

/// An iterator over the values of a [`HashSet`], from [`HashSet::iter`] (and over the
/// elements of a [`HashTable`](crate::HashTable), from its `iter`).
pub struct Iter<'a, T> {
    inner: Keys<'a, T, ()>,
}

impl<'a, T> Iter<'a, T> {
    pub(crate) fn new(inner: Keys<'a, T, ()>) -> Self {
        Iter { inner }
    }
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.inner.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Iter {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Default for Iter<'_, T> {
    /// An iterator that yields nothing.
    fn default() -> Self {
        Iter {
            inner: Keys::default(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// An owning iterator over the values of a [`HashSet`] (or the elements of a
/// [`HashTable`](crate::HashTable)), from `into_iter`. Values it
/// does not yield are dropped with it.
pub struct IntoIter<T, A: Allocator = Global> {
    inner: IntoKeys<T, (), A>,
}

impl<T, A: Allocator> IntoIter<T, A> {
    pub(crate) fn new(inner: IntoKeys<T, (), A>) -> Self {
        IntoIter { inner }
    }
}

impl<T, A: Allocator> Iterator for IntoIter<T, A> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T, A: Allocator> ExactSizeIterator for IntoIter<T, A> {}
impl<T, A: Allocator> FusedIterator for IntoIter<T, A> {}

impl<T, A: Allocator + Default> Default for IntoIter<T, A> {
    /// An iterator that yields nothing.
    fn default() -> Self {
        IntoIter {
            inner: IntoKeys::default(),
        }
    }
}

impl<T: fmt::Debug, A: Allocator> fmt::Debug for IntoIter<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.inner.inner.iter().map(|(k, ())| k))
            .finish()
    }
}

/// A draining iterator over the values of a [`HashSet`], from [`HashSet::drain`] (and over a
/// [`HashTable`](crate::HashTable)'s elements, from its `drain`).
///
/// The set is empty (with its capacity) once the iterator is dropped; values it did not yield
/// are dropped with it.
pub struct Drain<'a, T, A: Allocator = Global> {
    inner: MapDrain<'a, T, (), A>,
}

impl<'a, T, A: Allocator> Drain<'a, T, A> {
    pub(crate) fn new(inner: MapDrain<'a, T, (), A>) -> Self {
        Drain { inner }
    }
}

impl<T, A: Allocator> Iterator for Drain<'_, T, A> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next().map(|(k, ())| k)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T, A: Allocator> ExactSizeIterator for Drain<'_, T, A> {}
impl<T, A: Allocator> FusedIterator for Drain<'_, T, A> {}

impl<T: fmt::Debug, A: Allocator> fmt::Debug for Drain<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.inner.iter().map(|(k, ())| k))
            .finish()
    }
}

/// An iterator that removes and yields the values matching a predicate, from
/// [`HashSet::extract_if`]. Values it does not reach stay in the set.
#[must_use = "extract_if does nothing unless the iterator is used"]
pub struct ExtractIf<'a, T, F, A: Allocator = Global> {
    table: &'a mut RawTable<T, (), A>,
    raw: RawIter<T, ()>,
    pred: F,
}

impl<'a, T, F, A: Allocator> ExtractIf<'a, T, F, A> {
    pub(super) fn new(table: &'a mut RawTable<T, (), A>, pred: F) -> Self {
        let raw = table.raw_iter();
        ExtractIf { table, raw, pred }
    }
}

impl<T, F, A: Allocator> Iterator for ExtractIf<'_, T, F, A>
where
    F: FnMut(&T) -> bool,
{
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        for pos in self.raw.by_ref() {
            // SAFETY: `pos` is live (the table is borrowed mutably and changed only by removals
            // of positions already yielded); removing it leaves the later positions valid.
            unsafe {
                if (self.pred)(&*pos.key()) {
                    return Some(self.table.remove_at(pos).0);
                }
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.raw.size_hint().1)
    }
}

impl<T, F, A: Allocator> FusedIterator for ExtractIf<'_, T, F, A> where F: FnMut(&T) -> bool {}

impl<T, F, A: Allocator> fmt::Debug for ExtractIf<'_, T, F, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf").finish_non_exhaustive()
    }
}

/// A lazy iterator over the values in one set but not another, from
/// [`HashSet::difference`].
pub struct Difference<'a, T, S, A: Allocator = Global> {
    iter: Iter<'a, T>,
    other: &'a HashSet<T, S, A>,
}

impl<'a, T, S, A: Allocator> Difference<'a, T, S, A> {
    pub(super) fn new(iter: Iter<'a, T>, other: &'a HashSet<T, S, A>) -> Self {
        Difference { iter, other }
    }
}

impl<'a, T, S, A: Allocator> Iterator for Difference<'a, T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        let other = self.other;
        self.iter.find(|v| !other.contains(*v))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        // At most `other.len()` of the values left can be in `other`.
        let (lower, upper) = self.iter.size_hint();
        (lower.saturating_sub(self.other.len()), upper)
    }
}

impl<T, S, A: Allocator> FusedIterator for Difference<'_, T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
{
}

impl<T, S, A: Allocator> Clone for Difference<'_, T, S, A> {
    fn clone(&self) -> Self {
        Difference {
            iter: self.iter.clone(),
            other: self.other,
        }
    }
}

impl<T, S, A: Allocator> fmt::Debug for Difference<'_, T, S, A>
where
    T: fmt::Debug + Eq + Hash,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// A lazy iterator over the values in both of two sets, from [`HashSet::intersection`].
pub struct Intersection<'a, T, S, A: Allocator = Global> {
    /// The smaller set's values.
    iter: Iter<'a, T>,
    /// The larger set.
    other: &'a HashSet<T, S, A>,
}

impl<'a, T, S, A: Allocator> Intersection<'a, T, S, A> {
    pub(super) fn new(iter: Iter<'a, T>, other: &'a HashSet<T, S, A>) -> Self {
        Intersection { iter, other }
    }
}

impl<'a, T, S, A: Allocator> Iterator for Intersection<'a, T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        let other = self.other;
        self.iter.find(|v| other.contains(*v))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.iter.size_hint().1)
    }
}

impl<T, S, A: Allocator> FusedIterator for Intersection<'_, T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
{
}

impl<T, S, A: Allocator> Clone for Intersection<'_, T, S, A> {
    fn clone(&self) -> Self {
        Intersection {
            iter: self.iter.clone(),
            other: self.other,
        }
    }
}

impl<T, S, A: Allocator> fmt::Debug for Intersection<'_, T, S, A>
where
    T: fmt::Debug + Eq + Hash,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// Defines a set iterator that is a `Chain` of two others, passing everything through (and
/// `fold` too, so `Chain`'s faster fold is kept).
macro_rules! chained_set_iter {
    ($(#[$doc:meta])* $name:ident: $first:ty, $second:ty) => {
        $(#[$doc])*
        pub struct $name<'a, T, S, A: Allocator = Global> {
            iter: Chain<$first, $second>,
        }

        impl<'a, T, S, A: Allocator> $name<'a, T, S, A> {
            pub(super) fn new(iter: Chain<$first, $second>) -> Self {
                $name { iter }
            }
        }

        impl<'a, T, S, A: Allocator> Iterator for $name<'a, T, S, A>
        where
            T: Eq + Hash,
            S: BuildHasher,
        {
            type Item = &'a T;

            #[inline]
            fn next(&mut self) -> Option<&'a T> {
                self.iter.next()
            }

            #[inline]
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.iter.size_hint()
            }

            fn fold<B, F>(self, init: B, f: F) -> B
            where
                F: FnMut(B, &'a T) -> B,
            {
                self.iter.fold(init, f)
            }
        }

        impl<T, S, A: Allocator> FusedIterator for $name<'_, T, S, A>
        where
            T: Eq + Hash,
            S: BuildHasher,
        {
        }

        impl<T, S, A: Allocator> Clone for $name<'_, T, S, A> {
            fn clone(&self) -> Self {
                $name {
                    iter: self.iter.clone(),
                }
            }
        }

        impl<T, S, A: Allocator> fmt::Debug for $name<'_, T, S, A>
        where
            T: fmt::Debug + Eq + Hash,
            S: BuildHasher,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.clone()).finish()
            }
        }
    };
}

chained_set_iter!(
    /// A lazy iterator over the values in exactly one of two sets, from
    /// [`HashSet::symmetric_difference`].
    SymmetricDifference: Difference<'a, T, S, A>, Difference<'a, T, S, A>
);

chained_set_iter!(
    /// A lazy iterator over the values in either of two sets, each once, from [`HashSet::union`].
    Union: Iter<'a, T>, Difference<'a, T, S, A>
);
