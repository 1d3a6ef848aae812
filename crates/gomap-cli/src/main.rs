//! The `gomap` command.

fn main() {
    let mut map = gomap::HashMap::new();
    for i in 0..1_000_000u64 {
        map.insert(i, i);
    }
    println!("{}", map.stats());
}
