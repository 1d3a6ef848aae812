//! The hot/cold layout as users see it: a small map header, batched lookups that answer exactly
//! what single lookups answer (in cache, out of cache, mid-grow), and spare overflow blocks that
//! show up in `stats()`.

mod common;

use common::{scaled, Rng};
use gomap::HashMap;

#[test]
fn the_map_header_is_at_most_64_bytes() {
    // std's is 48; the growth state lives out of line while a grow runs.
    assert!(std::mem::size_of::<HashMap<u64, u64>>() <= 64);
    assert!(std::mem::size_of::<HashMap<String, Vec<u8>>>() <= 64);
    assert!(std::mem::size_of::<gomap::HashSet<u64>>() <= 64);
}

/// `get_many` and `contains_many` against `get` and `contains_key`, key by key, for hits and
/// misses mixed in random order.
fn check_batches(map: &HashMap<u64, u64>, rng: &mut Rng, n: u64) {
    let keys: Vec<u64> = (0..scaled(3000) as u64)
        .map(|_| rng.next_u64() % (2 * n + 1))
        .collect();
    let batched: Vec<Option<&u64>> = map.get_many(&keys).collect();
    let single: Vec<Option<&u64>> = keys.iter().map(|k| map.get(k)).collect();
    assert_eq!(batched, single);
    let contains: Vec<bool> = map.contains_many(keys.iter()).collect();
    assert_eq!(
        contains,
        single.iter().map(Option::is_some).collect::<Vec<_>>()
    );
    assert_eq!(map.get_many(&keys).len(), keys.len());
}

#[test]
fn batched_lookups_agree_with_single_lookups_in_every_state() {
    let mut rng = Rng::new(7);
    // 1K fits in cache (plain lookups); 200K is pipelined.
    for n in [0u64, 1, 1000, scaled(200_000) as u64] {
        let mut map: HashMap<u64, u64> = HashMap::new();
        for k in 0..n {
            map.insert(2 * k, k);
            if k % 997 == 0 && map.stats().growing {
                check_batches(&map, &mut rng, n); // mid-grow: some chains still old
            }
        }
        check_batches(&map, &mut rng, n);
        map.shrink_to(0); // queue a shrink; lookups read both arrays again after a write
        map.insert(1, 1);
        check_batches(&map, &mut rng, n);
    }
}

#[test]
fn batched_lookups_take_borrowed_forms_of_the_key() {
    let map: HashMap<String, usize> = (0..100).map(|i| (i.to_string(), i)).collect();
    let found: Vec<Option<&usize>> = map.get_many(["7", "x", "99"]).collect();
    assert_eq!(found, [Some(&7), None, Some(&99)]);
}

#[test]
fn reserved_maps_count_their_spare_overflow_memory() {
    let map: HashMap<u64, u64> = HashMap::with_capacity(100_000);
    let s = map.stats();
    // The array plus spares for the reserved load: more than the bucket array alone.
    assert!(s.heap_bytes > s.buckets * (16 + 128), "{s}");
    assert_eq!(s.overflow_buckets, 0);
}
