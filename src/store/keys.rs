//! A node's two keys, drawn from its number so that every replay has the same ones: its
//! identity in the context (what it is a member as, authors deltas as and, from 0.11.0-rc.10,
//! proves possession of in every sync request) and its network key (libp2p's `PeerId`, which
//! the proof binds the identity to).

use calimero_primitives::identity::PublicKey;

/// The keys of node number `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeKeys {
    number: u32,
}

impl NodeKeys {
    pub const fn new(number: u32) -> Self {
        NodeKeys { number }
    }

    /// The identity's private key (ed25519 seed bytes).
    pub fn identity_secret(&self) -> [u8; 32] {
        let mut bytes = [0x1d_u8; 32];
        bytes[..4].copy_from_slice(&self.number.to_be_bytes());
        bytes
    }

    /// The identity a member of the context is known by. On releases that verify what it signs
    /// (deltas from 0.11.0-rc.9, sync requests from rc.10) it is the real public half of
    /// [`NodeKeys::identity_secret`], so calimero's own verification passes or fails on the
    /// signature alone. Before them nothing verifies it, and it stays the secret's bytes, as
    /// every pinned seed's runs were measured with.
    pub fn identity(&self) -> PublicKey {
        #[cfg(any(calimero_signed_deltas, calimero_init_pop))]
        return self.signing_key();
        #[cfg(not(any(calimero_signed_deltas, calimero_init_pop)))]
        PublicKey::from(self.identity_secret())
    }

    /// The real public half of [`NodeKeys::identity_secret`]: what verifies what the node signs
    /// (its identity from 0.11.0-rc.9, and on every release the owner of its User-owned writes).
    pub fn signing_key(&self) -> PublicKey {
        calimero_primitives::identity::PrivateKey::from(self.identity_secret()).public_key()
    }

    /// The key the node's deltas are encrypted under in a context without a group (the
    /// identity's `sender_key`, which production's members share when they join): every member
    /// holds every other's, and production's gossip handler decrypts with the author's.
    pub fn sender_secret(&self) -> [u8; 32] {
        let mut secret = [0x5e_u8; 32];
        secret[28..].copy_from_slice(&self.number.to_be_bytes());
        secret
    }

    /// The libp2p key's ed25519 seed.
    pub fn network_secret(&self) -> [u8; 32] {
        let mut secret = [0x6d_u8; 32];
        secret[..4].copy_from_slice(&self.number.to_le_bytes());
        secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_have_distinct_stable_keys() {
        let (a, b) = (NodeKeys::new(1), NodeKeys::new(2));
        assert_ne!(a.identity(), b.identity());
        assert_ne!(a.network_secret(), b.network_secret());
        assert_ne!(a.sender_secret(), b.sender_secret());
        assert_eq!(a.identity(), NodeKeys::new(1).identity(), "the same number, the same identity");
    }
}
