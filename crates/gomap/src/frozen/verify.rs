//! [`FrozenMap::verify`]: the O(n) check of everything `from_bytes` does not look at.

use super::format::{self, RawHeader, SLOTS};
use super::{Error, FrozenMap, Item};

impl<K: Item + ?Sized, V: Item + ?Sized> FrozenMap<'_, K, V> {
    /// Checks the whole map in **O(n)**: the body checksum; every chain's shape (tags filled from
    /// slot 0 then `EMPTY_REST`, no other marks, overflow only from a full bucket, overflow
    /// buckets used once each in order, so no cycles, the longest chain as the header says);
    /// every entry's `first` index; every key and value decodable (spans inside the arena,
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
        let mut next_entry = 0usize;
        let mut next_overflow = main;
        let mut longest = 0usize;
        for b in 0..main {
            let mut at = b;
            let mut chain_len = 0usize;
            let mut prev_key: Option<&[u8]> = None;
            loop {
                chain_len += 1;
                if chain_len > self.info.max_chain as usize {
                    return Err(corrupt("chain longer than the header's longest", b));
                }
                let bucket = self.buckets.get(at).ok_or(corrupt("bucket index", at))?;
                if bucket.first.get() as usize != next_entry {
                    return Err(corrupt("bucket's first entry index", at));
                }
                let live = bucket.tophash.iter().take_while(|&&t| t != 0).count();
                if bucket.tophash[live..].iter().any(|&t| t != 0) {
                    return Err(corrupt("live tag after EMPTY_REST", at));
                }
                if at >= main && live == 0 {
                    return Err(corrupt("empty overflow bucket", at));
                }
                for (j, &tag) in bucket.tophash[..live].iter().enumerate() {
                    let idx = next_entry + j;
                    if tag < format::MIN_TOPHASH {
                        return Err(corrupt("tag 1..=4 (a mark no frozen map holds)", at));
                    }
                    let pair = self.entries.get(idx).ok_or(corrupt("entry index", idx))?;
                    let key = K::slot_bytes(&pair.key, self.arena)
                        .ok_or(corrupt("key span outside the arena", idx))?;
                    if K::from_slot(&pair.key, self.arena).is_none() {
                        return Err(corrupt("key not valid UTF-8", idx));
                    }
                    if V::from_slot(&pair.value, self.arena).is_none() {
                        return Err(corrupt("value span outside the arena or not UTF-8", idx));
                    }
                    let hash = format::hash(key, seed);
                    if (hash & self.mask) as usize != b {
                        return Err(corrupt("key in another key's chain", idx));
                    }
                    if format::tophash(hash) != tag {
                        return Err(corrupt("tag does not match the key's hash", idx));
                    }
                    if prev_key.is_some_and(|p| p >= key) {
                        return Err(corrupt("keys of a chain not in increasing order", idx));
                    }
                    prev_key = Some(key);
                }
                next_entry += live;
                let next = bucket.overflow.get() as usize;
                if next == 0 {
                    break;
                }
                if live != SLOTS {
                    return Err(corrupt("overflow from a bucket that is not full", at));
                }
                if next != next_overflow {
                    return Err(corrupt("overflow bucket out of order or reused", at));
                }
                next_overflow += 1;
                at = next;
            }
            longest = longest.max(chain_len);
        }
        if next_entry != self.entries.len() {
            return Err(corrupt("entries not covered by the chains", next_entry));
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
