//! Local writes as gossiped deltas, and when a node holds a peer's delta back (I6): the model through
//! any session, production only through a snapshot bootstrap or before its context has state.

use std::time::Duration;

use merosim::prelude::*;

/// The model's I6: a delta that reaches alice mid-session waits in her buffer (C3 blocks
/// convergence), is applied once she is idle, and the write ends up on every node.
#[test]
fn on_the_model_path_a_delta_written_during_a_session_is_buffered_then_reaches_every_node() {
    let config =
        SimConfig::with_seed(21).with_faults(FaultConfig::none().with_latency(20, 0)).with_node_path(NodePath::Model);
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(Scenario::n_nodes_diverged(3, 30));
    assert_eq!(rt.run_until(|rt| !rt.is_idle("alice")), StopCondition::Manual);

    let written = [0x99; 32];
    rt.write("carol", written, b"written mid-session");
    let deadline = rt.now() + Duration::from_millis(200);
    rt.run_until(|rt| rt.buffered("alice") > 0 || rt.clock().now() > deadline);
    assert!(rt.buffered("alice") > 0, "the delta was not buffered: {}", rt.metrics().summary());
    let status = rt.check_convergence();
    assert!(!status.holds(Property::C3NoPendingBuffers), "C3 should block while alice buffers: {status}");

    assert_eq!(rt.run(), StopCondition::Converged, "{}", rt.check_convergence());
    assert_converged!(rt);
    for node in ["alice", "bob", "carol"] {
        assert_buffer_empty!(rt, node);
        assert_has_entity!(rt, node, written);
    }
    let gossip = rt.metrics().gossip;
    assert!(gossip.deltas_buffered >= 1 && gossip.deltas_applied >= 1, "{gossip:?}");
}

/// Production's rule: its gossip handler buffers only through a snapshot bootstrap or before the
/// context has state, so a delta that reaches alice while a HashComparison session runs on her
/// is applied then, not held until she is idle (holding it kept two nodes that sync each other at
/// every tick from ever applying it: the rc.25 + 19 tree's seed 5927).
#[test]
fn on_production_s_path_a_delta_written_during_a_session_is_applied_during_it() {
    let config = SimConfig::with_seed(21).with_faults(FaultConfig::none().with_latency(20, 0));
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(Scenario::n_nodes_diverged(3, 30));
    assert_eq!(rt.run_until(|rt| !rt.is_idle("alice")), StopCondition::Manual);

    let written = [0x99; 32];
    rt.write("carol", written, b"written mid-session");
    let deadline = rt.now() + Duration::from_millis(500);
    rt.run_until(|rt| rt.has_entity("alice", written) || rt.clock().now() > deadline);
    assert!(rt.has_entity("alice", written), "the delta did not reach alice: {}", rt.metrics().summary());
    assert!(!rt.is_idle("alice"), "alice's session ended before the delta came: the test proves nothing");
    assert_eq!(rt.metrics().gossip.deltas_buffered, 0, "{}", rt.metrics().summary());

    assert_eq!(rt.run(), StopCondition::Converged, "{}", rt.check_convergence());
    assert_converged!(rt);
}

/// Two nodes keep writing while sync runs under light chaos; when the writes stop, everyone
/// converges on every write.
#[test]
fn concurrent_writes_under_light_chaos_converge() {
    let config =
        SimConfig::with_seed(22).with_faults(FaultConfig::light_chaos()).with_recv_timeout(Duration::from_secs(5));
    let mut rt = SimRuntime::with_config(config);
    let nodes = rt.apply_scenario(Scenario::partial_overlap(3, 10, 5));
    rt.start_workload(&[nodes[0], nodes[2]], Duration::from_millis(100), 20);
    rt.run_until(|rt| rt.clock().now() > 3_000.into());
    assert_eq!(rt.run(), StopCondition::Converged, "{}", rt.check_convergence());
    assert_converged!(rt);
    for node in ["alice", "bob", "carol"] {
        assert_entity_count!(rt, node, 10 + 3 * 5 + 2 * 20);
    }
    let metrics = rt.metrics();
    assert_eq!(metrics.gossip.deltas_sent, 2 * 20 * 2, "{}", metrics.summary());
}

/// A node's DAG heads, as production's handshake reads them: three concurrent writes leave
/// every node with three heads once the deltas arrive; the next write collapses them to one.
#[test]
fn concurrent_writes_leave_a_head_each_until_the_next_write() {
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(23).with_faults(FaultConfig::none().with_latency(5, 0)));
    let nodes = rt.apply_scenario(Scenario::n_nodes_synced(3, 4));
    let heads = |rt: &mut SimRuntime, of: NodeId| {
        let peer = nodes[(of.get() as usize + 1) % 3];
        rt.with_world(move |w| w.plan(peer, of).unwrap().remote.dag_heads.len())
    };
    assert_eq!(heads(&mut rt, nodes[0]), 0, "no deltas yet");
    for (i, node) in nodes.iter().enumerate() {
        rt.write(*node, [0xc0 + i as u8; 32], b"concurrent");
    }
    rt.advance(Duration::from_millis(50));
    for node in &nodes {
        assert_eq!(heads(&mut rt, *node), 3, "three concurrent deltas, three heads");
    }
    rt.write(nodes[1], [0xcf; 32], b"after");
    assert_eq!(heads(&mut rt, nodes[1]), 1, "a write of its own collapses the writer's heads");
    rt.advance(Duration::from_millis(50));
    for node in &nodes {
        assert_eq!(heads(&mut rt, *node), 1, "and everyone's, once it arrives");
    }
}
