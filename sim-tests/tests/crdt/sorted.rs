//! The sorted collections: each node keeps its own ordered index, and the `ordered-read` oracle
//! fires when a node's ordered read disagrees with its own entries — on a planted stale index and
//! on calimero's own (#3338 on the releases that have it) — and stays quiet on a correct run.

use merosim::prelude::*;
use merosim::CollectionKind as K;
use merosim::Oracle;

use super::{app_runtime, insert};

fn ordered_read(world: &World) -> Vec<String> {
    sim_tests::fired(world, Oracle::OrderedRead)
}

/// A node whose index loses its rows while its marker still says "current" reads its map in
/// order without them: the oracle names the node, the collection and the keys.
#[test]
fn a_planted_stale_index_fires_ordered_read() {
    simulate(seed_or(41), || async {
        let world = World::new(41, FaultConfig::lan());
        world.declare_collections(&[("ranking".to_owned(), K::SortedMap)]).unwrap();
        let alice = world.add_node("alice").unwrap();
        for key in ["a", "b"] {
            world.at(alice.id()).app_op(&insert("ranking", K::SortedMap, key, "v")).unwrap();
        }
        assert_eq!(ordered_read(&world), Vec::<String>::new(), "a fresh index agrees with the entries");
        // The plant: the node's index rows go, its marker stays.
        alice.storage().with_env(|| calimero_storage::env::storage_index_remove_prefix(&[]));
        let fired = ordered_read(&world);
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert!(fired[0].contains(r#"alice: ranking read in order lacks "a"; "b""#), "{}", fired[0]);
    });
}

/// Reading is not healing: the oracle's own ordered read rebuilds a stale index inside calimero,
/// and the oracle puts everything back, so asking twice gives the same answer.
#[test]
fn the_oracle_leaves_the_index_as_it_found_it() {
    simulate(seed_or(42), || async {
        let world = World::new(42, FaultConfig::lan());
        world.declare_collections(&[("labels".to_owned(), K::SortedSet)]).unwrap();
        let alice = world.add_node("alice").unwrap();
        world.at(alice.id()).app_op(&insert("labels", K::SortedSet, "x", "")).unwrap();
        alice.storage().with_env(|| calimero_storage::env::storage_index_remove_prefix(&[]));
        let first = ordered_read(&world);
        assert!(!first.is_empty());
        assert_eq!(ordered_read(&world), first);
    });
}

/// Nodes that never write over what sync brought them read every key in order: alice writes,
/// bob only receives (his index is rebuilt on his first ordered read).
#[test]
fn ordered_read_stays_quiet_when_only_one_node_writes() {
    let mut rt = app_runtime(seed_or(43), 2, &[("ranking", K::SortedMap), ("labels", K::SortedSet)]);
    for key in ["m", "a", "z"] {
        rt.app_op("alice", insert("ranking", K::SortedMap, key, "v")).unwrap();
        rt.app_op("alice", insert("labels", K::SortedSet, key, "")).unwrap();
    }
    let stop = rt.run();
    let judgement = rt.judge(stop);
    assert!(judgement.verdict.passed(), "{judgement}");
    assert_eq!(judgement.counts.get(&Oracle::OrderedRead).map(|c| (c.checked, c.fired)), Some((1, 0)));
}

/// Each node's index is its own (calimero keeps it in one thread-local before 0.11.0-rc.19, and
/// merosim gives each node its rows): what happens to alice's index leaves bob's alone.
#[test]
fn each_node_reads_its_own_index() {
    simulate(seed_or(44), || async {
        let world = World::new(44, FaultConfig::lan());
        world.declare_collections(&[("ranking".to_owned(), K::SortedMap)]).unwrap();
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        world.at(alice.id()).app_op(&insert("ranking", K::SortedMap, "a", "v")).unwrap();
        world.at(bob.id()).app_op(&insert("ranking", K::SortedMap, "b", "v")).unwrap();
        alice.storage().with_env(|| calimero_storage::env::storage_index_remove_prefix(&[]));
        let layout = world.layout().unwrap();
        let read = |node: &SimNode| layout.ordered_reads(node.storage()).unwrap().remove(0).ordered;
        assert_eq!(read(&bob), vec!["b".to_owned()], "alice's wiped index took bob's rows with it");
        assert!(read(&alice).is_empty());
    });
}

/// Each sorted kind alone, under lan on three nodes: the stores converge and the apps read the
/// same entries on every release; the ordered reads agree with them from 0.11.0-rc.19 and break
/// before it, where sync went around an index a later local write trusted (#3338) — the run's
/// only failure there, filed as that.
#[test]
fn a_sorted_collection_converges_and_reads_in_order_where_the_release_is_fixed() {
    for (i, kind) in [K::SortedMap, K::SortedSet].into_iter().enumerate() {
        let seed = seed_or(170 + i as u64);
        let mut rt = SimRuntime::with_config(SimConfig::with_seed(seed).max_time(600_000));
        rt.apply_scenario(merosim::AppMix::Fresh.build_with(seed, 3, 5, vec![(kind.name().to_owned(), kind)]));
        let stop = rt.run();
        let judgement = rt.judge(stop);
        assert!(rt.is_converged(), "seed {seed} {kind}: stores apart\n{judgement}");
        match merosim::calimero_in("0.11.0-rc.1", "0.11.0-rc.18") {
            true => assert!(
                judgement.verdict.passed() || judgement.verdict == merosim::Verdict::OrderedRead,
                "seed {seed} {kind}\n{judgement}"
            ),
            false => assert!(judgement.verdict.passed(), "seed {seed} {kind}\n{judgement}"),
        }
    }
}
