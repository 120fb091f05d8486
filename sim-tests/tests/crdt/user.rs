//! calimero's `UserStorage` with real keys: every member's slot is written as its owner, signed by
//! production's signer, and verified by calimero on every peer — by delta and by HashComparison.
//! Driven on 0.11.0-rc.4 to rc.19 with the visibility patch; elsewhere the kind is refused with
//! the reason (`merosim list`).

use merosim::prelude::*;
use merosim::{CollectionKind as K, CollectionValue, CrdtOp, Verb, USER_STORAGE};

use super::{app_runtime, finish, ms};

fn set(value: &str) -> CrdtOp {
    CrdtOp::new("profiles", K::User, Verb::Insert { key: "own".into(), value: value.into() })
}

/// alice and bob set their slots while carol is cut off from both, then everyone heals: carol
/// gets the two signed slots by HashComparison (their deltas never reached her), alice and bob
/// each other's by delta; every node reads three slots, and calimero verified every one of them.
#[test]
fn every_member_s_signed_slot_reaches_every_node_by_delta_and_by_sync() {
    if !USER_STORAGE {
        let err = "user".parse::<K>().unwrap_err().to_string();
        assert!(err.contains("UserStorage"), "{err}");
        return;
    }
    let mut rt = app_runtime(seed_or(3405), 3, &[("profiles", K::User)]);
    let names: Vec<String> = rt.node_names().to_vec();
    let (alice, bob, carol) = (names[0].as_str(), names[1].as_str(), names[2].as_str());
    rt.partition_bidirectional(carol, alice, None);
    rt.partition_bidirectional(carol, bob, None);
    rt.app_op(alice, set("alice's")).unwrap();
    rt.app_op(bob, set("bob's")).unwrap();
    rt.advance(ms(5_000));
    rt.heal_partition(carol, alice);
    rt.heal_partition(carol, bob);
    rt.app_op(carol, set("carol's")).unwrap();
    let judgement = finish(&mut rt);
    assert!(judgement.verdict.passed(), "{judgement}");
    let CollectionValue::Entries(slots) = rt.app_state(carol).collections["profiles"].clone() else { unreachable!() };
    let mut values: Vec<&str> = slots.values().map(String::as_str).collect();
    values.sort_unstable();
    assert_eq!(values, ["alice's", "bob's", "carol's"], "{slots:?}");
    let synced = rt.metrics().protocol.sessions.get("hash-comparison").map_or(0, |c| c.succeeded);
    assert!(synced > 0, "carol's slots came by HashComparison");
}
