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
