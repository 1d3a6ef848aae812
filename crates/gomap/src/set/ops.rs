//! The set operators: `|`, `&`, `^` and `-` make a new set from two borrowed ones; `|=`, `&=`,
//! `^=` and `-=` change the left-hand set in place, cloning only the values they add.

use core::hash::{BuildHasher, Hash};
use core::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, BitXor, BitXorAssign, Sub, SubAssign};

use super::HashSet;

impl<T, S> BitOr<&HashSet<T, S>> for &HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
{
    type Output = HashSet<T, S>;

    /// Returns the union of `self` and `rhs` as a new set.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(&a | &b, gomap::HashSet::from([1, 2, 3, 4, 5]));
    /// ```
    fn bitor(self, rhs: &HashSet<T, S>) -> HashSet<T, S> {
        self.union(rhs).cloned().collect()
    }
}

impl<T, S> BitAnd<&HashSet<T, S>> for &HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
{
    type Output = HashSet<T, S>;

    /// Returns the intersection of `self` and `rhs` as a new set.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([2, 3, 4]);
    /// assert_eq!(&a & &b, gomap::HashSet::from([2, 3]));
    /// ```
    fn bitand(self, rhs: &HashSet<T, S>) -> HashSet<T, S> {
        self.intersection(rhs).cloned().collect()
    }
}

impl<T, S> BitXor<&HashSet<T, S>> for &HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
{
    type Output = HashSet<T, S>;

    /// Returns the symmetric difference of `self` and `rhs` as a new set.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(&a ^ &b, gomap::HashSet::from([1, 2, 4, 5]));
    /// ```
    fn bitxor(self, rhs: &HashSet<T, S>) -> HashSet<T, S> {
        self.symmetric_difference(rhs).cloned().collect()
    }
}

impl<T, S> Sub<&HashSet<T, S>> for &HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher + Default,
{
    type Output = HashSet<T, S>;

    /// Returns the difference of `self` and `rhs` as a new set.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(&a - &b, gomap::HashSet::from([1, 2]));
    /// ```
    fn sub(self, rhs: &HashSet<T, S>) -> HashSet<T, S> {
        self.difference(rhs).cloned().collect()
    }
}

impl<T, S> BitOrAssign<&HashSet<T, S>> for HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher,
{
    /// Adds the values of `rhs` that `self` lacks (cloning them): `self` becomes the union.
    /// **O(rhs.len())** on average.
    ///
    /// ```
    /// let mut a = gomap::HashSet::from([1, 2, 3]);
    /// a |= &gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(a, gomap::HashSet::from([1, 2, 3, 4, 5]));
    /// ```
    fn bitor_assign(&mut self, rhs: &HashSet<T, S>) {
        for value in rhs {
            if !self.contains(value) {
                self.insert(value.clone());
            }
        }
    }
}

impl<T, S> BitAndAssign<&HashSet<T, S>> for HashSet<T, S>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    /// Removes the values that `rhs` lacks: `self` becomes the intersection.
    /// **O(self's capacity)**.
    ///
    /// ```
    /// let mut a = gomap::HashSet::from([1, 2, 3]);
    /// a &= &gomap::HashSet::from([2, 3, 4]);
    /// assert_eq!(a, gomap::HashSet::from([2, 3]));
    /// ```
    fn bitand_assign(&mut self, rhs: &HashSet<T, S>) {
        self.retain(|value| rhs.contains(value));
    }
}

impl<T, S> BitXorAssign<&HashSet<T, S>> for HashSet<T, S>
where
    T: Eq + Hash + Clone,
    S: BuildHasher,
{
    /// Removes the values `rhs` also holds and adds (clones of) those it holds alone: `self`
    /// becomes the symmetric difference. **O(rhs.len())** on average.
    ///
    /// ```
    /// let mut a = gomap::HashSet::from([1, 2, 3]);
    /// a ^= &gomap::HashSet::from([3, 4, 5]);
    /// assert_eq!(a, gomap::HashSet::from([1, 2, 4, 5]));
    /// ```
    fn bitxor_assign(&mut self, rhs: &HashSet<T, S>) {
        for value in rhs {
            if !self.remove(value) {
                self.insert(value.clone());
            }
        }
    }
}

impl<T, S> SubAssign<&HashSet<T, S>> for HashSet<T, S>
where
    T: Eq + Hash,
    S: BuildHasher,
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
    fn sub_assign(&mut self, rhs: &HashSet<T, S>) {
        if rhs.len() < self.len() {
            for value in rhs {
                self.remove(value);
            }
        } else {
            self.retain(|value| !rhs.contains(value));
        }
    }
}
