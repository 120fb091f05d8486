//! Peers that lie, against the code production decides with. A peer's DAG-heads answer is all a
//! production node learns of it before choosing a protocol (its root and heads; the entity
//! count and depth are estimated from them), so a lying peer chooses what it claims.

use merosim::{plan_as_production, seed_or, HeadsView};
use rand::{Rng, SeedableRng};

/// Upstream's `byzantine_handshake_never_escalates…` (calimero #3121), through calimero's own `select_protocol` and
/// I5 check (`check_snapshot_safety`) as production's manager dispatches them: whatever root and
/// heads a peer claims (none, thousands, a zero root, a root it does not hold), a node with state
/// is never sent to a snapshot sync, which would replace its state with the liar's. The same
/// lies do send a node without state to one: the refusal is the node's state, not the lie's
/// shape.
#[test]
fn a_lying_handshake_never_sends_a_node_with_state_to_a_snapshot() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed_or(3121));
    let with_state = HeadsView { root_hash: [0x11; 32], root_children: 3, dag_heads: vec![[0x12; 32]] };
    let fresh = HeadsView { root_hash: [0; 32], root_children: 0, dag_heads: Vec::new() };
    let (mut lies, mut fresh_snapshots) = (0, 0);
    for _ in 0..2_000 {
        let heads = match rng.gen_range(0..4) {
            0 => Vec::new(),
            1 => vec![with_state.dag_heads[0]],
            2 => (0..rng.gen_range(1..64)).map(|_| rng.gen()).collect(),
            _ => (0..rng.gen_range(1_000..4_000)).map(|_| rng.gen()).collect(),
        };
        let root_hash = match rng.gen_range(0..3) {
            0 => [0; 32],
            1 => with_state.root_hash,
            _ => rng.gen(),
        };
        let liar = HeadsView { root_hash, root_children: rng.gen(), dag_heads: heads };
        let plan = plan_as_production(&with_state, &liar);
        // `select_protocol` may name a snapshot; the manager's I5 check then refuses to run one.
        assert!(!plan.fallback, "a node with state sent to a snapshot by {liar:?}: {plan:?}");
        lies += 1;
        if liar.root_hash != [0; 32] && plan_as_production(&fresh, &liar).fallback {
            fresh_snapshots += 1;
        }
    }
    assert!(fresh_snapshots > lies / 3, "the lies never sent a fresh node to a snapshot ({fresh_snapshots} of {lies})");
}

/// The Byzantine fault class in runs (`--faults byzantine`: prod-wan's network and one member,
/// mallory, who lies): under chaos, honest nodes hold upstream's invariants against what she
/// tells them through calimero's own code.
///
/// - No handshake sends a node with state to a snapshot, whatever heads she answers (I5).
/// - A delta she relays as another member's, with another author's signature on it, or on
///   emptied or swapped parents, is refused where calimero checks it (signatures from 0.11.0-rc.9, ids
///   recomputed from content from rc.24): the forgery oracle stays silent there. Before, what
///   was taken is filed under the fix that closed it (#2971, #3547), never NEW.
/// - The honest nodes converge (liveness among them): every other failure is a known finding.
#[test]
fn honest_nodes_hold_upstream_s_invariants_against_a_byzantine_member_under_chaos() {
    use merosim::prelude::*;
    use merosim::{run_one, NodePath, Oracle, RunSpec, Triage};
    if !NodePath::Production.available() {
        return; // Byzantine members lie in production's node path (the run refuses otherwise).
    }
    let checked = merosim::calimero_since("0.11.0-rc.24");
    let (mut lies, mut taken) = (std::collections::BTreeMap::new(), std::collections::BTreeSet::new());
    for seed in 0..8 {
        let spec = RunSpec::new(seed, "diverged".parse().unwrap(), FaultPreset::Byzantine);
        let outcome = run_one(&spec, false).outcome;
        let metrics = outcome.metrics.as_ref().unwrap_or_else(|| panic!("{outcome}"));
        for (lie, told) in &metrics.gossip.lies {
            *lies.entry(*lie).or_insert(0) += told;
        }
        for h in &metrics.protocol.handshakes {
            let snapshot = matches!(h.selected, "snapshot" | "bloom-filter" | "subtree-prefetch");
            assert!(!(h.local.has_state && snapshot && h.ran.is_some()), "seed {seed}: I5 broken by {h:?}");
        }
        let judged = outcome.judgement.as_ref().and_then(|j| j.counts.get(&Oracle::Forgery)).map(|c| c.checked);
        assert_eq!(judged, Some(1), "seed {seed}: the forgery oracle did not judge the run");
        match outcome.triage(&spec.flags()) {
            None => {}
            Some(Triage::Known(findings)) if !checked => taken.extend(findings),
            other => panic!("seed {seed} on a release that checks: {other:?}\n{outcome}\n{}", spec.repro()),
        }
    }
    let all = ["forged author", "emptied parents", "swapped parents", "lying heads answer", "lying tree-node answer"];
    for lie in all {
        assert!(lies.get(lie).is_some_and(|n| *n > 0), "mallory never told a {lie}: {lies:?}");
    }
    if merosim::calimero_since("0.11.0-rc.9") {
        assert!(lies.get("copied signature").is_some_and(|n| *n > 0), "no copied signature: {lies:?}");
    }
    if !checked {
        assert!(taken.contains("#3547"), "nothing taken on emptied parents before rc.24: {taken:?}");
        let unsigned = !merosim::calimero_since("0.11.0-rc.9");
        assert_eq!(taken.contains("#2971"), unsigned, "forged authors taken: {taken:?}");
    }
}

/// A Byzantine member pushing writes into members' `UserStorage` slots (`--scenario crdt-user`,
/// 0.11.0-rc.4 to rc.19): each push is a delta she authors, as the owner with a signature the
/// owner put on another write (tampered) or as her own (squatted). Under chaos every run is filed
/// known, never NEW: what a squat takes is F19's (from rc.10, where F8 no longer ends these runs
/// first, seed 7 shows it); and each run replays byte for byte, her coin included.
#[test]
fn a_byzantine_member_s_slot_pushes_are_filed_f19_never_new() {
    use merosim::prelude::*;
    use merosim::{NodePath, RunSpec, Triage, USER_STORAGE};
    if !USER_STORAGE || !NodePath::Production.available() {
        return;
    }
    let (mut lies, mut findings) = (std::collections::BTreeMap::new(), std::collections::BTreeSet::new());
    for seed in 0..8 {
        let spec = RunSpec::new(seed, "crdt-user".parse().unwrap(), FaultPreset::Byzantine);
        let outcome = sim_tests::assert_replays(&spec);
        for (lie, told) in outcome.metrics.as_ref().map(|m| m.gossip.lies.clone()).unwrap_or_default() {
            *lies.entry(lie).or_insert(0) += told;
        }
        match outcome.triage(&spec.flags()) {
            None => {}
            Some(Triage::Known(known)) => findings.extend(known),
            other => panic!("seed {seed}: {other:?}\n{outcome}\n{}", spec.repro()),
        }
    }
    for lie in ["tampered slot", "squatted slot"] {
        assert!(lies.get(lie).is_some_and(|n| *n > 0), "mallory never pushed a {lie}: {lies:?}");
    }
    if merosim::calimero_since("0.11.0-rc.10") {
        assert!(findings.contains("F19"), "no squat taken in eight runs: {findings:?}");
    }
}

/// A Byzantine member's lies come from the seed like every other fault: four runs with one
/// (app scenarios among them), each repeated, route the same frames and leave the same stores'
/// traffic, and she told lies in them.
#[test]
fn a_run_with_a_byzantine_member_replays_byte_for_byte() {
    use merosim::prelude::*;
    if !merosim::NodePath::Production.available() {
        return;
    }
    let mut told = 0;
    for seed in 0..4 {
        let spec = merosim::RunSpec::new(seed, "any".parse().unwrap(), FaultPreset::Byzantine);
        let first = sim_tests::assert_replays(&spec);
        told += first.metrics.as_ref().map_or(0, |m| m.gossip.lies.values().sum::<u64>());
    }
    assert!(told > 0, "no lie told in four runs: the replay proves nothing about them");
}
