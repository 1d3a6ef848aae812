//! Benchmark keys: splitmix64 from fixed seeds, exactly as `anchors/go` makes them, so
//! gomap, hashbrown, std and Go's map are measured on the same keys.

/// Seed of the key stream: the first N outputs are the present keys, the next N the absent ones.
pub(crate) const SEED_KEYS: u64 = 0x0123_4567_89AB_CDEF;
/// Seed of the Fisher-Yates shuffle of the lookup order.
pub(crate) const SEED_SHUFFLE: u64 = 0xDEAD_BEEF_CAFE_F00D;

/// One step of splitmix64.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `n` present keys and the `n` absent keys (the next `n` outputs of the same stream).
pub(crate) fn gen_keys(n: usize) -> (Vec<u64>, Vec<u64>) {
    let mut s = SEED_KEYS;
    let hit = (0..n).map(|_| splitmix64(&mut s)).collect();
    let miss = (0..n).map(|_| splitmix64(&mut s)).collect();
    (hit, miss)
}

/// A shuffled copy: Fisher-Yates driven by splitmix64 from [`SEED_SHUFFLE`], `j = r % (i + 1)`.
pub(crate) fn shuffled<T: Clone>(v: &[T]) -> Vec<T> {
    let mut out = v.to_vec();
    let mut s = SEED_SHUFFLE;
    for i in (1..out.len()).rev() {
        let j = (splitmix64(&mut s) % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

/// The 16-character lowercase hex form of a key (the String workloads' keys).
pub(crate) fn hex16(k: u64) -> String {
    format!("{k:016x}")
}

/// The checksum Go's anchor prints in its `CHECK` lines, to prove both sides used the same keys.
pub(crate) fn key_checksum(keys: &[u64]) -> u64 {
    keys.iter().fold(0u64, |a, &k| a.rotate_left(5) ^ k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_splitmix64_from_the_shared_seed() {
        // The reference splitmix64 stream from seed 0: 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4.
        let mut s = 0;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(&mut s), 0x6e78_9e6a_a1b9_65f4);
        let (hit, miss) = gen_keys(3);
        assert_eq!(hit.len(), 3);
        assert_eq!(miss.len(), 3);
        assert!(hit.iter().all(|k| !miss.contains(k)));
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let v: Vec<u64> = (0..100).collect();
        let mut s = shuffled(&v);
        assert_ne!(s, v);
        s.sort();
        assert_eq!(s, v);
    }

    #[test]
    fn hex16_is_sixteen_lowercase_digits() {
        assert_eq!(hex16(0xAB), "00000000000000ab");
        assert_eq!(hex16(u64::MAX).len(), 16);
    }
}
