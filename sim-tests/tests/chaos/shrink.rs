//! `merosim shrink` (as a library call): a failing seed comes back smaller with the same verdict,
//! and shrinking it twice gives the same result.

use std::time::Duration;

use merosim::prelude::*;
use merosim::Injected;
use merosim::Verdict;
use merosim::{shrink, RunOptions, ShrinkError};

#[test]
fn shrink_makes_a_failing_seed_smaller_and_is_deterministic() {
    let options = RunOptions {
        nodes: 4,
        entities: 8,
        recv_timeout: Duration::from_secs(5),
        max_time: Duration::from_secs(300),
        inject: Some(Injected::LoseWrite { node: 0, nth: 3 }),
        chaos: Some(Duration::from_secs(8)),
        ..RunOptions::new(seed_or(61), "race-4x8".parse().unwrap(), FaultPreset::ProdWan)
    };
    let first = shrink(&options, |_, _| {}).expect("the planted loss fails the seed");
    assert_eq!(first.verdict, Verdict::DataLoss, "{first}");
    let before = options.build_scenario();
    let after = first.smallest.build_scenario();
    assert!(after.nodes.len() < before.nodes.len(), "{first}");
    assert!(!first.smallest.without.is_empty() || first.smallest.chaos < options.chaos, "{first}");
    let again = shrink(&options, |_, _| {}).unwrap();
    assert_eq!(again.smallest.flags(), first.smallest.flags(), "shrinking is deterministic");
    assert_eq!(again.steps, first.steps);
}

#[test]
fn a_passing_seed_has_nothing_to_shrink() {
    let options = RunOptions::new(seed_or(62), "diverged-2x3".parse().unwrap(), FaultPreset::Lan);
    assert!(matches!(shrink(&options, |_, _| {}), Err(ShrinkError::Passes { .. })));
}
