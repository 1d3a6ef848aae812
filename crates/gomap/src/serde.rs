//! Serde support (feature `serde`).
