//! The hashers `gomap inspect` builds its map with: gomap's own, or one degraded on purpose.

use std::hash::{BuildHasher, Hasher};

use super::HasherKind;

/// The `BuildHasher` of the inspected map: gomap's default hasher, optionally degraded.
#[derive(Clone, Debug)]
pub(super) struct Shaped {
    inner: gomap::DefaultHashBuilder,
    kind: HasherKind,
    bits: u32,
}

/// The hasher [`Shaped`] builds.
pub(super) struct ShapedHasher {
    inner: <gomap::DefaultHashBuilder as BuildHasher>::Hasher,
    kind: HasherKind,
    bits: u32,
}

/// An odd 64-bit constant (2^64 / golden ratio): multiplying by it is a bijection that spreads
/// a few low bits over the whole word.
pub(super) const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;

impl Shaped {
    /// gomap's default hasher (freshly seeded), shaped as `kind` says; `bits` is the entropy
    /// the weak hasher keeps.
    pub(super) fn new(kind: HasherKind, bits: u32) -> Self {
        Shaped {
            inner: gomap::DefaultHashBuilder::default(),
            kind,
            bits,
        }
    }
}

impl BuildHasher for Shaped {
    type Hasher = ShapedHasher;
    fn build_hasher(&self) -> ShapedHasher {
        ShapedHasher {
            inner: self.inner.build_hasher(),
            kind: self.kind,
            bits: self.bits,
        }
    }
}

impl Hasher for ShapedHasher {
    fn finish(&self) -> u64 {
        match self.kind {
            HasherKind::Default => self.inner.finish(),
            // Keep `bits` bits, then spread them: at most 2^bits distinct hashes, which differ
            // in their low bits (bucket) and their top byte (tophash) alike.
            HasherKind::Weak => (self.inner.finish() & ((1u64 << self.bits) - 1))
                .wrapping_add(1)
                .wrapping_mul(SPREAD),
            HasherKind::Constant => SPREAD,
        }
    }
    fn write(&mut self, bytes: &[u8]) {
        self.inner.write(bytes);
    }
    fn write_u8(&mut self, i: u8) {
        self.inner.write_u8(i);
    }
    fn write_u32(&mut self, i: u32) {
        self.inner.write_u32(i);
    }
    fn write_u64(&mut self, i: u64) {
        self.inner.write_u64(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.inner.write_usize(i);
    }
}
