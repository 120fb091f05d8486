//! Buggify points: off unless a run turns them on; on, they fire (each firing in the trace) and
//! a correct run still converges after the heal.

use std::collections::BTreeSet;

use merosim::prelude::*;
use merosim::TraceKind;

fn points(rt: &mut SimRuntime) -> BTreeSet<&'static str> {
    rt.trace()
        .into_iter()
        .filter_map(|e| match e.kind {
            TraceKind::Buggify { point, .. } => Some(point),
            _ => None,
        })
        .collect()
}

#[test]
fn buggify_is_off_by_default() {
    let mut rt = super::runtime(seed_or(51), FaultConfig::lan(), 3, 10);
    assert_eq!(rt.run(), StopCondition::Converged);
    assert!(points(&mut rt).is_empty());
}

/// Over a few seeds every buggify point fires, and every run still converges after the heal.
#[test]
fn buggify_points_fire_and_a_correct_run_still_converges() {
    let mut fired = BTreeSet::new();
    for seed in seeds(52..56) {
        let mut rt = super::chaos_runtime(seed, FaultConfig::lan().with_buggify(0.3), 20, 3, 10);
        for i in 0..6_u8 {
            rt.write("alice", [0xb0 + i; 32], &[i; 3]);
        }
        let stop = rt.run();
        assert_eq!(stop, StopCondition::Converged, "{}", rt.repro());
        assert!(rt.judge(stop).verdict.passed(), "{}", rt.judge(stop));
        fired.extend(points(&mut rt));
    }
    for point in ["skip-tick", "slow-apply", "early-close", "delayed-gossip"] {
        assert!(fired.contains(point), "{point} never fired: {fired:?}");
    }
}
