//! 3 and 5 nodes, diverged and partially overlapping, on a perfect network and under light
//! chaos: every run converges, and every session that ran is the one `select_protocol` picked
//! for the handshakes it was given. The choice is asked again here of calimero's
//! `select_protocol` on each recorded handshake pair, so what this checks is merosim's side:
//! that it recorded the handshakes it decided from, ran the protocol the answer names (or counted
//! the fallback), and started one session per choice — not how the handshakes were built.

use std::collections::BTreeSet;

use calimero_node_primitives::sync::{select_protocol, SyncProtocol};
use merosim::prelude::*;
use merosim::protocol_name;

fn converge(scenario: Scenario, faults: FaultConfig, seed: u64) {
    let label = format!("{scenario} seed={seed} faults=[{faults}]");
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(seed).with_faults(faults));
    rt.apply_scenario(scenario);
    let stop = rt.run();
    assert_eq!(stop, StopCondition::Converged, "{label}: {}", rt.check_convergence());
    assert_converged!(rt);

    let metrics = rt.metrics();
    let handshakes = &metrics.protocol.handshakes;
    assert!(handshakes.iter().any(|h| h.ran.is_some()), "{label}: no session ran");
    for h in handshakes {
        let again = select_protocol(&h.local, &h.remote);
        assert_eq!(protocol_name(&again.protocol), h.selected, "{label}: {h:?}");
        match (&again.protocol, h.ran) {
            (SyncProtocol::None, None) => {}
            (SyncProtocol::HashComparison { .. }, Some(Protocol::HashComparison)) => {}
            (SyncProtocol::LevelWise { max_depth }, Some(Protocol::LevelWise { max_depth: ran })) => {
                assert_eq!(*max_depth, ran, "{label}: LevelWise depth")
            }
            (_, Some(Protocol::HashComparison)) => {
                assert!(
                    metrics.protocol.fallbacks.contains_key(h.selected),
                    "{label}: silent fallback from {}",
                    h.selected
                )
            }
            other => panic!("{label}: selection {other:?} ran the wrong protocol"),
        }
    }
    for (name, counts) in &metrics.protocol.sessions {
        let planned = handshakes.iter().filter(|h| h.ran.is_some_and(|p| p.name() == *name)).count() as u64;
        assert_eq!(counts.started, planned, "{label}: {name} sessions vs handshakes");
        assert!(counts.frames > 0 && counts.bytes > 0, "{label}: {name} sessions sent nothing");
    }
}

#[test]
fn three_and_five_nodes_converge_without_faults() {
    for n in [3, 5] {
        converge(Scenario::n_nodes_diverged(n, 20), FaultConfig::none(), 3);
        converge(Scenario::partial_overlap(n, 15, 5), FaultConfig::none(), 4);
    }
}

#[test]
fn three_and_five_nodes_converge_under_light_chaos() {
    for n in [3, 5] {
        converge(Scenario::n_nodes_diverged(n, 20), FaultConfig::light_chaos(), 5);
        converge(Scenario::partial_overlap(n, 15, 5), FaultConfig::light_chaos(), 6);
    }
}

/// A node without state bootstraps: by calimero's own snapshot sync on production's node path
/// (a `snapshot` session, no stand-in), by HashComparison standing in for it, counted, on the
/// model's.
#[test]
fn fresh_node_bootstraps_through_a_counted_fallback() {
    for path in [NodePath::Production, NodePath::Model].into_iter().filter(|p| p.available()) {
        let mut rt = SimRuntime::with_config(SimConfig::with_seed(8).with_node_path(path));
        rt.apply_scenario(Scenario::force_snapshot());
        assert_eq!(rt.run(), StopCondition::Converged, "{path}");
        assert_entity_count!(rt, "bob", 20);
        let metrics = rt.metrics();
        let fallbacks = metrics.protocol.fallbacks.get("snapshot").copied().unwrap_or(0);
        let snapshots = metrics.protocol.sessions.get("snapshot").map_or(0, |c| c.succeeded);
        match path {
            NodePath::Production => assert!(snapshots >= 1 && fallbacks == 0, "{}", metrics.summary()),
            NodePath::Model => assert!(fallbacks >= 1 && snapshots == 0, "{}", metrics.summary()),
        }
    }
}

#[test]
fn equal_nodes_select_none_and_send_nothing() {
    let mut rt = SimRuntime::with_seed(9);
    rt.apply_scenario(Scenario::force_none());
    assert_eq!(rt.run_until(|rt| rt.clock().now() > 5_000.into()), StopCondition::Manual);
    let metrics = rt.metrics();
    assert!(metrics.protocol.selected.get("none").copied().unwrap_or(0) >= 10, "{}", metrics.summary());
    assert!(metrics.protocol.sessions.is_empty(), "no session: {}", metrics.summary());
    // What production sends every tick anyway: a DAG-heads request and its answer.
    let labels: BTreeSet<&str> = rt.frames().iter().map(|f| f.label).collect();
    assert_eq!(labels, BTreeSet::from(["dag-heads"]), "{}", metrics.summary());
    assert_converged!(rt);
}

/// Production's DAG compaction on production's node path: at production's own settings (10 000
/// deltas, hourly) a run never prunes; set low, as an operator may, calimero's
/// `DeltaStore::compact` prunes the nodes' delta stores during the run.
#[test]
fn dag_compaction_prunes_only_when_set_low() {
    if !NodePath::Production.available() {
        return;
    }
    let pruned = |compaction: merosim::DagCompaction| {
        let mut rt = SimRuntime::with_config(SimConfig::with_seed(3).with_dag_compaction(compaction));
        let nodes = rt.apply_scenario(Scenario::n_nodes_synced(2, 2));
        for i in 0..30_u8 {
            rt.write(nodes[usize::from(i % 2)], [0xc0 + i; 32], &[i]);
            rt.advance(std::time::Duration::from_millis(300));
        }
        assert_eq!(rt.run(), StopCondition::Converged);
        rt.metrics().gossip.deltas_pruned
    };
    assert_eq!(pruned(merosim::DagCompaction::default()), 0, "production's defaults never fire in a run");
    assert!(pruned("10,3,2".parse().unwrap()) > 0, "set low, compaction prunes");
}
