//! Bugs where the handshake's view of the peer and the peer's state part ways.

use merosim::prelude::*;
use merosim::Oracle;

use super::{on, precondition, Zoo};

/// #2407-B (fixed in 0.10.1-rc.41): bob writes after alice's handshake saw his root. The session
/// must not return `Ok` having compared nothing (it may fail, or sync).
#[test]
fn a_moved_root_is_not_a_hollow_success() {
    simulate(111, || async {
        let zoo = Zoo::new(111);
        zoo.bob.storage().upsert([3; 32], None, b"before the handshake").unwrap();
        let seen = zoo.bob.storage().root_hash().unwrap();
        zoo.bob.storage().upsert([4; 32], None, b"after the handshake").unwrap();
        let session = Session::new(Protocol::HashComparison).with_handshake_root(seen);
        let report = zoo.world.run_session(&session, &zoo.alice, &zoo.bob).await;
        if let Ok(stats) = &report.initiator {
            assert!(!stats.did_nothing(), "{}Ok with nothing done: {stats:?}", on());
        }
        assert!(
            zoo.violations(Oracle::HollowSuccess).is_empty(),
            "{}{:?}",
            on(),
            zoo.violations(Oracle::HollowSuccess)
        );
    });
}

/// #2607 (fixed in 0.11.0-rc.2): after a HashComparison session that pushed (so the root the
/// handshake saw is stale), `root_hash_verified` says whether the two roots are equal *now*.
#[test]
fn verification_compares_with_where_the_peer_is_now() {
    simulate(112, || async {
        let zoo = Zoo::new(112);
        for node in [&zoo.alice, &zoo.bob] {
            node.storage().upsert([0xb0; 32], None, b"shared").unwrap();
        }
        zoo.alice.storage().upsert([0xb1; 32], None, b"only alice").unwrap();
        zoo.bob.storage().upsert([0xb2; 32], None, b"only bob").unwrap();
        let stats = zoo.sync(Protocol::HashComparison, &zoo.alice, &zoo.bob).await.initiator.unwrap();
        precondition(stats.entities_pushed > 0, "alice pushed, moving bob's root past the handshake's");
        let equal_now = zoo.alice.storage().root_hash().unwrap() == zoo.bob.storage().root_hash().unwrap();
        assert_eq!(stats.root_hash_verified, equal_now, "{}roots equal now: {equal_now}; {stats:?}", on());
    });
}
