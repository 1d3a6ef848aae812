//! The file format's fixed parts: the header, the bucket headers, the entry pairs, and the
//! arithmetic (hash, tophash, sizes, section offsets) that writer and reader share.
//!
//! The tag constants and SWAR matching mirror `crate::bucket`'s on purpose rather than sharing
//! them: these are part of a file format, fixed by its version, and must not move when the
//! live table's internals do.

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::item::{Item, Kind};
use super::Error;

/// The first 8 bytes of every frozen map.
pub(crate) const MAGIC: [u8; 8] = *b"GOMAPFRZ";
/// The format version this module writes and reads.
pub(crate) const VERSION: u32 = 3;
/// The hash function id of [`key_hash`]: 8-byte keys by [`mul8`], all others by XXH3-64,
/// both with the file's 64-bit seed. (Id 1, format version 1, was XXH3-64 for every key; id 2,
/// version 2, the two halves of `mul8`'s product xored into one hash.)
pub(crate) const HASH_MUL8_XXH3: u32 = 3;
/// What the writer stores as its byte-order mark: this number in its native byte order.
pub(crate) const ENDIAN_MARK: u32 = 0x0102_0304;
/// Every section starts at a multiple of this (a cache line; more than any entry alignment
/// a plain type of the format may have).
pub(crate) const SECTION_ALIGN: u64 = 64;
/// Slots per bucket, as in Go.
pub(crate) const SLOTS: usize = 8;

/// The header, at offset 0. All integers little-endian, every offset relative to the start of
/// the file.
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug)]
#[repr(C)]
pub(crate) struct RawHeader {
    pub(crate) magic: [u8; 8],
    pub(crate) version: U32,
    /// [`ENDIAN_MARK`] in the writer's native byte order: the byte order of fixed-size items.
    pub(crate) endian: [u8; 4],
    pub(crate) header_len: U32,
    pub(crate) hash_id: U32,
    pub(crate) seed: U64,
    pub(crate) key_kind: u8,
    pub(crate) value_kind: u8,
    pub(crate) log2_buckets: u8,
    pub(crate) reserved: u8,
    pub(crate) key_size: U32,
    pub(crate) key_align: U32,
    pub(crate) value_size: U32,
    pub(crate) value_align: U32,
    pub(crate) pair_size: U32,
    pub(crate) value_offset: U32,
    pub(crate) max_chain: U32,
    pub(crate) len: U64,
    pub(crate) overflow_buckets: U64,
    pub(crate) buckets_off: U64,
    pub(crate) buckets_len: U64,
    pub(crate) entries_off: U64,
    pub(crate) entries_len: U64,
    pub(crate) arena_off: U64,
    pub(crate) arena_len: U64,
    pub(crate) file_len: U64,
    pub(crate) body_checksum: U64,
    pub(crate) header_checksum: U64,
}

/// Bytes of the header.
pub(crate) const HEADER_LEN: usize = core::mem::size_of::<RawHeader>();
const _: () = assert!(HEADER_LEN == 152);

impl RawHeader {
    /// XXH3-64 (seed 0) of the header up to its checksum field.
    pub(crate) fn checksum(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(&self.as_bytes()[..HEADER_LEN - 8])
    }
}

/// One bucket's record: Go's `tophash[8]` and overflow pointer, with the pointer an index and
/// the slots found through `first` in the dense entry array: all a lookup needs before it
/// reads an entry, in 16 bytes (so in one cache line).
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug, Default)]
#[repr(C)]
pub(crate) struct BucketHeader {
    /// Slot `j`'s tag: the top byte of its key's hash when the slot is live (see the module
    /// docs for which are), 0 when it is empty.
    pub(crate) tophash: [u8; 8],
    /// The entry index of slot 0; slot `j` is entry `first + j`.
    pub(crate) first: U32,
    /// The bucket index of the next bucket of the chain, 0 for none (bucket 0 is never an
    /// overflow bucket).
    pub(crate) overflow: U32,
}

/// One entry of the dense entry array: a key slot and a value slot, `#[repr(C)]`.
///
/// For [`Plain`](super::Plain) keys and values these are the key and value themselves, and
/// [`FrozenMap::entries`](super::FrozenMap::entries) hands out the whole array as a
/// `&[Pair<K, V>]`.
#[derive(FromBytes, Immutable, KnownLayout, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Pair<K, V> {
    /// The key.
    pub key: K,
    /// The value.
    pub value: V,
}

/// The layout of a key and value type pair, as the header records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) key_kind: u8,
    pub(crate) value_kind: u8,
    pub(crate) key_size: u32,
    pub(crate) key_align: u32,
    pub(crate) value_size: u32,
    pub(crate) value_align: u32,
    pub(crate) pair_size: u32,
    pub(crate) value_offset: u32,
}

impl Layout {
    pub(crate) fn of<K: Item + ?Sized, V: Item + ?Sized>() -> Layout {
        use core::mem::{align_of, offset_of, size_of};
        Layout {
            key_kind: K::KIND as u8,
            value_kind: V::KIND as u8,
            key_size: size_of::<K::Slot>() as u32,
            key_align: align_of::<K::Slot>() as u32,
            value_size: size_of::<V::Slot>() as u32,
            value_align: align_of::<V::Slot>() as u32,
            pair_size: size_of::<Pair<K::Slot, V::Slot>>() as u32,
            value_offset: offset_of!(Pair<K::Slot, V::Slot>, value) as u32,
        }
    }

    pub(crate) fn of_header(h: &RawHeader) -> Layout {
        Layout {
            key_kind: h.key_kind,
            value_kind: h.value_kind,
            key_size: h.key_size.get(),
            key_align: h.key_align.get(),
            value_size: h.value_size.get(),
            value_align: h.value_align.get(),
            pair_size: h.pair_size.get(),
            value_offset: h.value_offset.get(),
        }
    }

    pub(crate) fn has_fixed(&self) -> bool {
        self.key_kind == Kind::Fixed as u8 || self.value_kind == Kind::Fixed as u8
    }

    pub(crate) fn describe(&self) -> String {
        let side = |kind: u8, size: u32, align: u32| match Kind::from_u8(kind) {
            Some(Kind::Fixed) => format!("fixed[{size} bytes, align {align}]"),
            Some(k) => k.name().to_string(),
            None => format!("kind {kind}"),
        };
        format!(
            "{} -> {}",
            side(self.key_kind, self.key_size, self.key_align),
            side(self.value_kind, self.value_size, self.value_align)
        )
    }
}

/// The stable hash of a key's bytes: XXH3-64 with the file's seed.
#[inline]
pub(crate) fn hash(bytes: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(bytes, seed)
}

/// What a lookup takes from a key's hash: the bits whose low `B` choose its chain, and its tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyHash {
    /// Chain `bits & (2^B - 1)`.
    pub(crate) bits: u64,
    /// The tag stored for the key in its slot.
    pub(crate) tag: u8,
}

impl KeyHash {
    /// A 64-bit hash used whole: its low bits choose the chain, its top byte is the tag.
    #[inline]
    fn of_u64(h: u64) -> KeyHash {
        KeyHash {
            bits: h,
            tag: (h >> 56) as u8,
        }
    }
}

/// The hash of a key's bytes as the format defines it (hash id [`HASH_MUL8_XXH3`]): an
/// 8-byte key by [`mul8`] of its little-endian value, any other by XXH3-64 (low bits the
/// chain, top byte the tag), with the seed.
#[inline]
pub(crate) fn key_hash(bytes: &[u8], seed: u64) -> KeyHash {
    match <[u8; 8]>::try_from(bytes) {
        Ok(k) => mul8(u64::from_le_bytes(k), seed),
        Err(_) => KeyHash::of_u64(hash(bytes, seed)),
    }
}

/// The bit `j` set for each tag `j` of `tags` equal to `tag`; exact.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
pub(crate) fn match_mask(tags: [u8; 8], tag: u8) -> u32 {
    use core::arch::x86_64::{_mm_cmpeq_epi8, _mm_cvtsi64_si128, _mm_movemask_epi8, _mm_set1_epi8};
    // SAFETY: the target has SSE2 (the cfg above), and these intrinsics compute on register
    // values only: no memory is read or written.
    unsafe {
        let tags = _mm_cvtsi64_si128(i64::from_le_bytes(tags));
        let eq = _mm_cmpeq_epi8(tags, _mm_set1_epi8(tag as i8));
        // Bytes 8..16 of both are 0 and compare equal: only slots 0..8 are tags.
        _mm_movemask_epi8(eq) as u32 & 0xff
    }
}

/// The bit `j` set for each tag `j` of `tags` equal to `tag`; exact.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline]
pub(crate) fn match_mask(tags: [u8; 8], tag: u8) -> u32 {
    let mut m = 0u32;
    for (j, &t) in tags.iter().enumerate() {
        m |= ((t == tag) as u32) << j;
    }
    m
}

/// The stable hash of an 8-byte key (`u64::from_le_bytes`) with the file's seed, from the
/// 128-bit product `p` of `key ^ seed` and [`MUL8_MULTIPLIER`]: the chain from the low bits of
/// `p`'s high half (bits 64.. of `p`), the tag from the top byte of its low half (bits 56..64).
/// Both are middle bits of the product, which every bit of the key reaches; the tag is any
/// value, 0 included (which slots are live comes from the entry counts, the heads' `first`
/// indices), so a lookup spends no instruction on it beyond a shift.
#[inline]
pub(crate) fn mul8(key: u64, seed: u64) -> KeyHash {
    let p = ((key ^ seed) as u128) * (MUL8_MULTIPLIER as u128);
    KeyHash {
        bits: (p >> 64) as u64,
        tag: ((p as u64) >> 56) as u8,
    }
}

/// The odd multiplier of [`mul8`]: `2^64 / phi`.
pub(crate) const MUL8_MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// The smallest `B` with `len <= 4 * 2^B`: half of Go's 8 slots per bucket at most, on
/// average, so that few buckets are full (Go's 6.5 left about 10% of them full at 10M, and a
/// miss in a full bucket reads its overflow too).
pub(crate) fn log2_buckets_for(len: u64) -> u8 {
    let mut b = 0u8;
    while (4u128 << b) < len as u128 {
        b += 1;
    }
    b
}

/// `n` rounded up to a multiple of [`SECTION_ALIGN`].
pub(crate) fn align_up(n: u64) -> Option<u64> {
    n.checked_add(SECTION_ALIGN - 1)
        .map(|n| n & !(SECTION_ALIGN - 1))
}

/// The sections' canonical places: `(buckets_off, entries_off, arena_off, file_len)`.
pub(crate) fn sections(buckets_len: u64, entries_len: u64, arena_len: u64) -> Option<[u64; 4]> {
    let buckets_off = align_up(HEADER_LEN as u64)?;
    let entries_off = align_up(buckets_off.checked_add(buckets_len)?)?;
    let arena_off = align_up(entries_off.checked_add(entries_len)?)?;
    let file_len = arena_off.checked_add(arena_len)?;
    Some([buckets_off, entries_off, arena_off, file_len])
}

/// Checks the header of `bytes` in O(1): magic, version, byte order, checksum, hash id, ranges
/// and the canonical section layout against the file's length. Does not look at the types.
pub(crate) fn check_header(bytes: &[u8]) -> Result<RawHeader, Error> {
    let have = bytes.len() as u64;
    if bytes.len() < 8 || bytes[..8] != MAGIC {
        return Err(if bytes.len() < 8 && MAGIC.starts_with(bytes) {
            Error::Truncated {
                len: have,
                need: HEADER_LEN as u64,
            }
        } else {
            Error::NotFrozen
        });
    }
    let Ok((h, _)) = RawHeader::read_from_prefix(bytes) else {
        return Err(Error::Truncated {
            len: have,
            need: HEADER_LEN as u64,
        });
    };
    if h.version.get() != VERSION {
        return Err(Error::Version(h.version.get()));
    }
    if h.header_checksum.get() != h.checksum() {
        return Err(Error::HeaderChecksum);
    }
    if h.header_len.get() as usize != HEADER_LEN {
        return Err(Error::Header("header length"));
    }
    if h.hash_id.get() != HASH_MUL8_XXH3 {
        return Err(Error::Hash(h.hash_id.get()));
    }
    let layout = Layout::of_header(&h);
    let native = h.endian == ENDIAN_MARK.to_ne_bytes();
    let swapped = h.endian == ENDIAN_MARK.swap_bytes().to_ne_bytes();
    if !native && !swapped {
        return Err(Error::Header("byte-order mark"));
    }
    if swapped && layout.has_fixed() {
        return Err(Error::ForeignEndian);
    }
    if h.reserved != 0 {
        return Err(Error::Header("reserved byte"));
    }
    if Kind::from_u8(h.key_kind).is_none() || Kind::from_u8(h.value_kind).is_none() {
        return Err(Error::Header("item kind"));
    }
    if layout.pair_size == 0 {
        return Err(Error::Header("pair size"));
    }
    let len = h.len.get();
    if len > u32::MAX as u64 {
        return Err(Error::Header("entry count"));
    }
    let log2 = h.log2_buckets;
    if log2 > 31 || log2 != log2_buckets_for(len) {
        return Err(Error::Header("log2 of the bucket count"));
    }
    let main = 1u64 << log2;
    let overflow = h.overflow_buckets.get();
    let total = main
        .checked_add(overflow)
        .filter(|&t| t <= u32::MAX as u64)
        .ok_or(Error::Header("overflow bucket count"))?;
    if len > total * SLOTS as u64 || overflow > len.div_ceil(SLOTS as u64) {
        return Err(Error::Header("overflow bucket count"));
    }
    let max_chain = h.max_chain.get() as u64;
    if max_chain == 0 || max_chain > overflow + 1 {
        return Err(Error::Header("longest chain"));
    }
    let buckets_len = total * core::mem::size_of::<BucketHeader>() as u64;
    let entries_len = len
        .checked_mul(layout.pair_size as u64)
        .ok_or(Error::Header("entries length"))?;
    if h.buckets_len.get() != buckets_len {
        return Err(Error::Header("buckets length"));
    }
    if h.entries_len.get() != entries_len {
        return Err(Error::Header("entries length"));
    }
    let arena_len = h.arena_len.get();
    if !layout.has_var() && arena_len != 0 {
        return Err(Error::Header("arena length"));
    }
    if arena_len > u32::MAX as u64 {
        return Err(Error::Header("arena length"));
    }
    let [b_off, e_off, a_off, file_len] =
        sections(buckets_len, entries_len, arena_len).ok_or(Error::Header("section offsets"))?;
    if (
        h.buckets_off.get(),
        h.entries_off.get(),
        h.arena_off.get(),
        h.file_len.get(),
    ) != (b_off, e_off, a_off, file_len)
    {
        return Err(Error::Header("section offsets"));
    }
    if have < file_len {
        return Err(Error::Truncated {
            len: have,
            need: file_len,
        });
    }
    if have > file_len {
        return Err(Error::Header("bytes past the end of the map"));
    }
    Ok(h)
}

impl Layout {
    pub(crate) fn has_var(&self) -> bool {
        self.key_kind != Kind::Fixed as u8 || self.value_kind != Kind::Fixed as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul8_takes_the_chain_from_the_high_half_and_the_tag_from_the_low_half() {
        // Fixed vectors: the format's hash of 8-byte keys must never change.
        assert_eq!(mul8(0, 0), KeyHash { bits: 0, tag: 0 });
        assert_eq!(mul8(1, 0), KeyHash { bits: 0, tag: 0x9e });
        assert_eq!(mul8(0, 1), mul8(1, 0));
        // (2^64 - 1) * M = (M - 1) * 2^64 + (2^64 - M).
        assert_eq!(
            mul8(u64::MAX, 0),
            KeyHash {
                bits: 0x9e37_79b9_7f4a_7c14,
                tag: 0x61
            }
        );
        let p = (0x0123_4567_89ab_cdefu128 ^ 7) * MUL8_MULTIPLIER as u128;
        assert_eq!(
            mul8(0x0123_4567_89ab_cdef, 7),
            KeyHash {
                bits: (p >> 64) as u64,
                tag: (p >> 56) as u8
            }
        );
    }

    #[test]
    fn key_hash_takes_mul8_for_eight_bytes_and_xxh3_otherwise() {
        let seed = 0x5eed;
        let k = 0xfeed_f00d_dead_beefu64;
        assert_eq!(key_hash(&k.to_le_bytes(), seed), mul8(k, seed));
        for len in [0usize, 1, 7, 9, 16, 100] {
            let bytes = vec![0xa5u8; len];
            let h = xxhash_rust::xxh3::xxh3_64_with_seed(&bytes, seed);
            assert_eq!(
                key_hash(&bytes, seed),
                KeyHash {
                    bits: h,
                    tag: (h >> 56) as u8
                }
            );
        }
    }

    #[test]
    fn match_mask_sets_exactly_the_matching_slots() {
        let mut x = 1u64;
        for _ in 0..100_000 {
            x = x
                .wrapping_mul(0x5851_F42D_4C95_7F2D)
                .wrapping_add(0x1405_7B7E_F767_814F);
            let tags = (x ^ (x >> 29)).to_le_bytes();
            for tag in [tags[(x >> 61) as usize], (x >> 40) as u8, 0, 1, 255] {
                let want = (0..8)
                    .filter(|&j| tags[j] == tag)
                    .fold(0u32, |m, j| m | 1 << j);
                assert_eq!(match_mask(tags, tag), want, "{tags:?} {tag}");
            }
        }
    }
}
