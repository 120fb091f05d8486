//! The responding side, dispatched the way calimero-node's manager does it: the first frame on
//! an inbound stream is an `Init`; its payload names the protocol, and the manager hands the
//! already-consumed first request to that protocol's `run_responder`.

use calimero_node::sync::{
    HashComparisonFirstRequest, HashComparisonProtocol, LevelWiseFirstRequest, LevelWiseProtocol,
};
use calimero_node_primitives::sync::{InitPayload, StreamMessage, SyncProtocolExecutor, SyncTransport};

use super::heads::{answer_dag_heads, HeadsAnswer};
use super::{init_payload_name, Protocol};
use crate::error::{SessionError, TransportError};
use crate::store::SimStorage;

/// Which code answers a `TreeNodeRequest`. Production's manager dispatches it to its own method;
/// the protocol's trait responder is what upstream's sync-sim and LevelWise's dispatch use. They
/// drifted apart once already (#3251), so a test can pick either; the default is production's
/// wherever the build has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::Display, strum::VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum HcResponder {
    /// `HashComparisonProtocol::run_responder`.
    Protocol,
    /// `SyncManager::handle_tree_node_request`, production's dispatch target; only in a build
    /// against a calimero-node `scripts/visibility-patch` prepared (see [`HcResponder::available`]).
    Manager,
}

impl Default for HcResponder {
    /// Production's responder where this build has it: a sweep then meets the code production
    /// runs for every pull and push. Elsewhere (a plain `cargo build` of this repo) the
    /// protocol's.
    fn default() -> Self {
        if HcResponder::Manager.available() {
            HcResponder::Manager
        } else {
            HcResponder::Protocol
        }
    }
}

impl HcResponder {
    /// Whether this build can run the responder: the manager's needs a patched calimero-node.
    pub fn available(self) -> bool {
        self == HcResponder::Protocol || cfg!(calimero_manager_visible)
    }

    /// The code that answers, as a reader of a report looks it up.
    pub fn code(self) -> &'static str {
        match self {
            HcResponder::Protocol => "HashComparisonProtocol::run_responder",
            HcResponder::Manager => "production's SyncManager::handle_tree_node_request",
        }
    }

    /// Whether options and repro lines name it. In a build that has both responders, always: a
    /// line replays the responder it names, and one pasted into a build without production's
    /// refuses it by name instead of replaying the other. A build with one names none.
    pub fn worth_naming(self) -> bool {
        self != HcResponder::Protocol || HcResponder::Manager.available()
    }
}

impl std::str::FromStr for HcResponder {
    type Err = String;

    /// A name from `Display`, refused with the way to get it when this build cannot run it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let needs = "a calimero-node prepared by scripts/visibility-patch (build merosim with scripts/against)";
        crate::args::by_name_built(s, "HashComparison responder", "responder", |h: &HcResponder| h.available(), needs)
    }
}

/// Serves one inbound session, HashComparison by the build's default [`HcResponder`]; returns
/// which protocol the peer spoke.
pub async fn respond<T: SyncTransport>(stream: &mut T, storage: &SimStorage) -> Result<Protocol, SessionError> {
    respond_with(stream, storage, HcResponder::default()).await
}

/// [`respond`], with `hc` answering a HashComparison session.
pub async fn respond_with<T: SyncTransport>(
    stream: &mut T,
    storage: &SimStorage,
    hc: HcResponder,
) -> Result<Protocol, SessionError> {
    let first = first_init(stream, storage).await?;
    answer(first, stream, storage, hc).await
}

/// Hands an already-read first request to the code that answers it: `hc` for HashComparison,
/// the protocol's `run_responder` otherwise (production dispatches LevelWise there too).
async fn answer<T: SyncTransport>(
    first: InitPayload,
    stream: &mut T,
    storage: &SimStorage,
    hc: HcResponder,
) -> Result<Protocol, SessionError> {
    if let (HcResponder::Manager, InitPayload::TreeNodeRequest { node_id, max_depth, .. }) = (hc, &first) {
        return by_manager(stream, storage, *node_id, *max_depth).await;
    }
    dispatch(first, stream, storage).await
}

#[cfg(calimero_manager_visible)]
async fn by_manager<T: SyncTransport>(
    stream: &mut T,
    storage: &SimStorage,
    node_id: [u8; 32],
    max_depth: Option<u8>,
) -> Result<Protocol, SessionError> {
    let responder = super::manager::ProductionResponder::new(storage)?;
    responder.serve(stream, storage, node_id, max_depth).await?;
    Ok(Protocol::HashComparison)
}

#[cfg(not(calimero_manager_visible))]
async fn by_manager<T: SyncTransport>(
    _: &mut T,
    _: &SimStorage,
    _: [u8; 32],
    _: Option<u8>,
) -> Result<Protocol, SessionError> {
    Err(SessionError::UnsupportedInit(
        "production's HashComparison responder needs a calimero-node prepared by scripts/visibility-patch \
         (scripts/against builds one)"
            .to_owned(),
    ))
}

/// Serves one inbound stream as calimero-node's manager does: a `DagHeadsRequest` is answered
/// with `heads()` — the node's root and DAG heads as the request lands — and gives `None`; any
/// other first request starts that protocol's responder, inside the guard `enter()` returns
/// (the node's session count: a DAG-heads answer is not a session).
pub async fn serve<T: SyncTransport, G>(
    stream: &mut T,
    storage: &SimStorage,
    hc: HcResponder,
    heads: impl FnOnce() -> HeadsAnswer,
    enter: impl FnOnce() -> G,
) -> Result<Option<Protocol>, SessionError> {
    match first_init(stream, storage).await? {
        InitPayload::DagHeadsRequest { .. } => {
            let (root, dag_heads) = heads();
            answer_dag_heads(stream, root, dag_heads).await.map(|()| None)
        }
        first => {
            let _session = enter();
            answer(first, stream, storage, hc).await.map(Some)
        }
    }
}

/// The payload of the stream's first frame, which must be an `Init` for this node's context.
async fn first_init<T: SyncTransport>(stream: &mut T, storage: &SimStorage) -> Result<InitPayload, SessionError> {
    let first = stream
        .recv()
        .await
        .map_err(|e| SessionError::classify(&e))?
        .ok_or(SessionError::Transport(TransportError::Closed))?;
    let StreamMessage::Init { context_id, payload, .. } = first else {
        return Err(SessionError::UnsupportedInit(format!("{first:?}")));
    };
    if context_id != storage.context_id() {
        return Err(SessionError::UnsupportedInit(format!("unknown context {context_id}")));
    }
    Ok(payload)
}

/// Hands an already-read first request to its protocol's `run_responder`.
async fn dispatch<T: SyncTransport>(
    payload: InitPayload,
    stream: &mut T,
    storage: &SimStorage,
) -> Result<Protocol, SessionError> {
    let (store, identity, context_id) = (storage.store(), storage.identity(), storage.context_id());
    match payload {
        InitPayload::TreeNodeRequest { node_id, max_depth, .. } => {
            let first = HashComparisonFirstRequest { node_id, max_depth };
            HashComparisonProtocol::run_responder(stream, store, context_id, identity, first)
                .await
                .map_err(|e| SessionError::classify(&e))?;
            Ok(Protocol::HashComparison)
        }
        InitPayload::LevelWiseRequest { level, parent_ids, .. } => {
            let first = LevelWiseFirstRequest {
                level,
                parent_ids,
                #[cfg(calimero_context_client)]
                context_client: None,
            };
            LevelWiseProtocol::run_responder(stream, store, context_id, identity, first)
                .await
                .map_err(|e| SessionError::classify(&e))?;
            Ok(Protocol::LevelWise { max_depth: 0 })
        }
        other => Err(SessionError::UnsupportedInit(init_payload_name(&other).to_owned())),
    }
}
