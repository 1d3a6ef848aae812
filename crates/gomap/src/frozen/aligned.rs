//! Byte buffers aligned for zero-copy reading: owned ([`AlignedBytes`]), embedded
//! ([`Aligned`] and [`include_frozen!`](crate::include_frozen)) and read from a file ([`read`]).

use core::ops::{Deref, DerefMut};
use std::io::Read;
use std::path::Path;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::Error;

/// 64 bytes aligned to 64: the unit of [`AlignedBytes`].
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

/// An owned byte buffer whose start is aligned to 64 bytes, so that a frozen map in it can be
/// read in place whatever its key and value types (a `Vec<u8>` promises alignment 1 only).
///
/// [`FrozenMap::build`](super::FrozenMap::build) returns one; [`read`] fills one from a file.
#[derive(Clone)]
pub struct AlignedBytes {
    lines: Vec<Line>,
    len: usize,
}

impl AlignedBytes {
    /// `len` zero bytes. O(len).
    pub fn zeroed(len: usize) -> AlignedBytes {
        AlignedBytes {
            lines: vec![Line([0; 64]); len.div_ceil(64)],
            len,
        }
    }

    /// A copy of `bytes`, aligned. O(len).
    pub fn copy_from(bytes: &[u8]) -> AlignedBytes {
        let mut out = AlignedBytes::zeroed(bytes.len());
        out.copy_from_slice(bytes);
        out
    }
}

impl Deref for AlignedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.lines.as_bytes()[..self.len]
    }
}

impl DerefMut for AlignedBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.lines.as_mut_bytes()[..self.len]
    }
}

impl AsRef<[u8]> for AlignedBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl core::fmt::Debug for AlignedBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AlignedBytes({} bytes)", self.len)
    }
}

/// Reads a whole file into an [`AlignedBytes`]: the safe way to open a frozen map from a file
/// (see [`open`](super::open) for memory mapping). O(file size).
///
/// # Errors
/// [`Error::Io`] when the file cannot be read.
pub fn read(path: impl AsRef<Path>) -> Result<AlignedBytes, Error> {
    let mut file = std::fs::File::open(path)?;
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
    let hint = usize::try_from(hint).map_err(|_| Error::TooLarge("file past the address space"))?;
    let mut out = AlignedBytes::zeroed(hint);
    file.read_exact(&mut out)?;
    // The file may have grown since its length was read.
    let mut rest = Vec::new();
    file.read_to_end(&mut rest)?;
    if !rest.is_empty() {
        let mut all = AlignedBytes::zeroed(hint + rest.len());
        all[..hint].copy_from_slice(&out);
        all[hint..].copy_from_slice(&rest);
        out = all;
    }
    Ok(out)
}

/// A value aligned to 64 bytes, for embedding a frozen map in a binary:
/// [`include_frozen!`](crate::include_frozen) wraps `include_bytes!` in it.
#[repr(C, align(64))]
#[derive(Debug)]
pub struct Aligned<B: ?Sized> {
    /// The wrapped bytes.
    pub bytes: B,
}

/// Embeds a frozen map file in the binary, aligned to 64 bytes, as a `&'static [u8]` to hand
/// to [`FrozenMap::from_bytes`](crate::frozen::FrozenMap::from_bytes) (an O(1) check, so a
/// `static` `LazyLock` opens it at first use at no cost). Needs the `frozen` feature.
///
/// ```ignore
/// static CODES: std::sync::LazyLock<gomap::frozen::FrozenMap<'static, str, u32>> =
///     std::sync::LazyLock::new(|| {
///         gomap::frozen::FrozenMap::from_bytes(gomap::include_frozen!(concat!(env!("OUT_DIR"), "/codes.gmf")))
///             .expect("the build script wrote a valid map")
///     });
/// ```
///
/// The repository's `examples/static-map` crate writes the file in its `build.rs`.
#[macro_export]
macro_rules! include_frozen {
    ($path:expr) => {{
        static ALIGNED: &$crate::frozen::Aligned<[u8]> = &$crate::frozen::Aligned {
            bytes: *include_bytes!($path),
        };
        &ALIGNED.bytes
    }};
}
