//! Production's HashComparison responder: `SyncManager::handle_tree_node_request`, the method
//! calimero-node's manager dispatches an inbound `TreeNodeRequest` to — not
//! `HashComparisonProtocol::run_responder`, which the two had drifted from (#3251, fixed in
//! 0.11.0-rc.14). Built only against a calimero-node that `scripts/visibility-patch` made
//! constructible (`cfg(calimero_manager_visible)`, set by build.rs).
//!
//! Each node gets a real `SyncManager` over its own store, its clients wired as upstream's
//! standalone test builder wires them: lazy actix recipients that nothing initialises. What the
//! responder reads from the store, merosim writes as production's context manager would: the
//! context's metadata with its current root hash (the responder recognises a root request by it)
//! and the node's identity, marked owned (the responder answers only as a member).
//!
//! Pushes are served too: production applies them (`handle_entity_push_locked`, the delete push)
//! under a per-context write lock it asks the context manager's actix actor for, and
//! `context_actor` runs a stand-in of that actor on the node, without actix-rt, handing out guards
//! of the node's own lock (`SimStorage::context_lock`): two sessions pushing to one node exclude
//! each other as in production, and as the delta store's applies and the app's calls exclude them
//! on production's node path. A root-entity merge production runs through the app's WASM
//! (`dispatch_deferred_root_merges` → `Execute`) is refused by the stand-in as "application not
//! installed", and calimero skips it with a warning.

use std::sync::OnceLock;

use calimero_blobstore::config::BlobStoreConfig;
use calimero_blobstore::{BlobManager as BlobStore, FileSystem};
use calimero_context_client::client::ContextClient;
use calimero_crypto::Nonce;
use calimero_network_primitives::client::NetworkClient;
use calimero_node::state::NodeState;
use calimero_node::sync::{SyncConfig, SyncManager};
use calimero_node_primitives::client::{BlobManager, NodeClient, SyncClient};
use calimero_node_primitives::sync::SyncTransport;
use calimero_primitives::identity::PublicKey;
use calimero_store::key;
use calimero_store::types::ContextIdentity;
use calimero_utils_actix::LazyRecipient;
use tokio::sync::{broadcast, mpsc};

use crate::error::SessionError;
use crate::store::SimStorage;

/// One node's `SyncManager`, holding nothing but clients over the node's store.
pub struct ProductionResponder {
    /// A clone of the node's manager: what every call here runs on.
    manager: SyncManager,
    /// The original, which alone holds the driver's request channels, until production's tick
    /// takes it (`tick`), and the settings it was built with.
    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "production's node path runs the tick"))]
    original: std::sync::Mutex<Option<SyncManager>>,
    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "production's node path runs the tick"))]
    pub(super) config: SyncConfig,
    /// Once production's tick runs, its session actor, which serves inbound streams too.
    #[cfg(calimero_node_path)]
    actor: super::driver::Actor,
    /// What the manager was built with and production's node shares with it: the node's state
    /// (its delta stores) and the context client (its context manager).
    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "production's node path reads them"))]
    pub(super) node_state: NodeState,
    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "production's node path reads them"))]
    pub(super) context_client: ContextClient,
    /// The node client and the network client, for production's gossip handler.
    #[cfg(calimero_gossip_handler)]
    pub(super) node_client: NodeClient,
    #[cfg(calimero_gossip_handler)]
    pub(super) network: NetworkClient,
}

impl ProductionResponder {
    /// Builds the node's manager and registers the node in its store as a member of its context.
    pub fn new(storage: &SimStorage) -> Result<Self, SessionError> {
        Self::with_network(storage, NetworkClient::new(LazyRecipient::new()), SyncConfig::default())
    }

    /// The node's manager whose streams to peers go through `dialer` (the network manager's
    /// stand-in), for everything production's manager initiates (a snapshot, a tick) and serves;
    /// the node has the context's application installed, as a member running it has. Its tick,
    /// once started, fires every `tick_every`.
    #[cfg(calimero_node_path)]
    pub fn with_dialer(
        storage: &SimStorage,
        dialer: std::sync::Arc<dyn super::network_actor::Dialer>,
        tick_every: std::time::Duration,
    ) -> Result<Self, SessionError> {
        install_application(storage)?;
        let network = NetworkClient::new(super::network_actor::network_manager(dialer));
        Self::with_network(storage, network, super::driver::tick_every(tick_every))
    }

    fn with_network(storage: &SimStorage, network: NetworkClient, config: SyncConfig) -> Result<Self, SessionError> {
        let (ctx_sync_tx, ctx_sync_rx) = mpsc::channel(1);
        let (ns_sync_tx, ns_sync_rx) = mpsc::channel(1);
        let (ns_join_tx, ns_join_rx) = mpsc::channel(1);
        let (subgroup_tx, subgroup_rx) = mpsc::channel(1);
        let sync = SyncClient::new(ctx_sync_tx, ns_sync_tx, ns_join_tx, subgroup_tx);
        let (node_client, context_client) = clients(storage, sync, network.clone())?;
        let node_state = node_state();
        let original = SyncManager::new(
            config,
            node_client.clone(),
            context_client.clone(),
            network.clone(),
            node_state.clone(),
            ctx_sync_rx,
            ns_sync_rx,
            ns_join_rx,
            subgroup_rx,
        );
        // Owned: the manager signs its own requests' proofs of possession with it (0.11.0-rc.10+).
        let secret = storage.keys().map_or([0; 32], |k| k.identity_secret());
        register(storage, storage.identity(), Some(secret), storage.keys().map(|k| k.sender_secret()))?;
        let manager = original.clone();
        Ok(ProductionResponder {
            manager,
            original: std::sync::Mutex::new(Some(original)),
            config,
            #[cfg(calimero_node_path)]
            actor: super::driver::Actor::default(),
            node_state,
            context_client,
            #[cfg(calimero_gossip_handler)]
            node_client,
            #[cfg(calimero_gossip_handler)]
            network,
        })
    }

    /// Serves one HashComparison session whose first request the dispatcher already read.
    pub async fn serve<T: SyncTransport>(
        &self,
        stream: &mut T,
        storage: &SimStorage,
        node_id: [u8; 32],
        max_depth: Option<u8>,
    ) -> Result<(), SessionError> {
        super::context_store::publish_root(storage)?;
        let context_id = storage.context_id();
        self.manager
            .handle_tree_node_request(context_id, node_id, max_depth, stream, Nonce::default(), None)
            .await
            .map_err(|e| SessionError::classify(&e))
    }
}

/// The clients production builds a node's sync code from, over the node's own store, wired as
/// upstream's standalone test builder wires them: the context client's actix recipient resolved
/// to the context-manager stand-in (started here, on the current madsim node), the network's and
/// the node manager's lazy and never initialised.
pub(super) fn clients(
    storage: &SimStorage,
    sync: SyncClient,
    network: NetworkClient,
) -> Result<(NodeClient, ContextClient), SessionError> {
    let store = storage.store().clone();
    let blobs = BlobManager::new(BlobStore::new(store.clone(), blob_folder()?));
    let node_client = NodeClient::new(
        store.clone(),
        blobs,
        network,
        LazyRecipient::new(),
        broadcast::channel(1).0,
        sync,
        #[cfg(not(calimero_node_client_no_topic))]
        String::new(),
        None,
    );
    let context_manager = super::context_actor::context_manager(storage);
    let context_client = ContextClient::new(store, node_client.clone(), context_manager);
    Ok((node_client, context_client))
}

/// The context client alone (the delta store's), its node client's sync channels closed: no
/// path the delta store runs asks the sync manager for anything.
#[cfg(calimero_node_path)]
pub(super) fn context_client(storage: &SimStorage) -> Result<ContextClient, SessionError> {
    let sync = SyncClient::new(mpsc::channel(1).0, mpsc::channel(1).0, mpsc::channel(1).0, mpsc::channel(1).0);
    clients(storage, sync, NetworkClient::new(LazyRecipient::new())).map(|(_, context)| context)
}

/// Writes `identity` into the node's store as a member of its context (owned when it has a
/// key; with the `sender_key` its deltas are encrypted under, where the release has one): what
/// production's context manager keeps, what the manager's dispatch checks a dialing peer
/// against, and what the gossip handler decrypts an author's delta with.
fn register(
    storage: &SimStorage,
    identity: PublicKey,
    private_key: Option<[u8; 32]>,
    sender_key: Option<[u8; 32]>,
) -> Result<(), SessionError> {
    let member = key::ContextIdentity::new(storage.context_id(), identity);
    #[cfg(calimero_identity_no_sender_key)]
    let _ = sender_key;
    let row = ContextIdentity {
        private_key,
        #[cfg(not(calimero_identity_no_sender_key))]
        sender_key,
    };
    storage
        .store()
        .handle()
        .put(&member, &row)
        .map_err(|e| SessionError::Storage(format!("registering a context member: {e}")))
}

/// Registers `identity` as a member unless the node knows it already (with its `sender_key`,
/// when one is given): a member's row, once written, keeps its keys.
#[cfg(calimero_node_path)]
pub(super) fn admit(
    storage: &SimStorage,
    identity: PublicKey,
    sender_key: Option<[u8; 32]>,
) -> Result<(), SessionError> {
    let member = key::ContextIdentity::new(storage.context_id(), identity);
    let known: Option<ContextIdentity> = storage.store().handle().get(&member).ok().flatten();
    #[cfg(not(calimero_identity_no_sender_key))]
    let complete = known.as_ref().is_some_and(|row| row.sender_key.is_some() || sender_key.is_none());
    #[cfg(calimero_identity_no_sender_key)]
    let complete = known.is_some();
    if complete {
        return Ok(());
    }
    register(storage, identity, known.and_then(|row| row.private_key), sender_key)
}

#[cfg(calimero_node_path)]
impl ProductionResponder {
    /// Serves one inbound stream as production's network event handler does: the manager's own
    /// dispatch, `handle_opened_stream`, which reads the `Init`, checks the dialer is a member
    /// of the context, and runs the responder its payload names (DAG heads, HashComparison,
    /// LevelWise, delta request, snapshot boundary and pages). Once production's tick runs, the
    /// stream goes to its session actor as a `Responder` job, as production's handler sends it
    /// (the actor's concurrency bound and session deadline then cover it; a full mailbox drops
    /// it), and this returns at once, with `true`: the actor serves it until the stream ends.
    /// `dialer` is the peer's identity in the context, registered as a member first (every node
    /// of a run is one).
    pub async fn serve_stream(
        &self,
        storage: &SimStorage,
        peer: libp2p_identity::PeerId,
        dialer: PublicKey,
        stream: calimero_network_primitives::stream::Stream,
    ) -> Result<bool, SessionError> {
        super::context_store::publish_root(storage)?;
        admit(storage, dialer, None)?;
        match self.actor.serve(peer, Box::new(stream)) {
            Ok(handed) => handed.map(|()| true),
            Err(stream) => {
                self.manager.handle_opened_stream(peer, stream).await;
                Ok(false)
            }
        }
    }

    /// The node's delta store, opened over this manager's context client and kept where the
    /// manager looks for it (`NodeState::delta_stores`), as production's node keeps one store
    /// per context that its sync code and its gossip handler share.
    pub async fn open_deltas(&self, storage: &SimStorage) -> Result<super::deltas::NodeDeltas, SessionError> {
        let deltas = super::deltas::NodeDeltas::open(storage, self.context_client.clone()).await?;
        self.node_state.delta_stores_handle().insert(storage.context_id(), deltas.store().clone());
        Ok(deltas)
    }

    /// Runs production's tick on this node (`SyncManager::start` with its session actor, see
    /// `driver`) until the node's task queue dies; `on_result` sees each session's result. Once
    /// per manager: a second call is refused.
    pub async fn tick(
        &self,
        storage: &SimStorage,
        on_result: impl FnMut(super::TickResult) + 'static,
    ) -> Result<(), SessionError> {
        let original = self.original.lock().ok().and_then(|mut o| o.take());
        let original = original.ok_or_else(|| SessionError::Protocol("the node's tick already runs".to_owned()))?;
        // The handshake reads the context's metadata root; the app and delta paths keep it
        // current from here on.
        super::context_store::publish_root(storage)?;
        super::driver::run(original, self.config, &self.actor, on_result).await;
        Ok(())
    }

    /// Pulls the `missing` parents of `deltas`' pending deltas from `peer` through production's
    /// `DeltaRequest` path: `SyncManager::request_missing_deltas` opens a stream to the peer
    /// (its manager's delta responder answers), fetches each delta and its missing ancestors
    /// down to what the node holds, and adds them to the node's delta store in topological order.
    pub async fn pull_parents(
        &self,
        storage: &SimStorage,
        deltas: super::deltas::NodeDeltas,
        missing: Vec<[u8; 32]>,
        peer: libp2p_identity::PeerId,
    ) -> Result<(), SessionError> {
        let (context, me) = (storage.context_id(), storage.identity());
        self.manager
            .request_missing_deltas(context, missing, peer, deltas.into_store(), me)
            .await
            .map_err(|e| SessionError::classify(&e))
    }

    /// Bootstraps the node from `peer` as production's sync does for a node without state:
    /// `perform_interval_sync` with that peer, whose DAG sync asks the peer for its state, runs
    /// `request_snapshot_sync` without `force` (its I5 check refuses a node with state; the
    /// peer's boundary and page responders at the other end), adds the boundary's checkpoints to
    /// the delta store, fine-syncs from the boundary, and ends the buffering the gossip handler
    /// started for the uninitialised context, replaying what it buffered. Returns the protocol
    /// production's sync reports.
    pub async fn bootstrap(
        &self,
        storage: &SimStorage,
        peer: libp2p_identity::PeerId,
    ) -> Result<&'static str, SessionError> {
        super::context_store::publish_root(storage)?;
        let (_, protocol) = self
            .manager
            .perform_interval_sync(storage.context_id(), Some(peer))
            .await
            .map_err(|e| SessionError::classify(&e))?;
        Ok(super::plan::protocol_name(&protocol))
    }
}

/// Records the context's application as installed, as a production node that joined the
/// context has it: its metadata and its bytecode blob's record (production's initiator refuses
/// to sync a context whose application it lacks). The blob's bytes are never read: merosim
/// runs the app natively (`context_actor`).
#[cfg(calimero_node_path)]
fn install_application(storage: &SimStorage) -> Result<(), SessionError> {
    use calimero_store::types::{ApplicationMeta, BlobMeta};
    let blob = key::BlobMeta::new(calimero_primitives::blobs::BlobId::from([0x6d; 32]));
    #[cfg(not(calimero_app_package_info))]
    let app = ApplicationMeta::new(
        blob,
        1,
        "merosim:native".into(),
        Box::default(),
        blob,
        "merosim".into(),
        "0.0.0".into(),
        "".into(),
    );
    #[cfg(calimero_app_package_info)]
    let app = ApplicationMeta::new(
        blob,
        1,
        "merosim:native".into(),
        Box::default(),
        blob,
        calimero_store::types::PackageInfo {
            package: "merosim".into(),
            version: "0.0.0".into(),
            signer_id: "".into(),
            // No ABI state version: merosim's apps expose no readable ABI.
            #[cfg(calimero_app_state_version)]
            state_version: 0,
        },
    );
    #[cfg(not(calimero_blob_refs))]
    let blob_meta = BlobMeta::new(1, [0x6d; 32], Box::default());
    #[cfg(calimero_blob_refs)]
    let blob_meta = BlobMeta::new(1, [0x6d; 32], Box::default(), 1);
    let mut handle = storage.store().handle();
    let failed = |e: eyre::Report| SessionError::Storage(format!("installing the application: {e}"));
    handle.put(&blob, &blob_meta).map_err(|e| failed(e.into()))?;
    handle.put(&key::ApplicationMeta::new(super::context_actor::application()), &app).map_err(|e| failed(e.into()))
}

#[cfg(not(calimero_node_state_bare))]
fn node_state() -> NodeState {
    NodeState::new(false, calimero_node_primitives::NodeMode::Standard)
}

#[cfg(calimero_node_state_bare)]
fn node_state() -> NodeState {
    NodeState::new()
}

static FOLDER: OnceLock<Result<FileSystem, String>> = OnceLock::new();

/// Builds the blob folder ahead of any simulation (see [`blob_folder`]).
pub(super) fn warm_up() {
    FOLDER.get_or_init(make_blob_folder);
    #[cfg(calimero_node_path)]
    super::driver::warm_up();
}

/// The blob store's folder. `FileSystem::new` creates it through real tokio's blocking pool,
/// which needs a real runtime and an OS thread — neither may start inside a simulation — so
/// [`warm_up`] builds it before the runtime does; every node shares the handle. No sync path
/// reads or writes a blob.
fn blob_folder() -> Result<FileSystem, SessionError> {
    FOLDER
        .get()
        .cloned()
        .unwrap_or_else(|| Err("blob folder: not built before the simulation started".to_owned()))
        .map_err(SessionError::Storage)
}

/// On a thread of its own, so no runtime the caller may be inside gets in the way.
fn make_blob_folder() -> Result<FileSystem, String> {
    let path = std::env::temp_dir().join("merosim-blobs");
    std::thread::spawn(move || {
        let config = BlobStoreConfig::new(path.try_into().map_err(|e| format!("blob folder: {e}"))?);
        let runtime = real_tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| format!("blob folder's runtime: {e}"))?;
        runtime.block_on(FileSystem::new(&config)).map_err(|e| format!("blob folder: {e}"))
    })
    .join()
    .unwrap_or_else(|_| Err("blob folder: its thread panicked".to_owned()))
}
