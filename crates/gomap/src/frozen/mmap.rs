//! Memory-mapped frozen maps (the `mmap` feature).

use core::ops::Deref;
use std::path::Path;

use super::Error;

/// A read-only memory map of a frozen map file, from [`open`]. Derefs to the file's bytes
/// (page-aligned, so any key and value types can be read in place).
#[cfg_attr(docsrs, doc(cfg(feature = "mmap")))]
#[derive(Debug)]
pub struct Mapped {
    map: memmap2::Mmap,
}

impl Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

/// Maps a frozen map file into memory, read-only. O(1): nothing is read until a lookup
/// touches a page; [`FrozenMap::from_bytes`](super::FrozenMap::from_bytes) on the result then
/// checks the header (one page) in O(1).
///
/// ```no_run
/// use gomap::frozen::{self, FrozenMap};
/// // SAFETY: nobody writes or truncates words.gmf while it is mapped.
/// let file = unsafe { frozen::open("words.gmf")? };
/// let map = FrozenMap::<str, u32>::from_bytes(&file)?;
/// println!("{:?}", map.get("hello"));
/// # Ok::<(), gomap::frozen::Error>(())
/// ```
///
/// # Safety
/// The file must not be modified or truncated, by this process or another, while the map (or
/// anything read from it) is alive: Rust's `&[u8]` promises bytes that do not change. This is
/// the contract of every memory map ([`memmap2::Mmap::map`]).
///
/// What happens if the promise is broken anyway: the reader copies the header's counts once,
/// and every later access (each bucket header, each entry, each span into the arena, each step
/// of an overflow chain) is bounds-checked against those counts and the slice lengths, and
/// every chain walk is bounded by the header's longest-chain count. So a file rewritten in
/// place gives wrong answers, not out-of-bounds reads or endless loops. A file **truncated**
/// under the map is different: touching a page past the new end raises `SIGBUS`, which no
/// check in the reader can prevent. Use [`read`](super::read) when the file may change.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or mapped.
#[cfg_attr(docsrs, doc(cfg(feature = "mmap")))]
pub unsafe fn open(path: impl AsRef<Path>) -> Result<Mapped, Error> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the caller promises that the file does not change while mapped (this function's
    // own contract, passed on).
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(Mapped { map })
}
