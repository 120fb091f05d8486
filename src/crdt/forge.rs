//! Writes a Byzantine member makes in `UserStorage` slots that are not its own. It holds every
//! member's public key, so it can run calimero's own `UserStorage::insert` as any of them and get
//! the slot's exact bytes, ancestors and id; what it cannot make is the owner's signature. Two
//! ways to push such a write, each a question for the honest nodes' calimero:
//!
//! - **tampered**: the slot as its owner's, carrying a signature the owner put on another write;
//!   calimero's signature check must refuse it on every path (delta and HashComparison).
//! - **squatted**: the slot stored as the forger's own (owner: the forger, signed by it, so the
//!   signature verifies); a slot is named by its member's key, so the slot must still be the
//!   member's alone. Where calimero accepts it, a member's slot reads a value the member never
//!   wrote, and the member's own write is then refused as an owner change.
//!
//! The write runs on the forger's store and is put back (`SimStorage::peek`), leaving only the
//! actions; what the forger then keeps of them is the caller's choice (`cluster::byzantine`
//! applies a squat it signed, as calimero lets it).

use calimero_primitives::identity::PublicKey;
use calimero_storage::entities::StorageType;
use calimero_storage::interface::Action;

use super::{CollectionKind, CrdtError, CrdtOp, Layout, Verb};
use crate::store::SimStorage;

/// Whose slot a forged write names, and what it carries in place of its owner's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotForgery {
    /// `member`'s slot as `member`'s, with `signature`, which `member` put on another write.
    Tampered { member: PublicKey, signature: [u8; 64] },
    /// `member`'s slot with `forger` as its owner (to be signed by `forger`).
    Squatted { member: PublicKey, forger: PublicKey },
}

impl SlotForgery {
    fn member(self) -> PublicKey {
        match self {
            SlotForgery::Tampered { member, .. } | SlotForgery::Squatted { member, .. } => member,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SlotForgery::Tampered { .. } => "tampered slot",
            SlotForgery::Squatted { .. } => "squatted slot",
        }
    }
}

impl Layout {
    /// The actions of `forgery`'s member setting its slot of `collection` to `value`, made with
    /// calimero's `UserStorage` on `storage` (then put back as it was) and rewritten as
    /// `forgery` says. A squatted slot's placeholder signature is left for the forger's signer.
    pub fn forge_slot(
        &self,
        storage: &SimStorage,
        collection: &str,
        forgery: SlotForgery,
        value: &str,
    ) -> Result<Vec<Action>, CrdtError> {
        let op =
            CrdtOp::new(collection, CollectionKind::User, Verb::Insert { key: String::new(), value: value.into() });
        let member = forgery.member();
        let mut actions = storage.peek(|| self.apply_as(storage, &op, Some(member)))?.actions;
        for action in &mut actions {
            let (Action::Add { metadata, .. } | Action::Update { metadata, .. }) = action else { continue };
            let StorageType::User { owner, signature_data: Some(signed) } = &mut metadata.storage_type else {
                continue;
            };
            if *owner != member {
                continue;
            }
            match forgery {
                SlotForgery::Tampered { signature, .. } => signed.signature = signature,
                SlotForgery::Squatted { forger, .. } => *owner = forger,
            }
        }
        Ok(actions)
    }
}

/// The owner and signature of the first signed User-owned write among `actions`.
pub fn signed_slot(actions: &[Action]) -> Option<(PublicKey, [u8; 64])> {
    actions.iter().find_map(|action| {
        let (Action::Add { metadata, .. } | Action::Update { metadata, .. }) = action else { return None };
        match &metadata.storage_type {
            StorageType::User { owner, signature_data: Some(signed) } if signed.signature != [0; 64] => {
                Some((*owner, signed.signature))
            }
            _ => None,
        }
    })
}
