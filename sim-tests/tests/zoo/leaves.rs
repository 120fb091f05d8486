//! Bugs of HashComparison at the leaves.

use merosim::prelude::*;
use merosim::Oracle;

use super::{on, precondition, Zoo};

/// opaque leaves (fixed in 0.10.1-rc.38): a leaf with no CRDT type syncs like any other.
#[test]
fn hash_comparison_syncs_leaves_without_a_crdt_type() {
    simulate(101, || async {
        let zoo = Zoo::new(101);
        zoo.alice.storage().upsert_typed([0x40; 32], None, b"opaque", None).unwrap();
        let report = zoo.sync(Protocol::HashComparison, &zoo.bob, &zoo.alice).await;
        assert!(report.succeeded(), "{}{report:?}", on());
        assert_eq!(
            zoo.bob.storage().get([0x40; 32]).as_deref(),
            Some(&b"opaque"[..]),
            "{}the opaque leaf did not sync",
            on()
        );
    });
}

/// #2407-A (fixed in 0.10.1-rc.41): a session that leaves the trees different says so itself
/// (`root_hash_verified = false`, from the protocol, not computed by merosim). The setup is F3:
/// alice's child under a folder bob holds as a leaf is not pushed.
#[test]
fn hash_comparison_reports_whether_it_reached_the_peer() {
    simulate(102, || async {
        let zoo = Zoo::new(102);
        for node in [&zoo.alice, &zoo.bob] {
            node.storage().upsert([0xa0; 32], None, b"folder").unwrap();
        }
        zoo.alice.storage().upsert([0xa1; 32], Some([0xa0; 32]), b"alice's leaf").unwrap();
        let stats = zoo.sync(Protocol::HashComparison, &zoo.alice, &zoo.bob).await.initiator.unwrap();
        let differ = zoo.alice.storage().root_hash().unwrap() != zoo.bob.storage().root_hash().unwrap();
        precondition(differ, "the session leaves the trees different (F3)");
        assert_eq!(stats.verified_by, merosim::Verifier::Protocol, "{}the stats carry no verification", on());
        assert!(!stats.root_hash_verified, "{}claims it reached the peer", on());
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
            node.storage().upsert_with([0xc0; 32], None, b"original", &created).unwrap();
            node.storage().upsert_with([0xc1; 32], None, b"untouched", &created).unwrap();
        }
        let older = WriteMeta { updated_at: 2_000_000, ..created.clone() };
        let newer = WriteMeta { updated_at: 3_000_000, ..created };
        zoo.bob.storage().upsert_with([0xc0; 32], None, b"bob's older write", &older).unwrap();
        zoo.alice.storage().upsert_with([0xc0; 32], None, b"alice's newer write", &newer).unwrap();
        let report = zoo.sync(Protocol::HashComparison, &zoo.alice, &zoo.bob).await;
        assert!(report.succeeded(), "{}{report:?}", on());
        assert_eq!(
            zoo.alice.storage().get([0xc0; 32]).as_deref(),
            Some(&b"alice's newer write"[..]),
            "{}LWW kept alice's",
            on()
        );
        assert_eq!(
            zoo.bob.storage().get([0xc0; 32]).as_deref(),
            Some(&b"alice's newer write"[..]),
            "{}bob kept the older write",
            on()
        );
        assert!(zoo.violations(Oracle::StaleAfterOk).is_empty(), "{}{:?}", on(), zoo.violations(Oracle::StaleAfterOk));
    });
}
