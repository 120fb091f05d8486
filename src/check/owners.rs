//! Who a User-owned entity (a `UserStorage` slot, an `AuthoredMap` entry) belongs to on each live
//! node, for the two findings that hinge on it: a slot a Byzantine member squatted (F19) and an
//! authored entry two members inserted before either saw the other's (F20).
//!
//! F20 reaches past its own entry. calimero refuses the other member's copy as an owner change,
//! and its HashComparison ends the session at the first entity it refuses, so while the split
//! stands no session between the two nodes completes: what else they differ on, gossip lost and
//! sync would have repaired, stays apart too.

use std::collections::BTreeSet;

use super::carried::pair as ordered;
use super::mechanism::{Mechanism, Run};
use crate::cluster::Refusal;
use crate::crdt::CollectionKind;
use crate::ids::EntityId;
use crate::trace::TraceKind;

/// The words calimero's refusal carries (`StorageError::ActionNotAllowed`).
const OWNER_CHANGE: &str = "Cannot change owner";

impl Run<'_> {
    /// `SquattedSlot` on `entity`: a live node holds it as a User slot owned by a Byzantine
    /// member.
    pub fn squatted_slot(&self, entity: &EntityId) -> bool {
        #[cfg(calimero_user_storage)]
        {
            let byzantine: Vec<[u8; 32]> = (self.world.byzantine_nodes().iter())
                .map(|n| *crate::store::NodeKeys::new(n.id().get()).signing_key().as_ref())
                .collect();
            !byzantine.is_empty() && self.owners_of(entity).iter().any(|(_, o)| byzantine.contains(o))
        }
        #[cfg(not(calimero_user_storage))]
        {
            let _ = entity;
            false
        }
    }

    /// `OwnerSplit` on `entity`: an authored entry whose stored owner differs between live nodes.
    /// (A slot's id is its owner's, so a slot under two owners is a squat: F19's.)
    pub fn owner_split(&self, entity: &EntityId) -> bool {
        let owners: BTreeSet<[u8; 32]> = self.owners_of(entity).into_iter().map(|(_, o)| o).collect();
        owners.len() > 1 && self.authored_entry(entity)
    }

    /// Whether `entity` is an entry of an `AuthoredMap` the app declares, on some live node.
    fn authored_entry(&self, entity: &EntityId) -> bool {
        let Some(layout) = self.world.layout() else { return false };
        let authored = |parent: EntityId| {
            layout.collection_at(&parent).and_then(|c| layout.kind(c)) == Some(CollectionKind::Authored)
        };
        self.live.iter().filter_map(|n| n.storage().metadata(*entity).ok().flatten()?.parent).any(authored)
    }

    /// `OwnerSplit` between the live nodes named `a` and `b`: a session between them ended with
    /// calimero refusing an owner change, and some authored entry has one owner on `a` and
    /// another on `b`.
    pub fn owner_split_between(&self, a: &str, b: &str) -> bool {
        let split = self.owner_split_pairs.get_or_init(|| {
            let world = self.world;
            let name = |id| world.at(id).name().to_owned();
            let refused: BTreeSet<(String, String)> = (world.trace().events().iter())
                .filter_map(|e| match &e.kind {
                    TraceKind::SessionEnd { initiator, responder, outcome, .. } if outcome.contains(OWNER_CHANGE) => {
                        Some(ordered(name(*initiator), name(*responder)))
                    }
                    _ => None,
                })
                .collect();
            refused.into_iter().filter(|(a, b)| self.split_between(a, b)).collect()
        });
        split.contains(&ordered(a.to_owned(), b.to_owned()))
    }

    /// Whether an authored entry both `a` and `b` hold has a different owner on each.
    fn split_between(&self, a: &str, b: &str) -> bool {
        let held = |name: &str| {
            let node = self.live.iter().find(|n| n.name() == name)?;
            Some(node.storage().entities().unwrap_or_default().into_iter().map(|e| e.id).collect::<BTreeSet<_>>())
        };
        let (Some(on_a), Some(on_b)) = (held(a), held(b)) else { return false };
        on_a.intersection(&on_b).filter(|e| self.authored_entry(e)).any(|entity| {
            let owners = self.owners_of(entity);
            let of = |name: &str| owners.iter().find(|(n, _)| n == name).map(|(_, o)| *o);
            matches!((of(a), of(b)), (Some(x), Some(y)) if x != y)
        })
    }

    /// `FailedClaimKept` on `entity`: an app call claiming an authored entry wrote it and was
    /// refused by production's signer as an owner change after the store took the write.
    pub fn failed_claim_kept(&self, entity: &EntityId) -> bool {
        let claim = |r: &Refusal| r.op.kind == CollectionKind::Authored;
        self.world.app_errors().iter().any(|r| claim(r) && signer_refused(&r.error) == Some(*entity))
    }

    /// What production's signer refusing `refusal` as an owner change is: a claim of a key
    /// another member gave up (F21, an authored entry), or a member's write of its own slot
    /// another member squatted (F19); `None` for any other refusal.
    pub fn owner_change_refused(&self, refusal: &Refusal) -> Option<Mechanism> {
        let entity = signer_refused(&refusal.error)?;
        match refusal.op.kind {
            CollectionKind::Authored => Some(Mechanism::FailedClaimKept),
            CollectionKind::User if self.squatted_slot(&entity) => Some(Mechanism::SquattedSlot),
            _ => None,
        }
    }

    /// Each live node's name and the owner it stores `entity` under, where it stores one.
    fn owners_of(&self, entity: &EntityId) -> Vec<(String, [u8; 32])> {
        #[cfg(calimero_user_storage)]
        {
            (self.live.iter())
                .filter_map(|n| Some((n.name().to_owned(), *n.storage().user_owner(*entity)?.as_ref())))
                .collect()
        }
        #[cfg(not(calimero_user_storage))]
        {
            let _ = entity;
            Vec::new()
        }
    }
}

/// The entity production's signer refused to sign as an owner change, where `error` says so
/// (`persist_signed_signatures: update_signature_in_place failed for entity <hex>: … owner
/// mismatch`).
fn signer_refused(error: &str) -> Option<EntityId> {
    if !error.contains("owner mismatch") {
        return None;
    }
    let hex_id = error.split("update_signature_in_place failed for entity ").nth(1)?.get(..64)?;
    hex::decode(hex_id).ok()?.try_into().ok()
}
