//! The DAG-heads exchange a production sync tick starts with: the initiator sends
//! `Init { DagHeadsRequest }`, the peer answers `DagHeadsResponse { dag_heads, root_hash }`
//! (calimero-node's `query_peer_dag_state` and `handle_dag_heads_request`), and the initiator
//! builds the peer's handshake from the answer. Going through a stream puts the round trip under
//! the router's faults, and the root the session then targets is the one the peer answered with —
//! a round trip old, as production's is.
//!
//! Both ends are merosim's: calimero-node's are methods of its `SyncManager`, which merosim does
//! not run (docs/architecture.md). The messages are calimero's wire types.

use calimero_node_primitives::sync::{InitPayload, MessagePayload, StreamMessage, SyncTransport};
use calimero_primitives::hash::Hash;

use crate::error::{SessionError, TransportError};
use crate::store::SimStorage;

/// What a peer said of itself: its root and its DAG heads.
pub type HeadsAnswer = ([u8; 32], Vec<[u8; 32]>);

/// Asks the peer at the other end of `stream` for its root and DAG heads.
///
/// The request's `next_nonce` is zero: merosim's streams carry no session-level encryption here
/// (production's carries Noise below it), so the value is never read.
pub async fn ask_dag_heads<T: SyncTransport>(
    stream: &mut T,
    storage: &SimStorage,
) -> Result<HeadsAnswer, SessionError> {
    let context_id = storage.context_id();
    let request = StreamMessage::Init {
        context_id,
        party_id: storage.identity(),
        payload: InitPayload::DagHeadsRequest { context_id },
        next_nonce: [0; calimero_crypto::NONCE_LEN],
        #[cfg(calimero_init_pop)]
        pop: super::proof::init_proof(storage),
    };
    stream.send(&request).await.map_err(|e| SessionError::classify(&e))?;
    match stream.recv().await.map_err(|e| SessionError::classify(&e))? {
        Some(StreamMessage::Message {
            payload: MessagePayload::DagHeadsResponse { dag_heads, root_hash, .. }, ..
        }) => Ok((*root_hash, dag_heads)),
        Some(other) => Err(SessionError::Protocol(format!("expected a DAG-heads response, got {other:?}"))),
        None => Err(SessionError::Transport(TransportError::Closed)),
    }
}

/// Answers a `DagHeadsRequest` that arrived as the first frame: the node's heads (read now, as the
/// request lands) and its root.
pub(super) async fn answer_dag_heads<T: SyncTransport>(
    stream: &mut T,
    root_hash: [u8; 32],
    dag_heads: Vec<[u8; 32]>,
) -> Result<(), SessionError> {
    let response = StreamMessage::Message {
        sequence_id: 0,
        payload: MessagePayload::DagHeadsResponse {
            dag_heads,
            root_hash: Hash::from(root_hash),
            // Observe-only upstream (no sync decision reads it); a responder that cannot fold
            // the scope sends `None`, as merosim's nodes, which belong to no group, cannot.
            #[cfg(calimero_scope_root)]
            scope_root: None,
        },
        next_nonce: [0; calimero_crypto::NONCE_LEN],
    };
    stream.send(&response).await.map_err(|e| SessionError::classify(&e))
}
