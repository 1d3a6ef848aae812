//! The aarch64 backend: NEON on the 64-bit `uint8x8_t` (little-endian only, so byte `i` of the
//! vector is slot `i`). Each compare yields 0xff per matching byte; masking with 0x80 per byte
//! gives [`SlotMask<8>`](super::SlotMask)'s one-marker-bit-per-byte form, which is also SWAR's,
//! so the two share every mask operation. All answers are exact.
//!
//! This file is compiled only on aarch64; this project's machines are x86_64, so it is checked by
//! the same exhaustive tests only where an aarch64 machine runs them.

use core::arch::aarch64::{uint8x8_t, vcreate_u8};
use core::arch::aarch64::{vceq_u8, vcge_u8, vdup_n_u8, vget_lane_u64, vreinterpret_u64_u8};

use super::SlotMask;
use crate::bucket::MIN_TOPHASH;

type Mask = SlotMask<8>;

const MARKERS: u64 = 0x8080_8080_8080_8080;

#[inline(always)]
fn load(word: u64) -> uint8x8_t {
    // SAFETY: NEON is part of the aarch64 baseline; the intrinsic reads only its argument.
    unsafe { vcreate_u8(word) }
}

#[inline(always)]
fn to_word(v: uint8x8_t) -> u64 {
    // SAFETY: as in `load`.
    unsafe { vget_lane_u64::<0>(vreinterpret_u64_u8(v)) }
}

/// Slots whose tag equals `tag`; exact.
#[inline(always)]
pub(crate) fn match_tag(word: u64, tag: u8) -> Mask {
    // SAFETY: as in `load`.
    SlotMask(to_word(unsafe { vceq_u8(load(word), vdup_n_u8(tag)) }) & MARKERS)
}

/// Slots holding an entry (tag >= `MIN_TOPHASH`); exact.
#[inline(always)]
pub(crate) fn match_live(word: u64) -> Mask {
    // SAFETY: as in `load`.
    SlotMask(to_word(unsafe { vcge_u8(load(word), vdup_n_u8(MIN_TOPHASH)) }) & MARKERS)
}

/// Slots that are empty in a bucket without evacuation marks; exact there.
#[inline(always)]
pub(crate) fn match_empty(word: u64) -> Mask {
    SlotMask(!match_live(word).0 & MARKERS)
}

/// Whether some slot is `EMPTY_REST` (0); exact.
#[inline(always)]
pub(crate) fn has_empty_rest(word: u64) -> bool {
    // SAFETY: as in `load`.
    to_word(unsafe { vceq_u8(load(word), vdup_n_u8(0)) }) != 0
}
