//! Serde support (feature `serde`): a [`HashMap`] is a serde map, a [`HashSet`] a sequence.
//!
//! Deserializing trusts a length prefix only up to 4096 entries: a hostile input
//! that claims billions of entries cannot make it allocate before the entries actually arrive.
//! Duplicate keys behave as std's maps do: the last value wins (the first key is kept); a
//! duplicate set value is ignored.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use ::serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use ::serde::ser::{Serialize, Serializer};

use allocator_api2::alloc::Allocator;

use crate::{HashMap, HashSet};

/// The most entries a deserializer's length hint makes us reserve up front.
const MAX_PREALLOCATE: usize = 4096;

fn cautious(hint: Option<usize>) -> usize {
    hint.unwrap_or(0).min(MAX_PREALLOCATE)
}

impl<K, V, S, Al: Allocator> Serialize for HashMap<K, V, S, Al>
where
    K: Serialize,
    V: Serialize,
{
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, K, V, S, Al> Deserialize<'de> for HashMap<K, V, S, Al>
where
    K: Deserialize<'de> + Eq + Hash,
    V: Deserialize<'de>,
    S: BuildHasher + Default,
    Al: Allocator + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V, S, Al: Allocator>(PhantomData<HashMap<K, V, S, Al>>);

        impl<'de, K, V, S, Al> Visitor<'de> for MapVisitor<K, V, S, Al>
        where
            K: Deserialize<'de> + Eq + Hash,
            V: Deserialize<'de>,
            S: BuildHasher + Default,
            Al: Allocator + Default,
        {
            type Value = HashMap<K, V, S, Al>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = HashMap::default();
                // A hint only: the map grows as entries arrive if this fails.
                let _ = map.try_reserve(cautious(access.size_hint()));
                while let Some((key, value)) = access.next_entry()? {
                    map.insert(key, value);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

impl<T, S, Al: Allocator> Serialize for HashSet<T, S, Al>
where
    T: Serialize,
{
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, T, S, Al> Deserialize<'de> for HashSet<T, S, Al>
where
    T: Deserialize<'de> + Eq + Hash,
    S: BuildHasher + Default,
    Al: Allocator + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SeqVisitor<T, S, Al: Allocator>(PhantomData<HashSet<T, S, Al>>);

        impl<'de, T, S, Al> Visitor<'de> for SeqVisitor<T, S, Al>
        where
            T: Deserialize<'de> + Eq + Hash,
            S: BuildHasher + Default,
            Al: Allocator + Default,
        {
            type Value = HashSet<T, S, Al>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut set = HashSet::default();
                // A hint only: the set grows as values arrive if this fails.
                let _ = set.try_reserve(cautious(access.size_hint()));
                while let Some(value) = access.next_element()? {
                    set.insert(value);
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(SeqVisitor(PhantomData))
    }
}
