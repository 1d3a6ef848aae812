//! `Snapshot`: every bucket's tophash bytes, for drawing a map's memory layout.

use alloc_crate::vec::Vec;

use crate::table::RawTable;
use crate::table::Side;

/// A picture of a map's buckets, from [`HashMap::snapshot`](crate::HashMap::snapshot): enough to
/// draw the bucket arrays, their overflow chains and the evacuation frontier.
///
/// Tophash bytes are as stored: 0 = empty (and every later slot of the chain too), 1 = empty,
/// 2 / 3 = evacuated to the low / high half, 4 = evacuated while empty, 5..=255 = live.
///
/// ```
/// let map: gomap::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
/// let snap = map.snapshot();
/// let live: usize = snap.buckets.iter().map(|c| c.live()).sum::<usize>()
///     + snap.old.as_ref().map_or(0, |o| o.chains.iter().map(|c| c.live()).sum());
/// assert_eq!(live, 100);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Snapshot {
    /// log2 of the current bucket count.
    pub log2_buckets: u8,
    /// The current array's chains, by bucket index (empty before the first allocation).
    pub buckets: Vec<Chain>,
    /// The old array while growing.
    pub old: Option<OldArray>,
}

/// The old array of a grow under way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OldArray {
    /// log2 of the old bucket count.
    pub log2_buckets: u8,
    /// Every old chain below this index has been evacuated.
    pub nevacuate: usize,
    /// The old chains, by bucket index.
    pub chains: Vec<Chain>,
}

/// One chain: a bucket and its overflow buckets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Chain {
    /// False for a new bucket whose old chain has not been evacuated yet (its memory is not
    /// initialised, and it holds nothing), and for an old chain that was evacuated and whose
    /// memory went back to the operating system (see [`released`](Self::released)).
    pub initialised: bool,
    /// An old chain below the evacuation frontier whose memory was handed back to the operating
    /// system during a large grow; it was evacuated, and its tophash bytes are gone.
    pub released: bool,
    /// The tophash bytes of each bucket of the chain, head first.
    pub tophash: Vec<[u8; 8]>,
}

impl Chain {
    /// Live entries in the chain.
    pub fn live(&self) -> usize {
        self.tophash
            .iter()
            .flatten()
            .filter(|&&t| t >= crate::bucket::MIN_TOPHASH)
            .count()
    }

    /// Whether the chain (an old one) has been evacuated.
    pub fn evacuated(&self) -> bool {
        self.released
            || self
                .tophash
                .first()
                .is_some_and(|t| crate::bucket::is_evacuated_mark(t[0]))
    }
}

impl Snapshot {
    pub(crate) fn of<K, V, A: allocator_api2::alloc::Allocator>(
        table: &RawTable<K, V, A>,
    ) -> Snapshot {
        let mut snap = Snapshot {
            log2_buckets: table.log2_buckets(),
            ..Snapshot::default()
        };
        if let Some((old_b, nevacuate, _)) = table.growth() {
            snap.old = Some(OldArray {
                log2_buckets: old_b,
                nevacuate,
                chains: Vec::with_capacity(1 << old_b),
            });
        }
        table.for_each_chain(|side, words| {
            let chain = Chain {
                initialised: words.is_some_and(|w| !w.is_empty()),
                released: words.is_none(),
                tophash: words
                    .unwrap_or_default()
                    .iter()
                    .map(|w| w.to_le_bytes())
                    .collect(),
            };
            match (&mut snap.old, side) {
                (Some(o), Side::Old) => o.chains.push(chain),
                _ => snap.buckets.push(chain),
            }
        });
        snap
    }
}
