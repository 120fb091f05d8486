//! An application operation on a named collection: plain data, so a workload can be generated
//! from a seed, printed, and replayed.

use std::fmt;

use super::CollectionKind;

/// One operation, as an app would call it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    /// Map (sorted too): insert or overwrite. Registers: set the register at `key`. Set (sorted
    /// too): insert `key`. Nested: `key` is `outer/inner` (neither part holds a `/`).
    Insert { key: String, value: String },
    /// Map, set, registers: remove the key.
    Remove { key: String },
    /// Map, set, vector, map of vectors: remove everything this node holds now.
    Clear,
    /// Vector: append. Map of vectors: append to the vector at `key` (created if absent).
    Push { key: Option<String>, value: String },
    /// Vector: remove the last element. Map of vectors: from the vector at `key`.
    Pop { key: Option<String> },
    /// Vector: overwrite the element at `index` (a no-op past the end, as calimero's is).
    Update { index: usize, value: String },
    /// Counters.
    Increment,
    /// PN counter only.
    Decrement,
    /// Frozen storage: store `value` under its content hash (calimero's `FrozenStorage::insert`).
    Freeze { value: String },
}

/// An operation on the collection `collection` (its field name) of kind `kind`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CrdtOp {
    pub collection: String,
    pub kind: CollectionKind,
    pub verb: Verb,
}

impl CrdtOp {
    pub fn new(collection: &str, kind: CollectionKind, verb: Verb) -> Self {
        CrdtOp { collection: collection.to_owned(), kind, verb }
    }

    /// The key the operation addresses, if the collection is keyed.
    pub fn key(&self) -> Option<&str> {
        match &self.verb {
            Verb::Insert { key, .. } | Verb::Remove { key } => Some(key),
            Verb::Push { key, .. } | Verb::Pop { key } => key.as_deref(),
            _ => None,
        }
    }

    /// Whether `kind` supports this verb (the driver refuses the others).
    pub fn fits(&self) -> bool {
        use CollectionKind as K;
        matches!(
            (&self.verb, self.kind),
            (
                Verb::Insert { .. } | Verb::Remove { .. },
                K::Map | K::Set | K::Registers | K::SortedMap | K::SortedSet | K::Nested
            ) | (Verb::Clear, K::Map | K::Set | K::Vector | K::MapOfVectors | K::SortedMap | K::SortedSet | K::Nested)
                | (Verb::Push { key: None, .. } | Verb::Pop { key: None }, K::Vector)
                | (Verb::Push { key: Some(_), .. } | Verb::Pop { key: Some(_) }, K::MapOfVectors)
                | (Verb::Update { .. }, K::Vector)
                | (Verb::Increment, K::Counter | K::PnCounter)
                | (Verb::Decrement, K::PnCounter)
                | (Verb::Freeze { .. }, K::Frozen)
        )
    }
}

impl fmt::Display for CrdtOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.collection;
        match &self.verb {
            Verb::Insert { key, value } => write!(f, "{c}.insert({key:?}, {value:?})"),
            Verb::Remove { key } => write!(f, "{c}.remove({key:?})"),
            Verb::Clear => write!(f, "{c}.clear()"),
            Verb::Push { key: None, value } => write!(f, "{c}.push({value:?})"),
            Verb::Push { key: Some(key), value } => write!(f, "{c}[{key:?}].push({value:?})"),
            Verb::Pop { key: None } => write!(f, "{c}.pop()"),
            Verb::Pop { key: Some(key) } => write!(f, "{c}[{key:?}].pop()"),
            Verb::Update { index, value } => write!(f, "{c}.update({index}, {value:?})"),
            Verb::Increment => write!(f, "{c}.increment()"),
            Verb::Decrement => write!(f, "{c}.decrement()"),
            Verb::Freeze { value } => write!(f, "{c}.insert({value:?})"),
        }
    }
}
