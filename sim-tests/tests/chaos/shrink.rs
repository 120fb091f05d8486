//! `merosim shrink` (as a library call): a failing seed comes back smaller with the same verdict,
//! and shrinking it twice gives the same result.

use std::time::Duration;

use merosim::prelude::*;
use merosim::Injected;
use merosim::Verdict;
use merosim::{shrink, RunSpec, ShrinkError};

#[test]
fn shrink_makes_a_failing_seed_smaller_and_is_deterministic() {
    let options = RunSpec::new(seed_or(61), "race-4x8".parse().unwrap(), FaultPreset::ProdWan)
        .with_size(4, 8)
        .with_recv_timeout(Duration::from_secs(5))
        .max_time(Duration::from_secs(300))
        .with_injected(Injected::LoseWrite { node: 0, nth: 3 })
        .with_chaos(Duration::from_secs(8));
    let first = shrink(&options, |_, _| {}).expect("the planted loss fails the seed");
    assert_eq!(first.verdict, Verdict::DataLoss, "{first}");
    let before = options.plan().scenario;
    let after = first.smallest.plan().scenario;
    assert!(after.nodes.len() < before.nodes.len(), "{first}");
    assert!(
        !first.smallest.faults.without.is_empty() || first.smallest.faults.chaos() < options.faults.chaos(),
        "{first}"
    );
    let again = shrink(&options, |_, _| {}).unwrap();
    assert_eq!(again.smallest.flags(), first.smallest.flags(), "shrinking is deterministic");
    assert_eq!(again.steps, first.steps);
}

#[test]
fn a_passing_seed_has_nothing_to_shrink() {
    let options = RunSpec::new(seed_or(62), "diverged-2x3".parse().unwrap(), FaultPreset::Lan);
    assert!(matches!(shrink(&options, |_, _| {}), Err(ShrinkError::Passes { .. })));
}
