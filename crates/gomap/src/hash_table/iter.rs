//! The iterators of a [`HashTable`](super::HashTable) that hand out `&mut T`: by mutable
//! reference, and extracting. (By reference, by value and draining it shares
//! [`HashSet`](crate::HashSet)'s.)

use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;

use allocator_api2::alloc::{Allocator, Global};

use crate::table::{RawIter, RawTable};

/// An iterator over `&mut T`, from [`HashTable::iter_mut`](super::HashTable::iter_mut).
pub struct IterMut<'a, T> {
    raw: RawIter<T, ()>,
    _marker: PhantomData<&'a mut T>,
}

impl<T> IterMut<'_, T> {
    pub(super) fn new(raw: RawIter<T, ()>) -> Self {
        IterMut {
            raw,
            _marker: PhantomData,
        }
    }
}

impl<'a, T> Iterator for IterMut<'a, T> {
    type Item = &'a mut T;

    #[inline]
    fn next(&mut self) -> Option<&'a mut T> {
        let pos = self.raw.next()?;
        // SAFETY: the table is borrowed mutably for 'a; each position is yielded once, so the
        // `&mut T`s never alias.
        Some(unsafe { &mut *pos.key() })
    }

    #[inline]
    fn fold<B, F: FnMut(B, Self::Item) -> B>(self, init: B, mut f: F) -> B {
        self.raw.fold(init, |acc, pos| {
            // SAFETY: as in `next`.
            f(acc, unsafe { &mut *pos.key() })
        })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }
}

impl<T> ExactSizeIterator for IterMut<'_, T> {}
impl<T> FusedIterator for IterMut<'_, T> {}

impl<T: fmt::Debug> fmt::Debug for IterMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(crate::iter::Iter::<T, ()>::new(self.raw.clone()).map(|(t, ())| t))
            .finish()
    }
}

/// An iterator that removes and yields the elements matching a predicate, from
/// [`HashTable::extract_if`](super::HashTable::extract_if). Elements it does not reach stay.
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
    F: FnMut(&mut T) -> bool,
{
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        for pos in self.raw.by_ref() {
            // SAFETY: `pos` is live (the table is borrowed mutably and changed only by removals
            // of positions already yielded); removing it leaves the later positions valid.
            unsafe {
                if (self.pred)(&mut *pos.key()) {
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

impl<T, F, A: Allocator> FusedIterator for ExtractIf<'_, T, F, A> where F: FnMut(&mut T) -> bool {}

impl<T, F, A: Allocator> fmt::Debug for ExtractIf<'_, T, F, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf").finish_non_exhaustive()
    }
}
