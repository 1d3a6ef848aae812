//! Criterion benches of gomap against hashbrown and std (placeholder while being written).

fn main() {}
