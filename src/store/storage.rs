//! A node's replicated state: the real `calimero-storage` Merkle tree over a `calimero-store`
//! in-memory database — the same `Index`/`Interface<MainStorage>` code production runs, reached
//! through the same `RuntimeEnv` callbacks the sync protocols install.
//!
//! calimero-storage resolves "which store am I writing to" through a thread-local `RuntimeEnv`.
//! Every call here goes through [`SimStorage::with_env`], a synchronous scope with no `.await`
//! inside, so interleaved simulated nodes on one OS thread never see each other's store.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use calimero_node_primitives::sync::storage_bridge::create_runtime_env;
use calimero_primitives::context::ContextId;
use calimero_primitives::crdt::CrdtType;
use calimero_primitives::identity::PublicKey;
use calimero_storage::address::Id;
use calimero_storage::entities::{ChildInfo, Metadata};
use calimero_storage::env::{time_now, with_runtime_env};
use calimero_storage::index::{EntityIndex, Index};
use calimero_storage::interface::{Action, ApplyContext, Interface};
use calimero_storage::store::MainStorage;
#[cfg(calimero_store_raw)]
use calimero_store::db::Column;
use calimero_store::Store;
use sha2::{Digest, Sha256};

use crate::error::StorageError;
use crate::faults::NodeClock;
use crate::ids::EntityId;

use super::meter::{MeteredDb, StoreIo};

/// `inner_type` of the LWW registers merosim writes by default.
pub const DEFAULT_INNER_TYPE: &str = "merosim::Bytes";

/// The Merkle tree guard rails: a malformed tree (a cycle) makes HashComparison re-queue nodes
/// until its own 10,000-node limit fires, so walks here stop at a depth no sane tree reaches.
pub(crate) const MAX_WALK_DEPTH: usize = 4_096;

/// One node's store: a context's Merkle tree in `Store<InMemoryDB>`.
#[derive(Clone)]
pub struct SimStorage {
    pub(super) store: Store,
    /// The backend under `store`, kept for its traffic counts.
    db: MeteredDb,
    context_id: ContextId,
    identity: PublicKey,
    /// Last write timestamp this node issued; see [`SimStorage::stamp`].
    last_stamp: Arc<AtomicU64>,
    /// The node's clock against true virtual time, and when it started drifting.
    clock: NodeClock,
    clock_start: u64,
    /// The context's execution lock, one per node and context as production's context manager
    /// keeps it: what pushes to production's responder are applied under
    /// (`protocols/context_actor.rs`). Shared by clones, kept across a crash like the store.
    context_lock: Arc<tokio::sync::RwLock<ContextId>>,
    /// The keys of the node this store is (none for a scratch store): what its sync requests
    /// are signed with where the release checks them.
    keys: Option<super::NodeKeys>,
    /// Whether the context was initialised here though the store holds no state yet: a member
    /// of an app's context from its start, where production's app `init` wrote the app's state
    /// (merosim's apps keep none at the root, so the rows cannot say it). Shared by clones,
    /// kept across a crash like the store.
    initialized: Arc<std::sync::atomic::AtomicBool>,
    /// The deltas this store took, for triage's eye on one taken twice (`applies.rs`).
    applies: super::applies::DeltaApplies,
    /// The node's own ordered index, where calimero keeps it in a thread-local (see the module).
    #[cfg(all(calimero_sorted_index, not(calimero_index_bridge)))]
    pub(super) ordered_index: super::ordered_index::OrderedIndex,
}

/// What a handshake carries about a node's state, computed in one pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateSummary {
    pub root_hash: [u8; 32],
    pub entity_count: u64,
    pub max_depth: u32,
}

/// A write's metadata, given explicitly instead of stamped by the node: for tests that need exact
/// timestamps (last-writer-wins races, same children created in different orders) or a chosen
/// CRDT type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteMeta {
    pub created_at: u64,
    pub updated_at: u64,
    /// `None` writes an "opaque" entity with no CRDT type.
    pub crdt_type: Option<CrdtType>,
}

impl WriteMeta {
    /// Both timestamps `at`, typed as merosim's default LWW register.
    pub fn at(at: u64) -> Self {
        WriteMeta { created_at: at, updated_at: at, crdt_type: Some(CrdtType::lww_register(DEFAULT_INNER_TYPE)) }
    }
}

/// What calimero-storage keeps about one entity besides its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityMeta {
    /// `None` only for the root.
    pub parent: Option<EntityId>,
    pub created_at: u64,
    pub updated_at: u64,
    pub crdt_type: Option<CrdtType>,
    /// Set for a tombstone.
    pub deleted_at: Option<u64>,
    /// Children the index lists (live ones; tombstoned children are kept apart).
    pub children: Vec<EntityId>,
    /// The tombstoned children the index keeps apart (none before 0.11.0-rc.1, whose index
    /// keeps no such list).
    pub deleted_children: Vec<EntityId>,
    /// The Merkle hashes: this entity's bytes alone, and with its subtree.
    pub own_hash: [u8; 32],
    pub full_hash: [u8; 32],
}

/// One live entity as the canonical digest sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntitySnapshot {
    pub id: EntityId,
    pub parent: EntityId,
    pub depth: usize,
    pub data: Vec<u8>,
}

impl SimStorage {
    /// Creates an empty store with the context root in place.
    pub fn new(context_id: ContextId, identity: PublicKey) -> Result<Self, StorageError> {
        let db = MeteredDb::new();
        let storage = Self {
            store: Store::new(Arc::new(db.clone())),
            db,
            context_id,
            identity,
            last_stamp: Arc::new(AtomicU64::new(0)),
            clock: NodeClock::default(),
            clock_start: 0,
            context_lock: Arc::new(tokio::sync::RwLock::new(context_id)),
            keys: None,
            initialized: Arc::default(),
            applies: Default::default(),
            #[cfg(all(calimero_sorted_index, not(calimero_index_bridge)))]
            ordered_index: Default::default(),
        };
        let root = storage.root_id();
        storage.apply(
            "init root",
            Action::Update { id: root, data: Vec::new(), ancestors: Vec::new(), metadata: Metadata::new(0, 0) },
        )?;
        Ok(storage)
    }

    /// This store as node `keys`'s (whose identity it was made with).
    pub fn with_keys(mut self, keys: super::NodeKeys) -> Self {
        self.keys = Some(keys);
        self
    }

    pub fn keys(&self) -> Option<super::NodeKeys> {
        self.keys
    }

    /// Stamps this store's writes with `clock` (skewed and drifting from now on) instead of true
    /// virtual time: what a node whose clock disagrees with its peers' writes.
    pub fn with_clock(mut self, clock: NodeClock) -> Self {
        self.clock_start = self.with_env(time_now);
        self.clock = clock;
        self
    }

    /// The node's per-context execution lock (see the field).
    pub fn context_lock(&self) -> Arc<tokio::sync::RwLock<ContextId>> {
        Arc::clone(&self.context_lock)
    }

    /// The clock this store stamps writes with.
    pub fn clock(&self) -> NodeClock {
        self.clock
    }

    /// What calimero has read from and written to this store so far, for cost measurements.
    pub fn io(&self) -> StoreIo {
        self.db.io()
    }

    /// The underlying store, as the sync protocols take it.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn context_id(&self) -> ContextId {
        self.context_id
    }

    pub fn identity(&self) -> PublicKey {
        self.identity
    }

    /// The root entity's id is the context id (`Id::root()` in calimero-storage).
    pub fn root_id(&self) -> Id {
        Id::new(*self.context_id.as_ref())
    }

    /// Runs `f` with this store installed as calimero-storage's current environment.
    #[cfg(not(calimero_runtime_account))]
    pub fn with_env<R>(&self, f: impl FnOnce() -> R) -> R {
        self.with_env_executing_as(self.identity, f)
    }

    /// Runs `f` as [`SimStorage::with_env`] does, executing as the public half of the node's
    /// identity secret: what calimero-storage stamps as the owner of a User-owned write, and what
    /// production's signer signs with. From 0.11.0-rc.9 that is the node's identity itself; before,
    /// merosim's identities are the secret's bytes (keys.rs), so a User write runs as the real key.
    #[cfg(not(calimero_runtime_account))]
    pub fn with_env_as_signer<R>(&self, f: impl FnOnce() -> R) -> R {
        self.with_env_executing_as(self.keys.map_or(self.identity, |k| k.signing_key()), f)
    }

    /// Runs `f` over this store with calimero-storage executing as `executor`: a Byzantine member
    /// writing a slot as the member it belongs to (`crdt::forge`), on a store it then puts back.
    #[cfg(not(calimero_runtime_account))]
    pub fn with_env_executing_as<R>(&self, executor: PublicKey, f: impl FnOnce() -> R) -> R {
        self.install_ordered_index();
        with_runtime_env(create_runtime_env(&self.store, self.context_id, executor), f)
    }

    /// Runs `f` with this store installed as calimero-storage's current environment. Newer
    /// calimero also names the account the node executes as; production resolves it through its
    /// governance store. merosim's nodes belong to no group and drive no user- or shared-scoped
    /// storage (the only readers of the account), so the node's identity stands in for it; the
    /// protocols still resolve their own account in their sessions.
    #[cfg(calimero_runtime_account)]
    pub fn with_env<R>(&self, f: impl FnOnce() -> R) -> R {
        let bytes: [u8; 32] = *self.identity.as_ref();
        let account = calimero_primitives::identity::AccountId::from(bytes);
        self.install_ordered_index();
        with_runtime_env(create_runtime_env(&self.store, self.context_id, self.identity, account), f)
    }

    /// Makes calimero's thread-local ordered index this node's, where calimero keeps one.
    fn install_ordered_index(&self) {
        #[cfg(all(calimero_sorted_index, not(calimero_index_bridge)))]
        self.ordered_index.install();
    }

    /// The record of the deltas this store applied (`applies.rs`).
    pub fn applies(&self) -> &super::applies::DeltaApplies {
        &self.applies
    }

    /// Whether the node never received state: its root has no child (merosim's stores hold a
    /// root entity from the start; production's freshly joined context holds nothing), and no
    /// app's `init` ran here ([`SimStorage::initialize`]).
    pub fn is_fresh(&self) -> bool {
        if self.initialized.load(std::sync::atomic::Ordering::Relaxed) {
            return false;
        }
        let root = *self.root_id().as_bytes();
        self.metadata(root).ok().flatten().is_none_or(|m| m.children.is_empty())
    }

    /// Marks the context initialised: the node is a member of an app's context from its start,
    /// so production's app `init` gave it the app's state (a root it may execute on and sync
    /// as a peer with state, never by snapshot) before any operation.
    pub fn initialize(&self) {
        self.initialized.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Makes a store that never received state look as production's does before its first
    /// sync: no state rows at all (merosim writes a root entity when it creates a store;
    /// production's snapshot safety check, I5, counts any state row as state). Changes nothing
    /// on a store that has state. Returns whether it cleared anything.
    #[cfg(calimero_store_raw)]
    pub fn clear_if_fresh(&self) -> bool {
        if !self.is_fresh() {
            return false;
        }
        let (lo, hi) = ([0_u8; 0], [0xff_u8; 65]);
        self.store.raw_delete_range(Column::State, &lo, &hi).is_ok()
    }

    /// Runs `f` and then puts the store's state back as it was: what `f` wrote is kept nowhere.
    /// merosim's own planted bugs use it to make an operation calimero really ran (so its record
    /// carries the entities and timestamps calimero gave it) vanish from the store, which a lost
    /// operation is. Without raw column access (before 0.11.0-rc.1) nothing is undone.
    pub(crate) fn undoing<R>(&self, f: impl FnOnce() -> R) -> R {
        let Err(result) = self.atomically(|| Err::<std::convert::Infallible, R>(f()));
        result
    }

    /// Creates `id` under `parent` (the root when `None`) or overwrites its data if it exists.
    ///
    /// The entity is typed as an LWW register, as the Calimero SDK types a plain state field;
    /// [`upsert_typed`](Self::upsert_typed) chooses the CRDT type (or none: an "opaque" entity).
    ///
    /// Returns the calimero `Action` that was applied — what a node would broadcast as a delta.
    pub fn upsert(&self, id: EntityId, parent: Option<EntityId>, data: &[u8]) -> Result<Action, StorageError> {
        self.upsert_typed(id, parent, data, Some(CrdtType::lww_register(DEFAULT_INNER_TYPE)))
    }

    /// [`upsert`](Self::upsert) with an explicit CRDT type in the entity's metadata.
    ///
    /// Refuses the root id: a child whose id equals the context id makes the root its own
    /// descendant, and HashComparison then walks the cycle until its pending-node guard aborts
    /// (see docs/pending-nodes-abort.md).
    pub fn upsert_typed(
        &self,
        id: EntityId,
        parent: Option<EntityId>,
        data: &[u8],
        crdt_type: Option<CrdtType>,
    ) -> Result<Action, StorageError> {
        self.write(id, parent, data, |existing| {
            let now = self.stamp();
            let created_at = existing.map_or(now, |e| e.metadata.created_at);
            typed(Metadata::new(created_at, now), crdt_type)
        })
    }

    /// [`upsert`](Self::upsert) with every metadata field given: the write carries exactly these
    /// timestamps and this type, as a write made elsewhere (or earlier) would. The node's own
    /// write clock is left alone.
    pub fn upsert_with(
        &self,
        id: EntityId,
        parent: Option<EntityId>,
        data: &[u8],
        meta: &WriteMeta,
    ) -> Result<Action, StorageError> {
        self.write(id, parent, data, |_| typed(Metadata::new(meta.created_at, meta.updated_at), meta.crdt_type.clone()))
    }

    /// Creates or updates `id`, with the metadata `metadata` derives from the live entity (if any).
    fn write(
        &self,
        id: EntityId,
        parent: Option<EntityId>,
        data: &[u8],
        metadata: impl FnOnce(Option<&EntityIndex>) -> Metadata,
    ) -> Result<Action, StorageError> {
        let entity = Id::new(id);
        if entity == self.root_id() {
            return Err(StorageError::ReservedId { id: hex::encode(id) });
        }
        let parent = parent.map_or(self.root_id(), Id::new);
        if parent == entity {
            return Err(StorageError::SelfParent { id: hex::encode(id) });
        }
        let existing = self.index(entity)?.filter(|i| i.deleted_at.is_none());
        let metadata = metadata(existing.as_ref());
        // Updates carry the ancestor chain too, so a peer that missed the entity's creation can
        // still place it when the update arrives as a delta.
        let action = match existing {
            Some(existing) => Action::Update {
                id: entity,
                data: data.to_vec(),
                ancestors: self.ancestor_chain(existing.parent_id().unwrap_or(parent))?,
                metadata,
            },
            None => Action::Add { id: entity, data: data.to_vec(), ancestors: self.ancestor_chain(parent)?, metadata },
        };
        self.apply("write entity", action.clone())?;
        Ok(action)
    }

    /// Tombstones `id` (calimero's `DeleteRef`); its subtree leaves the live view with it.
    pub fn delete(&self, id: EntityId) -> Result<Action, StorageError> {
        let entity = Id::new(id);
        if entity == self.root_id() {
            return Err(StorageError::ReservedId { id: hex::encode(id) });
        }
        if !self.exists(id) {
            return Err(StorageError::NotFound { id: hex::encode(id) });
        }
        let now = self.stamp();
        let action = Action::DeleteRef { id: entity, deleted_at: now, metadata: Metadata::new(now, now) };
        self.apply("delete entity", action.clone())?;
        Ok(action)
    }

    /// Applies an action another node produced (a gossiped delta) with calimero's own
    /// `Interface::apply_action`, exactly as a received delta is applied.
    pub fn apply_remote(&self, action: Action) -> Result<(), StorageError> {
        self.apply("apply delta", action)
    }

    /// Whether `id` is present and not tombstoned.
    pub fn exists(&self, id: EntityId) -> bool {
        let entity = Id::new(id);
        self.with_env(
            || matches!(Index::<MainStorage>::get_index(entity), Ok(Some(index)) if index.deleted_at.is_none()),
        )
    }

    /// The entity's stored bytes, if it is live.
    pub fn get(&self, id: EntityId) -> Option<Vec<u8>> {
        self.exists(id).then(|| self.entry_row(id)).flatten()
    }

    /// The entity's entry row as stored, whatever the index says of it (the `index-rows` oracle
    /// compares the two).
    pub fn entry_row(&self, id: EntityId) -> Option<Vec<u8>> {
        self.with_env(|| Interface::<MainStorage>::find_by_id_raw(Id::new(id)))
    }

    /// What the index keeps about `id` (live or tombstoned), or `None` if it was never written.
    pub fn metadata(&self, id: EntityId) -> Result<Option<EntityMeta>, StorageError> {
        Ok(self.index(Id::new(id))?.map(|index| EntityMeta {
            parent: index.parent_id().map(|p| *p.as_bytes()),
            created_at: index.metadata.created_at,
            updated_at: index.metadata.updated_at(),
            crdt_type: index.metadata.crdt_type.clone(),
            deleted_at: index.deleted_at,
            children: index.children().unwrap_or_default().iter().map(|c| *c.id().as_bytes()).collect(),
            #[cfg(calimero_delete_push)]
            deleted_children: index.deleted_children().iter().map(|c| *c.as_bytes()).collect(),
            #[cfg(not(calimero_delete_push))]
            deleted_children: Vec::new(),
            own_hash: index.own_hash(),
            full_hash: index.full_hash(),
        }))
    }

    /// The parent of a live entity (the root's id for a top-level one).
    pub fn parent(&self, id: EntityId) -> Option<EntityId> {
        self.metadata(id).ok().flatten().filter(|m| m.deleted_at.is_none()).and_then(|m| m.parent)
    }

    /// The root's full Merkle hash — what the sync handshake compares.
    pub fn root_hash(&self) -> Result<[u8; 32], StorageError> {
        let root = self.root_id();
        let hashes = self
            .with_env(|| Index::<MainStorage>::get_hashes_for(root))
            .map_err(|source| StorageError::Calimero { op: "root hash", source })?;
        Ok(hashes.map(|(full, _own)| full).unwrap_or([0; 32]))
    }

    /// Every live entity below the root, depth-first in id order.
    pub fn entities(&self) -> Result<Vec<EntitySnapshot>, StorageError> {
        let mut out = Vec::new();
        self.walk(|index, depth| {
            let id = *index.id().as_bytes();
            let parent = index.parent_id().map_or([0; 32], |p| *p.as_bytes());
            let data = Interface::<MainStorage>::find_by_id_raw(index.id()).unwrap_or_default();
            out.push(EntitySnapshot { id, parent, depth, data });
        })?;
        Ok(out)
    }

    /// Root hash, live entity count and depth from one walk — what a handshake needs.
    pub fn summary(&self) -> Result<StateSummary, StorageError> {
        let (mut entity_count, mut max_depth) = (0_u64, 0_usize);
        self.walk(|_, depth| {
            entity_count += 1;
            max_depth = max_depth.max(depth);
        })?;
        Ok(StateSummary { root_hash: self.root_hash()?, entity_count, max_depth: max_depth as u32 })
    }

    /// Number of live entities, not counting the root.
    pub fn entity_count(&self) -> Result<usize, StorageError> {
        Ok(self.summary()?.entity_count as usize)
    }

    /// Number of live entities with no live child: the values, as opposed to the containers
    /// holding them (which is what the entity count mixes together).
    pub fn leaf_count(&self) -> Result<usize, StorageError> {
        let entities = self.entities()?;
        let parents: std::collections::BTreeSet<EntityId> = entities.iter().map(|e| e.parent).collect();
        Ok(entities.iter().filter(|e| !parents.contains(&e.id)).count())
    }

    /// Deepest live entity (root = 0, its children = 1).
    pub fn max_depth(&self) -> Result<usize, StorageError> {
        Ok(self.summary()?.max_depth as usize)
    }

    /// Visits every live entity below the root, depth-first in id order, reading each index
    /// once inside one storage scope (`visit` runs inside it too). A visited set stops cycles.
    fn walk(&self, mut visit: impl FnMut(&EntityIndex, usize)) -> Result<(), StorageError> {
        let root = self.root_id();
        self.with_env(|| {
            let mut seen = std::collections::BTreeSet::new();
            let mut stack = vec![(root, 0_usize)];
            while let Some((id, depth)) = stack.pop() {
                if depth >= MAX_WALK_DEPTH {
                    return Err(StorageError::TooDeep { depth });
                }
                if !seen.insert(id) {
                    continue;
                }
                let index = Index::<MainStorage>::get_index(id)
                    .map_err(|source| StorageError::Calimero { op: "read index", source })?;
                let Some(index) = index.filter(|i| i.deleted_at.is_none()) else { continue };
                if id != root {
                    visit(&index, depth);
                }
                let mut children: Vec<Id> = index.children().unwrap_or_default().iter().map(ChildInfo::id).collect();
                children.sort_unstable_by(|a, b| b.as_bytes().cmp(a.as_bytes()));
                stack.extend(children.into_iter().map(|c| (c, depth + 1)));
            }
            Ok(())
        })
    }

    /// A digest of the live state only (ids, parents, bytes), blind to timestamps and HLC
    /// metadata, so two nodes that hold the same data agree even when their histories differ.
    pub fn digest(&self) -> Result<[u8; 32], StorageError> {
        let mut entities = self.entities()?;
        entities.sort_by_key(|e| e.id);
        let mut hasher = Sha256::new();
        for e in &entities {
            hasher.update(e.id);
            hasher.update(e.parent);
            hasher.update((e.data.len() as u64).to_le_bytes());
            hasher.update(&e.data);
        }
        Ok(hasher.finalize().into())
    }

    /// A write timestamp: the node's clock reading of virtual wall-clock nanoseconds, strictly
    /// increasing per node.
    ///
    /// Production stamps writes with `time_now()`; virtual time stands still while a scenario
    /// writes, so without the bump every write of a setup would carry the same timestamp and
    /// last-writer-wins would compare ties instead of order. A skewed clock shifts the reading;
    /// it never runs backwards for its own node (the bump keeps it monotonic).
    fn stamp(&self) -> u64 {
        let now = self.clock.read(self.with_env(time_now), self.clock_start);
        let bump = |prev: u64| now.max(prev + 1);
        let prev = self
            .last_stamp
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |prev| Some(bump(prev)))
            .unwrap_or_else(|prev| prev);
        bump(prev)
    }

    /// The owner `id` is stored under, if it is a User-owned entity (a slot of `UserStorage`).
    #[cfg(calimero_user_storage)]
    pub fn user_owner(&self, id: EntityId) -> Option<PublicKey> {
        match self.index(Id::new(id)).ok()??.metadata.storage_type {
            calimero_storage::entities::StorageType::User { owner, .. } => Some(owner),
            _ => None,
        }
    }

    fn index(&self, id: Id) -> Result<Option<EntityIndex>, StorageError> {
        self.with_env(|| Index::<MainStorage>::get_index(id))
            .map_err(|source| StorageError::Calimero { op: "read index", source })
    }

    /// `[parent, grandparent, …, root]` as `Action::Add` expects, each with its current hash.
    fn ancestor_chain(&self, parent: Id) -> Result<Vec<ChildInfo>, StorageError> {
        let mut chain = Vec::new();
        let mut cursor = Some(parent);
        while let Some(id) = cursor {
            if chain.len() >= MAX_WALK_DEPTH {
                return Err(StorageError::TooDeep { depth: chain.len() });
            }
            let Some(index) = self.index(id)? else {
                return Err(StorageError::ParentMissing { id: hex::encode(id.as_bytes()) });
            };
            if id != self.root_id() && !self.exists(*id.as_bytes()) {
                return Err(StorageError::ParentMissing { id: hex::encode(id.as_bytes()) });
            }
            chain.push(ChildInfo::new(id, index.full_hash(), index.metadata.clone()));
            cursor = index.parent_id();
        }
        Ok(chain)
    }

    fn apply(&self, op: &'static str, action: Action) -> Result<(), StorageError> {
        self.with_env(|| Interface::<MainStorage>::apply_action(action, &ApplyContext::empty()))
            .map_err(|source| StorageError::Calimero { op, source })
    }
}

fn typed(mut metadata: Metadata, crdt_type: Option<CrdtType>) -> Metadata {
    metadata.crdt_type = crdt_type;
    metadata
}

impl std::fmt::Debug for SimStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimStorage").field("context_id", &self.context_id).finish_non_exhaustive()
    }
}
