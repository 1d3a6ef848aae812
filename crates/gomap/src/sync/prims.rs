//! The synchronisation primitives of the sync module: std's, or loom's when built with
//! `--cfg loom` (see `scripts/loom.sh`), so that the loom models in `tests/sync_loom.rs` explore
//! every interleaving of the real code.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicIsize, AtomicPtr, AtomicU64, AtomicUsize};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicIsize, AtomicPtr, AtomicU64, AtomicUsize};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

/// The pointer in an atomic we hold exclusively (`get_mut` in std, `with_mut` in loom).
#[inline]
pub(crate) fn take_ptr<T>(a: &mut AtomicPtr<T>) -> *mut T {
    #[cfg(loom)]
    {
        a.with_mut(|p| *p)
    }
    #[cfg(not(loom))]
    {
        *a.get_mut()
    }
}
