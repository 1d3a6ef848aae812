//! The error of fallible reservations.

use core::alloc::Layout;
use core::fmt;

/// Why [`HashMap::try_reserve`](crate::HashMap::try_reserve) failed.
///
/// ```
/// let mut map: gomap::HashMap<u64, u64> = gomap::HashMap::new();
/// assert!(map.try_reserve(usize::MAX).is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TryReserveError {
    /// The requested capacity does not fit in memory addresses (`usize` arithmetic overflowed).
    CapacityOverflow,
    /// The allocator refused the request.
    AllocError {
        /// The layout of the allocation that failed.
        layout: Layout,
    },
}

impl fmt::Display for TryReserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryReserveError::CapacityOverflow => {
                f.write_str("memory allocation failed because the computed capacity exceeded the collection's maximum")
            }
            TryReserveError::AllocError { layout } => write!(
                f,
                "memory allocation of {} bytes failed",
                layout.size()
            ),
        }
    }
}

impl core::error::Error for TryReserveError {}

impl TryReserveError {
    /// What an infallible allocation does with this error: panic on overflow, abort on OOM.
    #[cold]
    #[track_caller]
    pub(crate) fn handle(self) -> ! {
        match self {
            TryReserveError::CapacityOverflow => panic!("gomap: capacity overflow"),
            TryReserveError::AllocError { layout } => {
                allocator_api2::alloc::handle_alloc_error(layout)
            }
        }
    }
}
