//! Why a frozen map could not be built, read or verified.

use core::fmt;

/// Why building, reading or verifying a frozen map failed.
///
/// Reading never panics, whatever the bytes: every way a file can be malformed is one of these.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    Io(std::io::Error),
    /// Shorter than the header, or than the header says the file is.
    Truncated {
        /// The bytes there are.
        len: u64,
        /// The bytes the file needs.
        need: u64,
    },
    /// The first 8 bytes are not the frozen-map magic: not a frozen map.
    NotFrozen,
    /// A format version this build of gomap does not read.
    Version(u32),
    /// The file's fixed-size keys or values were written on a machine of the other byte order.
    ForeignEndian,
    /// The header's own checksum does not match: the header is damaged.
    HeaderChecksum,
    /// A hash function this build of gomap does not know.
    Hash(u32),
    /// The file holds other key or value types than the ones asked for.
    Layout {
        /// The layout in the file.
        file: String,
        /// The layout of the types asked for.
        expected: String,
    },
    /// A section does not sit at an address aligned for its type (use [`AlignedBytes`](super::AlignedBytes),
    /// [`include_frozen!`](crate::include_frozen), [`read`](super::read) or a memory map).
    Misaligned {
        /// The alignment the entries need.
        align: usize,
    },
    /// A header field is out of range or inconsistent with another.
    Header(&'static str),
    /// The checksum of everything after the header does not match ([`verify`](super::FrozenMap::verify)).
    BodyChecksum,
    /// [`verify`](super::FrozenMap::verify) found a structural fault.
    Corrupt {
        /// What is wrong.
        what: &'static str,
        /// The bucket (for bucket faults) or entry index (for entry faults) where it was found.
        at: u64,
    },
    /// The input of a build holds the same key twice (frozen maps take each key once).
    DuplicateKey(Box<[u8]>),
    /// The map does not fit the format's limits (2^32 - 1 entries, buckets or arena bytes).
    TooLarge(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "{e}"),
            Error::Truncated { len, need } => {
                write!(f, "truncated frozen map: {len} bytes, needs {need}")
            }
            Error::NotFrozen => f.write_str("not a gomap frozen map (bad magic)"),
            Error::Version(v) => write!(f, "unsupported frozen map format version {v}"),
            Error::ForeignEndian => f.write_str(
                "frozen map written on a machine of the other byte order (fixed-size keys or values)",
            ),
            Error::HeaderChecksum => f.write_str("frozen map header checksum mismatch"),
            Error::Hash(id) => write!(f, "unknown hash function id {id}"),
            Error::Layout { file, expected } => {
                write!(f, "frozen map holds {file}, expected {expected}")
            }
            Error::Misaligned { align } => {
                write!(f, "frozen map bytes not aligned to {align} bytes")
            }
            Error::Header(what) => write!(f, "bad frozen map header: {what}"),
            Error::BodyChecksum => f.write_str("frozen map body checksum mismatch"),
            Error::Corrupt { what, at } => write!(f, "corrupt frozen map: {what} (at {at})"),
            Error::DuplicateKey(key) => match std::str::from_utf8(key) {
                Ok(s) => write!(f, "duplicate key {s:?}"),
                Err(_) => write!(f, "duplicate key (bytes {key:02x?})"),
            },
            Error::TooLarge(what) => write!(f, "too large for a frozen map: {what}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}
