//! A Byzantine member against calimero-node's own gossip handler (`handle_state_delta`): one that
//! holds the context's keys, as every member does, and lies. Reaching the handler needs
//! production's node path on a release whose contexts decrypt with the author's `sender_key`
//! (0.11.0-rc.4 to rc.14); on the rc.25 + 19 tree, which has no handler merosim can build, a
//! delta passes the handler's gates as calimero exports them, then the delta store.

#[cfg(calimero_node_path)]
use merosim::{commit_signed, LoneHandler, NodePath};

#[cfg(calimero_node_path)]
use super::{action, not_observable, precondition, setup, symptom_of, Zoo};

/// #2971 (fixed in 0.11.0-rc.9): a delta whose envelope carries no signature is a failed
/// verification. Bob seals a delta he made under alice's `sender_key` (members know each
/// other's) and broadcasts it as alice's, unsigned. Before the fix carol's handler verified the
/// envelope only `if let Some(sig)` and took it as alice's write; no per-action signature stops
/// it, since Public storage carries none. (merosim's nodes sign their envelopes only from rc.9,
/// where their identities are real public keys: before it every delta here is unsigned, which is
/// also why a forged *signature* is tested only there, in `protocols::state_delta`.)
#[test]
#[cfg_attr(
    not(calimero_node_path),
    ignore = "calimero's gossip handler needs production's node path: run it through scripts/against"
)]
fn an_unsigned_delta_is_not_taken_as_its_claimed_author_s() {
    #[cfg(calimero_node_path)]
    merosim::simulate(2971, || async {
        if !NodePath::handles_gossip() {
            not_observable("this build has no gossip handler (its contexts all belong to a group)");
        }
        let zoo = Zoo::new(2971);
        let carol = setup(zoo.world.add_node("carol"), "carol");
        let (alice, bob, carol) = (zoo.alice.storage(), zoo.bob.storage(), carol.storage());
        const FORGED: [u8; 32] = [0x71; 32];
        setup(carol.upsert([0x72; 32], None, b"carol's"), "carol has state");
        let write = setup(bob.upsert(FORGED, None, b"bob's, as alice's"), "bob's write");
        let (delta, _) = setup(commit_signed(bob, &[write]), "bob's commit");
        let handler = setup(LoneHandler::open(carol).await, "carol's gossip handler");
        precondition(!carol.exists(FORGED), "carol does not hold bob's write yet");

        let taken = action(handler.deliver(&delta, alice, 1, None).await, "the unsigned forgery");
        let held = carol.get(FORGED).is_some();
        symptom_of("#2971", taken || held, "carol's handler took bob's unsigned delta as alice's write");
    });
}

/// #3547 (fixed in 0.11.0-rc.24; upstream's #3540): a delta's id is recomputed from its content
/// on receive. Alice commits two deltas, the second on the first. Bob, a Byzantine member, replays
/// the second as alice's — her key, her signature, her id — with its parents emptied. Before the
/// fix nothing tied the id to the parents: carol's node took the replay, applied it without the
/// delta it was made on, and kept it on no parents. Where the build has production's gossip
/// handler it is the handler's call; on the rc.25 + 19 tree it is the handler's gates as
/// calimero exports them, then the delta store (`protocols/no_handler.rs`).
#[test]
#[cfg_attr(
    not(calimero_node_path),
    ignore = "calimero's delta store needs production's node path: run it through scripts/against"
)]
fn a_delta_replayed_with_emptied_parents_is_not_taken() {
    #[cfg(calimero_node_path)]
    merosim::simulate(3547, || async {
        let zoo = Zoo::new(3547);
        let carol = setup(zoo.world.add_node("carol"), "carol");
        let (alice, carol) = (zoo.alice.storage(), carol.storage());
        setup(carol.upsert([0x72; 32], None, b"carol's"), "carol has state");
        let first = setup(alice.upsert([0x35; 32], None, b"alice's first"), "alice's first write");
        let (made_on, _) = setup(commit_signed(alice, &[first]), "alice's first commit");
        let second = setup(alice.upsert([0x47; 32], None, b"alice's second"), "alice's second write");
        let (mut replay, signature) = setup(commit_signed(alice, &[second]), "alice's second commit");
        precondition(replay.parents == [made_on.id], "alice's second delta was made on her first");
        replay.parents.clear();
        let intake = setup(LoneHandler::open(carol).await, "carol's intake");
        precondition(!carol.exists([0x47; 32]), "carol does not hold alice's second write yet");

        let taken = action(intake.deliver(&replay, alice, 1, signature).await, "the replay");
        let held = carol.get([0x47; 32]).is_some();
        symptom_of("#3547", taken || held, "carol took alice's second delta, replayed on no parents, before her first");
    });
}
