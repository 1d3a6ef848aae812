//! Iterators over a map: by reference, by mutable reference, by value, draining, extracting.

use allocator_api2::alloc::{Allocator, Global};
use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::table::{drop_remaining, Core, RawIter, RawTable};

/// An iterator over `(&K, &V)`, from [`HashMap::iter`](crate::HashMap::iter).
pub struct Iter<'a, K, V> {
    raw: RawIter<K, V>,
    _marker: PhantomData<&'a (K, V)>,
}

impl<K, V> Iter<'_, K, V> {
    pub(crate) fn new(raw: RawIter<K, V>) -> Self {
        Iter {
            raw,
            _marker: PhantomData,
        }
    }
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    #[inline]
    fn next(&mut self) -> Option<(&'a K, &'a V)> {
        let pos = self.raw.next()?;
        // SAFETY: the map is borrowed for 'a and yields each live position once.
        Some(unsafe { (&*pos.key(), &*pos.value()) })
    }

    #[inline]
    fn fold<B, F: FnMut(B, Self::Item) -> B>(self, init: B, mut f: F) -> B {
        self.raw.fold(init, |acc, pos| {
            // SAFETY: as in `next`.
            let item = unsafe { (&*pos.key(), &*pos.value()) };
            f(acc, item)
        })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}
impl<K, V> FusedIterator for Iter<'_, K, V> {}

impl<K, V> Clone for Iter<'_, K, V> {
    fn clone(&self) -> Self {
        Iter::new(self.raw.clone())
    }
}

impl<K, V> Default for Iter<'_, K, V> {
    fn default() -> Self {
        Iter::new(RawIter::empty())
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// An iterator over `(&K, &mut V)`, from [`HashMap::iter_mut`](crate::HashMap::iter_mut).
pub struct IterMut<'a, K, V> {
    raw: RawIter<K, V>,
    // Covariant in `K` (only `&K` is handed out), invariant in `V`, as std's.
    _marker: PhantomData<(&'a K, &'a mut V)>,
}

impl<K, V> IterMut<'_, K, V> {
    pub(crate) fn new(raw: RawIter<K, V>) -> Self {
        IterMut {
            raw,
            _marker: PhantomData,
        }
    }
}

impl<'a, K, V> Iterator for IterMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);

    #[inline]
    fn fold<B, F: FnMut(B, Self::Item) -> B>(self, init: B, mut f: F) -> B {
        self.raw.fold(init, |acc, pos| {
            // SAFETY: the map is borrowed mutably for 'a and yields each live position once.
            let item = unsafe { (&*pos.key(), &mut *pos.value()) };
            f(acc, item)
        })
    }

    #[inline]
    fn next(&mut self) -> Option<(&'a K, &'a mut V)> {
        let pos = self.raw.next()?;
        // SAFETY: the map is borrowed mutably for 'a; each position is yielded once, so the
        // `&mut V`s never alias.
        Some(unsafe { (&*pos.key(), &mut *pos.value()) })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }
}

impl<K, V> ExactSizeIterator for IterMut<'_, K, V> {}
impl<K, V> FusedIterator for IterMut<'_, K, V> {}

impl<K, V> Default for IterMut<'_, K, V> {
    fn default() -> Self {
        IterMut::new(RawIter::empty())
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for IterMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(Iter::<K, V>::new(self.raw.clone()))
            .finish()
    }
}

/// An owning iterator over `(K, V)`, from `HashMap::into_iter`. Entries it does not yield are
/// dropped with it.
pub struct IntoIter<K, V, A: Allocator = Global> {
    table: RawTable<K, V, A>,
    raw: RawIter<K, V>,
}

impl<K, V, A: Allocator> IntoIter<K, V, A> {
    pub(crate) fn new(table: RawTable<K, V, A>) -> Self {
        let raw = table.raw_iter();
        IntoIter { table, raw }
    }

    /// The entries not yielded yet, by reference (for `Debug`).
    pub(crate) fn iter(&self) -> Iter<'_, K, V> {
        Iter::new(self.raw.clone())
    }
}

impl<K, V, A: Allocator> Iterator for IntoIter<K, V, A> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        let pos = self.raw.next()?;
        // SAFETY: each live position is yielded once; the table is freed without dropping.
        Some(unsafe { pos.take(self.table.allocator()) })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }
}

impl<K, V, A: Allocator> ExactSizeIterator for IntoIter<K, V, A> {}
impl<K, V, A: Allocator> FusedIterator for IntoIter<K, V, A> {}

impl<K, V, A: Allocator + Default> Default for IntoIter<K, V, A> {
    fn default() -> Self {
        IntoIter::new(RawTable::new_in(A::default()))
    }
}

impl<K, V, A: Allocator> Drop for IntoIter<K, V, A> {
    fn drop(&mut self) {
        struct FreeOnExit<'a, K, V, A: Allocator>(&'a mut RawTable<K, V, A>);
        impl<K, V, A: Allocator> Drop for FreeOnExit<'_, K, V, A> {
            fn drop(&mut self) {
                self.0.free_storage();
            }
        }
        let free = FreeOnExit(&mut self.table);
        // SAFETY: the positions not yielded yet are live and dropped once; the yielded ones were
        // moved out, and the storage is then freed without dropping anything.
        unsafe { drop_remaining(&mut self.raw, free.0.allocator()) };
    }
}

impl<K: fmt::Debug, V: fmt::Debug, A: Allocator> fmt::Debug for IntoIter<K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A draining iterator, from [`HashMap::drain`](crate::HashMap::drain).
///
/// The map's table is moved into the iterator while it runs and handed back empty (with its
/// capacity) when the iterator is dropped; a leaked `Drain` leaves the map empty.
pub struct Drain<'a, K, V, A: Allocator = Global> {
    /// The map's storage, moved out while the iterator runs (the allocator stays in `orig`).
    core: Option<Core<K, V>>,
    raw: RawIter<K, V>,
    /// The map's table (its allocator, and its storage once handed back). A pointer rather
    /// than `&'a mut` so that `Drain` is covariant in `K` and `V`, as std's is: all it ever puts
    /// back is storage without entries, which holds no `K` or `V` of any lifetime.
    orig: NonNull<RawTable<K, V, A>>,
    _marker: PhantomData<&'a RawTable<K, V, A>>,
}

// SAFETY: a `Drain` owns the entries it yields (like `IntoIter`) and holds the map's table
// borrowed mutably for 'a (like `&'a mut RawTable`): Send/Sync when K, V and A are.
unsafe impl<K: Send, V: Send, A: Allocator + Send> Send for Drain<'_, K, V, A> {}
// SAFETY: `&Drain` gives access to nothing but `size_hint` and `Debug` (`&K`, `&V`).
unsafe impl<K: Sync, V: Sync, A: Allocator + Sync> Sync for Drain<'_, K, V, A> {}

impl<'a, K, V, A: Allocator> Drain<'a, K, V, A> {
    pub(crate) fn new(orig: &'a mut RawTable<K, V, A>) -> Self {
        let raw = orig.raw_iter();
        let core = Some(orig.take_core());
        Drain {
            core,
            raw,
            orig: NonNull::from(orig),
            _marker: PhantomData,
        }
    }

    /// The entries not yielded yet, by reference (for `Debug`).
    pub(crate) fn iter(&self) -> Iter<'_, K, V> {
        Iter::new(self.raw.clone())
    }
}

impl<K, V, A: Allocator> Iterator for Drain<'_, K, V, A> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        let pos = self.raw.next()?;
        // SAFETY: each live position is yielded once; the table is cleared without dropping.
        // The allocator is read through `orig` (see `Restore` for why that is valid).
        Some(unsafe { pos.take(self.orig.as_ref().allocator()) })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }
}

impl<K, V, A: Allocator> ExactSizeIterator for Drain<'_, K, V, A> {}
impl<K, V, A: Allocator> FusedIterator for Drain<'_, K, V, A> {}

impl<K, V, A: Allocator> Drop for Drain<'_, K, V, A> {
    fn drop(&mut self) {
        struct Restore<'b, 'a, K, V, A: Allocator>(&'b mut Drain<'a, K, V, A>);
        impl<K, V, A: Allocator> Drop for Restore<'_, '_, K, V, A> {
            fn drop(&mut self) {
                // SAFETY: `orig` came from the `&'a mut RawTable` that `new` took, and the
                // drain (alive here) still holds that borrow; nothing else points to it.
                let orig = unsafe { self.0.orig.as_mut() };
                if let Some(core) = self.0.core.take() {
                    // SAFETY: taken from `orig`, which has owned nothing since.
                    unsafe { orig.put_core(core) };
                }
                orig.clear_no_drop();
            }
        }
        let restore = Restore(self);
        // SAFETY: the positions not yielded are live and dropped once; the table is then
        // cleared without dropping anything.
        unsafe { drop_remaining(&mut restore.0.raw, restore.0.orig.as_ref().allocator()) };
    }
}

impl<K: fmt::Debug, V: fmt::Debug, A: Allocator> fmt::Debug for Drain<'_, K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// An iterator that removes and yields the entries matching a predicate, from
/// [`HashMap::extract_if`](crate::HashMap::extract_if). Entries it does not reach stay.
#[must_use = "extract_if does nothing unless the iterator is used"]
pub struct ExtractIf<'a, K, V, F, A: Allocator = Global> {
    table: &'a mut RawTable<K, V, A>,
    raw: RawIter<K, V>,
    pred: F,
}

impl<'a, K, V, F, A: Allocator> ExtractIf<'a, K, V, F, A> {
    pub(crate) fn new(table: &'a mut RawTable<K, V, A>, pred: F) -> Self {
        let raw = table.raw_iter();
        ExtractIf { table, raw, pred }
    }
}

impl<K, V, F, A: Allocator> Iterator for ExtractIf<'_, K, V, F, A>
where
    F: FnMut(&K, &mut V) -> bool,
{
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        for pos in self.raw.by_ref() {
            // SAFETY: `pos` is live; removing it leaves the iterator's later positions valid.
            unsafe {
                if (self.pred)(&*pos.key(), &mut *pos.value()) {
                    return Some(self.table.remove_at(pos));
                }
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.raw.size_hint().1)
    }
}

impl<K, V, F, A: Allocator> FusedIterator for ExtractIf<'_, K, V, F, A> where
    F: FnMut(&K, &mut V) -> bool
{
}

impl<K: fmt::Debug, V: fmt::Debug, F, A: Allocator> fmt::Debug for ExtractIf<'_, K, V, F, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf").finish_non_exhaustive()
    }
}

/// An iterator that maps another's items through `|$x| $proj`, forwarding `next`, `fold` and
/// `size_hint`. The owning ones carry the map's allocator (`A`, written after `K, V`).
macro_rules! projection {
    ($(#[$doc:meta])* $name:ident<$($lt:lifetime,)? K, V $(, $a:ident)?> from $inner:ty => $item:ty, |$x:ident| $proj:expr) => {
        $(#[$doc])*
        pub struct $name<$($lt,)? K, V $(, $a: Allocator = Global)?> {
            pub(crate) inner: $inner,
        }

        impl<$($lt,)? K, V $(, $a: Allocator)?> Iterator for $name<$($lt,)? K, V $(, $a)?> {
            type Item = $item;

            #[inline]
            fn next(&mut self) -> Option<$item> {
                self.inner.next().map(|$x| $proj)
            }

            #[inline]
            fn fold<B, F: FnMut(B, $item) -> B>(self, init: B, mut f: F) -> B {
                self.inner.fold(init, |acc, $x| f(acc, $proj))
            }

            #[inline]
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.inner.size_hint()
            }
        }

        impl<$($lt,)? K, V $(, $a: Allocator)?> ExactSizeIterator for $name<$($lt,)? K, V $(, $a)?> {}
        impl<$($lt,)? K, V $(, $a: Allocator)?> FusedIterator for $name<$($lt,)? K, V $(, $a)?> {}

        impl<$($lt,)? K, V $(, $a: Allocator + Default)?> Default for $name<$($lt,)? K, V $(, $a)?> {
            fn default() -> Self {
                $name { inner: Default::default() }
            }
        }

    };
}

projection!(
    /// An iterator over the keys, from [`HashMap::keys`](crate::HashMap::keys).
    Keys<'a, K, V> from Iter<'a, K, V> => &'a K, |kv| kv.0
);
projection!(
    /// An iterator over the values, from [`HashMap::values`](crate::HashMap::values).
    Values<'a, K, V> from Iter<'a, K, V> => &'a V, |kv| kv.1
);
projection!(
    /// An iterator over mutable values, from [`HashMap::values_mut`](crate::HashMap::values_mut).
    ValuesMut<'a, K, V> from IterMut<'a, K, V> => &'a mut V, |kv| kv.1
);
projection!(
    /// An owning iterator over the keys, from [`HashMap::into_keys`](crate::HashMap::into_keys).
    IntoKeys<K, V, A> from IntoIter<K, V, A> => K, |kv| kv.0
);
projection!(
    /// An owning iterator over the values, from
    /// [`HashMap::into_values`](crate::HashMap::into_values).
    IntoValues<K, V, A> from IntoIter<K, V, A> => V, |kv| kv.1
);

// Debug lists what is left, as std's does (and needs only the listed type to be Debug).
impl<K: fmt::Debug, V> fmt::Debug for Keys<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.inner.clone().map(|(k, _)| k))
            .finish()
    }
}

impl<K, V: fmt::Debug> fmt::Debug for Values<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.inner.clone().map(|(_, v)| v))
            .finish()
    }
}

impl<K, V: fmt::Debug> fmt::Debug for ValuesMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(Iter::<K, V>::new(self.inner.raw.clone()).map(|(_, v)| v))
            .finish()
    }
}

impl<K: fmt::Debug, V, A: Allocator> fmt::Debug for IntoKeys<K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.inner.iter().map(|(k, _)| k))
            .finish()
    }
}

impl<K, V: fmt::Debug, A: Allocator> fmt::Debug for IntoValues<K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.inner.iter().map(|(_, v)| v))
            .finish()
    }
}

impl<K, V> Clone for Keys<'_, K, V> {
    fn clone(&self) -> Self {
        Keys {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V> Clone for Values<'_, K, V> {
    fn clone(&self) -> Self {
        Values {
            inner: self.inner.clone(),
        }
    }
}
