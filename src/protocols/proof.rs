//! The proof of possession a sync request carries from 0.11.0-rc.10 (`InitProof`): the
//! requester's identity key signs the context, the identity and the requester's own `PeerId`,
//! and production's dispatch serves no state to a request whose proof does not verify against
//! the `PeerId` the transport saw. merosim's own requests (its DAG-heads ask, the initiators it
//! drives, the walk) are signed as production's manager signs its own (`build_init_pop`), with
//! the node's keys (`NodeKeys`); the check itself is calimero's and stays on.

#[cfg(calimero_init_pop)]
use calimero_node_primitives::sync::InitProof;

use libp2p_identity::PeerId;

use crate::store::NodeKeys;
#[cfg(calimero_init_pop)]
use crate::store::SimStorage;

#[cfg(calimero_node_path)]
/// Node `node`'s libp2p identity: the ed25519 key its [`NodeKeys`] draw from its number, so a
/// run's peers have the same ids in every replay.
pub fn peer_id(node: u32) -> PeerId {
    peer_of(NodeKeys::new(node))
}

fn peer_of(keys: NodeKeys) -> PeerId {
    let keypair = libp2p_identity::Keypair::ed25519_from_bytes(keys.network_secret())
        .expect("any 32 bytes are an ed25519 secret");
    keypair.public().to_peer_id()
}

/// What a request from `storage`'s node carries: a proof when the release checks one and the
/// store is a node's (a scratch store has no keys, and gets none, as an identity production's
/// node holds no key for).
#[cfg(calimero_init_pop)]
pub fn init_proof(storage: &SimStorage) -> Option<InitProof> {
    let keys = storage.keys()?;
    let peer = peer_of(keys).to_bytes();
    let message = InitProof::message(&storage.context_id(), &storage.identity(), &peer);
    let signature = calimero_primitives::identity::PrivateKey::from(keys.identity_secret()).sign(&message).ok()?;
    Some(InitProof { signature: signature.to_bytes() })
}
