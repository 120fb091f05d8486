//! Node faults: a paused node stops being scheduled and then carries on; a crash in the middle
//! of a merge leaves the store with what it committed and nothing torn; crashed nodes restart
//! with fresh sync loops and the run converges after the heal.

use std::time::Duration;

use merosim::prelude::*;
use merosim::TraceKind;
use merosim::{Episodes, NodeFaults};

fn with_nodes(nodes: NodeFaults) -> FaultConfig {
    FaultConfig::lan().with_nodes(nodes)
}

/// While paused, a node neither ticks nor starts a session; when it resumes, it carries on, and
/// the run converges after the heal.
#[test]
fn a_paused_node_stops_and_then_carries_on() {
    let seed = seed_or(21);
    let faults = with_nodes(NodeFaults {
        pause: Some(Episodes::new(Duration::from_secs(4), Duration::from_secs(1)..Duration::from_secs(3))),
        ..NodeFaults::default()
    });
    let mut rt = super::chaos_runtime(seed, faults, 20, 3, 20);
    assert_eq!(rt.run(), StopCondition::Converged, "{}", rt.repro());
    let trace = rt.trace();
    let pauses: Vec<_> = trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Pause { node, length } => Some((node, e.at, e.at + length)),
            _ => None,
        })
        .collect();
    assert!(pauses.len() >= 3, "{pauses:?}");
    for (node, from, to) in &pauses {
        let active = trace.iter().filter(|e| e.at > *from && e.at < *to).any(|e| {
            matches!(&e.kind, TraceKind::SyncTick { node: n, .. } | TraceKind::SessionStart { initiator: n, .. } if n == node)
        });
        assert!(!active, "{node} acted while paused {from:?}..{to:?}");
        let resumed =
            trace.iter().any(|e| e.at >= *from && matches!(e.kind, TraceKind::Resume { node: n } if n == *node));
        assert!(resumed, "{node} never resumed after {from:?}");
    }
}

/// `SimRuntime::pause` by hand: bob does nothing for 3 s, then catches up.
#[test]
fn a_node_paused_by_hand_catches_up() {
    let mut rt = super::runtime(seed_or(24), FaultConfig::lan(), 3, 10);
    rt.advance(Duration::from_millis(100));
    rt.pause("bob", Duration::from_secs(3));
    let paused_at = rt.now().since_start();
    rt.advance(Duration::from_secs(3));
    let bob = rt.with_world(|w| w.nodes()[1].id());
    let acted = rt.trace().iter().any(|e| {
        e.at > paused_at
            && e.at < paused_at + Duration::from_secs(3)
            && matches!(&e.kind, TraceKind::SyncTick { node, .. } if *node == bob)
    });
    assert!(!acted, "bob ticked while paused");
    assert_eq!(rt.run(), StopCondition::Converged, "{}", rt.repro());
    assert_eq!(rt.entity_count("bob"), 30);
}

/// Every session loses a party mid-merge during the chaos phase: the victim keeps a consistent
/// store (every live entity readable, with its bytes), restarts, and the run converges after the
/// heal with no acknowledged write lost.
#[test]
fn a_crash_mid_merge_keeps_what_was_committed_and_tears_nothing() {
    let seed = seed_or(22);
    let faults = with_nodes(NodeFaults { crash_mid_merge: 1.0, ..NodeFaults::default() });
    let mut rt = super::chaos_runtime(seed, faults, 15, 3, 40);
    let crashed = |rt: &mut SimRuntime| rt.with_world(|w| w.nodes().iter().any(|n| !w.at(n.id()).is_live()));
    assert_eq!(rt.run_until(|rt| crashed(rt)), StopCondition::Manual, "{}", rt.repro());
    let (victim, entities, readable) = rt.with_world(|w| {
        let victim = w.nodes().into_iter().find(|n| !w.at(n.id()).is_live()).expect("a crashed node");
        let entities = victim.storage().entities().expect("the victim's tree walks");
        let readable = entities.iter().all(|e| !e.data.is_empty() && victim.storage().get(e.id).is_some());
        (victim.name().to_owned(), entities.len(), readable)
    });
    assert!(readable, "{victim}: an entity without its bytes after the crash");
    assert!(entities >= 40, "{victim} lost its own entities in the crash: {entities} left");
    let stop = rt.run();
    assert_eq!(stop, StopCondition::Converged, "{}", rt.repro());
    let judgement = rt.judge(stop);
    assert!(judgement.verdict.passed(), "{judgement}");
    let crashes = rt.trace().iter().filter(|e| matches!(e.kind, TraceKind::Crash { .. })).count();
    let restarts = rt.trace().iter().filter(|e| matches!(e.kind, TraceKind::Restart { .. })).count();
    assert!(crashes >= 2 && restarts == crashes, "{crashes} crashes, {restarts} restarts");
}

/// Crash-restart episodes: nodes go down and come back with fresh sync loops during the chaos;
/// the heal restarts whoever is still down, and the run converges.
#[test]
fn crash_restart_cycles_heal_and_converge() {
    let seed = seed_or(23);
    let faults = with_nodes(NodeFaults {
        crash: Some(Episodes::new(Duration::from_secs(5), Duration::from_secs(1)..Duration::from_secs(8))),
        ..NodeFaults::default()
    });
    let mut rt = super::chaos_runtime(seed, faults, 20, 3, 20);
    let stop = rt.run();
    assert_eq!(stop, StopCondition::Converged, "{}", rt.repro());
    let trace = rt.trace();
    let heal = trace.iter().position(|e| e.kind == TraceKind::Heal).expect("healed");
    let crashes = trace[..heal].iter().filter(|e| matches!(e.kind, TraceKind::Crash { .. })).count();
    assert!(crashes >= 2, "{crashes} crashes in 20 s at one per 5 s per node");
    assert!(rt.check_convergence().live_nodes == 3, "everyone is back");
}

/// Deltas a node buffered during a session die with it when it crashes (they lived in its
/// memory) and are counted; sync repairs what they carried. Found by the liveness check: before,
/// they stayed in a buffer nothing drained, and healed runs never converged (C3).
#[test]
fn buffered_deltas_die_with_their_node() {
    let mut died = 0;
    for seed in seeds(0..30) {
        let options = merosim::RunSpec::new(seed, "mixed".parse().unwrap(), FaultPreset::ProdChaos)
            .with_recv_timeout(Duration::from_secs(5));
        let outcome = merosim::run_one(&options, false).outcome;
        assert!(outcome.passed(), "{outcome}\n{}", options.repro());
        let rejected = outcome.metrics.as_ref().map(|m| &m.gossip.deltas_rejected);
        died += usize::from(rejected.is_some_and(|r| r.contains_key("crash")));
    }
    assert!(died > 0, "no buffered delta died in a crash in 30 seeds");
}
