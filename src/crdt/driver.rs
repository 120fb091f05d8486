//! Runs a [`CrdtOp`] on one node's store through calimero-storage's collection API and captures
//! the storage actions calimero itself records for it — what a node broadcasts as its delta.
//!
//! Collections are opened the way an app's state opens them: a collection handle is only its
//! 32-byte id (`Element` serializes nothing else), so the run's [`Layout`] keeps each handle's
//! bytes, made once by calimero's own `new_with_field_name` on a scratch store, and every
//! operation deserializes a fresh handle from them. A node that does not hold the collection
//! yet creates it first with `new_with_field_name`, as an app initialising its state does; the
//! ids are deterministic, so every node's creation lands on the same entity.
//!
//! calimero-storage records actions in a thread-local (`DELTA_CONTEXT`) shared by every node on
//! the simulation thread. Each operation clears it, runs, and takes the delta, all inside one
//! synchronous scope with no `.await`, so no other node's actions can mix in.

use std::collections::BTreeMap;

use borsh::BorshDeserialize;
use calimero_primitives::context::ContextId;
use calimero_primitives::identity::PublicKey;
use calimero_storage::address::Id;
#[cfg(calimero_collection_rekey)]
use calimero_storage::collections::rekey;
#[cfg(calimero_user_storage)]
use calimero_storage::collections::{AuthoredMap, UserStorage};
use calimero_storage::collections::{
    CompositeKey, FrozenStorage, GCounter, LwwRegister, PNCounter, ReplicatedGrowableArray, StoreError, UnorderedMap,
    UnorderedSet, Vector,
};
#[cfg(calimero_sorted_index)]
use calimero_storage::collections::{SortedMap, SortedSet};
use calimero_storage::delta;
use calimero_storage::index::Index;
use calimero_storage::interface::Action;
use calimero_storage::store::MainStorage;

use super::CrdtError;
use super::{CollectionKind, CrdtOp, Verb};
use crate::ids::EntityId;
use crate::store::SimStorage;

pub(super) type Registers = UnorderedMap<String, LwwRegister<String>>;
pub(super) type MapOfVectors = UnorderedMap<String, Vector<String>>;
pub(super) type Nested = UnorderedMap<CompositeKey, String>;
pub(super) type MapOfMaps = UnorderedMap<String, UnorderedMap<String, String>>;

/// A two-level key `outer/inner`, split.
pub(super) fn two_level(key: &str) -> (&str, &str) {
    key.split_once('/').unwrap_or((key, ""))
}

/// The composite key an app stores the two-level key `outer/inner` under: calimero's own
/// `CompositeKey::new(outer, inner)`, whose encoding is the release's (`a::b` joined by `::`
/// up to 0.11.0-rc.9, length-prefixed from rc.10, #3148).
pub fn composite_key(key: &str) -> CompositeKey {
    let (outer, inner) = two_level(key);
    CompositeKey::new(outer.as_bytes(), inner.as_bytes())
}

/// The two-level key an app reads back from a stored composite key (`CompositeKey::parse`),
/// written `outer/inner`; bytes the release cannot parse read as their hex.
pub fn logical_key(key: &CompositeKey) -> String {
    match CompositeKey::parse(key.as_bytes()) {
        Ok((outer, inner)) => format!("{}/{}", String::from_utf8_lossy(&outer), String::from_utf8_lossy(&inner)),
        Err(_) => format!("unparsable {}", hex::encode(key.as_bytes())),
    }
}

/// The collections a run's app declares: name, kind, and the handle bytes calimero gave them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    collections: BTreeMap<String, Declared>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Declared {
    kind: CollectionKind,
    /// The borsh form of the handle (collection ids; a counter's are its internal maps').
    handle: Vec<u8>,
    /// The entity that exists once the collection does (a counter: its positive map).
    anchor: EntityId,
}

/// What one operation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The actions calimero recorded, in order (`Compare`s left out): the delta peers apply.
    pub actions: Vec<Action>,
    /// What the call returned: the previous, removed or popped value, if any.
    pub returned: Option<String>,
    /// Whether the call changed anything (a remove of an absent key does not).
    pub changed: bool,
}

impl Layout {
    /// Declares `collections` in `context_id`, making their handles on a scratch store.
    ///
    /// Fails if calimero-storage attached them anywhere but this context's root: its `ROOT_ID`
    /// is fixed process-wide by the first context that made a collection, so every CRDT run in
    /// one process must use one context id ([`super::CONTEXT`]).
    pub fn new(context_id: ContextId, collections: &[(String, CollectionKind)]) -> Result<Layout, CrdtError> {
        // An app's `Root<T>` is its whole state: the context root holds it, and its other
        // collections are its fields, never siblings made beside it.
        if let Some((name, _)) = collections.iter().find(|(_, k)| *k == CollectionKind::Rooted) {
            if collections.len() > 1 {
                return Err(CrdtError::RootedNotAlone { collection: name.clone() });
            }
        }
        let scratch = SimStorage::new(context_id, PublicKey::from([0x5c; 32]))?;
        let mut declared = BTreeMap::new();
        for (name, kind) in collections {
            if let Some(why) = kind.unavailable() {
                return Err(CrdtError::Unavailable { collection: name.clone(), kind: *kind, why });
            }
            if declared.contains_key(name) {
                return Err(CrdtError::Duplicate { collection: name.clone() });
            }
            let handle = scratch.with_env(|| create(*kind, name));
            let anchor: EntityId = handle[..32].try_into().expect("a handle starts with a 32-byte id");
            let parent = scratch.parent(anchor);
            if parent != Some(*scratch.root_id().as_bytes()) {
                return Err(CrdtError::ForeignRoot {
                    collection: name.clone(),
                    parent: parent.map_or_else(|| "nothing".into(), |p| hex::encode(&p[..8])),
                    root: hex::encode(&scratch.root_id().as_bytes()[..8]),
                });
            }
            declared.insert(name.clone(), Declared { kind: *kind, handle, anchor });
        }
        Ok(Layout { collections: declared })
    }

    /// The declared collections, by name.
    pub fn collections(&self) -> impl Iterator<Item = (&str, CollectionKind)> {
        self.collections.iter().map(|(name, d)| (name.as_str(), d.kind))
    }

    /// The declared collection whose own entity `entity` is, if any.
    pub fn collection_at(&self, entity: &EntityId) -> Option<&str> {
        self.collections.iter().find(|(_, d)| d.anchor == *entity).map(|(name, _)| name.as_str())
    }

    /// The entity that exists once `collection` does (its entries are its children; a counter's
    /// is its positive map).
    pub fn anchor(&self, collection: &str) -> Option<EntityId> {
        self.collections.get(collection).map(|d| d.anchor)
    }

    pub fn kind(&self, collection: &str) -> Option<CollectionKind> {
        self.collections.get(collection).map(|d| d.kind)
    }

    pub fn is_empty(&self) -> bool {
        self.collections.is_empty()
    }

    /// Runs `op` on `storage` and returns what calimero recorded for it.
    pub fn apply(&self, storage: &SimStorage, op: &CrdtOp) -> Result<Applied, CrdtError> {
        self.apply_as(storage, op, None)
    }

    /// [`Layout::apply`], executing as `executor` when given (a User write is then that key's).
    pub(super) fn apply_as(
        &self,
        storage: &SimStorage,
        op: &CrdtOp,
        executor: Option<PublicKey>,
    ) -> Result<Applied, CrdtError> {
        let declared = self.declared(op)?;
        if !op.fits() {
            return Err(CrdtError::Unfit { op: op.to_string(), kind: op.kind });
        }
        // What an app call committed itself (the `Root<T>` app's; every other op leaves its
        // actions pending, taken below).
        let mut committed = Vec::new();
        // A refused call leaves nothing behind, as calimero-node discards a failed execution.
        let result = storage.atomically(|| {
            in_env(storage, declared.kind, executor, || {
                delta::clear_pending_delta();
                if !exists(declared.anchor) {
                    match declared.kind {
                        // Its init commits itself: its actions open the call's delta.
                        CollectionKind::Rooted => committed = super::rooted::installed(),
                        kind => drop(create(kind, &op.collection)),
                    }
                }
                let result = match declared.kind {
                    CollectionKind::Rooted => run_rooted(op).map(|(returned, changed, actions)| {
                        committed.extend(actions);
                        (returned, changed)
                    }),
                    _ => run(declared, op).map_err(|source| CrdtError::Calimero { op: op.to_string(), source }),
                };
                if result.is_err() {
                    delta::clear_pending_delta();
                }
                result
            })
        });
        let (returned, changed) = result?;
        let root = storage.root_hash()?;
        let recorded = storage
            .with_env(|| delta::commit_causal_delta(&root))
            .map_err(|e| CrdtError::Delta { op: op.to_string(), reason: e.to_string() })?;
        let actions = recorded.map(|d| d.actions).unwrap_or(committed).into_iter().filter(keeps).collect();
        Ok(Applied { actions, returned, changed })
    }

    /// Opens `collection` on the current store for reading, or `None` if the node lacks it.
    pub(super) fn open<T: BorshDeserialize>(&self, collection: &str) -> Option<T> {
        let declared = self.collections.get(collection)?;
        exists(declared.anchor).then(|| open(declared))
    }

    /// A frozen collection's entries map (its handle's first field), `hash → value`, for
    /// reading every entry the node holds (`FrozenStorage` itself reads one hash at a time;
    /// `FrozenValue` serializes as its value).
    pub(super) fn open_frozen_entries(&self, collection: &str) -> Option<UnorderedMap<[u8; 32], String>> {
        let declared = self.collections.get(collection)?;
        let entries = borsh::from_slice(&declared.handle[..32]).expect("a map handle is its 32-byte id");
        exists(declared.anchor).then_some(entries)
    }

    fn declared(&self, op: &CrdtOp) -> Result<&Declared, CrdtError> {
        match self.collections.get(&op.collection) {
            Some(d) if d.kind == op.kind => Ok(d),
            Some(d) => Err(CrdtError::WrongKind { collection: op.collection.clone(), declared: d.kind, used: op.kind }),
            None => Err(CrdtError::Undeclared { collection: op.collection.clone() }),
        }
    }
}

/// Runs `f` in `storage`'s environment: a User-owned write (a slot, an authored entry) as the
/// node's signing key (its owner), or as `executor` when one is given.
fn in_env<R>(storage: &SimStorage, kind: CollectionKind, executor: Option<PublicKey>, f: impl FnOnce() -> R) -> R {
    #[cfg(calimero_user_storage)]
    if kind.signed() {
        return match executor {
            Some(executor) => storage.with_env_executing_as(executor, f),
            None => storage.with_env_as_signer(f),
        };
    }
    let _ = (kind, executor);
    storage.with_env(f)
}

/// Whether the current store holds `anchor`, live.
fn exists(anchor: EntityId) -> bool {
    matches!(Index::<MainStorage>::get_index(Id::new(anchor)), Ok(Some(i)) if i.deleted_at.is_none())
}

/// Creates the collection on the current store (calimero's `new_with_field_name`) and returns
/// its handle bytes.
fn create(kind: CollectionKind, name: &str) -> Vec<u8> {
    let bytes = match kind {
        CollectionKind::Map => borsh::to_vec(&UnorderedMap::<String, String>::new_with_field_name(name)),
        CollectionKind::Set => borsh::to_vec(&UnorderedSet::<String>::new_with_field_name(name)),
        CollectionKind::Vector => borsh::to_vec(&Vector::<String>::new_with_field_name(name)),
        CollectionKind::Counter => borsh::to_vec(&GCounter::new_with_field_name(name)),
        CollectionKind::PnCounter => borsh::to_vec(&PNCounter::new_with_field_name(name)),
        CollectionKind::Registers => borsh::to_vec(&Registers::new_with_field_name(name)),
        CollectionKind::MapOfVectors => {
            register_nested::<MapOfVectors>();
            borsh::to_vec(&MapOfVectors::new_with_field_name(name))
        }
        #[cfg(calimero_sorted_index)]
        CollectionKind::SortedMap => borsh::to_vec(&SortedMap::<String, String>::new_with_field_name(name)),
        #[cfg(calimero_sorted_index)]
        CollectionKind::SortedSet => borsh::to_vec(&SortedSet::<String>::new_with_field_name(name)),
        // Its handle starts with its entries' map, the entity that exists once it does.
        CollectionKind::Frozen => borsh::to_vec(&FrozenStorage::<String>::new_with_field_name(name)),
        CollectionKind::Nested => borsh::to_vec(&Nested::new_with_field_name(name)),
        CollectionKind::MapOfMaps => {
            register_nested::<MapOfMaps>();
            borsh::to_vec(&MapOfMaps::new_with_field_name(name))
        }
        CollectionKind::Text => borsh::to_vec(&ReplicatedGrowableArray::new_with_field_name(name)),
        // The app's state, installed as its init runs (one `Root<T>` per context, whatever the
        // name); its handle is the root entry's id, what exists once the state does.
        CollectionKind::Rooted => {
            let _ = name;
            super::rooted::install().expect("a store without the app's state installs it");
            Ok(super::rooted::entry().expect("an installed app has its root entry").to_vec())
        }
        #[cfg(calimero_user_storage)]
        CollectionKind::User => borsh::to_vec(&UserStorage::<String>::new_with_field_name(name)),
        #[cfg(calimero_user_storage)]
        CollectionKind::Authored => borsh::to_vec(&AuthoredMap::<String, String>::new_with_field_name(name)),
        #[cfg(not(calimero_user_storage))]
        CollectionKind::User | CollectionKind::Authored => {
            unreachable!("Layout::new refuses User-owned storage where this build does not drive it")
        }
        #[cfg(not(calimero_sorted_index))]
        CollectionKind::SortedMap | CollectionKind::SortedSet => {
            unreachable!("CollectionKind::in_this_release refuses the sorted collections before 0.11.0-rc.1")
        }
    };
    bytes.expect("a collection handle always serializes")
}

/// A collection stored as a map value (a map of vectors' vectors, a map of maps' inner maps) is
/// re-keyed under its entry only once its type is registered, as an app's state registers its
/// field types. (Releases before 0.11.0-rc.1 have no re-keying: each node's nested collection
/// keeps a random id.)
#[cfg(calimero_collection_rekey)]
fn register_nested<T: rekey::RekeyTarget + 'static>() {
    #[cfg(calimero_rekey_cascade)]
    rekey::register_rekey_cascade::<T>();
    #[cfg(not(calimero_rekey_cascade))]
    rekey::register_rekey_pub::<T>();
}

#[cfg(not(calimero_collection_rekey))]
fn register_nested<T>() {}

fn open<T: BorshDeserialize>(declared: &Declared) -> T {
    borsh::from_slice(&declared.handle).expect("handles are made by the same calimero build")
}

/// A call of the `Root<T>` app (`set` for an insert, `unset` for a remove): `(returned, changed,
/// the actions its commit handed the runtime)`.
fn run_rooted(op: &CrdtOp) -> Result<(Option<String>, bool, Vec<Action>), CrdtError> {
    let refused = |reason| CrdtError::App { op: op.to_string(), reason };
    let (returned, changed) = match &op.verb {
        Verb::Insert { key, value } => {
            let previous = super::rooted::call(|app| app.set(key.clone(), value.clone())).map_err(refused)?;
            let changed = previous.as_deref() != Some(value);
            (previous, changed)
        }
        Verb::Remove { key } => {
            let removed = super::rooted::call(|app| app.unset(key.clone())).map_err(refused)?;
            let changed = removed.is_some();
            (removed, changed)
        }
        _ => return Err(CrdtError::Unfit { op: op.to_string(), kind: op.kind }),
    };
    Ok((returned, changed, super::rooted::committed_actions()))
}

/// The call itself: `(returned value, changed)`.
fn run(declared: &Declared, op: &CrdtOp) -> Result<(Option<String>, bool), StoreError> {
    use CollectionKind as K;
    let owned = |s: &str| s.to_owned();
    Ok(match (declared.kind, &op.verb) {
        (K::Map, Verb::Insert { key, value }) => {
            let previous = open::<UnorderedMap<String, String>>(declared).insert(owned(key), owned(value))?;
            let changed = previous.as_deref() != Some(value);
            (previous, changed)
        }
        (K::Map, Verb::Remove { key }) => {
            let removed = open::<UnorderedMap<String, String>>(declared).remove(key.as_str())?;
            let changed = removed.is_some();
            (removed, changed)
        }
        (K::Map, Verb::Clear) => {
            (None, clear(open::<UnorderedMap<String, String>>(declared), |m| m.len(), |m| m.clear())?)
        }
        (K::Set, Verb::Insert { key, .. }) => (None, open::<UnorderedSet<String>>(declared).insert(owned(key))?),
        (K::Set, Verb::Remove { key }) => (None, open::<UnorderedSet<String>>(declared).remove(key.as_str())?),
        (K::Set, Verb::Clear) => (None, clear(open::<UnorderedSet<String>>(declared), |s| s.len(), |s| s.clear())?),
        (K::Vector, Verb::Push { value, .. }) => {
            open::<Vector<String>>(declared).push(owned(value))?;
            (None, true)
        }
        (K::Vector, Verb::Pop { .. }) => {
            let popped = open::<Vector<String>>(declared).pop()?;
            let changed = popped.is_some();
            (popped, changed)
        }
        (K::Vector, Verb::Update { index, value }) => {
            let previous = open::<Vector<String>>(declared).update(*index, owned(value))?;
            let changed = previous.is_some();
            (previous, changed)
        }
        (K::Vector, Verb::Clear) => (None, clear(open::<Vector<String>>(declared), |v| v.len(), |v| v.clear())?),
        (K::Counter, Verb::Increment) => {
            open::<GCounter>(declared).increment()?;
            (None, true)
        }
        (K::PnCounter, Verb::Increment) => {
            open::<PNCounter>(declared).increment()?;
            (None, true)
        }
        (K::PnCounter, Verb::Decrement) => {
            open::<PNCounter>(declared).decrement()?;
            (None, true)
        }
        (K::Registers, Verb::Insert { key, value }) => {
            let mut map = open::<Registers>(declared);
            let previous = match map.get_mut(key.as_str())? {
                Some(mut register) => {
                    let previous = register.get().clone();
                    register.set(owned(value));
                    Some(previous)
                }
                None => None,
            };
            if previous.is_none() {
                map.insert(owned(key), LwwRegister::new(owned(value)))?;
            }
            (previous, true)
        }
        (K::Registers, Verb::Remove { key }) => {
            let removed = open::<Registers>(declared).remove(key.as_str())?.map(LwwRegister::into_inner);
            let changed = removed.is_some();
            (removed, changed)
        }
        (K::MapOfVectors, Verb::Push { key: Some(key), value }) => {
            // As an app writes it: `map.entry(key).or_insert(Vector::new())?.push(value)`.
            let mut map = open::<MapOfVectors>(declared);
            map.entry(owned(key))?.or_insert(Vector::new())?.push(owned(value))?;
            (None, true)
        }
        (K::MapOfVectors, Verb::Pop { key: Some(key) }) => {
            let mut map = open::<MapOfVectors>(declared);
            let popped = match map.get_mut(key.as_str())? {
                Some(mut vector) => vector.pop()?,
                None => None,
            };
            let changed = popped.is_some();
            (popped, changed)
        }
        (K::MapOfVectors, Verb::Clear) => (None, clear(open::<MapOfVectors>(declared), |m| m.len(), |m| m.clear())?),
        #[cfg(calimero_sorted_index)]
        (K::SortedMap, Verb::Insert { key, value }) => {
            let previous = open::<SortedMap<String, String>>(declared).insert(owned(key), owned(value))?;
            let changed = previous.as_deref() != Some(value);
            (previous, changed)
        }
        #[cfg(calimero_sorted_index)]
        (K::SortedMap, Verb::Remove { key }) => {
            let removed = open::<SortedMap<String, String>>(declared).remove(key.as_str())?;
            let changed = removed.is_some();
            (removed, changed)
        }
        #[cfg(calimero_sorted_index)]
        (K::SortedMap, Verb::Clear) => {
            (None, clear(open::<SortedMap<String, String>>(declared), |m| m.len(), |m| m.clear())?)
        }
        #[cfg(calimero_sorted_index)]
        (K::SortedSet, Verb::Insert { key, .. }) => (None, open::<SortedSet<String>>(declared).insert(owned(key))?),
        #[cfg(calimero_sorted_index)]
        (K::SortedSet, Verb::Remove { key }) => (None, open::<SortedSet<String>>(declared).remove(key.as_str())?),
        #[cfg(calimero_sorted_index)]
        (K::SortedSet, Verb::Clear) => (None, clear(open::<SortedSet<String>>(declared), |s| s.len(), |s| s.clear())?),
        (K::Frozen, Verb::Freeze { value }) => {
            // Content-addressed: freezing a value already held writes nothing new.
            let mut frozen = open::<FrozenStorage<String>>(declared);
            let held = frozen.contains(&frozen_key(value))?;
            frozen.insert(owned(value))?;
            (None, !held)
        }
        (K::Nested, Verb::Insert { key, value }) => {
            let previous = open::<Nested>(declared).insert(composite_key(key), owned(value))?;
            let changed = previous.as_deref() != Some(value);
            (previous, changed)
        }
        (K::Nested, Verb::Remove { key }) => {
            let removed = open::<Nested>(declared).remove(&composite_key(key))?;
            let changed = removed.is_some();
            (removed, changed)
        }
        (K::Nested, Verb::Clear) => (None, clear(open::<Nested>(declared), |m| m.len(), |m| m.clear())?),
        (K::MapOfMaps, Verb::Insert { key, value }) => {
            // As an app writes it: `map.entry(outer).or_insert(UnorderedMap::new())?.insert(inner, value)`.
            let (outer, inner) = two_level(key);
            let mut map = open::<MapOfMaps>(declared);
            let previous =
                map.entry(owned(outer))?.or_insert(UnorderedMap::new())?.insert(owned(inner), owned(value))?;
            let changed = previous.as_deref() != Some(value);
            (previous, changed)
        }
        (K::MapOfMaps, Verb::Remove { key }) => {
            let (outer, inner) = two_level(key);
            let mut map = open::<MapOfMaps>(declared);
            let removed = match map.get_mut(outer)? {
                Some(mut entries) => entries.remove(inner)?,
                None => None,
            };
            let changed = removed.is_some();
            (removed, changed)
        }
        // A member's own slot: calimero keys it by the executor, which `in_env` made the signer.
        #[cfg(calimero_user_storage)]
        (K::User, Verb::Insert { value, .. }) => {
            let previous = open::<UserStorage<String>>(declared).insert(owned(value))?;
            let changed = previous.as_deref() != Some(value);
            (previous, changed)
        }
        #[cfg(calimero_user_storage)]
        (K::User, Verb::Remove { .. }) => {
            let removed = open::<UserStorage<String>>(declared).remove()?;
            let changed = removed.is_some();
            (removed, changed)
        }
        // A claim, as an app makes one: a free key is inserted (the executor its owner), the
        // member's own is rewritten, another member's is left alone (calimero would refuse it).
        #[cfg(calimero_user_storage)]
        (K::Authored, Verb::Insert { key, value }) => {
            let mut map = open::<AuthoredMap<String, String>>(declared);
            let key = owned(key);
            if !map.contains(&key)? {
                map.insert(key, owned(value))?;
                (None, true)
            } else if map.owned_by_me(&key)? {
                let previous = map.get(&key)?;
                let changed = previous.as_deref() != Some(value);
                map.update(&key, owned(value))?;
                (previous, changed)
            } else {
                (None, false)
            }
        }
        #[cfg(calimero_user_storage)]
        (K::Authored, Verb::Remove { key }) => {
            let mut map = open::<AuthoredMap<String, String>>(declared);
            let key = owned(key);
            let removed = match map.owned_by_me(&key)? {
                true => map.remove(&key)?,
                false => None,
            };
            let changed = removed.is_some();
            (removed, changed)
        }
        (K::Text, Verb::Type { text, .. }) => {
            let mut rga = open::<ReplicatedGrowableArray>(declared);
            let at = op.text_range(rga.len()?).expect("a text edit").start;
            rga.insert_str(at, text)?;
            (None, !text.is_empty())
        }
        (K::Text, Verb::Erase { .. }) => {
            let mut rga = open::<ReplicatedGrowableArray>(declared);
            let held: Vec<char> = rga.get_text()?.chars().collect();
            let range = op.text_range(held.len()).expect("a text edit");
            rga.delete_range(range.start, range.end)?;
            let erased: String = held[range].iter().collect();
            let changed = !erased.is_empty();
            (Some(erased), changed)
        }
        _ => unreachable!("CrdtOp::fits was checked"),
    })
}

/// The key `FrozenStorage` stores `value` under: the SHA-256 of its borsh bytes, as calimero
/// derives it (an app keeps these to read its values back).
pub(super) fn frozen_key(value: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(borsh::to_vec(value).expect("a string always serializes")).into()
}

/// Clears `collection`; changed if it held anything.
fn clear<T>(
    mut collection: T,
    len: impl Fn(&T) -> Result<usize, StoreError>,
    clear: impl FnOnce(&mut T) -> Result<(), StoreError>,
) -> Result<bool, StoreError> {
    let had = len(&collection)? > 0;
    clear(&mut collection)?;
    Ok(had)
}

/// A delta's actions worth replaying elsewhere: all but `Compare` (a sync-time query, removed
/// from calimero-storage in 0.11.0-rc.14).
pub(crate) fn keeps(action: &Action) -> bool {
    #[cfg(not(calimero_no_compare))]
    if matches!(action, Action::Compare { .. }) {
        return false;
    }
    let _ = action;
    true
}
