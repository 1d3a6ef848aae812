//! The set operators: `|`, `&`, `^` and `-` make a new set from two borrowed ones; `|=`, `&=`,
//! `^=` and `-=` change the left-hand set in place, cloning only the values they add.

use core::hash::{BuildHasher, Hash};
use core::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, BitXor, BitXorAssign, Sub, SubAssign};

use allocator_api2::alloc::Allocator;

use super::HashSet;

impl<T, S, A> BitOr<&HashSet<T, S, A>> for &HashSet<T, S, A>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
    A: Allocator + Default,
{
    type Output = HashSet<T, S, A>;

    /// Returns the union of `self` and `rhs` as a new set.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(&a | &b, gomap::HashSet::from([1, 2, 3, 4, 5]));
    /// ```
    fn bitor(self, rhs: &HashSet<T, S, A>) -> HashSet<T, S, A> {
        self.union(rhs).cloned().collect()
    }
}

impl<T, S, A> BitAnd<&HashSet<T, S, A>> for &HashSet<T, S, A>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
    A: Allocator + Default,
{
    type Output = HashSet<T, S, A>;

    /// Returns the intersection of `self` and `rhs` as a new set.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([2, 3, 4]);
    /// assert_eq!(&a & &b, gomap::HashSet::from([2, 3]));
    /// ```
    fn bitand(self, rhs: &HashSet<T, S, A>) -> HashSet<T, S, A> {
        self.intersection(rhs).cloned().collect()
    }
}

impl<T, S, A> BitXor<&HashSet<T, S, A>> for &HashSet<T, S, A>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
    A: Allocator + Default,
{
    type Output = HashSet<T, S, A>;

    /// Returns the symmetric difference of `self` and `rhs` as a new set.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(&a ^ &b, gomap::HashSet::from([1, 2, 4, 5]));
    /// ```
    fn bitxor(self, rhs: &HashSet<T, S, A>) -> HashSet<T, S, A> {
        self.symmetric_difference(rhs).cloned().collect()
    }
}

impl<T, S, A> Sub<&HashSet<T, S, A>> for &HashSet<T, S, A>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
    A: Allocator + Default,
{
    type Output = HashSet<T, S, A>;

    /// Returns the difference of `self` and `rhs` as a new set.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(&a - &b, gomap::HashSet::from([1, 2]));
    /// ```
    fn sub(self, rhs: &HashSet<T, S, A>) -> HashSet<T, S, A> {
        self.difference(rhs).cloned().collect()
    }
}

impl<T, S, A> BitOrAssign<&HashSet<T, S, A>> for HashSet<T, S, A>
where
    T: Eq + Hash + Clone,
    S: BuildHasher,
    A: Allocator,
{
    /// Adds the values of `rhs` that `self` lacks (cloning them): `self` becomes the union.
    /// **O(rhs.len())** on average.
    ///
    /// ```
    /// let mut a = gomap::HashSet::from([1, 2, 3]);
    /// a |= &gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(a, gomap::HashSet::from([1, 2, 3, 4, 5]));
    /// ```
    fn bitor_assign(&mut self, rhs: &HashSet<T, S, A>) {
        for value in rhs {
            if !self.contains(value) {
                self.insert(value.clone());
            }
        }
    }
}

impl<T, S, A> BitAndAssign<&HashSet<T, S, A>> for HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: Allocator,
{
    /// Removes the values that `rhs` lacks: `self` becomes the intersection.
    /// **O(self's capacity)**.
    ///
    /// ```
    /// let mut a = gomap::HashSet::from([1, 2, 3]);
    /// a &= &gomap::HashSet::from([2, 3, 4]);
    /// assert_eq!(a, gomap::HashSet::from([2, 3]));
    /// ```
    fn bitand_assign(&mut self, rhs: &HashSet<T, S, A>) {
        self.retain(|value| rhs.contains(value));
    }
}

impl<T, S, A> BitXorAssign<&HashSet<T, S, A>> for HashSet<T, S, A>
where
    T: Eq + Hash + Clone,
    S: BuildHasher,
    A: Allocator,
{
    /// Removes the values `rhs` also holds and adds (clones of) those it holds alone: `self`
    /// becomes the symmetric difference. **O(rhs.len())** on average.
    ///
    /// ```
    /// let mut a = gomap::HashSet::from([1, 2, 3]);
    /// a ^= &gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(a, gomap::HashSet::from([1, 2, 4, 5]));
    /// ```
    fn bitxor_assign(&mut self, rhs: &HashSet<T, S, A>) {
        for value in rhs {
            if !self.remove(value) {
                self.insert(value.clone());
            }
        }
    }
}

impl<T, S, A> SubAssign<&HashSet<T, S, A>> for HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: Allocator,
{
    /// Removes the values `rhs` holds: `self` becomes the difference. **O(min(rhs.len(),
    /// self's capacity))**: it removes `rhs`'s values one by one when `rhs` is the smaller set,
    /// and keeps the values `rhs` lacks otherwise.
    ///
    /// ```
    /// let mut a = gomap::HashSet::from([1, 2, 3]);
    /// a -= &gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(a, gomap::HashSet::from([1, 2]));
    /// ```
    fn sub_assign(&mut self, rhs: &HashSet<T, S, A>) {
        if rhs.len() < self.len() {
            for value in rhs {
                self.remove(value);
            }
        } else {
            self.retain(|value| !rhs.contains(value));
        }
    }
}
