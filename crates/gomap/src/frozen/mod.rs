//! Frozen maps: a map written once to bytes (a file, a `Vec`, a binary's static data) and read
//! back in place, with zero copies, safely whatever the bytes are. Needs the `frozen` feature
//! (memory maps: the `mmap` feature).
//!
//! ```
//! use gomap::frozen::FrozenMap;
//!
//! let bytes = FrozenMap::<str, u32>::build([("apple", 3), ("pear", 5)])?;
//! let map = FrozenMap::<str, u32>::from_bytes(&bytes)?; // O(1)
//! assert_eq!(map.get("pear"), Some(&5));
//! assert_eq!(map.get("plum"), None);
//! map.verify()?; // O(n): checksum, every key re-hashed, every chain walked
//! # Ok::<(), gomap::frozen::Error>(())
//! ```
//!
//! A frozen map is gomap's bucket design with every pointer replaced by a relative index:
//! `2^B` buckets of 8 slots, each bucket's 8 tophash bytes (Go's tags) with its first entry's
//! index and its overflow link in one 16-byte record, overflow buckets chained by index, the
//! entries dense. Lookups run Go's probe: the low `B` bits of the key's hash pick the bucket,
//! the top byte is matched against the 8 tags at once, the chain is followed to its end. A
//! lookup reads one bucket record (one cache line) and then the matching entry: two cache
//! misses, as in odht, whose control bytes and slots are read the same way.
//!
//! # Safety on any input
//! [`FrozenMap::from_bytes`] checks the header and the section bounds in O(1), so opening a 10M
//! entry file costs microseconds. It cannot check the body in O(1), so **every access checks
//! itself**: each bucket, entry and arena span is fetched with a bounds check against the
//! section lengths, and each chain walk takes at most the header's longest-chain count of
//! steps (at most one more than the number of overflow buckets, checked at open). A damaged or
//! malicious file therefore makes lookups give wrong answers at worst: never a panic, an
//! out-of-bounds read, or a loop that does not end (the two inputs that hang other on-disk
//! tables, tags all full and a cyclic chain, both terminate here). [`FrozenMap::verify`] checks
//! everything in O(n) for when right answers matter: after it succeeds, `get` finds exactly
//! the keys `iter` yields. The typed views are made by zerocopy, whose derives check at compile
//! time that every byte pattern is a valid value; the only `unsafe` of the reader is SSE2's
//! byte compare on x86-64, which computes on register values and reads no memory.
//!
//! # Keys and values
//! - any [`Plain`] type (integers, arrays, `#[repr(C)]` structs deriving zerocopy's
//!   `FromBytes`, `IntoBytes`, `Immutable`, `KnownLayout`), stored in place; keys are hashed
//!   and compared by their bytes;
//! - `str` and `[u8]`, stored as an offset and a length into a byte arena (4 GiB at most).
//!
//! Why zerocopy rather than bytemuck: both are well kept, but zerocopy's traits say exactly the
//! properties a zero-copy reader relies on, separately (`FromBytes`: any bits are valid;
//! `Immutable`: no `UnsafeCell`, so a `&T` into a shared mapping cannot be written through;
//! `KnownLayout`: slices can be cast with their length and alignment checked), and it casts
//! slices with checked results rather than panics, so the reader needs no `unsafe` of its own.
//! It is also what the workspace already builds (through `rand`).
//!
//! # The hash
//! A file is read by other processes, other builds of gomap and other machines than the one
//! that wrote it, so the hash must give the same value everywhere, forever: it is part of the
//! format, fixed by the header's hash id, and seeded by the header's 64-bit seed. gomap's
//! in-memory default, foldhash, explicitly promises no such stability (its output may change
//! between versions and differs by platform), and std's SipHash keys are process-random.
//!
//! Hash id 3 (format version 3) is, for a key of `s` bytes with seed `seed`:
//! - `s == 8`: with `x = u64::from_le_bytes(key) ^ seed` and `p = x as u128 *
//!   0x9E37_79B9_7F4A_7C15` (`2^64 / phi`), the key's chain is the low `B` bits of `p >> 64`
//!   and its tag the top byte of `p as u64` (bits 56..64 of `p`): a 64x64->128 multiply whose
//!   two halves are used apart, written out here so that it can never change;
//! - any other length: `h` = **XXH3-64** with `seed`, whose output is fixed by its
//!   specification (stable since xxHash 0.8.0, with published test vectors) on every platform;
//!   the chain is the low `B` bits of `h`, the tag its top byte.
//!
//! Why two: at 10M entries a lookup costs what the processor can overlap (each waits on two
//! cache misses), and that is set by the instructions of a lookup, about 1 ns each at 10M here
//! (see "Lookup cost" below). XXH3's 8-byte path is about 15 instructions (20 as compiled);
//! the multiply is 3 (a move, the xor with the seed, the multiply) plus the tag's shift. Both
//! halves are middle bits of the product, which every bit of the key reaches (bit `i` of `x`
//! moves bits `i..` of `p`; the high half takes the carries of all of them), so keys that
//! differ in any bits reach chains and tags alike (with the resonances below); strings and
//! other sizes keep XXH3.
//! Version 2 (hash id 2) xored the two halves into one hash first, as foldhash does: two more
//! instructions on every lookup, measured at 2-11% of a hit (`docs/PERFORMANCE.md`). Ids other
//! than 3 are refused.
//!
//! A single multiply has resonances: key families `i << s` for which the product's chain bits
//! fall on a poorly spread sequence. Measured at 200K keys (any seed: the seed's xor does not
//! move them): multiples of 2^31..2^35 use ~14% of the heads (chains of up to 4 buckets) in
//! versions 2 and 3 alike, multiples of 2^6 overflow 2.7% of the heads in version 3 (0.1% in
//! version 2, whose low-shift families instead overflow like random keys, ~0.4%, where version
//! 3 overflows none). Such files are slower, never wrong: lookups stay bounded and exact
//! (`tests/frozen.rs` checks both kinds of family). A hash without them costs a second mixing
//! round on every lookup (XXH3's 8-byte path is one), which at 10M is about 1 ns per
//! instruction.
//! The seed is random per build unless [`Options::seed`] fixes it (for reproducible files).
//!
//! # The format (version 3)
//! All integers little-endian; every offset is relative to the start of the file; every
//! section starts at a multiple of 64 bytes, zero-padded.
//!
//! | offset | field | |
//! |---|---|---|
//! | 0 | magic | `b"GOMAPFRZ"` |
//! | 8 | version: u32 | 3 |
//! | 12 | byte-order mark: 4 bytes | `0x01020304` in the writer's byte order (the order of fixed-size items) |
//! | 16 | header length: u32 | 152 |
//! | 20 | hash id: u32 | 3 = the hash above |
//! | 24 | seed: u64 | |
//! | 32 | key kind, value kind, B, 0: u8 x 4 | kind 1 = fixed, 2 = str, 3 = bytes; B is the smallest with `entries <= 4 * 2^B` |
//! | 36 | key size, key align, value size, value align, pair size, value offset: u32 x 6 | the layout fingerprint; a str/bytes slot is a span (8 bytes, align 1) |
//! | 60 | longest chain: u32 | buckets in the longest chain; bounds every walk |
//! | 64 | entries: u64 | |
//! | 72 | overflow buckets: u64 | |
//! | 80 | buckets offset, length; entries offset, length; arena offset, length; file length: u64 x 7 | |
//! | 136 | body checksum: u64 | XXH3-64 (seed 0) of bytes 152.. |
//! | 144 | header checksum: u64 | XXH3-64 (seed 0) of bytes 0..144 |
//!
//! - **Buckets**: `2^B + overflow` bucket records of 16 bytes: `tophash: [u8; 8]`, `first:
//!   u32` (the entry index of slot 0), `overflow: u32` (the next bucket's index, 0 = none).
//!   Bucket `b < 2^B` heads the chain of hashes with low bits `b`; its entries are
//!   `first(b)..first(b + 1)` (the last chain's end at the entry count), so a chain of `c`
//!   entries has `ceil(c / 8)` buckets (one if `c` is 0), its `k`-th holding entries `8k..` of
//!   the chain at slots `0..min(8, c - 8k)`. Overflow buckets follow at indices `2^B..`, in the
//!   order of the chains that use them. A live slot's tag is the top byte of its key's hash,
//!   any value (0 included: which slots are live follows from the counts, so a lookup spends no
//!   instructions moving tags out of a reserved range); the tags of empty slots are 0.
//!   At most 4 entries per head bucket on average (half of its slots), so that few buckets
//!   are full: a lookup of an absent key reads an overflow bucket only from a full one.
//! - **Entries**: the dense array of `(key slot, value slot)` pairs (`#[repr(C)]`), chain by
//!   chain in bucket order, each chain's keys in increasing byte order (which is how `verify`
//!   proves keys unique in O(n)); slot `j` of a bucket is entry `first + j`.
//! - **Arena**: the bytes of `str`/`[u8]` keys and values, named by spans
//!   `{off: u32, len: u32}`.
//!
//! A file written on a big-endian machine keeps its structure readable (it is little-endian
//! everywhere), but its fixed-size items are in the writer's order: reading one with a fixed
//! key or value type fails with [`Error::ForeignEndian`]; `str`/`[u8]` maps read anywhere.
//! Version 1 files (XXH3 for every key, tags moved out of 0..=4) and version 2 files (the
//! 8-byte hash's halves xored) are refused with [`Error::Version`]: rebuild them from their
//! source. (Version 3 changed only the hash of 8-byte keys; the layout is version 2's.)
//!
//! # Lookup cost at 10M entries, and why hits trail odht's (measured)
//! At 10M `u64 -> u64`, `gomap bench --frozen` measures hits at about 1.3x odht's (1.4x in
//! version 2) and misses at 1.0-1.3x (run to run; a miss is the first of a hit's two misses,
//! so the index below is its whole story); at 1M both are about level. `cargo run --release -p gomap-cli
//! --example frozen_probe` takes the difference apart (one process, interleaved, 1M shuffled
//! present keys; the figures are in `docs/PERFORMANCE.md`'s frozen section):
//! - **The loop is window-bound.** Each lookup waits on two dependent cache misses, so what
//!   sets its cost is how many lookups the core keeps in flight, its reorder window divided by
//!   the instructions of a lookup: eight independent ALU instructions added to odht's loop
//!   cost it 8 ns (31 -> 39 ns), about 1 ns per instruction. Our hit path, as compiled in the
//!   bench loop, is 31 instructions (33 in version 2), odht's 28.
//! - **The hash.** odht's FxHash of an 8-byte key is one 32-bit multiply. Version 2's folded
//!   multiply in its place cost odht 2 ns at 10M (2.4 at 1M, 1.6 at 100K); version 3 uses the
//!   product's halves apart (two instructions fewer), which moved our hits from 1.38x to 1.35x
//!   odht's at 10M, 1.05x to 0.97x at 1M and 1.54x to 1.37x at 100K (three alternating runs
//!   each). FxHash itself is out of the question: its 32-bit result is the low half of
//!   `key * K`, which depends on the key's low 32 bits only (keys that differ above bit 31 all
//!   collide), and a file format for any keys cannot take that.
//! - **The first miss's working set.** The L3 available here is about 16-20 MB (dependent-load
//!   latency: 44 ns at 8 MB, 74 ns at 16 MB, 135 ns at 24 MB, 183 ns at 64 MB). odht's first
//!   load is into its control bytes, one per slot: 16.8 MB at 10M, mostly cache-resident. Ours
//!   is into the bucket records, 16 bytes per 2.4 entries at 10M (`B` rounds 10M / 4 up to
//!   2^22 heads): 67 MB, so it goes to DRAM. odht at a 40% load factor (33.6 MB of control
//!   bytes, and twice the entries, so part of it is its second miss): +7 ns. Halving our
//!   records (at most 8 entries per head bucket, 33 MB) changed nothing: still past the L3,
//!   and more overflow.
//!
//! Together (the hash, the other extra instructions, the index about +7 ns) these account for
//! the measured gap (+12 ns in version 2). Closing the rest needs an index of about 1.6 bytes
//! per entry, which 16-byte records of 8 slots cannot give (they would need 10 entries per
//! bucket): a record with more slots and a non-power-of-two bucket count. A first, untuned
//! prototype of that (`gomap-cli`'s `frozen_wide_bucket_prototype` example: 11 tags, a count
//! byte and `first` in 16 bytes; the bucket by a 128-bit `mulhi`; a full bucket spilling into
//! the next; a 19 MB index at 10M) measured hits at 1.1x odht's and misses at 1.2-1.5x: the
//! smaller index is paid back in instructions (the range reduction, the spill test) and in
//! spills, so the layout stays as it is. Transparent huge pages speed both tables up alike
//! (they are not the difference).
//!
//! # Building
//! [`FrozenMap::build`] (to an [`AlignedBytes`]), [`FrozenMap::write`] (to any `Write`), and
//! [`HashMap::freeze`](crate::HashMap::freeze). The input is taken in one pass; a key given
//! twice is an [`Error::DuplicateKey`]. Memory: the input's slots and arena, then the output's
//! entries, so at most about twice the output.

mod aligned;
mod build;
mod error;
mod format;
mod item;
#[cfg(feature = "mmap")]
mod mmap;
mod verify;

use core::marker::PhantomData;

use zerocopy::FromBytes;

pub use self::aligned::{read, Aligned, AlignedBytes};
pub use self::build::Options;
pub use self::error::Error;
pub use self::format::Pair;
pub use self::item::{Item, Kind, Plain, Span};
#[cfg(feature = "mmap")]
pub use self::mmap::{open, Mapped};

use self::format::{BucketHeader, Layout, RawHeader, SLOTS};

/// A map read in place from the bytes of a frozen map: borrowed, never copied.
///
/// `K` and `V` are [`Plain`] types, `str` or `[u8]` (see [`Item`]). Opening
/// ([`from_bytes`](Self::from_bytes)) costs O(1); lookups are Go's bucket probe over the
/// bytes; [`verify`](Self::verify) checks the whole file in O(n).
pub struct FrozenMap<'a, K: Item + ?Sized, V: Item + ?Sized> {
    info: Info,
    mask: u64,
    buckets: &'a [BucketHeader],
    entries: &'a [Pair<K::Slot, V::Slot>],
    arena: &'a [u8],
    bytes: &'a [u8],
    _types: PhantomData<(&'a K, &'a V)>,
}

impl<K: Item + ?Sized, V: Item + ?Sized> Clone for FrozenMap<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: Item + ?Sized, V: Item + ?Sized> Copy for FrozenMap<'_, K, V> {}

impl<K: Item + ?Sized, V: Item + ?Sized> core::fmt::Debug for FrozenMap<'_, K, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FrozenMap")
            .field("info", &self.info)
            .finish()
    }
}

/// What a frozen map's header says, from [`FrozenMap::info`] or [`info`] (the latter without
/// knowing the types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Info {
    /// Entries.
    pub len: u64,
    /// log2 of the number of chains (head buckets).
    pub log2_buckets: u8,
    /// Overflow buckets.
    pub overflow_buckets: u64,
    /// Buckets in the longest chain.
    pub max_chain: u32,
    /// The hash seed.
    pub seed: u64,
    /// How keys are stored.
    pub key_kind: Kind,
    /// How values are stored.
    pub value_kind: Kind,
    /// Bytes of a key slot (a fixed key's size, or 8 for a span).
    pub key_size: u32,
    /// Bytes of a value slot.
    pub value_size: u32,
    /// Bytes of the arena.
    pub arena_len: u64,
    /// Bytes of the whole file.
    pub file_len: u64,
}

/// Reads and checks a frozen map's header without knowing its key and value types (to choose
/// them, as the CLI does). O(1).
///
/// # Errors
/// What [`FrozenMap::from_bytes`] reports about the header.
pub fn info(bytes: &[u8]) -> Result<Info, Error> {
    format::check_header(bytes).map(|h| Info::of(&h))
}

impl Info {
    fn of(h: &RawHeader) -> Info {
        Info {
            len: h.len.get(),
            log2_buckets: h.log2_buckets,
            overflow_buckets: h.overflow_buckets.get(),
            max_chain: h.max_chain.get(),
            seed: h.seed.get(),
            // check_header accepted the kinds.
            key_kind: Kind::from_u8(h.key_kind).unwrap_or(Kind::Bytes),
            value_kind: Kind::from_u8(h.value_kind).unwrap_or(Kind::Bytes),
            key_size: h.key_size.get(),
            value_size: h.value_size.get(),
            arena_len: h.arena_len.get(),
            file_len: h.file_len.get(),
        }
    }
}

impl<'a, K: Item + ?Sized, V: Item + ?Sized> FrozenMap<'a, K, V> {
    /// Opens the frozen map in `bytes`, in place. **O(1)**: checks the header (magic, version,
    /// byte order, checksum, hash id, that the file holds `K` and `V`) and that every section
    /// lies inside `bytes` at an aligned address; reads nothing else. Safe for any input.
    ///
    /// ```
    /// use gomap::frozen::{Error, FrozenMap};
    /// assert!(matches!(FrozenMap::<u64, u64>::from_bytes(b"hello"), Err(Error::NotFrozen)));
    /// ```
    ///
    /// # Errors
    /// Any header fault ([`Error`] lists them); [`Error::Layout`] when the file holds other
    /// types; [`Error::Misaligned`] when `bytes` does not start at an address aligned for the
    /// entries (use [`AlignedBytes`], [`read`], [`include_frozen!`](crate::include_frozen) or a
    /// memory map).
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, Error> {
        let h = format::check_header(bytes)?;
        let file = Layout::of_header(&h);
        let expected = Layout::of::<K, V>();
        if file != expected {
            return Err(Error::Layout {
                file: file.describe(),
                expected: expected.describe(),
            });
        }
        // check_header proved every section lies inside `bytes`.
        let section = |off: zerocopy::little_endian::U64, len: zerocopy::little_endian::U64| {
            let (off, len) = (off.get() as usize, len.get() as usize);
            bytes
                .get(off..off + len)
                .ok_or(Error::Header("section offsets"))
        };
        let buckets = <[BucketHeader]>::ref_from_bytes(section(h.buckets_off, h.buckets_len)?)
            .map_err(|_| Error::Header("buckets length"))?;
        let entries =
            <[Pair<K::Slot, V::Slot>]>::ref_from_bytes(section(h.entries_off, h.entries_len)?)
                .map_err(|_| Error::Misaligned {
                    align: core::mem::align_of::<Pair<K::Slot, V::Slot>>(),
                })?;
        let arena = section(h.arena_off, h.arena_len)?;
        Ok(FrozenMap {
            info: Info::of(&h),
            mask: (1u64 << h.log2_buckets) - 1,
            buckets,
            entries,
            arena,
            bytes,
            _types: PhantomData,
        })
    }

    /// What the header says. O(1).
    pub fn info(&self) -> &Info {
        &self.info
    }

    /// The number of entries. O(1).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty. O(1).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The bytes the map was opened from.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The entry of `key`: Go's probe, bounded by the header's longest chain. O(1) expected.
    ///
    /// At 10M entries a lookup's cost is how many lookups the processor keeps in flight at once
    /// (each waits on two cache misses: its bucket, then its entry), which is its window divided
    /// by the instructions of a lookup: so the common case (the first tag match is the key, or
    /// no tag matches and the bucket has no overflow) is inline and short, and everything else
    /// (another match, the rest of the chain) is out of line.
    #[inline]
    fn find(&self, key: &[u8]) -> Option<&'a Pair<K::Slot, V::Slot>> {
        // Always false (from_bytes checked it); stated so that the compiler drops the bucket's
        // bounds check below (`hash & mask <= mask < len`), one compare per loop rather than two
        // instructions per lookup.
        if self.mask as usize >= self.buckets.len() {
            return None;
        }
        let hash = format::key_hash(key, self.info.seed);
        let top = hash.tag;
        let bucket = self.buckets.get((hash.bits & self.mask) as usize)?;
        let m = format::match_mask(bucket.tophash, top);
        if m != 0 {
            let j = m.trailing_zeros() as usize;
            if let Some(pair) = self.entries.get(bucket.first.get() as usize + j) {
                if K::slot_bytes(&pair.key, self.arena) == Some(key) {
                    return Some(pair);
                }
            }
        } else if bucket.overflow.get() == 0 {
            return None;
        }
        self.find_slow(bucket, m & m.wrapping_sub(1), top, key)
    }

    /// [`find`](Self::find)'s uncommon cases: the other matches of the bucket `bucket` (`m`,
    /// whose lowest match was not the key), then the rest of its chain, at most `max_chain - 1`
    /// more buckets. A damaged file's index outside the entries is no match.
    #[cold]
    #[inline(never)]
    fn find_slow(
        &self,
        mut bucket: &'a BucketHeader,
        mut m: u32,
        top: u8,
        key: &[u8],
    ) -> Option<&'a Pair<K::Slot, V::Slot>> {
        let mut steps = 1;
        loop {
            let first = bucket.first.get() as usize;
            while m != 0 {
                let j = m.trailing_zeros() as usize;
                if let Some(pair) = self.entries.get(first + j) {
                    if K::slot_bytes(&pair.key, self.arena) == Some(key) {
                        return Some(pair);
                    }
                }
                m &= m - 1;
            }
            let next = bucket.overflow.get() as usize;
            if next == 0 || steps >= self.info.max_chain {
                return None;
            }
            steps += 1;
            bucket = self.buckets.get(next)?;
            m = format::match_mask(bucket.tophash, top);
        }
    }

    /// The value of `key`, if present. O(1) expected; on a damaged file that was not
    /// [`verify`](Self::verify)ed, an answer that may be wrong but always comes.
    ///
    /// ```
    /// use gomap::frozen::FrozenMap;
    /// let bytes = FrozenMap::<u64, u64>::build((0..100u64).map(|i| (i, i * i)))?;
    /// let map = FrozenMap::<u64, u64>::from_bytes(&bytes)?;
    /// assert_eq!(map.get(&9), Some(&81));
    /// # Ok::<(), gomap::frozen::Error>(())
    /// ```
    #[inline]
    pub fn get(&self, key: &K) -> Option<&'a V> {
        self.find(key.bytes())
            .and_then(|p| V::from_slot(&p.value, self.arena))
    }

    /// The stored key and value of `key`, if present. O(1) expected.
    #[inline]
    pub fn get_key_value(&self, key: &K) -> Option<(&'a K, &'a V)> {
        let p = self.find(key.bytes())?;
        Some((
            K::from_slot(&p.key, self.arena)?,
            V::from_slot(&p.value, self.arena)?,
        ))
    }

    /// Whether `key` is present. O(1) expected.
    #[inline]
    pub fn contains_key(&self, key: &K) -> bool {
        self.find(key.bytes()).is_some()
    }

    /// The entries, chain by chain in bucket order. O(1) to make, O(n) to run. On a damaged
    /// file, entries whose spans leave the arena (or whose `str` is not UTF-8) are skipped.
    pub fn iter(&self) -> Iter<'a, K, V> {
        Iter {
            entries: self.entries.iter(),
            arena: self.arena,
        }
    }

    /// The keys, in [`iter`](Self::iter)'s order.
    pub fn keys(&self) -> impl Iterator<Item = &'a K> + 'a {
        self.iter().map(|(k, _)| k)
    }

    /// The values, in [`iter`](Self::iter)'s order.
    pub fn values(&self) -> impl Iterator<Item = &'a V> + 'a {
        self.iter().map(|(_, v)| v)
    }

    /// The bucket picture of the map, as [`HashMap::snapshot`](crate::HashMap::snapshot) gives
    /// for a live one: every chain's tophash bytes (a frozen map is never growing, so `old` is
    /// `None`). The live map keeps tags 0..=4 for its marks, so a live slot whose tag is below 5
    /// is drawn as 5, and an empty slot as 0 (`EMPTY_REST`); which slots are live follows from
    /// the chains' entry counts, as in lookups. O(buckets); chain walks bounded as in lookups.
    pub fn snapshot(&self) -> crate::snapshot::Snapshot {
        let main = self.mask as usize + 1;
        let first = |b: usize| match self.buckets.get(b) {
            Some(bucket) if b < main => bucket.first.get() as usize,
            _ => self.entries.len(),
        };
        let buckets = (0..main)
            .map(|b| {
                let mut chain = crate::snapshot::Chain {
                    initialised: true,
                    released: false,
                    tophash: Vec::new(),
                };
                let mut left = first(b + 1).saturating_sub(first(b));
                let mut at = b;
                for _ in 0..self.info.max_chain {
                    let Some(bucket) = self.buckets.get(at) else {
                        break;
                    };
                    let mut tags = [0u8; SLOTS];
                    for (j, tag) in tags.iter_mut().enumerate().take(left.min(SLOTS)) {
                        *tag = bucket.tophash[j].max(crate::bucket::MIN_TOPHASH);
                    }
                    left = left.saturating_sub(SLOTS);
                    chain.tophash.push(tags);
                    at = bucket.overflow.get() as usize;
                    if at == 0 {
                        break;
                    }
                }
                chain
            })
            .collect();
        crate::snapshot::Snapshot {
            log2_buckets: self.info.log2_buckets,
            buckets,
            old: None,
        }
    }
}

impl<'a, K: Plain, V: Plain> FrozenMap<'a, K, V> {
    /// All entries as one slice of `#[repr(C)]` pairs, straight from the bytes: zero copies.
    /// O(1). Chain by chain in bucket order, the order of [`iter`](Self::iter).
    ///
    /// ```
    /// use gomap::frozen::FrozenMap;
    /// let bytes = FrozenMap::<u32, u64>::build((0..10u32).map(|i| (i, 2 * i as u64)))?;
    /// let map = FrozenMap::<u32, u64>::from_bytes(&bytes)?;
    /// let sum: u64 = map.entries().iter().map(|p| p.value).sum();
    /// assert_eq!(sum, 90);
    /// # Ok::<(), gomap::frozen::Error>(())
    /// ```
    pub fn entries(&self) -> &'a [Pair<K, V>] {
        self.entries
    }
}

/// The iterator of [`FrozenMap::iter`].
pub struct Iter<'a, K: Item + ?Sized, V: Item + ?Sized> {
    entries: core::slice::Iter<'a, Pair<K::Slot, V::Slot>>,
    arena: &'a [u8],
}

impl<'a, K: Item + ?Sized, V: Item + ?Sized> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        let arena = self.arena;
        self.entries
            .by_ref()
            .find_map(|p| Some((K::from_slot(&p.key, arena)?, V::from_slot(&p.value, arena)?)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.entries.len()))
    }
}

impl<'a, K: Item + ?Sized, V: Item + ?Sized> IntoIterator for &FrozenMap<'a, K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}
