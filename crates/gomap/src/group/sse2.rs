//! The x86_64 backend: SSE2, part of the x86_64 baseline (no runtime detection needed).
//!
//! The tag word goes into the low half of an XMM register, one instruction (`movq`) from the
//! general register it was loaded into. Each question is one or two byte-wise compares and a
//! `pmovmskb`, which gathers one bit per byte: [`SlotMask<1>`](super::SlotMask), bit `i` for
//! slot `i`. Every answer is exact (no false positives, unlike SWAR's tag match).

use core::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_cvtsi64_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_set1_epi8,
    _mm_setzero_si128,
};

/// One in every byte.
const LSB: u64 = 0x0101_0101_0101_0101;

use super::SlotMask;
use crate::bucket::MIN_TOPHASH;

type Mask = SlotMask<1>;

/// The word's eight bytes in the low half of a vector (the high half is zero and ignored:
/// every mask is cut to its low 8 bits).
#[inline(always)]
fn load(word: u64) -> __m128i {
    // SAFETY: SSE2 is part of the x86_64 baseline; the intrinsic reads only its argument.
    unsafe { _mm_cvtsi64_si128(word as i64) }
}

/// The low 8 bits of a byte mask: one per slot.
#[inline(always)]
fn bits(v: __m128i) -> u64 {
    // SAFETY: as in `load`.
    (unsafe { _mm_movemask_epi8(v) } as u32 & 0xff) as u64
}

/// Slots whose tag equals `tag`; exact.
#[inline(always)]
pub(crate) fn match_tag(word: u64, tag: u8) -> Mask {
    // The tag broadcast with one multiply in a general register and one `movq` (SSE2's
    // `_mm_set1_epi8` takes four shuffles).
    let tags = load(LSB.wrapping_mul(tag as u64));
    // SAFETY: as in `load`.
    SlotMask(bits(unsafe { _mm_cmpeq_epi8(load(word), tags) }))
}

/// Slots holding an entry (tag >= `MIN_TOPHASH`, unsigned); exact.
#[inline(always)]
pub(crate) fn match_live(word: u64) -> Mask {
    let v = load(word);
    // max(b, 5) == b exactly when b >= 5.
    // SAFETY: as in `load`.
    SlotMask(bits(unsafe {
        _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(MIN_TOPHASH as i8)), v)
    }))
}

/// Slots that are empty in a bucket without evacuation marks; exact there.
#[inline(always)]
pub(crate) fn match_empty(word: u64) -> Mask {
    SlotMask(!match_live(word).0 & 0xff)
}

/// Whether some slot is `EMPTY_REST` (0); exact.
#[inline(always)]
pub(crate) fn has_empty_rest(word: u64) -> bool {
    // SAFETY: as in `load`.
    bits(unsafe { _mm_cmpeq_epi8(load(word), _mm_setzero_si128()) }) != 0
}
