//! Writing frozen maps: [`FrozenMap::build`], [`FrozenMap::write`], [`HashMap::freeze`].

use core::borrow::Borrow;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromZeros, IntoBytes};

use super::format::{self, BucketHeader, Layout, RawHeader, SLOTS};
use super::{AlignedBytes, Error, FrozenMap, Item};
use crate::HashMap;

/// How to build a frozen map.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The hash seed written to the header. `None` (the default): a random one per build.
    /// Fix it for byte-identical output from identical input (a build script's output, say).
    pub seed: Option<u64>,
}

impl Options {
    /// Options with a fixed seed.
    pub fn with_seed(seed: u64) -> Options {
        Options { seed: Some(seed) }
    }
}

/// A map laid out in memory, ready to be written.
struct Prepared<KS, VS> {
    header: RawHeader,
    buckets: Vec<BucketHeader>,
    entries: Vec<(KS, VS)>,
    arena: Vec<u8>,
}

/// The bytes of a key slot made by this build (its spans lie in `arena`).
fn key_bytes<'x, K: Item + ?Sized>(slot: &'x K::Slot, arena: &'x [u8]) -> &'x [u8] {
    K::slot_bytes(slot, arena).unwrap_or(&[])
}

fn random_seed() -> u64 {
    std::hash::RandomState::new().build_hasher().finish()
}

fn prepare<K, V, Q, R>(
    input: impl IntoIterator<Item = (Q, R)>,
    options: &Options,
) -> Result<Prepared<K::Slot, V::Slot>, Error>
where
    K: Item + ?Sized,
    V: Item + ?Sized,
    Q: Borrow<K>,
    R: Borrow<V>,
{
    let seed = options.seed.unwrap_or_else(random_seed);
    let input = input.into_iter();
    // One pass over the input: the slots, and the arena of str/[u8] bytes.
    let mut arena = Vec::new();
    let mut slots: Vec<(K::Slot, V::Slot)> = Vec::with_capacity(input.size_hint().0);
    for (k, v) in input {
        let ks = k.borrow().store(&mut arena)?;
        let vs = v.borrow().store(&mut arena)?;
        slots.push((ks, vs));
    }
    arena.shrink_to_fit();
    let len = slots.len();
    if len > u32::MAX as usize {
        return Err(Error::TooLarge("more than 2^32 - 1 entries"));
    }
    let log2 = format::log2_buckets_for(len as u64);
    let main = 1usize << log2;
    let mask = main as u64 - 1;
    let key_hash = |ks: &K::Slot| format::key_hash(key_bytes::<K>(ks, &arena), seed);

    // Count each chain's entries, then give each chain its run of the entry array.
    let mut start = vec![0u32; main + 1];
    for (ks, _) in &slots {
        start[(key_hash(ks).bits & mask) as usize + 1] += 1;
    }
    let mut overflow = 0usize;
    let mut max_chain = 1usize;
    for b in 0..main {
        let chain = (start[b + 1] as usize).div_ceil(SLOTS).max(1);
        overflow += chain - 1;
        max_chain = max_chain.max(chain);
        start[b + 1] += start[b];
    }
    if main + overflow > u32::MAX as usize {
        return Err(Error::TooLarge("more than 2^32 - 1 buckets"));
    }
    // Place every entry in its chain's run (a counting sort by bucket), then drop the input.
    let zero = || (K::Slot::new_zeroed(), V::Slot::new_zeroed());
    let mut entries: Vec<(K::Slot, V::Slot)> = Vec::new();
    entries.resize_with(len, zero);
    {
        let mut cursor = start.clone();
        for slot in slots.drain(..) {
            let b = (key_hash(&slot.0).bits & mask) as usize;
            entries[cursor[b] as usize] = slot;
            cursor[b] += 1;
        }
    }
    drop(slots);

    // Each chain's keys in increasing byte order: duplicates become neighbours.
    let mut buckets = vec![BucketHeader::default(); main + overflow];
    let mut next_overflow = main;
    for b in 0..main {
        let run = &mut entries[start[b] as usize..start[b + 1] as usize];
        let arena = &arena;
        run.sort_unstable_by(|x, y| key_bytes::<K>(&x.0, arena).cmp(key_bytes::<K>(&y.0, arena)));
        if let Some(w) = run
            .windows(2)
            .find(|w| key_bytes::<K>(&w[0].0, arena) == key_bytes::<K>(&w[1].0, arena))
        {
            return Err(Error::DuplicateKey(key_bytes::<K>(&w[0].0, arena).into()));
        }
        // The chain: the head, then overflow buckets taken in order.
        let mut at = b;
        for (i, chunk) in run.chunks(SLOTS).enumerate() {
            if i > 0 {
                buckets[at].overflow = U32::new(next_overflow as u32);
                at = next_overflow;
                next_overflow += 1;
            }
            let bucket = &mut buckets[at];
            bucket.first = U32::new(start[b] + (i * SLOTS) as u32);
            for (j, (ks, _)) in chunk.iter().enumerate() {
                bucket.tophash[j] = key_hash(ks).tag;
            }
        }
        if run.is_empty() {
            buckets[b].first = U32::new(start[b]);
        }
    }
    debug_assert_eq!(next_overflow, main + overflow);

    let layout = Layout::of::<K, V>();
    let buckets_len = (buckets.len() * core::mem::size_of::<BucketHeader>()) as u64;
    let entries_len = len as u64 * layout.pair_size as u64;
    let [b_off, e_off, a_off, file_len] =
        format::sections(buckets_len, entries_len, arena.len() as u64)
            .ok_or(Error::TooLarge("file length"))?;
    let header = RawHeader {
        magic: format::MAGIC,
        version: U32::new(format::VERSION),
        endian: format::ENDIAN_MARK.to_ne_bytes(),
        header_len: U32::new(format::HEADER_LEN as u32),
        hash_id: U32::new(format::HASH_MUL8_XXH3),
        seed: U64::new(seed),
        key_kind: layout.key_kind,
        value_kind: layout.value_kind,
        log2_buckets: log2,
        reserved: 0,
        key_size: U32::new(layout.key_size),
        key_align: U32::new(layout.key_align),
        value_size: U32::new(layout.value_size),
        value_align: U32::new(layout.value_align),
        pair_size: U32::new(layout.pair_size),
        value_offset: U32::new(layout.value_offset),
        max_chain: U32::new(max_chain as u32),
        len: U64::new(len as u64),
        overflow_buckets: U64::new(overflow as u64),
        buckets_off: U64::new(b_off),
        buckets_len: U64::new(buckets_len),
        entries_off: U64::new(e_off),
        entries_len: U64::new(entries_len),
        arena_off: U64::new(a_off),
        arena_len: U64::new(arena.len() as u64),
        file_len: U64::new(file_len),
        body_checksum: U64::new(0),
        header_checksum: U64::new(0),
    };
    let mut prepared = Prepared {
        header,
        buckets,
        entries,
        arena,
    };
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    prepared.emit_body(&layout, |b| {
        hasher.update(b);
        Ok(())
    })?;
    prepared.header.body_checksum = U64::new(hasher.digest());
    prepared.header.header_checksum = U64::new(prepared.header.checksum());
    Ok(prepared)
}

impl<KS: IntoBytes + zerocopy::Immutable, VS: IntoBytes + zerocopy::Immutable> Prepared<KS, VS> {
    fn file_len(&self) -> u64 {
        self.header.file_len.get()
    }

    /// Hands every byte after the header to `out`, in order, in chunks.
    fn emit_body(
        &self,
        layout: &Layout,
        mut out: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        const ZEROS: [u8; 64] = [0; 64];
        let h = &self.header;
        let mut at = format::HEADER_LEN as u64;
        let pad_to = |at: &mut u64, to: u64, out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>| {
            let n = (to - *at) as usize;
            *at = to;
            out(&ZEROS[..n])
        };
        pad_to(&mut at, h.buckets_off.get(), &mut out)?;
        out(self.buckets.as_bytes())?;
        at += h.buckets_len.get();
        pad_to(&mut at, h.entries_off.get(), &mut out)?;
        let pair = layout.pair_size as usize;
        let voff = layout.value_offset as usize;
        let mut chunk = vec![0u8; pair * 4096];
        for group in self.entries.chunks(4096) {
            let buf = &mut chunk[..group.len() * pair];
            buf.fill(0);
            for (dst, (ks, vs)) in buf.chunks_exact_mut(pair).zip(group) {
                let (k, v) = (ks.as_bytes(), vs.as_bytes());
                dst[..k.len()].copy_from_slice(k);
                dst[voff..voff + v.len()].copy_from_slice(v);
            }
            out(buf)?;
        }
        at += h.entries_len.get();
        pad_to(&mut at, h.arena_off.get(), &mut out)?;
        out(&self.arena)
    }
}

impl<K: Item + ?Sized, V: Item + ?Sized> FrozenMap<'_, K, V> {
    /// Builds a frozen map from `(key, value)` pairs into an aligned buffer, ready for
    /// [`from_bytes`](Self::from_bytes) or to be written out. Keys and values may be given
    /// owned or borrowed (`String` or `&str` for a `str` key, `u64` or `&u64` for a `u64`).
    /// O(n) (plus sorting each chain, O(8 log 8) expected per chain); peak memory about
    /// twice the output. The seed is random: see [`build_with`](Self::build_with).
    ///
    /// ```
    /// use gomap::frozen::FrozenMap;
    /// let bytes = FrozenMap::<str, [u8]>::build([("k", b"v".as_slice())])?;
    /// let map = FrozenMap::<str, [u8]>::from_bytes(&bytes)?;
    /// assert_eq!(map.get("k"), Some(b"v".as_slice()));
    /// # Ok::<(), gomap::frozen::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::DuplicateKey`] when a key comes twice; [`Error::TooLarge`] past the format's
    /// limits (2^32 - 1 entries or buckets, a 4 GiB arena).
    pub fn build<Q: Borrow<K>, R: Borrow<V>>(
        input: impl IntoIterator<Item = (Q, R)>,
    ) -> Result<AlignedBytes, Error> {
        Self::build_with(input, &Options::default())
    }

    /// [`build`](Self::build) with [`Options`] (a fixed seed for reproducible output).
    ///
    /// # Errors
    /// As [`build`](Self::build).
    pub fn build_with<Q: Borrow<K>, R: Borrow<V>>(
        input: impl IntoIterator<Item = (Q, R)>,
        options: &Options,
    ) -> Result<AlignedBytes, Error> {
        let p = prepare::<K, V, Q, R>(input, options)?;
        let mut out = AlignedBytes::zeroed(p.file_len() as usize);
        let mut w: &mut [u8] = &mut out;
        p.write_all(&mut w, &Layout::of::<K, V>())?;
        Ok(out)
    }

    /// Builds a frozen map from `(key, value)` pairs and writes it to `out`; returns the bytes
    /// written. As [`build_with`](Self::build_with), without holding the output in memory
    /// twice. Wrap a file in a `BufWriter`.
    ///
    /// # Errors
    /// As [`build`](Self::build), and [`Error::Io`] when writing fails.
    pub fn write<Q: Borrow<K>, R: Borrow<V>>(
        input: impl IntoIterator<Item = (Q, R)>,
        options: &Options,
        mut out: impl Write,
    ) -> Result<u64, Error> {
        let p = prepare::<K, V, Q, R>(input, options)?;
        p.write_all(&mut out, &Layout::of::<K, V>())?;
        out.flush()?;
        Ok(p.file_len())
    }
}

impl<KS: IntoBytes + zerocopy::Immutable, VS: IntoBytes + zerocopy::Immutable> Prepared<KS, VS> {
    fn write_all(&self, out: &mut impl Write, layout: &Layout) -> Result<(), Error> {
        out.write_all(self.header.as_bytes())?;
        self.emit_body(layout, |b| out.write_all(b))?;
        Ok(())
    }
}

impl<K, V, S> HashMap<K, V, S> {
    /// Writes the map as a frozen map (see [`gomap::frozen`](crate::frozen)) to `out`, with
    /// keys stored as `KF` and values as `VF` (for a `HashMap<String, u64>`, `str` and
    /// `u64`); returns the bytes written. O(n); memory about twice the output. Needs the
    /// `frozen` feature.
    ///
    /// ```
    /// use gomap::frozen::{FrozenMap, Options};
    /// let map: gomap::HashMap<String, u64> = [("a".to_string(), 1), ("b".to_string(), 2)].into();
    /// let mut file = Vec::new();
    /// map.freeze::<str, u64>(&Options::default(), &mut file)?;
    /// let bytes = gomap::frozen::AlignedBytes::copy_from(&file);
    /// let frozen = FrozenMap::<str, u64>::from_bytes(&bytes)?;
    /// assert_eq!(frozen.get("b"), Some(&2));
    /// # Ok::<(), gomap::frozen::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`] when writing fails; [`Error::TooLarge`] past the format's limits;
    /// [`Error::DuplicateKey`] only if two keys that differ by `K`'s `Eq` borrow as the same
    /// `KF` bytes (which `Borrow`'s contract rules out).
    #[cfg_attr(docsrs, doc(cfg(feature = "frozen")))]
    pub fn freeze<KF, VF>(&self, options: &Options, out: impl Write) -> Result<u64, Error>
    where
        KF: Item + ?Sized,
        VF: Item + ?Sized,
        K: Borrow<KF>,
        V: Borrow<VF>,
    {
        FrozenMap::<KF, VF>::write(
            self.iter().map(|(k, v)| (k.borrow(), v.borrow())),
            options,
            out,
        )
    }

    /// [`freeze`](Self::freeze) into an [`AlignedBytes`], ready for
    /// [`FrozenMap::from_bytes`]. Needs the `frozen` feature.
    ///
    /// # Errors
    /// As [`freeze`](Self::freeze).
    #[cfg_attr(docsrs, doc(cfg(feature = "frozen")))]
    pub fn freeze_to_bytes<KF, VF>(&self, options: &Options) -> Result<AlignedBytes, Error>
    where
        KF: Item + ?Sized,
        VF: Item + ?Sized,
        K: Borrow<KF>,
        V: Borrow<VF>,
    {
        FrozenMap::<KF, VF>::build_with(self.iter().map(|(k, v)| (k.borrow(), v.borrow())), options)
    }
}
