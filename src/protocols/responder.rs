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

/// Serves one inbound session; returns which protocol the peer spoke.
pub async fn respond<T: SyncTransport>(stream: &mut T, storage: &SimStorage) -> Result<Protocol, SessionError> {
    let first = first_init(stream, storage).await?;
    dispatch(first, stream, storage).await
}

/// Serves one inbound stream as calimero-node's manager does: a `DagHeadsRequest` is answered
/// with `heads()` — the node's root and DAG heads as the request lands — and gives `None`; any
/// other first request starts that protocol's responder, inside the guard `enter()` returns
/// (the node's session count: a DAG-heads answer is not a session).
pub async fn serve<T: SyncTransport, G>(
    stream: &mut T,
    storage: &SimStorage,
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
            dispatch(first, stream, storage).await.map(Some)
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
