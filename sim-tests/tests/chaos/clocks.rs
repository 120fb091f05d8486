//! Clock skew: nodes stamp their writes with their own clocks, so last-writer-wins picks the
//! winner by what the clocks said, not by what happened first — exactly as production's skewed
//! nodes do.

use std::time::Duration;

use merosim::data_loss;
use merosim::prelude::*;
use merosim::NodeFaults;

/// Alice writes first, bob second — but alice's clock is far enough ahead that her stamp is the
/// larger, so after a full exchange both hold alice's value. With exact clocks, bob's (the later
/// write) wins. Either way the no-data-loss checker agrees with what the stores hold.
#[test]
fn clock_skew_picks_the_lww_winner_as_the_skew_says() {
    let skewed = FaultConfig::lan().with_nodes(NodeFaults {
        clock_skew: Duration::from_secs(2),
        clock_drift_ppm: 0,
        ..NodeFaults::default()
    });
    // A seed whose draw puts alice's clock well ahead of bob's.
    let seed = (0..1000_u64)
        .find(|s| skewed.nodes.clock(*s, 0).offset_ns - skewed.nodes.clock(*s, 1).offset_ns > 1_000_000_000)
        .expect("some seed puts alice a second ahead");
    let (alice_clock, bob_clock) = (skewed.nodes.clock(seed, 0), skewed.nodes.clock(seed, 1));
    let lead = Duration::from_nanos((alice_clock.offset_ns - bob_clock.offset_ns) as u64);
    for (faults, winner) in [(skewed, "alice"), (FaultConfig::lan(), "bob")] {
        let value = simulate(seed, move || async move {
            let world = World::new(seed, faults);
            let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
            world.at(alice.id()).write([0xc1; 32], b"alice").unwrap();
            // Bob writes later in true time, by less than alice's lead.
            tokio::time::sleep(lead / 2).await;
            world.at(bob.id()).write([0xc1; 32], b"bob").unwrap();
            for (a, b) in [(&alice, &bob), (&bob, &alice)] {
                assert!(world.run_session(&Session::new(Protocol::HashComparison), a, b).await.succeeded());
            }
            assert_eq!(alice.storage().get([0xc1; 32]), bob.storage().get([0xc1; 32]), "converged");
            assert!(data_loss(&world).is_none(), "{:?}", data_loss(&world));
            alice.storage().get([0xc1; 32]).unwrap()
        });
        assert_eq!(value, winner.as_bytes(), "seed {seed}: alice {alice_clock}, bob {bob_clock}");
    }
}

/// Clocks are drawn per node from the seed and printed with the options.
#[test]
fn node_clocks_are_printed_with_the_options() {
    let options = merosim::RunSpec::new(3, "diverged-3x5".parse().unwrap(), FaultPreset::ProdChaos);
    let text = options.to_string();
    let clocks = text.lines().find(|l| l.trim_start().starts_with("clocks")).expect(&text);
    for name in ["alice", "bob", "carol"] {
        assert!(clocks.contains(name), "{clocks}");
    }
    assert!(clocks.contains("ms") && clocks.contains("ppm"), "{clocks}");
}
