//! calimero's `AuthoredMap` as an app keeps claims (`--scenario crdt-authored`, 0.11.0-rc.4 to
//! rc.19 with the visibility patch): the runs that meet its two findings are filed under them,
//! never NEW, and replay byte for byte.

use merosim::prelude::*;
use merosim::{NodePath, RunSpec, Triage, USER_STORAGE};

/// What triage files `crdt-authored` seed `seed` under (faults `any`), the run replayed first.
fn filed(seed: u64) -> Vec<&'static str> {
    let spec = RunSpec::new(seed, "crdt-authored".parse().unwrap(), FaultPreset::Any);
    let outcome = sim_tests::assert_replays(&spec);
    match outcome.triage(&spec.flags()) {
        Some(Triage::Known(known)) => known,
        other => panic!("seed {seed}: {other:?}\n{outcome}\n{}", spec.repro()),
    }
}

/// Seed 5: two members claim one free key at once and the nodes split for good (F20). Seed 15:
/// the split fails every HashComparison session between bob and the others, so an update gossip
/// lost while bob was down never reaches him either (F20's mechanism reads the failed sessions).
/// Seed 6: carol claims a key alice gave up; production's signer refuses the call after the
/// store took it, and what it wrote stays on carol (F21).
#[test]
fn claims_that_split_or_fail_are_filed_f20_and_f21() {
    if !USER_STORAGE {
        let err = "authored".parse::<merosim::CollectionKind>().unwrap_err().to_string();
        assert!(err.contains("AuthoredMap"), "{err}");
        return;
    }
    if !NodePath::Production.available() {
        return;
    }
    for (seed, finding) in [(5, "F20"), (15, "F20"), (6, "F21")] {
        let known = filed(seed);
        assert!(known.contains(&finding), "seed {seed} is filed {known:?}, not with {finding}");
    }
}
