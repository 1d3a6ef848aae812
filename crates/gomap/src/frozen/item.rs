//! What a frozen map can hold: plain fixed-size types, and `str` / `[u8]` through the arena.

use zerocopy::little_endian::U32;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::Error;

/// A fixed-size type that is safe to read from any bytes and to write as bytes: integers, arrays
/// of them, and `#[repr(C)]` structs of them deriving zerocopy's traits.
///
/// Implemented for every type with zerocopy's [`FromBytes`] (every bit pattern is a valid
/// value), [`IntoBytes`] (no padding, so its bytes are all initialised), [`Immutable`] (no
/// interior mutability, so a `&T` into a shared buffer cannot be written through) and
/// [`KnownLayout`]. The derives check these properties at compile time, which is why gomap
/// needs no `unsafe` to read a frozen map.
///
/// Keys of such types are hashed and compared **by their bytes** (so `0.0f64` and `-0.0f64`
/// are different keys, and a NaN key can be found), and stored in the writer's byte order.
pub trait Plain: FromBytes + IntoBytes + Immutable + KnownLayout + Copy + 'static {}

impl<T: FromBytes + IntoBytes + Immutable + KnownLayout + Copy + 'static> Plain for T {}

/// How a key or value is stored, as recorded in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A [`Plain`] type, stored in place.
    Fixed = 1,
    /// A `str`, stored as a [`Span`] into the arena.
    Str = 2,
    /// A `[u8]`, stored as a [`Span`] into the arena.
    Bytes = 3,
}

impl Kind {
    pub(crate) fn from_u8(b: u8) -> Option<Kind> {
        match b {
            1 => Some(Kind::Fixed),
            2 => Some(Kind::Str),
            3 => Some(Kind::Bytes),
            _ => None,
        }
    }

    /// The name of the kind, as the CLI prints it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Fixed => "fixed",
            Kind::Str => "str",
            Kind::Bytes => "bytes",
        }
    }
}

/// Where a variable-length key or value lives in the arena: offset and length, little-endian.
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct Span {
    /// Offset in the arena.
    pub off: U32,
    /// Length in bytes.
    pub len: U32,
}

impl Span {
    /// The bytes the span names, or `None` when it reaches past the arena. O(1).
    #[inline]
    pub fn get(self, arena: &[u8]) -> Option<&[u8]> {
        let off = self.off.get() as usize;
        arena.get(off..off.checked_add(self.len.get() as usize)?)
    }

    fn store(bytes: &[u8], arena: &mut Vec<u8>) -> Result<Span, Error> {
        let off = u32::try_from(arena.len()).map_err(|_| Error::TooLarge("arena past 4 GiB"))?;
        let len = u32::try_from(bytes.len()).map_err(|_| Error::TooLarge("item past 4 GiB"))?;
        if u32::MAX - off < len {
            return Err(Error::TooLarge("arena past 4 GiB"));
        }
        arena.extend_from_slice(bytes);
        Ok(Span {
            off: U32::new(off),
            len: U32::new(len),
        })
    }
}

mod sealed {
    pub trait Sealed {}
    impl<T: super::Plain> Sealed for T {}
    impl Sealed for str {}
    impl Sealed for [u8] {}
}

/// A key or value type of a frozen map: any [`Plain`] type, `str` or `[u8]`.
///
/// Sealed: the format knows exactly these three kinds.
pub trait Item: sealed::Sealed + 'static {
    /// What a slot of the entry array holds: the value itself, or a [`Span`].
    type Slot: Plain;
    /// How the item is stored.
    const KIND: Kind;
    /// The bytes that are hashed and compared.
    fn bytes(&self) -> &[u8];
    /// The bytes a slot names, `None` when a span reaches out of the arena.
    fn slot_bytes<'a>(slot: &'a Self::Slot, arena: &'a [u8]) -> Option<&'a [u8]>;
    /// The item a slot holds, `None` when it is not valid (a span out of the arena, a `str`
    /// that is not UTF-8).
    fn from_slot<'a>(slot: &'a Self::Slot, arena: &'a [u8]) -> Option<&'a Self>;
    /// Stores the item: its slot, after appending any bytes to the arena.
    #[doc(hidden)]
    fn store(&self, arena: &mut Vec<u8>) -> Result<Self::Slot, Error>;
}

impl<T: Plain> Item for T {
    type Slot = T;
    const KIND: Kind = Kind::Fixed;
    #[inline]
    fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }
    #[inline]
    fn slot_bytes<'a>(slot: &'a T, _: &'a [u8]) -> Option<&'a [u8]> {
        Some(slot.as_bytes())
    }
    #[inline]
    fn from_slot<'a>(slot: &'a T, _: &'a [u8]) -> Option<&'a T> {
        Some(slot)
    }
    fn store(&self, _: &mut Vec<u8>) -> Result<T, Error> {
        Ok(*self)
    }
}

impl Item for str {
    type Slot = Span;
    const KIND: Kind = Kind::Str;
    #[inline]
    fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }
    #[inline]
    fn slot_bytes<'a>(slot: &'a Span, arena: &'a [u8]) -> Option<&'a [u8]> {
        slot.get(arena)
    }
    #[inline]
    fn from_slot<'a>(slot: &'a Span, arena: &'a [u8]) -> Option<&'a str> {
        std::str::from_utf8(slot.get(arena)?).ok()
    }
    fn store(&self, arena: &mut Vec<u8>) -> Result<Span, Error> {
        Span::store(self.as_bytes(), arena)
    }
}

impl Item for [u8] {
    type Slot = Span;
    const KIND: Kind = Kind::Bytes;
    #[inline]
    fn bytes(&self) -> &[u8] {
        self
    }
    #[inline]
    fn slot_bytes<'a>(slot: &'a Span, arena: &'a [u8]) -> Option<&'a [u8]> {
        slot.get(arena)
    }
    #[inline]
    fn from_slot<'a>(slot: &'a Span, arena: &'a [u8]) -> Option<&'a [u8]> {
        slot.get(arena)
    }
    fn store(&self, arena: &mut Vec<u8>) -> Result<Span, Error> {
        Span::store(self, arena)
    }
}
