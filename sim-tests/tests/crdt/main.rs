//! Apps on calimero's real CRDT collections: every driven collection kind converges under `lan`
//! and the production chaos preset; conflicts resolve as each collection promises; the app-level
//! checkers fire on what they exist for and stay quiet on correct runs; calimero's own
//! collection behaviours found this way are pinned (docs/findings.md F5).

mod authored;
mod checkers;
mod collections;
mod conflicts;
mod findings;
mod frozen;
mod nested;
mod rooted;
mod sorted;
mod text;
mod type_tag;
mod user;

use std::time::Duration;

use merosim::prelude::*;
use merosim::{CollectionKind, CrdtOp, Verb};

/// A hand-driven app of `nodes` nodes over `collections`, default faults, 600 s at most.
pub fn app_runtime(seed: u64, nodes: usize, collections: &[(&str, CollectionKind)]) -> SimRuntime {
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(seed).max_time(600_000));
    rt.apply_scenario(Scenario::app(nodes, collections));
    rt
}

/// Runs to the end and returns the verdict's judgement, asserting every node reads the same app.
pub fn finish(rt: &mut SimRuntime) -> merosim::Judgement {
    let stop = rt.run();
    let judgement = rt.judge(stop);
    let names = rt.node_names().to_vec();
    let first = rt.app_state(names[0].as_str());
    for name in &names[1..] {
        assert_eq!(rt.app_state(name.as_str()), first, "{name} reads another app state\n{judgement}");
    }
    judgement
}

pub fn insert(collection: &str, kind: CollectionKind, key: &str, value: &str) -> CrdtOp {
    CrdtOp::new(collection, kind, Verb::Insert { key: key.into(), value: value.into() })
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
