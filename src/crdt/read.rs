//! What an application would read: every declared collection read back through calimero's own
//! collection API on one node's store, and the difference between two such readings named by
//! collection and key.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use calimero_storage::collections::{GCounter, PNCounter, UnorderedMap, UnorderedSet, Vector};

use super::driver::{MapOfVectors, Registers};
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

impl Layout {
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
