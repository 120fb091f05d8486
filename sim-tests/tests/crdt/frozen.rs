//! `FrozenStorage`: content-addressed, insert-only. Values frozen on different nodes (the same
//! content on two of them too) reach every node and read back by their hash; a freeze that is
//! acknowledged and then lost fires crdt-semantics, named by its operation.

use merosim::prelude::*;
use merosim::Verdict;
use merosim::{CollectionKind as K, CollectionValue, CrdtOp, Verb};

use super::{app_runtime, finish, ms};

fn freeze(value: &str) -> CrdtOp {
    CrdtOp::new("records", K::Frozen, Verb::Freeze { value: value.into() })
}

#[test]
fn frozen_values_reach_every_node_and_the_same_content_is_one_entry() {
    let mut rt = app_runtime(seed_or(61), 3, &[("records", K::Frozen)]);
    rt.app_op("alice", freeze("a")).unwrap();
    rt.app_op("bob", freeze("b")).unwrap();
    // The same content on two nodes at once: one key (its hash), one entity, written twice.
    rt.app_op("alice", freeze("shared")).unwrap();
    rt.app_op("carol", freeze("shared")).unwrap();
    rt.advance(ms(10));
    let judgement = finish(&mut rt);
    assert!(judgement.verdict.passed(), "{judgement}");
    let state = rt.app_state("carol");
    let expected: std::collections::BTreeSet<String> = ["a", "b", "shared"].map(String::from).into();
    assert_eq!(state.collections.get("records"), Some(&CollectionValue::Members(expected)));
}

#[test]
fn a_lost_freeze_fires_crdt_semantics_and_names_it() {
    let config = SimConfig::with_seed(seed_or(62))
        .max_time(600_000)
        .with_injected(merosim::Injected::LoseAppOp { node: 1, nth: 1 });
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(Scenario::app(2, &[("records", K::Frozen)]));
    rt.app_op("alice", freeze("kept")).unwrap();
    rt.app_op("bob", freeze("lost")).unwrap();
    let judgement = finish(&mut rt);
    assert_eq!(judgement.verdict, Verdict::CrdtSemantics, "{judgement}");
    let culprit = judgement.culprit().expect("the oracle behind the verdict").detail.clone();
    assert!(culprit.contains(r#"records: "lost" missing, frozen records.insert("lost") by bob"#), "{culprit}");
    assert!(!culprit.contains("kept"), "{culprit}");
}
