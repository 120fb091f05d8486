//! A scripted pull over the HashComparison wire: one `TreeNodeRequest` per node of the peer's
//! tree, from its root down, with the answers recorded instead of merged. Two responders walked
//! on the same store must answer alike; where they do not, the difference is on the wire, before
//! any initiator logic could hide it (#3251 was such a difference).

use std::collections::BTreeMap;

use calimero_node_primitives::sync::{InitPayload, MessagePayload, StreamMessage, SyncTransport, TreeNode};

use crate::error::{SessionError, TransportError};
use crate::store::SimStorage;

/// One node as a responder described it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeAnswer {
    pub hash: [u8; 32],
    /// Live children, in the order the responder listed them.
    pub children: Vec<[u8; 32]>,
    /// Children the responder says were deleted (carried as signed tombstones on the wire).
    pub deleted_children: Vec<[u8; 32]>,
    /// Whether the node came as a leaf (with its data) rather than an internal node.
    pub leaf: bool,
}

/// Every node the walk reached, by id (the root under the id the responder gave it), and the
/// ids it asked for that the responder did not find.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeAnswers {
    pub nodes: BTreeMap<[u8; 32], NodeAnswer>,
    pub not_found: Vec<[u8; 32]>,
}

/// Walks the tree of the peer at the other end of `stream`, starting from `root` (the root hash
/// the peer's handshake gave, as an initiator's first request names it), then closes.
pub async fn walk_tree<T: SyncTransport>(
    stream: &mut T,
    storage: &SimStorage,
    root: [u8; 32],
) -> Result<TreeAnswers, SessionError> {
    let mut answers = TreeAnswers::default();
    let mut pending = vec![root];
    while let Some(node_id) = pending.pop() {
        let Some(node) = ask(stream, storage, node_id).await? else {
            answers.not_found.push(node_id);
            continue;
        };
        let answer = NodeAnswer {
            hash: node.hash,
            children: node.children.clone(),
            deleted_children: deleted_children(&node),
            leaf: node.leaf_data.is_some(),
        };
        pending.extend(answer.children.iter().rev().filter(|id| !answers.nodes.contains_key(*id)));
        answers.nodes.insert(node.id, answer);
    }
    stream.close().await.map_err(|e| SessionError::classify(&e))?;
    Ok(answers)
}

/// One request for `node_id` alone (`max_depth: None`), and the node the answer carries.
async fn ask<T: SyncTransport>(
    stream: &mut T,
    storage: &SimStorage,
    node_id: [u8; 32],
) -> Result<Option<TreeNode>, SessionError> {
    let context_id = storage.context_id();
    let request = StreamMessage::Init {
        context_id,
        party_id: storage.identity(),
        payload: InitPayload::TreeNodeRequest { context_id, node_id, max_depth: None },
        next_nonce: [0; calimero_crypto::NONCE_LEN],
        #[cfg(calimero_init_pop)]
        pop: super::proof::init_proof(storage),
    };
    stream.send(&request).await.map_err(|e| SessionError::classify(&e))?;
    match stream.recv().await.map_err(|e| SessionError::classify(&e))? {
        Some(StreamMessage::Message { payload: MessagePayload::TreeNodeResponse { nodes, not_found }, .. }) => {
            Ok(if not_found { None } else { nodes.into_iter().next() })
        }
        Some(other) => Err(SessionError::Protocol(format!("expected a tree-node response, got {other:?}"))),
        None => Err(SessionError::Transport(TransportError::Closed)),
    }
}

#[cfg(calimero_delete_push)]
fn deleted_children(node: &TreeNode) -> Vec<[u8; 32]> {
    node.deleted_children.iter().map(|d| d.id).collect()
}

/// Before 0.11.0-rc.1 the wire had no tombstones at all.
#[cfg(not(calimero_delete_push))]
fn deleted_children(_: &TreeNode) -> Vec<[u8; 32]> {
    Vec::new()
}
