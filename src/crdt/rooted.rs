//! An app whose state is a `Root<T>`: the `#[app::state]` struct every calimero SDK app keeps,
//! declared with the SDK's own macros, so the field-by-field `Mergeable` a root-state merge runs
//! is the one production's app compiles. merosim's other apps hang their collections off the
//! context root, where no root entry is ever written twice; here every call commits the root
//! entry (the SDK's method wrapper does), so two nodes' concurrent calls leave it differing and
//! sync must merge it: through calimero-storage's merge registry when a delta carries it (inside
//! `__calimero_sync_next`, as in the app's WASM), through `__calimero_merge_root_state` when
//! HashComparison or a push defers it to the app. On every release so far neither merges a
//! field: the typed merge cannot read a stored root entry, and HashComparison never defers one
//! (F22, docs/findings.md).
//!
//! The SDK generates the app's entry points for WASM only; [`install`], [`call`] and
//! [`merge_export`] do natively what those generated exports do, and nothing else.

use std::collections::BTreeMap;

use calimero_sdk::app;
use calimero_storage::collections::{LwwRegister, Root, UnorderedMap, UnorderedSet};
use calimero_storage::merge::{merge_root_state_typed, MergeRootStateRequest, MergeRootStateResponse};

/// The app's state: a map of registers, a set and two registers, one field of each kind a
/// root-state merge treats differently (a map's per-key merge, a set's union, a register's LWW).
/// The two registers live in the root entry's own bytes and are written by different calls, so
/// a merge that took one side's root entry whole would drop the other side's register.
#[app::state]
pub struct RootedApp {
    items: UnorderedMap<String, LwwRegister<String>>,
    tags: UnorderedSet<String>,
    title: LwwRegister<String>,
    unset: LwwRegister<String>,
}

#[app::logic]
impl RootedApp {
    /// The state a context starts with (the init wrapper then gives each top-level collection
    /// its deterministic id).
    #[app::init]
    pub fn init() -> RootedApp {
        RootedApp {
            items: UnorderedMap::new(),
            tags: UnorderedSet::new(),
            title: LwwRegister::new(String::new()),
            unset: LwwRegister::new(String::new()),
        }
    }

    /// Sets `key` to `value`, tags it, and titles the state with the value: what it held before.
    pub fn set(&mut self, key: String, value: String) -> app::Result<Option<String>> {
        let previous = self.items.insert(key.clone(), LwwRegister::new(value.clone()))?;
        let _ = self.tags.insert(key)?;
        self.title.set(value);
        Ok(previous.map(|r| r.get().clone()))
    }

    /// Takes `key` and its tag away, and notes it as the last key unset: what it held.
    pub fn unset(&mut self, key: String) -> app::Result<Option<String>> {
        let removed = self.items.remove(&key)?;
        let _ = self.tags.remove(&key)?;
        self.unset.set(key);
        Ok(removed.map(|r| r.get().clone()))
    }
}

/// What the WASM runtime does when it loads the app (`__calimero_register_merge`): put its
/// state's typed merge in calimero-storage's registry. The registry is process-wide and this
/// is the only type merosim registers, so every run sees the same one; it is consulted only for
/// an app root entry, which no other merosim app writes.
pub fn register() {
    calimero_storage::register_crdt_merge::<RootedApp>();
}

/// The app's `init` as the SDK's init export runs it, refused over existing state as there.
pub(super) fn install() -> Result<(), String> {
    if entry().is_some() {
        return Err("Cannot initialize over already existing state.".into());
    }
    Root::new(|| {
        let mut state = RootedApp::init();
        state.__assign_deterministic_ids();
        state
    })
    .commit();
    Ok(())
}

/// [`install`], and the actions its commit handed the runtime (none if it was refused).
pub(super) fn installed() -> Vec<calimero_storage::interface::Action> {
    let _ = calimero_storage::env::take_last_artifact();
    match install() {
        Ok(()) => committed_actions(),
        Err(_) => Vec::new(),
    }
}

/// A method call as the SDK's method export runs it: the state fetched (a node without it
/// cannot run the app), the method, the state committed.
pub(super) fn call(f: impl FnOnce(&mut RootedApp) -> app::Result<Option<String>>) -> Result<Option<String>, String> {
    // An artifact an earlier commit on this thread left is not this call's.
    let _ = calimero_storage::env::take_last_artifact();
    let Some(mut state) = state() else {
        return Err("Failed to find or read app state".into());
    };
    // The error as the app's caller reads it: its JSON.
    let returned = f(&mut state).map_err(|e| serde_json::to_string(&e).unwrap_or_else(|_| format!("{e:?}")))?;
    state.commit();
    Ok(returned)
}

/// The actions the last call's commit handed the runtime (`env::commit`'s artifact): what
/// production's execute makes the call's delta of.
pub(super) fn committed_actions() -> Vec<calimero_storage::interface::Action> {
    use calimero_storage::delta::StorageDelta;
    match calimero_storage::env::take_last_artifact().map(|a| borsh::from_slice::<StorageDelta>(&a)) {
        Some(Ok(StorageDelta::Actions(actions))) => actions,
        _ => Vec::new(),
    }
}

/// The app's state on the current store, if it holds one. `Root::fetch` finds the context root
/// and would read the entry from it, which panics where the entry is missing: the entry first.
fn state() -> Option<Root<RootedApp>> {
    entry().and_then(|_| Root::<RootedApp>::fetch())
}

/// What the app reads back: `item/<key>` → value, `tag/<key>`, `title` and `unset`; empty on a node
/// without the state.
pub(super) fn read() -> Result<BTreeMap<String, String>, calimero_storage::collections::StoreError> {
    let mut view = BTreeMap::new();
    let Some(state) = state() else { return Ok(view) };
    for (key, value) in state.items.entries()? {
        let _ = view.insert(format!("item/{key}"), value.get().clone());
    }
    for tag in state.tags.iter()? {
        let _ = view.insert(format!("tag/{tag}"), String::new());
    }
    let _ = view.insert("title".into(), state.title.get().clone());
    let _ = view.insert("unset".into(), state.unset.get().clone());
    Ok(view)
}

/// The root entry's id, if the current store holds it: the one child of the context root that
/// calimero treats as app root state.
pub(super) fn entry() -> Option<[u8; 32]> {
    use calimero_storage::index::Index;
    use calimero_storage::store::MainStorage;
    let root = calimero_storage::address::Id::root();
    let children = Index::<MainStorage>::get_children_of(root).ok()?;
    children
        .iter()
        .map(|c| c.id())
        .find(|id| calimero_storage::collections::is_app_root_entry(*id) && !id.is_root())
        .map(|id| *id.as_bytes())
}

/// `__calimero_merge_root_state` as the SDK generates it: the request decoded, the typed merge
/// of this app's state, the response encoded — `None` for a payload that is not a request (the
/// export panics there, and the host sees a failed call).
#[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "the context manager stand-in runs it"))]
pub fn merge_export(payload: &[u8]) -> Option<Vec<u8>> {
    let request: MergeRootStateRequest = borsh::from_slice(payload).ok()?;
    let response = match merge_root_state_typed::<RootedApp>(
        &request.existing,
        &request.incoming,
        request.existing_created_at,
        request.existing_ts,
        request.incoming_ts,
    ) {
        Ok(bytes) => MergeRootStateResponse::Ok(bytes),
        Err(err) => MergeRootStateResponse::Err(format!("{err:?}")),
    };
    borsh::to_vec(&response).ok()
}

/// The two registers a stored root entry holds (`title`, `unset`): the entry is the state
/// followed by the entry's own id, as calimero stores every collection entry. `None` for bytes
/// that are not this app's root entry.
pub fn registers_in(entry: &[u8]) -> Option<BTreeMap<String, String>> {
    let (state, _id) = borsh::from_slice::<(RootedApp, [u8; 32])>(entry).ok()?;
    Some([("title".to_owned(), state.title.get().clone()), ("unset".to_owned(), state.unset.get().clone())].into())
}

#[cfg(test)]
mod tests {
    use calimero_storage::merge::{MergeRootStateRequest, MergeRootStateResponse};

    use super::*;
    use crate::crdt::{context_id, CollectionKind, CrdtOp, Layout, Verb};
    use crate::store::SimStorage;

    fn set(key: &str, value: &str) -> CrdtOp {
        CrdtOp::new("state", CollectionKind::Rooted, Verb::Insert { key: key.into(), value: value.into() })
    }

    /// The root entry `storage` holds, as stored.
    fn stored(storage: &SimStorage) -> Vec<u8> {
        use calimero_storage::interface::Interface;
        use calimero_storage::store::MainStorage;
        storage
            .with_env(|| Interface::<MainStorage>::find_by_id_raw(calimero_storage::address::Id::new(entry()?)))
            .expect("the app is installed")
    }

    fn merge(existing: &[u8], incoming: &[u8]) -> MergeRootStateResponse {
        let request = MergeRootStateRequest {
            existing: existing.to_vec(),
            incoming: incoming.to_vec(),
            existing_created_at: 1,
            existing_ts: 2,
            incoming_ts: 3,
        };
        let response = merge_export(&borsh::to_vec(&request).unwrap()).expect("a request");
        borsh::from_slice(&response).unwrap()
    }

    /// F22's cause: calimero stores the root entry as the state followed by the entry's id, and
    /// the typed merge (the registry's, and `merge_root_state_typed` behind the app's export)
    /// reads the whole entry as the state, which fails (`Not all bytes read`); the state alone
    /// merges. Every root-entry merge then falls back to taking one side whole.
    #[test]
    fn f22_the_typed_merge_cannot_read_a_stored_root_entry() {
        crate::crdt::warm_up();
        let (a, b) = (
            SimStorage::new(context_id(), [1; 32].into()).unwrap(),
            SimStorage::new(context_id(), [2; 32].into()).unwrap(),
        );
        let layout = Layout::new(context_id(), &[("state".into(), CollectionKind::Rooted)]).unwrap();
        for action in layout.apply(&a, &set("k0", "a0")).unwrap().actions {
            b.apply_remote(action).unwrap();
        }
        layout.apply(&a, &set("k1", "a1")).unwrap();
        layout.apply(&b, &set("k2", "b2")).unwrap();
        let (ours, theirs) = (stored(&a), stored(&b));
        assert_eq!(registers_in(&ours).unwrap()["title"], "a1");
        assert_eq!(registers_in(&theirs).unwrap()["title"], "b2");
        match merge(&ours, &theirs) {
            MergeRootStateResponse::Err(e) => assert!(e.contains("Not all bytes read"), "{e}"),
            MergeRootStateResponse::Ok(_) => panic!("the typed merge read a stored root entry"),
        }
        // The state alone, as calimero's own merge tests hand it over, merges field by field.
        let state = |entry: &[u8]| entry[..entry.len() - 32].to_vec();
        let MergeRootStateResponse::Ok(merged) = a.with_env(|| merge(&state(&ours), &state(&theirs))) else {
            panic!("the bare state merges");
        };
        let merged: RootedApp = borsh::from_slice(&merged).unwrap();
        assert_eq!(merged.title.get(), "b2", "the later title");
    }
}
