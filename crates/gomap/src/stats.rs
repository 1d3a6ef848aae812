//! `Stats`: what a map looks like inside, as plain numbers.

use core::fmt;

use alloc_crate::format;
use alloc_crate::string::ToString;
use alloc_crate::vec::Vec;

use crate::table::RawTable;
use crate::table::Side;

/// A summary of a map's internal state, from [`HashMap::stats`](crate::HashMap::stats).
///
/// Computing it walks every bucket: **O(buckets)**.
///
/// ```
/// let mut map = gomap::HashMap::new();
/// for i in 0..1000u32 {
///     map.insert(i, i);
/// }
/// let stats = map.stats();
/// assert_eq!(stats.len, 1000);
/// assert!(stats.buckets >= 1000 / 8);
/// println!("{stats}");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Live entries.
    pub len: usize,
    /// Entries the map holds before its bucket array is replaced by a larger one
    /// ([`HashMap::capacity`](crate::HashMap::capacity)).
    pub capacity: usize,
    /// log2 of the current bucket count (Go's `B`).
    pub log2_buckets: u8,
    /// Buckets in the current array: `2^log2_buckets`, or 0 before the first allocation.
    pub buckets: usize,
    /// Overflow buckets chained onto buckets of either array.
    pub overflow_buckets: usize,
    /// Whether an old array is being evacuated into the current one.
    pub growing: bool,
    /// Whether the grow under way keeps the bucket count (compacting overflow chains). A grow
    /// changes the bucket count by a power of two: doubling on load, up to 64x either way for
    /// `reserve` and `shrink_to`; compare `buckets` with `old_buckets`.
    pub same_size_grow: bool,
    /// Buckets in the old array (0 when not growing).
    pub old_buckets: usize,
    /// Old chains evacuated so far (0 when not growing).
    pub evacuated: usize,
    /// Every old chain below this index has been evacuated (Go's `nevacuate`).
    pub nevacuate: usize,
    /// The log2 bucket count a queued shrink is heading for: `shrink_to` asked for more than
    /// one step (or asked during a grow), and later writes carry the steps out.
    pub queued_shrink: Option<u8>,
    /// The longest chain, in buckets (a bucket plus its overflow buckets), over both arrays.
    pub max_chain: usize,
    /// `chain_histogram[n]` counts the chains of `n` buckets (new buckets not yet initialised
    /// during a grow are not counted).
    pub chain_histogram: Vec<usize>,
    /// Bytes of heap memory the map holds: bucket arrays, overflow slabs, boxed keys/values.
    pub heap_bytes: usize,
}

impl Stats {
    /// Average entries per bucket of the current array (`len / buckets`), 0 when there are none.
    pub fn load_factor(&self) -> f64 {
        if self.buckets == 0 {
            0.0
        } else {
            self.len as f64 / self.buckets as f64
        }
    }

    pub(crate) fn of<K, V, A: allocator_api2::alloc::Allocator>(
        table: &RawTable<K, V, A>,
    ) -> Stats {
        let mut stats = Stats {
            len: table.len(),
            capacity: table.capacity(),
            log2_buckets: table.log2_buckets(),
            buckets: table.num_buckets(),
            overflow_buckets: table.noverflow(),
            heap_bytes: table.heap_bytes(),
            queued_shrink: table.queued_shrink(),
            ..Stats::default()
        };
        if let Some((old_b, nevacuate, old_overflow)) = table.growth() {
            stats.growing = true;
            stats.same_size_grow = old_b == table.log2_buckets();
            stats.old_buckets = 1 << old_b;
            stats.nevacuate = nevacuate;
            stats.overflow_buckets += old_overflow;
        }
        table.for_each_chain(|side, words| {
            let Some(words) = words else {
                // An old chain whose memory was released has been evacuated.
                stats.evacuated += 1;
                return;
            };
            let Some(&first) = words.first() else {
                return; // a new bucket not initialised yet
            };
            if side == Side::Old && crate::bucket::is_evacuated_mark(first as u8) {
                stats.evacuated += 1;
                return;
            }
            let n = words.len();
            if stats.chain_histogram.len() <= n {
                stats.chain_histogram.resize(n + 1, 0);
            }
            stats.chain_histogram[n] += 1;
            stats.max_chain = stats.max_chain.max(n);
        });
        stats
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "entries      {} (capacity {}, load {:.2} per bucket)",
            self.len,
            self.capacity,
            self.load_factor()
        )?;
        writeln!(
            f,
            "buckets      {} (B = {}), {} overflow, longest chain {}",
            self.buckets, self.log2_buckets, self.overflow_buckets, self.max_chain
        )?;
        if self.growing {
            let kind = if self.same_size_grow {
                "same-size grow".to_string()
            } else if self.buckets == 2 * self.old_buckets {
                "doubling grow".to_string()
            } else if self.buckets > self.old_buckets {
                format!("grow x{}", self.buckets / self.old_buckets.max(1))
            } else {
                format!("shrink /{}", self.old_buckets / self.buckets.max(1))
            };
            writeln!(
                f,
                "growing      {kind} from {} old buckets: {} evacuated, nevacuate = {}",
                self.old_buckets, self.evacuated, self.nevacuate
            )?;
        } else {
            writeln!(f, "growing      no")?;
        }
        write!(f, "heap         {} bytes", self.heap_bytes)?;
        if self.len > 0 {
            write!(
                f,
                " ({:.1} per entry)",
                self.heap_bytes as f64 / self.len as f64
            )?;
        }
        Ok(())
    }
}
