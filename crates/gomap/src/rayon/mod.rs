//! Parallel iterators (feature `rayon`).
