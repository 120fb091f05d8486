//! Crashes and partitions at cluster level.

use std::time::Duration;

use merosim::prelude::*;
use merosim::{Episodes, NodeFaults, TraceKind};

/// A node crashed in the middle of a session loses its tasks and streams — its peers see the
/// session fail — but not its store; restarted, it converges with the others.
#[test]
fn node_crashed_mid_session_restarts_and_converges() {
    // 50 ms links: a session is several round trips long, so one round trip in is mid-session.
    let faults = FaultConfig::none().with_latency(50, 0);
    let config = SimConfig::with_seed(12).with_faults(faults).with_recv_timeout(Duration::from_secs(5));
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(Scenario::n_nodes_diverged(3, 30));
    assert_eq!(rt.run_until(|rt| !rt.is_idle("carol")), StopCondition::Manual, "carol never synced");
    rt.advance(Duration::from_millis(100));
    assert!(!rt.is_idle("carol"), "the session ended before the crash");
    let before = rt.entity_count("carol");
    rt.crash("carol");
    assert_eq!(rt.entity_count("carol"), before, "the crash lost carol's store");
    assert!(rt.is_idle("carol"), "a crashed node's sessions are gone");

    rt.advance(Duration::from_secs(20));
    let metrics = rt.metrics();
    let failed: u64 = metrics.protocol.sessions.values().flat_map(|c| c.failed.values()).sum();
    let responder_failed: u64 = metrics.protocol.responder_failed.values().sum();
    assert!(failed + responder_failed > 0, "nobody noticed the crash: {}", metrics.summary());
    for counts in metrics.protocol.sessions.values() {
        let ended = counts.succeeded + counts.failed.values().sum::<u64>();
        assert!(counts.started - ended <= 2, "sessions unaccounted for: {}", metrics.summary());
    }
    assert!(metrics.effects.dropped_by_reason.contains_key(&DropReason::Crash), "{}", metrics.summary());
    // alice and bob may agree by now, but the checker only waits for live nodes …
    assert_eq!(rt.check_convergence().live_nodes, 2);

    // … and carol, restarted from her surviving store, catches up.
    rt.restart("carol");
    assert_eq!(rt.run(), StopCondition::Converged, "{}", rt.check_convergence());
    assert_converged!(rt);
    for node in ["alice", "bob", "carol"] {
        assert_entity_count!(rt, node, 90);
    }
}

/// A permanent partition isolating alice never converges, and the report names the split: bob
/// and carol are the majority, alice differs by exactly the entities she cannot see. Healing it
/// converges.
#[test]
fn permanent_partition_is_reported_then_heals() {
    // A short receive budget: every attempt to reach alice costs one, and bob and carol must
    // still find time to sync with each other.
    let config = SimConfig::with_seed(13).with_recv_timeout(Duration::from_secs(2));
    let mut rt = SimRuntime::with_config(config);
    let [alice, bob, carol]: [NodeId; 3] = rt.apply_scenario(Scenario::n_nodes_diverged(3, 10)).try_into().unwrap();
    rt.partition_bidirectional(&alice, &bob, None);
    rt.partition_bidirectional(&alice, &carol, None);
    assert_eq!(rt.run_until(|rt| rt.clock().now() > 60_000.into()), StopCondition::Manual);
    assert_not_converged!(rt);

    let status = rt.check_convergence();
    assert!(!status.holds(Property::C5StatesEqual), "{status}");
    assert_eq!(status.majority, vec!["bob".to_owned(), "carol".to_owned()], "{status}");
    assert_eq!(status.divergent.len(), 1, "{status}");
    let split = &status.divergent[0];
    assert_eq!(split.node, "alice");
    assert_eq!(split.diff.only_left.len(), 20, "alice lacks bob's and carol's entities: {status}");
    assert_eq!(split.diff.only_right.len(), 10, "only alice has hers: {status}");
    assert!(status.to_string().contains("alice differs from the majority"), "{status}");

    rt.heal_partition(&alice, &bob);
    rt.heal_partition(&alice, &carol);
    let rt_limit = rt.now() + Duration::from_secs(30);
    assert_eq!(rt.run_until(|rt| rt.is_converged() || rt.clock().now() > rt_limit), StopCondition::Manual);
    assert_converged!(rt);
}

/// `set_faults` replaces what the network does from then on; the nodes' faults and buggify are
/// armed when the run starts and nothing re-arms them. So after it, `config()` — what every
/// failure report prints — shows the new network and the nodes' faults the run started with,
/// never the crashes or buggify the call asked for and no process acts on.
#[test]
fn after_set_faults_the_report_lists_exactly_the_faults_that_act() {
    let started =
        FaultConfig::lan().with_nodes(NodeFaults { clock_skew: Duration::from_millis(5), ..Default::default() });
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(3).with_faults(started.clone()));
    rt.apply_scenario(Scenario::n_nodes_diverged(2, 4));
    let asked = FaultConfig::none().with_latency(40, 0).with_loss(0.05).with_buggify(0.5).with_nodes(NodeFaults {
        crash: Some(Episodes::new(Duration::from_secs(1), Duration::from_millis(10)..Duration::from_millis(20))),
        ..Default::default()
    });
    rt.set_faults(asked.clone());
    let acting = rt.config().faults;
    assert_eq!(acting.default_link, asked.default_link, "the network's faults are the new ones");
    assert_eq!(acting.nodes, started.nodes, "the nodes keep the faults they started with");
    assert_eq!(acting.buggify, 0.0, "buggify was never armed");
    let report = merosim::__failure(&mut rt, "test", "", "sim-tests", "cluster");
    assert!(!report.contains("buggify") && !report.contains("crash"), "{report}");
    assert!(report.contains("loss=0.05") && report.contains("clocks ±5ms"), "{report}");
    // And the report is the truth: no node crashed, no buggify point fired.
    assert_eq!(rt.run(), StopCondition::Converged);
    let trace = rt.trace();
    assert!(!trace.iter().any(|e| matches!(e.kind, TraceKind::Buggify { .. } | TraceKind::Crash { .. })));
}
