//! Shared set-up for merosim's integration tests: a seeded two-node world with diverged stores,
//! and checks that say exactly how two stores differ when they should not.

use std::time::Duration;

use merosim::prelude::*;
use merosim::{diverge_pair, Divergence, PairLayout};

/// Two nodes, `alice` and `bob`, diverged over `entities` entities.
pub struct Pair {
    pub world: World,
    pub alice: SimNode,
    pub bob: SimNode,
    pub divergence: Divergence,
}

impl Pair {
    /// Must run inside `simulate`.
    pub fn new(seed: u64, faults: FaultConfig, entities: usize) -> Pair {
        let world = World::new(seed, faults);
        let alice = world.add_node("alice").expect("add alice");
        let bob = world.add_node("bob").expect("add bob");
        let divergence = diverge_pair(alice.storage(), bob.storage(), entities, seed, &PairLayout::default())
            .expect("diverge the pair");
        Pair { world, alice, bob, divergence }
    }

    /// A full exchange: one session in each direction. LevelWise only pulls, and HashComparison's
    /// push-back has a gap (docs/findings.md, F3), so one session alone need not converge.
    pub async fn sync(&self, protocol: Protocol, options: &SessionOptions) -> Vec<SessionReport> {
        let session = Session::new(protocol).with_options(options.clone());
        vec![
            self.world.run_session(&session, &self.alice, &self.bob).await,
            self.world.run_session(&session, &self.bob, &self.alice).await,
        ]
    }

    /// LevelWise with enough levels for this pair's trees.
    pub fn level_wise(&self) -> Protocol {
        let depth = |n: &SimNode| n.storage().max_depth().expect("depth") as u32;
        Protocol::LevelWise { max_depth: depth(&self.alice).max(depth(&self.bob)) + 1 }
    }

    /// Waits until every frame still in flight has landed or been dropped.
    pub async fn quiesce(&self) {
        let max = self.world.router().faults().max_delay() + Duration::from_millis(1);
        tokio::time::sleep(max).await;
    }

    /// Asserts both nodes hold exactly the expected live entities with equal root hashes.
    pub fn assert_converged(&self, context: &str) {
        let (a, b) = (self.alice.storage(), self.bob.storage());
        let expected = self.divergence.expected_union();
        for (name, storage) in [("alice", a), ("bob", b)] {
            let live: std::collections::BTreeSet<_> =
                storage.entities().expect("list entities").into_iter().map(|e| e.id).collect();
            let d = &self.divergence;
            let origin = |id: &EntityId| {
                let tag = if d.only_a.contains(id) {
                    "only-alice"
                } else if d.only_b.contains(id) {
                    "only-bob"
                } else {
                    "shared"
                };
                format!("{}({tag})", short_id(id))
            };
            let missing: Vec<_> = expected.difference(&live).map(origin).collect();
            let extra: Vec<_> = live.difference(&expected).map(short_id).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{context}: {name} differs from the expected union: missing {missing:?}, unexpected {extra:?}"
            );
        }
        let diff = merosim::diff_entities(&a.entities().unwrap(), &b.entities().unwrap());
        assert!(diff.is_empty(), "{context}: alice (left) and bob (right) differ:\n{diff}");
        assert_eq!(a.digest().unwrap(), b.digest().unwrap(), "{context}: state digests differ");
        assert_eq!(
            hex::encode(a.root_hash().unwrap()),
            hex::encode(b.root_hash().unwrap()),
            "{context}: root hashes differ although the live entities match"
        );
    }
}

/// Asserts every session in `reports` succeeded on both ends.
pub fn assert_sessions_ok(reports: &[SessionReport], context: &str) {
    for r in reports {
        assert!(r.initiator.is_ok(), "{context}: initiator failed: {:?}", r.initiator);
        assert!(r.responder.is_ok(), "{context}: responder failed: {:?}", r.responder);
    }
}

/// The line that re-runs one seed of one test of the `slice` binary.
/// How triage files the run `rt` made, which stopped with `stop`, on this release: `None` if it
/// passed. A finding's pinning test asserts its run is filed under its own row and nothing else.
pub fn filed_as(rt: &mut SimRuntime, stop: StopCondition) -> Option<merosim::Triage> {
    let judgement = rt.judge(stop);
    if judgement.verdict.passed() {
        return None;
    }
    let evidence = rt.evidence(&judgement);
    Some(merosim::triage(&evidence, ""))
}

/// `Some(Known(findings))`, for comparing with [`filed_as`].
pub fn known(findings: &[&'static str]) -> Option<merosim::Triage> {
    Some(merosim::Triage::Known(findings.to_vec()))
}

pub fn repro(test: &str, seed: u64) -> String {
    Repro::test(seed).package("sim-tests").binary("slice").named(test).to_string()
}

/// Runs `options` twice in this process and asserts the two runs are the same run: the same
/// trace, byte for byte, and the same traffic to every store. Returns the first run's outcome.
pub fn assert_replays(options: &merosim::RunSpec) -> merosim::Outcome {
    let first = merosim::run_one(options, false).outcome;
    let second = merosim::run_one(options, false).outcome;
    let seed = options.seed;
    assert_eq!(
        hex::encode(first.trace_hash),
        hex::encode(second.trace_hash),
        "seed {seed} replayed differently\n{}",
        options.repro()
    );
    assert_eq!(first.store, second.store, "seed {seed}: the stores' traffic replays too\n{}", options.repro());
    first
}

/// Two app nodes that each make `collection` (a keyed kind) hold `k1`, `k2`, `k3`, alice in that
/// order and bob in the reverse, apart, then heal: equal state, each node's child list ordered by
/// when it made each entry. Returns the runtime, healed and not yet run.
pub fn made_in_opposite_orders(seed: u64, collection: &str, kind: merosim::CollectionKind) -> SimRuntime {
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(seed).max_time(120_000));
    rt.apply_scenario(Scenario::app(2, &[(collection, kind)]));
    rt.partition_bidirectional("alice", "bob", None);
    let insert = |key: &str| {
        merosim::CrdtOp::new(collection, kind, merosim::Verb::Insert { key: key.into(), value: "same".into() })
    };
    for (node, keys) in [("alice", ["k1", "k2", "k3"]), ("bob", ["k3", "k2", "k1"])] {
        for key in keys {
            rt.app_op(node, insert(key)).expect("an insert");
            rt.advance(Duration::from_millis(1));
        }
    }
    rt.heal_partition("alice", "bob");
    rt
}

/// What `oracle` says of `world` as it stands, judged as a converged run: one detail per
/// violation (the oracles' plant tests read these).
pub fn fired(world: &World, oracle: merosim::Oracle) -> Vec<String> {
    merosim::judge(world, StopCondition::Converged)
        .violations
        .into_iter()
        .filter(|v| v.oracle == oracle)
        .map(|v| v.detail)
        .collect()
}

/// The `app-view` violations of `rt`'s run so far (collections read alike, serialized apart).
pub fn serialized_apart(rt: &mut SimRuntime, stop: StopCondition) -> Vec<String> {
    rt.judge(stop).violations.into_iter().filter(|v| v.oracle == merosim::Oracle::AppView).map(|v| v.detail).collect()
}
