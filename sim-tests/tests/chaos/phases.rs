//! Safety, then liveness: faults act during the chaos phase; at its end everything heals, and
//! the run must converge within its liveness bound — or it is a liveness violation, with what
//! kept it from converging.

use std::time::Duration;

use merosim::prelude::*;
use merosim::DropReason;
use merosim::TraceKind;
use merosim::Verdict;
use merosim::{EntitySpec, NodeSpec};

/// prod-chaos for 20 s, then the heal: one `heal` at the phase's end, no stream-fault drops
/// after it, and convergence.
#[test]
fn the_chaos_phase_heals_and_the_run_converges() {
    let seed = seed_or(31);
    let mut rt = super::chaos_runtime(seed, FaultConfig::prod_chaos(), 20, 4, 15);
    let stop = rt.run();
    assert_eq!(stop, StopCondition::Converged, "{}", rt.repro());
    let trace = rt.trace();
    let heals: Vec<Duration> = trace.iter().filter(|e| e.kind == TraceKind::Heal).map(|e| e.at).collect();
    assert_eq!(heals.len(), 1, "{heals:?}");
    assert!(heals[0] >= Duration::from_secs(20) && heals[0] < Duration::from_millis(20_100), "{heals:?}");
    let after = rt.frames().into_iter().filter(|f| f.sent_at > heals[0]).collect::<Vec<_>>();
    let faulty = after
        .iter()
        .filter(|f| matches!(f.dropped(), Some(DropReason::Loss | DropReason::Stall | DropReason::Damaged)))
        .count();
    assert_eq!(faulty, 0, "faults after the heal");
    assert!(rt.judge(stop).verdict.passed(), "{}", rt.judge(stop));
    assert!(rt.config().faults.has(merosim::FaultKind::Reset), "reports keep the chaos phase's faults");
}

/// F1 (docs/findings.md) makes convergence impossible: an interior entity only alice has never
/// gets its bytes to bob, so the roots differ forever while sessions keep running and change
/// nothing. After the heal that is a liveness violation naming what blocks — decided at the
/// fixed point (`StopCondition::Stuck`), well before the bound would run out.
#[test]
fn a_run_that_cannot_converge_after_the_heal_is_a_liveness_violation() {
    let seed = seed_or(32);
    let folder = [0xf1; 32];
    let mut alice = NodeSpec { name: "alice".into(), ..NodeSpec::default() };
    let entity = |id, parent, data: &[u8]| EntitySpec { id, parent, data: data.to_vec(), meta: None };
    alice.entities.push(entity(folder, None, b"alice's folder"));
    for i in 0..3_u8 {
        alice.entities.push(entity([0xa0 + i; 32], Some(folder), &[i; 4]));
    }
    let bob = NodeSpec { name: "bob".into(), entities: vec![entity([0xb0; 32], None, b"bob")], ..NodeSpec::default() };
    let scenario = Scenario { name: "f1".into(), nodes: vec![alice, bob], workload: None, app: None };
    let config = super::config(seed, FaultConfig::lan()).with_chaos_phase(Duration::from_secs(1));
    let bound = config.liveness_bound(2, 4);
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(scenario);
    let stop = rt.run();
    assert_eq!(stop, StopCondition::Stuck, "{}", rt.repro());
    assert!(rt.now().since_start() < Duration::from_secs(1) + bound / 2, "stopped at {:?}", rt.now());
    let judgement = rt.judge(stop);
    assert_eq!(judgement.verdict, Verdict::LivenessViolation, "{judgement}");
    let text = judgement.to_string();
    assert!(text.contains("stuck after the heal") && text.contains("blocking"), "{text}");
}
