//! What an application would read: every declared collection read back through calimero's own
//! collection API on one node's store, and the difference between two such readings named by
//! collection and key.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use calimero_storage::collections::{GCounter, PNCounter, ReplicatedGrowableArray, UnorderedMap, UnorderedSet, Vector};
#[cfg(calimero_sorted_index)]
use calimero_storage::collections::{SortedMap, SortedSet};

use super::driver::{frozen_key, logical_key, MapOfMaps, MapOfVectors, Nested, Registers};
use super::CrdtError;
use super::{CollectionKind, Layout};
use crate::store::SimStorage;

/// One collection's contents as the app sees them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CollectionValue {
    /// Maps and registers: key → value.
    Entries(BTreeMap<String, String>),
    Members(BTreeSet<String>),
    /// A vector in its order.
    List(Vec<String>),
    /// A counter's value.
    Count(i64),
    /// Map of vectors: key → the vector's elements in order.
    Lists(BTreeMap<String, Vec<String>>),
    /// Text, as `get_text` reads it.
    Text(String),
}

/// Every declared collection on one node (a collection the node does not hold reads as empty,
/// as a freshly initialised app state would).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogicalState {
    pub collections: BTreeMap<String, CollectionValue>,
}

/// One place two readings disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogicalDifference {
    pub collection: String,
    /// The key (or `#index` in a vector); `None` for a counter's value.
    pub key: Option<String>,
    /// What each side holds there (`None`: absent).
    pub left: Option<String>,
    pub right: Option<String>,
}

impl fmt::Display for LogicalDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "absent".into());
        match &self.key {
            Some(key) => write!(f, "{}[{key}]: {} vs {}", self.collection, show(&self.left), show(&self.right)),
            None => write!(f, "{}: {} vs {}", self.collection, show(&self.left), show(&self.right)),
        }
    }
}

/// A sorted collection's keys read both ways on one node: in order, as the app's ordered API
/// answers (through the node-local ordered index), and as its entries are (the same collection
/// opened as its unordered twin, whose layout calimero shares), sorted. Keys only: a map's index
/// leads to the entry itself, so a stale index shows in which keys are read, never in values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderedRead {
    pub collection: String,
    pub ordered: Vec<String>,
    pub entries: Vec<String>,
}

impl OrderedRead {
    /// Whether the ordered API answered what the entries hold, in order.
    pub fn agrees(&self) -> bool {
        self.ordered == self.entries
    }

    /// Keys the ordered read lacks, and keys it has that no entry holds.
    pub fn missing_and_extra(&self) -> (Vec<&String>, Vec<&String>) {
        let (ordered, entries): (BTreeSet<&String>, BTreeSet<&String>) =
            (self.ordered.iter().collect(), self.entries.iter().collect());
        (entries.difference(&ordered).copied().collect(), ordered.difference(&entries).copied().collect())
    }
}

impl Layout {
    /// What an app's view returns for each collection whose calimero type serializes
    /// ([`CollectionKind::viewed`]): calimero's own `serde::Serialize`, as JSON — the bytes a client
    /// gets, and anything hashing or comparing them sees. A collection the node does not hold
    /// is left out.
    pub fn views(&self, storage: &SimStorage) -> Result<BTreeMap<String, String>, CrdtError> {
        let mut views = BTreeMap::new();
        for (name, kind) in self.collections().filter(|(_, kind)| kind.viewed()) {
            let json = storage.with_env(|| match kind {
                CollectionKind::Map => {
                    self.open::<UnorderedMap<String, String>>(name).map(|m| serde_json::to_string(&m))
                }
                CollectionKind::Set => self.open::<UnorderedSet<String>>(name).map(|s| serde_json::to_string(&s)),
                CollectionKind::MapOfVectors => self.open::<MapOfVectors>(name).map(|m| serde_json::to_string(&m)),
                _ => None,
            });
            if let Some(json) = json {
                let json = json.map_err(|e| CrdtError::View { collection: name.to_owned(), reason: e.to_string() })?;
                views.insert(name.to_owned(), json);
            }
        }
        Ok(views)
    }

    /// Every sorted collection on `storage`, read in order and as its entries are. The reads leave
    /// no trace: an ordered read of a stale index rebuilds it, and an oracle must not heal what it
    /// checks ([`SimStorage::peek`]).
    #[cfg(calimero_sorted_index)]
    pub fn ordered_reads(&self, storage: &SimStorage) -> Result<Vec<OrderedRead>, CrdtError> {
        let mut reads = Vec::new();
        for (name, kind) in self.collections().filter(|(_, kind)| kind.sorted()) {
            let read = storage.peek(|| storage.with_env(|| self.ordered_read(name, kind)));
            reads.push(read.map_err(|source| CrdtError::Calimero { op: format!("ordered read of {name}"), source })?);
        }
        Ok(reads)
    }

    /// Before 0.11.0-rc.1 there is no sorted collection to read.
    #[cfg(not(calimero_sorted_index))]
    pub fn ordered_reads(&self, _storage: &SimStorage) -> Result<Vec<OrderedRead>, CrdtError> {
        Ok(Vec::new())
    }

    #[cfg(calimero_sorted_index)]
    fn ordered_read(
        &self,
        name: &str,
        kind: CollectionKind,
    ) -> Result<OrderedRead, calimero_storage::collections::StoreError> {
        let key = |(k, _): (String, String)| k;
        let (ordered, mut entries): (Vec<String>, Vec<String>) = match kind {
            CollectionKind::SortedMap => match self.open::<SortedMap<String, String>>(name) {
                Some(map) => (
                    // The whole range: `range`, `page`, `first` and `last` seek the index
                    // (`entries` sorts the entries in memory instead).
                    map.range(..)?.map(key).collect(),
                    self.open::<UnorderedMap<String, String>>(name)
                        .map_or(Ok(Vec::new()), |m| m.entries().map(|e| e.map(key).collect()))?,
                ),
                None => (Vec::new(), Vec::new()),
            },
            _ => match self.open::<SortedSet<String>>(name) {
                Some(set) => (
                    set.iter()?.collect(),
                    self.open::<UnorderedSet<String>>(name)
                        .map_or(Ok(Vec::new()), |s| s.iter().map(Iterator::collect))?,
                ),
                None => (Vec::new(), Vec::new()),
            },
        };
        entries.sort();
        Ok(OrderedRead { collection: name.to_owned(), ordered, entries })
    }

    /// Reads every declared collection on `storage`.
    pub fn read(&self, storage: &SimStorage) -> Result<LogicalState, CrdtError> {
        let mut collections = BTreeMap::new();
        for (name, _) in self.collections() {
            collections.insert(name.to_owned(), self.read_collection(storage, name)?);
        }
        Ok(LogicalState { collections })
    }

    /// Reads one declared collection on `storage`.
    pub fn read_collection(&self, storage: &SimStorage, name: &str) -> Result<CollectionValue, CrdtError> {
        let kind = self.kind(name).ok_or_else(|| CrdtError::Undeclared { collection: name.to_owned() })?;
        storage
            .with_env(|| self.read_one(name, kind))
            .map_err(|source| CrdtError::Calimero { op: format!("read {name}"), source })
    }

    fn read_one(
        &self,
        name: &str,
        kind: CollectionKind,
    ) -> Result<CollectionValue, calimero_storage::collections::StoreError> {
        use CollectionKind as K;
        Ok(match kind {
            K::Map => CollectionValue::Entries(match self.open::<UnorderedMap<String, String>>(name) {
                Some(map) => map.entries()?.collect(),
                None => BTreeMap::new(),
            }),
            K::Registers => CollectionValue::Entries(match self.open::<Registers>(name) {
                Some(map) => map.entries()?.map(|(k, r)| (k, r.into_inner())).collect(),
                None => BTreeMap::new(),
            }),
            K::Set => CollectionValue::Members(match self.open::<UnorderedSet<String>>(name) {
                Some(set) => set.iter()?.collect(),
                None => BTreeSet::new(),
            }),
            K::Vector => CollectionValue::List(match self.open::<Vector<String>>(name) {
                Some(vector) => vector.iter()?.collect(),
                None => Vec::new(),
            }),
            K::Counter => CollectionValue::Count(match self.open::<GCounter>(name) {
                Some(counter) => counter.value()? as i64,
                None => 0,
            }),
            K::PnCounter => CollectionValue::Count(match self.open::<PNCounter>(name) {
                Some(counter) => counter.value()?,
                None => 0,
            }),
            // What the sorted collections hold, read through their unordered twins (calimero
            // gives both one layout): the ordered index is judged apart, by `ordered-read`.
            K::SortedMap => CollectionValue::Entries(match self.open::<UnorderedMap<String, String>>(name) {
                Some(map) => map.entries()?.collect(),
                None => BTreeMap::new(),
            }),
            K::SortedSet => CollectionValue::Members(match self.open::<UnorderedSet<String>>(name) {
                Some(set) => set.iter()?.collect(),
                None => BTreeSet::new(),
            }),
            // Every value held; one stored under a key that is not its hash (which `get` by hash
            // would never find) reads marked, so it shows as a difference and a broken promise.
            K::Frozen => CollectionValue::Members(match self.open_frozen_entries(name) {
                Some(entries) => entries
                    .entries()?
                    .map(|(key, value)| match key == frozen_key(&value) {
                        true => value,
                        false => format!("{value} (under {})", hex::encode(&key[..8])),
                    })
                    .collect(),
                None => BTreeSet::new(),
            }),
            K::MapOfMaps => CollectionValue::Entries(match self.open::<MapOfMaps>(name) {
                Some(map) => {
                    let mut entries = BTreeMap::new();
                    for (outer, inner) in map.entries()? {
                        entries.extend(inner.entries()?.map(|(key, value)| (format!("{outer}/{key}"), value)));
                    }
                    entries
                }
                None => BTreeMap::new(),
            }),
            // Each member's slot under its owner's key, as hex: `user_slot` names a node's.
            #[cfg(calimero_user_storage)]
            K::User => {
                CollectionValue::Entries(match self.open::<calimero_storage::collections::UserStorage<String>>(name) {
                    Some(slots) => slots.entries()?.map(|(owner, value)| (user_slot(&owner), value)).collect(),
                    None => BTreeMap::new(),
                })
            }
            #[cfg(calimero_user_storage)]
            K::Authored => CollectionValue::Entries(
                match self.open::<calimero_storage::collections::AuthoredMap<String, String>>(name) {
                    Some(map) => map.entries()?.collect(),
                    None => BTreeMap::new(),
                },
            ),
            #[cfg(not(calimero_user_storage))]
            K::User | K::Authored => CollectionValue::Entries(BTreeMap::new()),
            // As the app reads its state back (`item/<key>`, `tag/<key>`, `title`).
            K::Rooted => CollectionValue::Entries(super::rooted::read()?),
            K::Text => CollectionValue::Text(match self.open::<ReplicatedGrowableArray>(name) {
                Some(rga) => rga.get_text()?,
                None => String::new(),
            }),
            // As the app reads its two-level map back: each stored key parsed into its parts.
            K::Nested => CollectionValue::Entries(match self.open::<Nested>(name) {
                Some(map) => map.entries()?.map(|(key, value)| (logical_key(&key), value)).collect(),
                None => BTreeMap::new(),
            }),
            K::MapOfVectors => CollectionValue::Lists(match self.open::<MapOfVectors>(name) {
                Some(map) => {
                    let mut lists = BTreeMap::new();
                    for (key, vector) in map.entries()? {
                        lists.insert(key, vector.iter()?.collect());
                    }
                    lists
                }
                None => BTreeMap::new(),
            }),
        })
    }
}

/// How a `UserStorage` slot is named in a reading: its owner's key, the first eight bytes in hex.
pub fn user_slot(owner: &calimero_primitives::identity::PublicKey) -> String {
    let bytes: &[u8; 32] = owner.as_ref();
    hex::encode(&bytes[..8])
}

impl LogicalState {
    /// Where `self` (left) and `other` (right) disagree, collection by collection, key by key.
    pub fn differences(&self, other: &LogicalState) -> Vec<LogicalDifference> {
        let mut out = Vec::new();
        let names: BTreeSet<&String> = self.collections.keys().chain(other.collections.keys()).collect();
        for name in names {
            let (left, right) = (self.collections.get(name), other.collections.get(name));
            if left != right {
                compare(name, left, right, &mut out);
            }
        }
        out
    }
}

fn compare(
    name: &str,
    left: Option<&CollectionValue>,
    right: Option<&CollectionValue>,
    out: &mut Vec<LogicalDifference>,
) {
    let mut push = |key: Option<String>, l: Option<String>, r: Option<String>| {
        out.push(LogicalDifference { collection: name.to_owned(), key, left: l, right: r })
    };
    match (left, right) {
        (Some(CollectionValue::Entries(a)), Some(CollectionValue::Entries(b))) => {
            for key in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                if a.get(key) != b.get(key) {
                    push(Some(key.clone()), a.get(key).cloned(), b.get(key).cloned());
                }
            }
        }
        (Some(CollectionValue::Members(a)), Some(CollectionValue::Members(b))) => {
            for key in a.symmetric_difference(b) {
                let held = |s: &BTreeSet<String>| s.contains(key).then(|| "member".to_owned());
                push(Some(key.clone()), held(a), held(b));
            }
        }
        (Some(CollectionValue::List(a)), Some(CollectionValue::List(b))) => list(a, b, None, &mut push),
        (Some(CollectionValue::Lists(a)), Some(CollectionValue::Lists(b))) => {
            for key in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => list(x, y, Some(key), &mut push),
                    (x, y) => push(Some(key.clone()), x.map(|v| format!("{v:?}")), y.map(|v| format!("{v:?}"))),
                }
            }
        }
        (Some(CollectionValue::Count(a)), Some(CollectionValue::Count(b))) => {
            push(None, Some(a.to_string()), Some(b.to_string()))
        }
        (l, r) => push(None, l.map(|v| format!("{v:?}")), r.map(|v| format!("{v:?}"))),
    }
}

/// Element by element; a length difference shows as absent elements past the shorter end.
fn list(
    a: &[String],
    b: &[String],
    key: Option<&String>,
    push: &mut impl FnMut(Option<String>, Option<String>, Option<String>),
) {
    for i in 0..a.len().max(b.len()) {
        if a.get(i) != b.get(i) {
            let at = match key {
                Some(key) => format!("{key}#{i}"),
                None => format!("#{i}"),
            };
            push(Some(at), a.get(i).cloned(), b.get(i).cloned());
        }
    }
}
