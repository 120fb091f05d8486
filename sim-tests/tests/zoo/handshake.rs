//! Bugs where the handshake's view of the peer and the peer's state part ways.

use merosim::prelude::*;
use merosim::Oracle;

use super::{action, not_observable, precondition, protocol_verifies, setup, symptom, symptom_of, Zoo};

/// Bob writes, the handshake sees his root, bob writes again: the root it returns is stale.
fn moved_after_the_handshake(zoo: &Zoo) -> [u8; 32] {
    setup(zoo.bob.storage().upsert([3; 32], None, b"before the handshake"), "bob's first write");
    let seen = zoo.bob.storage().root_hash().unwrap();
    setup(zoo.bob.storage().upsert([4; 32], None, b"after the handshake"), "bob's second write");
    seen
}

/// #2407-B (fixed in 0.10.1-rc.41): bob writes after alice's handshake saw his root. The session
/// must not return `Ok` having compared nothing: it syncs, or the protocol refuses. A failure
/// below the protocol (the stream, a budget) is neither, and makes the cell an error.
#[test]
fn a_moved_root_is_not_a_hollow_success() {
    simulate(111, || async {
        let zoo = Zoo::new(111);
        let seen = moved_after_the_handshake(&zoo);
        let session = Session::new(Protocol::HashComparison).with_handshake_root(seen);
        let report = zoo.world.run_session(&session, &zoo.alice, &zoo.bob).await;
        let outcome = report.initiator.as_ref().map_err(|e| e.kind());
        match outcome {
            Ok(stats) => symptom(stats.did_nothing(), format!("Ok with nothing done: {stats:?}")),
            Err("protocol") => {}
            Err(_) => action(report.initiator.as_ref().map(drop), "the session runs to a protocol outcome"),
        }
        let hollow = zoo.violations(Oracle::HollowSuccess);
        symptom(!hollow.is_empty(), format!("hollow-success: {hollow:?}"));
    });
}

/// #2607 (fixed in 0.11.0-rc.2): after a HashComparison session that pushed (so the root the
/// handshake saw is stale), `root_hash_verified` says whether the two roots are equal *now*.
/// Before 0.10.1-rc.41 the protocol reports no verification, and merosim's own stand-in is that
/// very comparison, so nothing is there to test: not observable.
#[test]
fn verification_compares_with_where_the_peer_is_now() {
    simulate(112, || async {
        let zoo = Zoo::new(112);
        for node in [&zoo.alice, &zoo.bob] {
            setup(node.storage().upsert([0xb0; 32], None, b"shared"), "a shared leaf");
        }
        setup(zoo.alice.storage().upsert([0xb1; 32], None, b"only alice"), "alice's leaf");
        setup(zoo.bob.storage().upsert([0xb2; 32], None, b"only bob"), "bob's leaf");
        let report = zoo.sync(Protocol::HashComparison, &zoo.alice, &zoo.bob).await;
        let stats = action(report.initiator, "alice syncs with bob");
        precondition(stats.entities_pushed > 0, "alice pushed, moving bob's root past the handshake's");
        if !protocol_verifies(&stats) {
            not_observable("this release's HashComparison reports no root_hash_verified");
        }
        let equal_now = zoo.alice.storage().root_hash().unwrap() == zoo.bob.storage().root_hash().unwrap();
        symptom(
            stats.root_hash_verified != equal_now,
            format!(
                "root_hash_verified {} while the roots are equal now: {equal_now}; {stats:?}",
                stats.root_hash_verified
            ),
        );
    });
}

/// #2901 (fixed in 0.11.0-rc.7): the same race for LevelWise. Bob writes after the handshake saw
/// his root; the session pulls everything and the roots end equal, so `root_hash_verified` must
/// say so (before the fix LevelWise compared with the handshake's stale root: docs/findings.md F5).
#[test]
fn level_wise_verifies_against_where_the_peer_is_now() {
    simulate(113, || async {
        let zoo = Zoo::new(113);
        let seen = moved_after_the_handshake(&zoo);
        let session = Session::new(Protocol::LevelWise { max_depth: 2 }).with_handshake_root(seen);
        let report = zoo.world.run_session(&session, &zoo.alice, &zoo.bob).await;
        let stats = action(report.initiator, "alice pulls from bob with LevelWise");
        let equal_now = zoo.alice.storage().root_hash().unwrap() == zoo.bob.storage().root_hash().unwrap();
        precondition(equal_now, "the session brought alice level with bob");
        if !protocol_verifies(&stats) {
            not_observable("this release's LevelWise reports no root_hash_verified");
        }
        symptom_of(
            "#2901",
            !stats.root_hash_verified,
            format!("roots equal, yet root_hash_verified is false: {stats:?}"),
        );
    });
}
