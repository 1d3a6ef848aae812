//! Serde support for [`SyncMap`] (features `sync` and `serde`): a serde map, as
//! [`HashMap`](crate::HashMap) is. Serialising iterates (see [`SyncMap::iter`]); deserialising
//! inserts each entry, the last value of a duplicate key winning.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use ::serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use ::serde::ser::{Serialize, Serializer};

use super::SyncMap;

#[cfg_attr(docsrs, doc(cfg(all(feature = "sync", feature = "serde"))))]
impl<K, V, S> Serialize for SyncMap<K, V, S>
where
    K: Serialize + Eq + Hash + Send + 'static,
    V: Serialize + Send + 'static,
    S: BuildHasher,
{
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let guard = self.guard();
        serializer.collect_map(self.iter(&guard))
    }
}

#[cfg_attr(docsrs, doc(cfg(all(feature = "sync", feature = "serde"))))]
impl<'de, K, V, S> Deserialize<'de> for SyncMap<K, V, S>
where
    K: Deserialize<'de> + Eq + Hash + Send + 'static,
    V: Deserialize<'de> + Send + 'static,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Builds the map; `fn() -> M` keeps the visitor `Send`/`Sync` whatever the map is.
        type Made<M> = PhantomData<fn() -> M>;
        struct MapVisitor<K, V, S>(Made<SyncMap<K, V, S>>);

        impl<'de, K, V, S> Visitor<'de> for MapVisitor<K, V, S>
        where
            K: Deserialize<'de> + Eq + Hash + Send + 'static,
            V: Deserialize<'de> + Send + 'static,
            S: BuildHasher + Default,
        {
            type Value = SyncMap<K, V, S>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let map = SyncMap::default();
                while let Some((key, value)) = access.next_entry()? {
                    map.insert(key, value);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}
