//! The default hasher, and how a map reseeds it.
//!
//! gomap hashes with [`foldhash`]'s `fast::RandomState` by default: a fast, high-quality
//! hash (a folded 64x64->128-bit multiply) keyed by a random seed that differs per map. Like
//! hashbrown's default, it is **not** cryptographically strong: it makes HashDoS (an attacker
//! choosing keys that collide) impractical for an attacker who cannot see hash values or timing
//! across many maps, but it makes no formal promise. Where keys come from an adversary who can
//! probe timing at leisure, use std's SipHash-1-3 instead:
//!
//! ```
//! use std::collections::hash_map::RandomState;
//! let mut map: gomap::HashMap<String, u32, RandomState> = gomap::HashMap::default();
//! map.insert("key".to_string(), 1);
//! assert_eq!(map["key"], 1);
//! ```
//!
//! **Reseeding.** Go picks a new hash seed whenever a map becomes empty, so that an attacker who
//! learned something about one seed cannot reuse it after the map is emptied and refilled. A
//! gomap map does the same for a hasher it built itself (through `new`, `with_capacity`,
//! `default`, `from_iter`, `from`): when the first key goes into a map that was emptied (by
//! removals, `clear`, `drain`, `retain` or `extract_if`), the map replaces its hasher with a fresh
//! `S::default()`. A hasher the user handed in (`with_hasher`, `with_capacity_and_hasher`) is
//! never replaced, so [`HashMap::hasher`](crate::HashMap::hasher) returns what was given.

/// The hasher a map uses unless told otherwise: foldhash's per-map randomly seeded fast hasher.
pub type DefaultHashBuilder = foldhash::fast::RandomState;

/// How a map renews its hasher when it is emptied: `None` for a user's hasher.
pub(crate) type Reseed<S> = Option<fn(&mut S)>;

/// The reseed of a hasher the map built with `S::default()`.
pub(crate) fn reseed_default<S: Default>() -> Reseed<S> {
    Some(|s: &mut S| *s = S::default())
}
