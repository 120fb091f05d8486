//! Bugs of HashComparison at the leaves.

use merosim::prelude::*;
use merosim::Oracle;

use super::{action, not_observable, precondition, protocol_verifies, setup, symptom, Zoo};

/// opaque leaves (fixed in 0.10.1-rc.38): a leaf with no CRDT type syncs like any other.
#[test]
fn hash_comparison_syncs_leaves_without_a_crdt_type() {
    simulate(101, || async {
        let zoo = Zoo::new(101);
        setup(zoo.alice.storage().upsert_typed([0x40; 32], None, b"opaque", None), "an opaque leaf on alice");
        let report = zoo.sync(Protocol::HashComparison, &zoo.bob, &zoo.alice).await;
        action(report.initiator.as_ref(), "bob pulls from alice");
        let got = zoo.bob.storage().get([0x40; 32]);
        symptom(got.as_deref() != Some(&b"opaque"[..]), format!("the opaque leaf did not sync (bob holds {got:?})"));
    });
}

/// #2407-A (fixed in 0.10.1-rc.41): a session that leaves the trees different says so itself
/// (`root_hash_verified = false`, from the protocol). The setup is F3: alice's child under a
/// folder bob holds as a leaf is not pushed. Before rc.41 the protocol reports no verification
/// at all, so the claim cannot be asked of it: not observable there.
#[test]
fn hash_comparison_reports_whether_it_reached_the_peer() {
    simulate(102, || async {
        let zoo = Zoo::new(102);
        for node in [&zoo.alice, &zoo.bob] {
            setup(node.storage().upsert([0xa0; 32], None, b"folder"), "a folder on both");
        }
        setup(zoo.alice.storage().upsert([0xa1; 32], Some([0xa0; 32]), b"alice's leaf"), "alice's leaf");
        let report = zoo.sync(Protocol::HashComparison, &zoo.alice, &zoo.bob).await;
        let stats = action(report.initiator, "alice syncs with bob");
        let differ = zoo.alice.storage().root_hash().unwrap() != zoo.bob.storage().root_hash().unwrap();
        precondition(differ, "the session leaves the trees different (F3)");
        if !protocol_verifies(&stats) {
            not_observable("this release's HashComparison reports no root_hash_verified");
        }
        symptom(stats.root_hash_verified, format!("claims it reached the peer: {stats:?}"));
    });
}

/// #2407-C (fixed in 0.10.1-rc.41): both hold a leaf with different bytes and the initiator's is
/// newer: after one session the peer holds the newer bytes too (the oracle: no stale-after-ok).
#[test]
fn the_newer_side_of_a_conflict_reaches_the_peer() {
    simulate(103, || async {
        let zoo = Zoo::new(103);
        let created = WriteMeta::at(1_000_000);
        for node in [&zoo.alice, &zoo.bob] {
            setup(node.storage().upsert_with([0xc0; 32], None, b"original", &created), "the shared leaf");
            setup(node.storage().upsert_with([0xc1; 32], None, b"untouched", &created), "a second leaf");
        }
        let older = WriteMeta { updated_at: 2_000_000, ..created.clone() };
        let newer = WriteMeta { updated_at: 3_000_000, ..created };
        setup(zoo.bob.storage().upsert_with([0xc0; 32], None, b"bob's older write", &older), "bob's write");
        setup(zoo.alice.storage().upsert_with([0xc0; 32], None, b"alice's newer write", &newer), "alice's write");
        let report = zoo.sync(Protocol::HashComparison, &zoo.alice, &zoo.bob).await;
        action(report.initiator.as_ref(), "alice syncs with bob");
        let newer = Some(&b"alice's newer write"[..]);
        precondition(zoo.alice.storage().get([0xc0; 32]).as_deref() == newer, "LWW keeps alice's newer write");
        let bob = zoo.bob.storage().get([0xc0; 32]);
        let stale = zoo.violations(Oracle::StaleAfterOk);
        symptom(bob.as_deref() != newer, format!("bob kept {:?}", bob.as_deref().map(String::from_utf8_lossy)));
        symptom(!stale.is_empty(), format!("stale-after-ok: {stale:?}"));
    });
}
