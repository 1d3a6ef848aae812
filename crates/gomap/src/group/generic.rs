//! The portable backend: SWAR (SIMD within a register) on the tag word.

use super::SlotMask;

/// Marker bits at `8 * i + 7`.
type Mask = SlotMask<8>;
use crate::bucket::MIN_TOPHASH;

const LSB: u64 = 0x0101_0101_0101_0101;
const MSB: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// Bytes equal to zero, with a possible false positive above a true zero (the borrow of the
/// subtraction); the lowest reported byte is always a true zero.
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LSB) & !x & MSB
}

/// Slots whose tag may equal `tag`; false positives only above a true match.
#[inline(always)]
pub(crate) fn match_tag(word: u64, tag: u8) -> Mask {
    SlotMask(zero_bytes(word ^ LSB.wrapping_mul(tag as u64)))
}

/// Slots holding an entry (tag >= `MIN_TOPHASH`); exact.
#[inline(always)]
pub(crate) fn match_live(word: u64) -> Mask {
    // For a byte b: its high bit, or ((b & 0x7f) + 0x7b) overflowing into bit 7 when b & 0x7f >= 5.
    // The addition never carries into the next byte (0x7f + 0x7b < 0x100).
    const ADD: u64 = LSB * (0x80 - MIN_TOPHASH as u64);
    SlotMask((word | ((word & LOW7) + ADD)) & MSB)
}

/// Slots that are empty in a bucket without evacuation marks; exact there.
#[inline(always)]
pub(crate) fn match_empty(word: u64) -> Mask {
    SlotMask(!match_live(word).0 & MSB)
}

/// Whether some slot is `EMPTY_REST` (0); exact (a false positive needs a true zero below it).
#[inline(always)]
pub(crate) fn has_empty_rest(word: u64) -> bool {
    zero_bytes(word) != 0
}
