//! calimero's RGA text and the text oracle's independent model (`check/text_model.rs`): edits
//! that keep their order read back as the model says, on every node, and the model fires on a
//! text that breaks it (F18 is calimero's own case, pinned in `findings.rs`).

use merosim::prelude::*;
use merosim::{CollectionKind as K, CollectionValue, CrdtOp, Oracle, Verb};

use super::{app_runtime, finish, ms};

fn edit(verb: Verb) -> CrdtOp {
    CrdtOp::new("doc", K::Text, verb)
}

fn type_at(at: usize, text: &str) -> CrdtOp {
    edit(Verb::Type { at, text: text.into() })
}

fn text(rt: &mut SimRuntime, node: &str) -> String {
    match rt.app_state(node).collections["doc"].clone() {
        CollectionValue::Text(text) => text,
        other => panic!("doc reads as {other:?}"),
    }
}

/// Two nodes type concurrently at the same place, one types between characters the other typed,
/// and an erase takes the last characters of the text (nothing was typed after them): the text
/// converges, keeps every order either node held, and the oracle judges it and stays quiet.
#[test]
fn concurrent_typing_converges_and_the_text_oracle_stays_quiet() {
    let mut rt = app_runtime(seed_or(2951), 2, &[("doc", K::Text)]);
    rt.app_op("alice", type_at(0, "ab")).unwrap();
    rt.app_op("bob", type_at(0, "xy")).unwrap();
    rt.advance(ms(20_000));
    let both = text(&mut rt, "alice");
    assert_eq!(both, text(&mut rt, "bob"));
    assert!(both == "abxy" || both == "xyab", "concurrent runs interleave only as whole runs: {both}");
    rt.app_op("alice", type_at(1, "c")).unwrap();
    rt.app_op("bob", edit(Verb::Erase { at: 2, len: 2 })).unwrap();
    let judgement = finish(&mut rt);
    assert!(judgement.verdict.passed(), "{judgement}");
    let counts = judgement.counts.get(&Oracle::CrdtSemantics).map(|c| (c.checked, c.fired));
    assert_eq!(counts, Some((1, 0)), "{judgement}");
    assert_eq!(text(&mut rt, "alice").chars().count(), 3, "five typed, two erased");
}

/// A character the model never saw typed, planted in a lone node's text through calimero's own
/// API outside any recorded operation: the oracle names it.
#[test]
fn a_character_no_edit_typed_fires_the_text_oracle() {
    simulate(seed_or(2952), || async {
        let world = World::new(2952, FaultConfig::lan());
        world.declare_collections(&[("doc".to_owned(), K::Text)]).unwrap();
        let alice = world.add_node("alice").unwrap();
        world.at(alice.id()).app_op(&type_at(0, "ab")).unwrap();
        assert_eq!(sim_tests::fired(&world, Oracle::CrdtSemantics), Vec::<String>::new());
        // The plant: typed on the store directly, so no operation records it.
        let layout = world.layout().unwrap();
        layout.apply(alice.storage(), &type_at(1, "Z")).unwrap();
        let fired = sim_tests::fired(&world, Oracle::CrdtSemantics);
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert!(fired[0].contains("doc: 'Z' held, typed by no operation"), "{}", fired[0]);
    });
}
