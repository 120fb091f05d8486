//! The app-level checkers: each fires on the failure it exists for, says where (collection and
//! key), and stays quiet on correct runs; collections merosim does not drive are refused with
//! the reason; an app run replays byte for byte.

use merosim::prelude::*;
use merosim::Oracle;
use merosim::ScenarioSpec;
use merosim::Verdict;
use merosim::{run_one, RunSpec};
use merosim::{CollectionKind as K, CrdtOp, KindError, Verb};

use super::{insert, ms};

#[test]
fn app_divergence_names_the_collection_and_the_key() {
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(seed_or(21)).max_time(5_000));
    rt.apply_scenario(Scenario::app(2, &[("users", K::Map)]));
    rt.partition_bidirectional("alice", "bob", None);
    rt.app_op("alice", insert("users", K::Map, "k", "v")).unwrap();
    let stop = rt.run();
    let judgement = rt.judge(stop);
    assert_eq!(judgement.verdict, Verdict::AppDivergence, "{judgement}");
    let culprit = judgement.culprit().expect("the oracle behind the verdict").detail.clone();
    assert!(culprit.contains("users[k]: v vs absent") && culprit.contains("alice vs bob"), "{culprit}");
}

#[test]
fn crdt_semantics_fires_on_a_lost_operation_and_names_it() {
    let config = SimConfig::with_seed(seed_or(22))
        .max_time(600_000)
        .with_injected(merosim::Injected::LoseAppOp { node: 0, nth: 1 });
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(Scenario::app(2, &[("visits", K::Counter), ("users", K::Map)]));
    rt.app_op("alice", CrdtOp::new("visits", K::Counter, Verb::Increment)).unwrap(); // lost
    rt.app_op("bob", CrdtOp::new("visits", K::Counter, Verb::Increment)).unwrap();
    rt.advance(ms(10));
    rt.app_op("bob", insert("users", K::Map, "k", "v")).unwrap();
    let stop = rt.run();
    let judgement = rt.judge(stop);
    assert_eq!(judgement.verdict, Verdict::CrdtSemantics, "{judgement}");
    let culprit = judgement.culprit().expect("the oracle behind the verdict").detail.clone();
    assert!(culprit.contains("visits = 1, but 2 increments"), "{culprit}");
    assert!(!culprit.contains("users"), "the map kept its promise: {culprit}");
}

#[test]
fn a_lost_insert_is_named_by_its_operation() {
    let config = SimConfig::with_seed(seed_or(23))
        .max_time(600_000)
        .with_injected(merosim::Injected::LoseAppOp { node: 1, nth: 1 });
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(Scenario::app(2, &[("users", K::Map)]));
    rt.app_op("bob", insert("users", K::Map, "k", "v")).unwrap();
    let judgement = super::finish(&mut rt);
    assert_eq!(judgement.verdict, Verdict::CrdtSemantics, "{judgement}");
    let culprit = judgement.culprit().expect("culprit").detail.clone();
    assert!(culprit.contains(r#"users.insert("k", "v") by bob"#), "{culprit}");
}

/// Quiet on correct runs: the `fresh` mix (no key written after its remove, so no F8–F10) under
/// `lan` passes on every seed, with every app oracle judging and none firing.
#[test]
fn the_app_checkers_stay_quiet_on_fresh_workloads() {
    for seed in 0..16 {
        let spec: ScenarioSpec = "crdt-fresh-3x16".parse().unwrap();
        let outcome = run_one(&RunSpec::new(seed, spec, FaultPreset::Lan), false).outcome;
        let judgement = outcome.judgement.as_ref().expect("judged");
        assert!(outcome.passed(), "seed {seed}: {judgement}");
        for oracle in [Oracle::AppDivergence, Oracle::CrdtSemantics, Oracle::LostAfterRemove, Oracle::AppError] {
            let counts = judgement.counts.get(&oracle).copied().unwrap_or_default();
            assert_eq!((counts.checked, counts.fired), (1, 0), "seed {seed}: {oracle}");
        }
    }
}

/// Under production chaos the merge-promise oracles stay quiet too, and a seed that does not
/// converge (calimero's F1 and F7 bite collections there) names the collection and key.
#[test]
fn under_production_chaos_every_failure_names_a_collection_and_key() {
    for seed in 0..6 {
        let spec: ScenarioSpec = "crdt-fresh-3x16".parse().unwrap();
        let outcome = run_one(&RunSpec::new(seed, spec, FaultPreset::ProdChaos), false).outcome;
        let judgement = outcome.judgement.as_ref().expect("judged");
        for oracle in [Oracle::CrdtSemantics, Oracle::LostAfterRemove, Oracle::AppError] {
            let fired = judgement.counts.get(&oracle).map_or(0, |c| c.fired);
            assert_eq!(fired, 0, "seed {seed}: {oracle} fired on a correct workload\n{judgement}");
        }
        if !outcome.passed() {
            // A key in brackets or an operation's arguments; a counter (it has no keys) by name.
            let text = judgement.to_string();
            let explained: String = text.lines().take_while(|l| !l.starts_with("roots")).collect();
            let named = explained.contains('[')
                || explained.contains("(\"")
                || ["visits", "stock"].iter().any(|c| explained.contains(&format!("{c}:")));
            assert!(named, "seed {seed}: the failure names no collection and key\n{text}");
        }
    }
}

#[test]
fn an_app_run_replays_byte_for_byte() {
    // crdt-sorted: its nodes' ordered-index swaps and its oracle's reads replay too; crdt-text: its
    // character ids come from the HLC the run's nodes share; crdt-nested: composite keys.
    for (scenario, seeds) in [
        ("crdt-mixed-3x16", [3, 8]),
        ("crdt-sorted-3x16", [1, 6]),
        ("crdt-text-3x16", [2, 5]),
        ("crdt-nested-3x16", [1, 4]),
    ] {
        let run = |seed| {
            let options = RunSpec::new(seed, scenario.parse().unwrap(), FaultPreset::ProdChaos);
            let outcome = run_one(&options, false).outcome;
            (outcome.trace_hash, outcome.events(), outcome.judgement.map(|j| j.to_string()))
        };
        for seed in seeds {
            assert_eq!(run(seed), run(seed), "{scenario} seed {seed} did not replay");
        }
    }
}

#[test]
fn collections_merosim_does_not_drive_are_refused_with_the_reason() {
    for name in ["authored-vector", "shared"] {
        match name.parse::<K>() {
            Err(KindError::NotDriven { reason, .. }) => assert!(reason.len() > 40, "{name}: {reason}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    let err = "shared".parse::<K>().unwrap_err().to_string();
    assert!(err.contains("SharedStorage") && err.contains("writer sets"), "{err}");
    assert!(matches!("bogus".parse::<K>(), Err(KindError::Unknown(_))));
}

#[test]
fn an_app_collection_must_be_declared_and_fit_its_kind() {
    let seed = seed_or(24);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::none());
        world.declare_collections(&[("users".to_owned(), K::Map)]).unwrap();
        let alice = world.add_node("alice").unwrap().id();
        let undeclared = world.at(alice).app_op(&CrdtOp::new("nope", K::Map, Verb::Clear)).unwrap_err();
        assert!(undeclared.to_string().contains("'nope' is not declared"), "{undeclared}");
        let wrong = world.at(alice).app_op(&CrdtOp::new("users", K::Set, Verb::Clear)).unwrap_err();
        assert!(wrong.to_string().contains("is a map, not a set"), "{wrong}");
        let unfit = world.at(alice).app_op(&CrdtOp::new("users", K::Map, Verb::Increment)).unwrap_err();
        assert!(unfit.to_string().contains("not an operation of a map"), "{unfit}");
        let late = world.declare_collections(&[("x".to_owned(), K::Set)]);
        assert!(late.is_ok(), "re-declaring in the app context is allowed: {late:?}");
    });
}
