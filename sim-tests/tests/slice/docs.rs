//! The examples of docs/writing-tests.md that are not in the guide ports, verbatim, so the docs
//! cannot drift from the API.

use merosim::prelude::*;

#[test]
fn one_session() {
    simulate(7, || async {
        let mut world = World::new(7, FaultConfig::lan());
        let alice = world.add_node("alice").unwrap();
        let bob = world.add_node("bob").unwrap();
        alice.storage().upsert([1; 32], None, b"hello").unwrap();
        let report =
            run_session(world.router(), &bob, &alice, Protocol::HashComparison, &SessionOptions::default()).await;
        assert!(report.succeeded());
        assert_eq!(bob.storage().get([1; 32]).as_deref(), Some(&b"hello"[..]));
    });
}

#[test]
fn fault_builder_compiles_as_documented() {
    let faults = FaultConfig::default()
        .with_loss(0.1)
        .with_latency(50, 10)
        .with_reorder_window(100)
        .with_duplicate(0.05)
        .with_corruption(0.01);
    let config = SimConfig::with_seed(42).with_faults(faults);
    let mut rt = SimRuntime::with_config(config);
    let [alice, bob]: [NodeId; 2] = rt.apply_scenario(Scenario::n_nodes_diverged(2, 3)).try_into().unwrap();
    rt.partition_bidirectional(&alice, &bob, Some(1000.into()));
    rt.partition_one_way(&alice, &bob, None);
    rt.heal_partition(&alice, &bob);
    assert!(!rt.check_convergence().is_converged());
}
