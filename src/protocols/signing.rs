//! Production's signer of User-owned writes, run on merosim's app writes. calimero-storage stamps
//! each User-owned write with a placeholder signature; production's execute then signs every
//! placeholder its executor owns (`sign_authorized_actions`, over `payload_for_signing`, with the
//! executor's identity key) and writes the signatures into the node's index
//! (`persist_signed_signatures`) before the actions become the delta it broadcasts, so a peer's
//! `apply_action` and HashComparison's leaves verify them. Both are calimero-context's, made
//! public by scripts/visibility-patch (visibility only).

use calimero_primitives::context::Context;
use calimero_primitives::identity::PrivateKey;
use calimero_storage::interface::Action;

use crate::store::SimStorage;

/// Signs the User-owned writes among `actions`, made on `storage`'s node, as production's execute
/// signs them, and keeps the signatures in the node's index.
pub fn sign_user_writes(storage: &SimStorage, actions: &mut [Action]) -> Result<(), String> {
    let key = sign_only(storage, actions)?;
    let root = storage.root_hash().unwrap_or_default();
    let context = Context::new(storage.context_id(), super::context_actor::application(), root.into());
    calimero_context::handlers::execute::signing::persist_signed_signatures(storage.store(), &context, &key, actions)
        .map_err(|e| e.to_string())
}

/// Signs the User-owned writes among `actions` that `storage`'s node owns, as production's
/// execute signs them, and keeps nothing: a Byzantine member's write into a slot its own store
/// does not hold as its own (`crdt::forge`), which production's persist step would refuse.
pub fn sign_only(storage: &SimStorage, actions: &mut [Action]) -> Result<PrivateKey, String> {
    let keys = storage.keys().ok_or("a store without a node's keys signs nothing")?;
    let key = PrivateKey::from(keys.identity_secret());
    calimero_context::handlers::execute::signing::sign_authorized_actions(actions, &key).map_err(|e| e.to_string())?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use calimero_storage::collections::AuthoredMap;
    use calimero_storage::delta;
    use calimero_storage::entities::StorageType;

    use super::*;
    use crate::crdt::{CollectionKind, CrdtOp, Layout, Verb};
    use crate::store::NodeKeys;

    fn node(n: u32) -> SimStorage {
        SimStorage::new(crate::crdt::context_id(), NodeKeys::new(n).identity())
            .expect("a store")
            .with_keys(NodeKeys::new(n))
    }

    fn signature(action: &Action) -> Option<[u8; 64]> {
        let (Action::Add { metadata, .. } | Action::Update { metadata, .. }) = action else { return None };
        match &metadata.storage_type {
            StorageType::User { signature_data: Some(sig), .. } => Some(sig.signature),
            _ => None,
        }
    }

    /// calimero verifies what production's signer signed, and refuses the same write unsigned or
    /// with one byte of its signature changed: merosim's User writes go through calimero's own
    /// verification on every peer.
    #[test]
    fn a_signed_user_write_verifies_on_a_peer_and_a_forged_one_does_not() {
        crate::protocols::seeded_runtime(5).block_on(async {
            let layout = Layout::new(crate::crdt::context_id(), &[("profiles".to_owned(), CollectionKind::User)])
                .expect("a layout");
            let (alice, bob, carol, dave) = (node(1), node(2), node(3), node(4));
            let op =
                CrdtOp::new("profiles", CollectionKind::User, Verb::Insert { key: "own".into(), value: "hi".into() });
            let unsigned = layout.apply(&alice, &op).expect("alice writes her slot").actions;
            assert!(unsigned.iter().filter_map(signature).all(|s| s == [0; 64]), "calimero stamps a placeholder");
            let mut signed = unsigned.clone();
            sign_user_writes(&alice, &mut signed).expect("production's signer signs it");
            assert!(signed.iter().filter_map(signature).any(|s| s != [0; 64]), "the slot's write is signed");
            for action in signed.clone() {
                bob.apply_remote(action).expect("bob's calimero verifies alice's signature");
            }
            let read = |store: &SimStorage| layout.read(store).expect("a reading").collections["profiles"].clone();
            assert_eq!(read(&bob), read(&alice));
            let refused =
                |actions: Vec<Action>, store: &SimStorage| actions.into_iter().any(|a| store.apply_remote(a).is_err());
            assert!(refused(unsigned, &carol), "an unsigned User write is refused");
            let mut forged = signed;
            for action in &mut forged {
                if let Action::Add { metadata, .. } | Action::Update { metadata, .. } = action {
                    if let StorageType::User { signature_data: Some(sig), .. } = &mut metadata.storage_type {
                        sig.signature[0] ^= 1;
                    }
                }
            }
            assert!(refused(forged, &dave), "a User write whose signature is not its owner's is refused");
            assert_ne!(read(&dave), read(&alice));
        });
    }

    /// A member's slot pushed by another member. Tampered (the owner's signature from another
    /// write) calimero refuses it. Squatted (stored as the pusher's own and signed by it)
    /// calimero takes it, and then refuses the member's own write of its slot as an owner change:
    /// F19 (docs/findings.md), on every release that drives User storage (0.11.0-rc.4 to rc.19).
    #[test]
    fn a_tampered_slot_is_refused_and_a_squatted_one_is_taken_f19() {
        use crate::crdt::{signed_slot, SlotForgery};
        crate::protocols::seeded_runtime(6).block_on(async {
            let layout = Layout::new(crate::crdt::context_id(), &[("profiles".to_owned(), CollectionKind::User)])
                .expect("a layout");
            let (alice, bob, mallory) = (node(1), node(2), node(9));
            let write = |value: &str| {
                CrdtOp::new("profiles", CollectionKind::User, Verb::Insert { key: String::new(), value: value.into() })
            };
            let mut first = layout.apply(&alice, &write("alice.1")).expect("alice writes").actions;
            sign_user_writes(&alice, &mut first).expect("signed");
            let (owner, signature) = signed_slot(&first).expect("a signed slot");
            for action in first.clone() {
                mallory.apply_remote(action).expect("mallory holds alice's write");
            }
            let read = |store: &SimStorage| layout.read(store).expect("a reading").collections["profiles"].clone();
            let held = read(&mallory);
            let tampered = SlotForgery::Tampered { member: owner, signature };
            let tampered = layout.forge_slot(&mallory, "profiles", tampered, "forged.1").expect("forged");
            let squatted = SlotForgery::Squatted { member: owner, forger: NodeKeys::new(9).signing_key() };
            let mut squatted = layout.forge_slot(&mallory, "profiles", squatted, "forged.2").expect("forged");
            sign_only(&mallory, &mut squatted).expect("mallory signs its own");
            assert_eq!(read(&mallory), held, "forging leaves the forger's store as it was");

            let errors = |actions: Vec<Action>| -> Vec<String> {
                actions.into_iter().filter_map(|a| bob.apply_remote(a).err()).map(|e| e.to_string()).collect()
            };
            let empty = read(&bob);
            let refused = errors(tampered);
            assert!(refused.iter().any(|e| e.contains("Invalid signature")), "tampered: {refused:?}");
            assert_eq!(read(&bob), empty, "nothing of a tampered slot is kept");

            assert_eq!(errors(squatted), Vec::<String>::new(), "F19: the squatted slot is taken");
            let alice_slot = crate::crdt::user_slot(&owner);
            let crate::crdt::CollectionValue::Entries(slots) = read(&bob) else { panic!("slots are entries") };
            assert_eq!(
                slots.get(&alice_slot).map(String::as_str),
                Some("forged.2"),
                "alice's slot reads mallory's value"
            );
            let refused = errors(first);
            assert!(refused.iter().any(|e| e.contains("Cannot change owner")), "alice's own write: {refused:?}");
        });
    }

    // F20 and F21 (docs/findings.md), on calimero's `AuthoredMap` through its own API, signed by
    // production's signer, on two stores exchanging their actions as peers apply a delta: the
    // findings alone, without the run (`crdt-authored`) that met them in sweeps.

    /// Runs `f` on the node's `posts` map as its app would, and returns the delta's actions,
    /// signed as production's execute signs them.
    fn write(store: &SimStorage, f: impl FnOnce(&mut AuthoredMap<String, String>)) -> Vec<Action> {
        try_write(store, f).expect("signed")
    }

    /// [`write`], where production's signer may refuse: its error, or the signed actions.
    fn try_write(store: &SimStorage, f: impl FnOnce(&mut AuthoredMap<String, String>)) -> Result<Vec<Action>, String> {
        store.with_env_as_signer(|| {
            delta::clear_pending_delta();
            f(&mut AuthoredMap::new_with_field_name("posts"));
        });
        let root = store.root_hash().expect("a root");
        let recorded = store.with_env(|| delta::commit_causal_delta(&root)).expect("the delta");
        let mut actions = recorded.map(|d| d.actions).unwrap_or_default();
        actions.retain(crate::crdt::keeps);
        sign_user_writes(store, &mut actions)?;
        Ok(actions)
    }

    fn read(store: &SimStorage) -> std::collections::BTreeMap<String, String> {
        store.with_env(|| AuthoredMap::<String, String>::new_with_field_name("posts").entries().unwrap().collect())
    }

    fn refusals(actions: Vec<Action>, on: &SimStorage) -> Vec<String> {
        actions.into_iter().filter_map(|a| on.apply_remote(a).err()).map(|e| e.to_string()).collect()
    }

    /// alice and bob insert the same new key at once (each holds the map, neither the key): each
    /// keeps its own entry and refuses the other's as an owner change, so the two read different
    /// values for good. An entry one of them inserted alone reaches the other.
    #[test]
    fn f20_two_members_inserting_one_key_of_an_authored_map_split_for_good() {
        crate::protocols::seeded_runtime(8).block_on(async {
            let (alice, bob) = (node(1), node(2));
            let map = write(&alice, |_| {});
            assert_eq!(refusals(map, &bob), Vec::<String>::new(), "bob takes the map");
            let alone = write(&alice, |m| m.insert("a".into(), "alice's".into()).expect("inserted"));
            assert_eq!(refusals(alone, &bob), Vec::<String>::new(), "an entry inserted alone travels");
            let mine = write(&alice, |m| m.insert("k".into(), "alice's".into()).expect("inserted"));
            let theirs = write(&bob, |m| m.insert("k".into(), "bob's".into()).expect("inserted"));
            for refused in [refusals(mine, &bob), refusals(theirs, &alice)] {
                assert!(refused.iter().any(|e| e.contains("Cannot change owner")), "{refused:?}");
            }
            let both = |value: &str| [("a", "alice's"), ("k", value)].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
            assert_eq!((read(&alice), read(&bob)), (both("alice's"), both("bob's")));
        });
    }

    /// alice claims a key and gives it up; bob, who met both, claims it the way calimero's docs
    /// say a new owner does (remove, then insert from the new owner). calimero stores bob's
    /// insert under alice's owner stamp, so production's signer refuses it after the store took
    /// it (`owner mismatch`, execute commits before it signs): bob's call fails, no delta leaves,
    /// and what the store kept puts bob's root apart from alice's for good. Nobody but alice can
    /// claim the key again (F21).
    #[test]
    fn f21_a_key_given_up_cannot_be_claimed_and_the_failed_claim_stays_behind() {
        crate::protocols::seeded_runtime(9).block_on(async {
            let pause = || tokio::time::sleep(std::time::Duration::from_millis(10));
            let (alice, bob) = (node(1), node(2));
            assert_eq!(refusals(write(&alice, |_| {}), &bob), Vec::<String>::new());
            let claim = write(&alice, |m| m.insert("k".into(), "alice's".into()).expect("inserted"));
            assert_eq!(refusals(claim, &bob), Vec::<String>::new(), "alice's claim travels");
            pause().await;
            let give_up = write(&alice, |m| drop(m.remove(&"k".to_owned()).expect("removed")));
            assert_eq!(refusals(give_up, &bob), Vec::<String>::new(), "giving it up travels");
            pause().await;
            assert_eq!((read(&bob), alice.root_hash().unwrap()), (Default::default(), bob.root_hash().unwrap()));
            let refused = try_write(&bob, |m| m.insert("k".into(), "bob's".into()).expect("calimero takes it"));
            assert!(refused.as_ref().is_err_and(|e| e.contains("owner mismatch")), "{refused:?}");
            let owner = |store: &SimStorage| {
                store.with_env(|| AuthoredMap::<String, String>::new_with_field_name("posts").owner_of(&"k".into()))
            };
            assert_eq!(owner(&bob).unwrap(), Some(NodeKeys::new(1).signing_key()), "the key stays alice's");
            // Up to rc.9 the write stays under the tombstone; from rc.10 (a newer write lifts a
            // tombstone, #3123) bob's app reads the claim its call was told failed, unsigned and
            // under alice's stamp, which no peer verifies.
            let kept = match crate::protocols::calimero_since("0.11.0-rc.10") {
                true => [("k".to_owned(), "bob's".to_owned())].into(),
                false => Default::default(),
            };
            assert_eq!(read(&bob), kept, "what bob's app reads after its failed call");
            assert_ne!(alice.root_hash().unwrap(), bob.root_hash().unwrap(), "the failed call's write stays behind");
        });
    }
}
