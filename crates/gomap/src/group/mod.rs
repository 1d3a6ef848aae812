//! Tag matching: the eight tophash bytes of a bucket compared at once.
//!
//! A bucket's tags are one little-endian `u64` (byte `i` is slot `i`). Every backend answers the
//! same four questions about such a word, as a [`SlotMask`]:
//!
//! | function | answers | exact? |
//! |---|---|---|
//! | [`match_tag`] | which slots may hold `tag` | SSE2/NEON exact; SWAR may add false positives *above a true match* |
//! | [`match_live`] | which slots hold an entry (tag >= [`MIN_TOPHASH`](crate::bucket::MIN_TOPHASH)) | exact |
//! | [`match_empty`] | which slots are empty (`EMPTY_ONE` or `EMPTY_REST`) | exact |
//! | [`has_empty_rest`] | whether some slot is `EMPTY_REST`, so the chain ends in this bucket | exact |
//!
//! A false positive of `match_tag` only costs a key comparison. It can never report a slot that
//! does not hold an entry when the searched bucket holds no marks 2..=4: a false positive needs a
//! byte equal to `tag - 1` (a borrow) below a true match, and a true match is a live slot. The
//! lookups search only current-array chains and old chains that have not moved, which hold no
//! `EVACUATED_*` marks (2..=4), so the slot it reports holds a live tag of 5..=255 or is a true
//! match: both are live. `tests` checks this on the whole tag domain.
//!
//! Backends, one file each (as hashbrown does): `sse2.rs` (x86_64), `neon.rs` (aarch64, little
//! endian), `generic.rs` (SWAR, everywhere else). All share [`SlotMask`]'s representation: a
//! 64-bit word with one marker bit per slot at `8 * i + 7`, so that `generic.rs` is also the
//! reference the others are tested against.

#[cfg_attr(
    any(
        target_arch = "x86_64",
        all(target_arch = "aarch64", target_endian = "little")
    ),
    allow(
        dead_code,
        reason = "removal and evacuation use its live mask; the rest serves the tests"
    )
)]
pub(crate) mod generic;
#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
mod neon;
#[cfg(target_arch = "x86_64")]
mod sse2;

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_endian = "little")
)))]
pub(crate) use self::generic::{has_empty_rest, match_empty, match_live, match_tag};
#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
pub(crate) use self::neon::{has_empty_rest, match_empty, match_live, match_tag};
#[cfg(target_arch = "x86_64")]
pub(crate) use self::sse2::{has_empty_rest, match_empty, match_live, match_tag};

/// Which backend this build matches tags with (for `Stats`-style reporting and tests).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const BACKEND: &str = if cfg!(target_arch = "x86_64") {
    "sse2"
} else if cfg!(all(target_arch = "aarch64", target_endian = "little")) {
    "neon"
} else {
    "swar"
};

/// The mask type of the active backend.
#[cfg(target_arch = "x86_64")]
pub(crate) type Mask = SlotMask<1>;
/// The mask type of the active backend.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) type Mask = SlotMask<8>;

/// A set of slots of one bucket, `STRIDE` bits per slot: bit `STRIDE * i` (SSE2's movemask,
/// `STRIDE = 1`) or bit `8 * i + 7` (SWAR and NEON, `STRIDE = 8`) stands for slot `i`. Every
/// operation below works on either form.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct SlotMask<const STRIDE: u32>(pub(crate) u64);

impl<const STRIDE: u32> SlotMask<STRIDE> {
    /// The empty set.
    pub(crate) const EMPTY: Self = SlotMask(0);

    /// Whether no slot is in the set.
    #[inline(always)]
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The lowest slot in the set. The set must not be empty.
    #[inline(always)]
    pub(crate) fn lowest(self) -> usize {
        (self.0.trailing_zeros() / STRIDE) as usize
    }

    /// The set without its lowest slot.
    #[inline(always)]
    pub(crate) fn remove_lowest(self) -> Self {
        SlotMask(self.0 & self.0.wrapping_sub(1))
    }

    /// The highest slot in the set. The set must not be empty.
    #[cfg_attr(not(test), allow(dead_code))]
    #[inline(always)]
    pub(crate) fn highest(self) -> usize {
        ((63 - self.0.leading_zeros()) / STRIDE) as usize
    }

    /// How many slots are in the set.
    #[inline(always)]
    pub(crate) fn count(self) -> usize {
        self.0.count_ones() as usize
    }

    /// A byte mask of the tag word covering slots `0..=highest` (0 for the empty set): what a
    /// removal keeps of a word when everything after the highest live slot becomes
    /// `EMPTY_REST`. Branch-free.
    #[inline(always)]
    pub(crate) fn bytes_through_highest(self) -> u64 {
        // For STRIDE 8 the highest marker bit is bit 7 of its byte, so shifting an all-ones
        // word right by `leading_zeros` ends exactly at that byte. For STRIDE 1, bit `h` stands
        // for byte `h`: keep 8 * (h + 1) bits. `checked_shr` maps the empty set (64 leading
        // zeros, or a shift of 64) to 0.
        if STRIDE == 8 {
            let lz = self.0.leading_zeros();
            (u64::MAX >> (lz & 63)) & ((lz != 64) as u64).wrapping_neg()
        } else {
            let lz = self.0.leading_zeros();
            // h = 63 - lz; bits kept = 8 * (64 - lz); shift = 64 - 8 * (64 - lz).
            u64::MAX
                .checked_shr(64u32.saturating_sub(8 * (64 - lz)))
                .filter(|_| lz < 64)
                .unwrap_or(0)
        }
    }
}

impl<const STRIDE: u32> Iterator for SlotMask<STRIDE> {
    type Item = usize;
    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        if self.is_empty() {
            None
        } else {
            let i = self.lowest();
            *self = self.remove_lowest();
            Some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    //! The active backend against the portable one, and both against a byte-by-byte reference,
    //! over the whole tag domain.
    use super::generic;
    use super::*;
    use crate::bucket::{EMPTY_REST, MIN_TOPHASH};

    fn reference_tag(word: u64, tag: u8) -> Vec<usize> {
        (0..8).filter(|&i| word.to_le_bytes()[i] == tag).collect()
    }

    fn slots<const S: u32>(m: SlotMask<S>) -> Vec<usize> {
        m.collect()
    }

    /// Words that put every byte value at every position, among neighbours drawn from the
    /// marks, their neighbours and random bytes.
    fn words() -> Vec<u64> {
        let fill: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 0x7f, 0x80, 0x81, 0xfe, 0xff];
        let mut out = Vec::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for b in 0..=255u8 {
            for pos in 0..8 {
                for &f in &fill {
                    let mut bytes = [f; 8];
                    bytes[pos] = b;
                    out.push(u64::from_le_bytes(bytes));
                }
                for _ in 0..4 {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let mut bytes = seed.to_le_bytes();
                    bytes[pos] = b;
                    out.push(u64::from_le_bytes(bytes));
                }
            }
        }
        out
    }

    #[test]
    fn live_empty_and_rest_are_exact_on_every_word() {
        for w in words() {
            let bytes = w.to_le_bytes();
            let live: Vec<usize> = (0..8).filter(|&i| bytes[i] >= MIN_TOPHASH).collect();
            let empty: Vec<usize> = (0..8).filter(|&i| bytes[i] < 2).collect();
            let rest = bytes.contains(&EMPTY_REST);
            assert_eq!(slots(match_live(w)), live, "{w:#018x}");
            assert_eq!(slots(generic::match_live(w)), live, "{w:#018x}");
            // Marks 2..=4 only occur in old arrays, where `match_empty` is never asked.
            if !bytes.iter().any(|b| (2..MIN_TOPHASH).contains(b)) {
                assert_eq!(slots(match_empty(w)), empty, "{w:#018x}");
                assert_eq!(slots(generic::match_empty(w)), empty, "{w:#018x}");
            }
            assert_eq!(has_empty_rest(w), rest, "{w:#018x}");
            assert_eq!(generic::has_empty_rest(w), rest, "{w:#018x}");
        }
    }

    #[test]
    fn tag_matches_find_every_true_match_and_only_live_slots() {
        for w in words() {
            let bytes = w.to_le_bytes();
            let marks_2_to_4 = bytes.iter().any(|b| (2..MIN_TOPHASH).contains(b));
            for tag in MIN_TOPHASH..=255 {
                let truth = reference_tag(w, tag);
                for (name, got) in [
                    (BACKEND, slots(match_tag(w, tag))),
                    ("swar", slots(generic::match_tag(w, tag))),
                ] {
                    for i in &truth {
                        assert!(
                            got.contains(i),
                            "{name}: {w:#018x} tag {tag} missed slot {i}"
                        );
                    }
                    if name != "swar" {
                        assert_eq!(got, truth, "{name} is exact: {w:#018x} tag {tag}");
                    }
                    // The promise the lookups rely on: on a searchable bucket (no marks
                    // 2..=4) every reported slot is live, and false positives sit above a
                    // true match.
                    if !marks_2_to_4 {
                        for &i in &got {
                            assert!(
                                bytes[i] >= MIN_TOPHASH,
                                "{name}: {w:#018x} tag {tag} slot {i}"
                            );
                            assert!(
                                truth.iter().any(|&t| t <= i),
                                "{name}: false positive below every true match"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn swar_false_positives_exist_next_to_a_borrow() {
        // tag 9 at slot 0, 8 (= tag - 1) at slot 1: the borrow out of slot 0 reports slot 1.
        let w = u64::from_le_bytes([9, 8, 0, 0, 0, 0, 0, 0]);
        assert_eq!(slots(generic::match_tag(w, 9)), [0, 1]);
        assert_eq!(
            slots(match_tag(w, 9)),
            if BACKEND == "swar" {
                vec![0, 1]
            } else {
                vec![0]
            }
        );
    }

    #[test]
    fn masks_iterate_in_slot_order() {
        let m = SlotMask::<8>(0x8000_0080_0000_8080);
        assert_eq!(slots(m), [0, 1, 4, 7]);
        assert_eq!(m.lowest(), 0);
        assert_eq!(m.highest(), 7);
        assert_eq!(m.count(), 4);
        assert!(SlotMask::<8>(0).is_empty());
        let m = SlotMask::<1>(0b1001_0011);
        assert_eq!(slots(m), [0, 1, 4, 7]);
        assert_eq!(m.highest(), 7);
    }

    #[test]
    fn bytes_through_highest_covers_exactly_the_slots_up_to_the_highest() {
        for bits in 0u64..256 {
            let wide = SlotMask::<8>(
                (0..8)
                    .filter(|i| bits >> i & 1 == 1)
                    .map(|i| 0x80u64 << (8 * i))
                    .sum(),
            );
            let narrow = SlotMask::<1>(bits);
            let expected = if bits == 0 {
                0
            } else {
                let h = 63 - bits.leading_zeros();
                u64::MAX >> (8 * (7 - h))
            };
            assert_eq!(wide.bytes_through_highest(), expected, "{bits:#b}");
            assert_eq!(narrow.bytes_through_highest(), expected, "{bits:#b}");
        }
    }
}
