//! [`FrozenMap::verify`]: the O(n) check of everything `from_bytes` does not look at.

use super::format::{self, RawHeader, SLOTS};
use super::{Error, FrozenMap, Item};

impl<K: Item + ?Sized, V: Item + ?Sized> FrozenMap<'_, K, V> {
    /// Checks the whole map in **O(n)**: the body checksum; every chain's shape (its entry count
    /// from the heads' `first` indices, each bucket's `first` and live slots following from it,
    /// 0 in every tag past them, an overflow exactly when the chain goes on, overflow buckets
    /// used once each in order, so no cycles, the longest chain as the header says); every key and value decodable (spans inside the arena,
    /// `str` valid UTF-8); every key re-hashed into its own chain with its own tag; the keys of
    /// each chain in strictly increasing byte order (so no key twice). After it succeeds,
    /// [`get`](Self::get) finds exactly the entries [`iter`](Self::iter) yields, and for an
    /// unchanging buffer it keeps doing so.
    ///
    /// # Errors
    /// [`Error::BodyChecksum`] or [`Error::Corrupt`] (what and where).
    pub fn verify(&self) -> Result<(), Error> {
        let h = format::check_header(self.bytes)?;
        let body = &self.bytes[format::HEADER_LEN..];
        if xxhash_rust::xxh3::xxh3_64(body) != h.body_checksum.get() {
            return Err(Error::BodyChecksum);
        }
        self.verify_structure(&h)
    }

    /// Everything but the checksum: what makes lookups right.
    fn verify_structure(&self, h: &RawHeader) -> Result<(), Error> {
        let corrupt = |what, at: usize| Error::Corrupt {
            what,
            at: at as u64,
        };
        let main = self.mask as usize + 1;
        let seed = h.seed.get();
        let len = self.entries.len();
        let head_first = |b: usize| -> Result<usize, Error> {
            if b == main {
                return Ok(len);
            }
            let bucket = self.buckets.get(b).ok_or(corrupt("bucket index", b))?;
            Ok(bucket.first.get() as usize)
        };
        let mut next_overflow = main;
        let mut longest = 0usize;
        let mut start = head_first(0)?;
        if start != 0 {
            return Err(corrupt("bucket's first entry index", 0));
        }
        for b in 0..main {
            // The chain's entries: from its head's `first` to the next head's.
            let end = head_first(b + 1)?;
            if end < start || end > len {
                return Err(corrupt("bucket's first entry index", b + 1));
            }
            let count = end - start;
            let mut at = b;
            let mut chain_len = 0usize;
            let mut prev_key: Option<&[u8]> = None;
            loop {
                chain_len += 1;
                if chain_len > self.info.max_chain as usize {
                    return Err(corrupt("chain longer than the header's longest", b));
                }
                let bucket = self.buckets.get(at).ok_or(corrupt("bucket index", at))?;
                let done = (chain_len - 1) * SLOTS;
                if bucket.first.get() as usize != start + done {
                    return Err(corrupt("bucket's first entry index", at));
                }
                let live = (count - done).min(SLOTS);
                if bucket.tophash[live..].iter().any(|&t| t != 0) {
                    return Err(corrupt("tag in an empty slot", at));
                }
                for (j, &tag) in bucket.tophash[..live].iter().enumerate() {
                    let idx = start + done + j;
                    let pair = self.entries.get(idx).ok_or(corrupt("entry index", idx))?;
                    let key = K::slot_bytes(&pair.key, self.arena)
                        .ok_or(corrupt("key span outside the arena", idx))?;
                    if K::from_slot(&pair.key, self.arena).is_none() {
                        return Err(corrupt("key not valid UTF-8", idx));
                    }
                    if V::from_slot(&pair.value, self.arena).is_none() {
                        return Err(corrupt("value span outside the arena or not UTF-8", idx));
                    }
                    let hash = format::key_hash(key, seed);
                    if (hash.bits & self.mask) as usize != b {
                        return Err(corrupt("key in another key's chain", idx));
                    }
                    if hash.tag != tag {
                        return Err(corrupt("tag does not match the key's hash", idx));
                    }
                    if prev_key.is_some_and(|p| p >= key) {
                        return Err(corrupt("keys of a chain not in increasing order", idx));
                    }
                    prev_key = Some(key);
                }
                let next = bucket.overflow.get() as usize;
                let more = count > done + SLOTS;
                if !more {
                    if next != 0 {
                        return Err(corrupt("overflow from a bucket that is not full", at));
                    }
                    break;
                }
                if next == 0 {
                    return Err(corrupt("a full chain without its overflow bucket", at));
                }
                if next != next_overflow {
                    return Err(corrupt("overflow bucket out of order or reused", at));
                }
                next_overflow += 1;
                at = next;
            }
            longest = longest.max(chain_len);
            start = end;
        }
        if next_overflow != self.buckets.len() {
            return Err(corrupt("overflow buckets not in any chain", next_overflow));
        }
        if longest != self.info.max_chain as usize {
            return Err(corrupt("longest chain differs from the header", longest));
        }
        Ok(())
    }
}
