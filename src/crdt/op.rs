//! An application operation on a named collection: plain data, so a workload can be generated
//! from a seed, printed, and replayed.

use std::fmt;

use super::CollectionKind;

/// One operation, as an app would call it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    /// Map (sorted too): insert or overwrite. Registers: set the register at `key`. Set (sorted
    /// too): insert `key`. Nested and map of maps: `key` is `outer/inner` (neither part holds a
    /// `/`). User storage: the node's own slot (`key` names nothing).
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
    /// Text: type `text` at position `at` modulo one past the text's length on the node, so a
    /// workload drawn ahead of time always names a place the text has.
    Type { at: usize, text: String },
    /// Text: erase up to `len` characters from position `at` modulo the text's length (nothing
    /// when the text is empty).
    Erase { at: usize, len: usize },
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

    /// Where a text edit lands on a text of `len` characters, as the driver applies it and the
    /// text model replays it: the range it replaces (`start..start` for typing).
    pub fn text_range(&self, len: usize) -> Option<std::ops::Range<usize>> {
        match &self.verb {
            Verb::Type { at, .. } => Some(at % (len + 1)..at % (len + 1)),
            Verb::Erase { .. } if len == 0 => Some(0..0),
            Verb::Erase { at, len: n } => Some(at % len..(at % len + n).min(len)),
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
                K::Map
                    | K::Set
                    | K::Registers
                    | K::SortedMap
                    | K::SortedSet
                    | K::Nested
                    | K::MapOfMaps
                    | K::User
                    | K::Authored
                    | K::Rooted
            ) | (Verb::Clear, K::Map | K::Set | K::Vector | K::MapOfVectors | K::SortedMap | K::SortedSet | K::Nested)
                | (Verb::Push { key: None, .. } | Verb::Pop { key: None }, K::Vector)
                | (Verb::Push { key: Some(_), .. } | Verb::Pop { key: Some(_) }, K::MapOfVectors)
                | (Verb::Update { .. }, K::Vector)
                | (Verb::Increment, K::Counter | K::PnCounter)
                | (Verb::Decrement, K::PnCounter)
                | (Verb::Freeze { .. }, K::Frozen)
                | (Verb::Type { .. } | Verb::Erase { .. }, K::Text)
        )
    }
}

impl fmt::Display for CrdtOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.collection;
        // A member writes only its own slot: the key names nothing.
        if self.kind == CollectionKind::User {
            match &self.verb {
                Verb::Insert { value, .. } => return write!(f, "{c}.insert({value:?})"),
                Verb::Remove { .. } => return write!(f, "{c}.remove()"),
                _ => {}
            }
        }
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
            Verb::Type { at, text } => write!(f, "{c}.insert_str({at}, {text:?})"),
            Verb::Erase { at, len } => write!(f, "{c}.delete_range({at}, +{len})"),
        }
    }
}
