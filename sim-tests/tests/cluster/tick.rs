//! Production's tick (`--tick production`): calimero's `SyncManager::start`, its `SyncDriver`
//! and `SessionTracker`, dispatching to a `SyncSessionActor` on each node. These check that it is
//! the driver that syncs the nodes, at the period the operator set, and that it replays byte for
//! byte.

use std::time::Duration;

use merosim::prelude::*;
use merosim::Tick;

fn production_tick(seed: u64) -> SimConfig {
    SimConfig::with_seed(seed).with_tick(Tick::Production)
}

fn tick_sessions(rt: &mut SimRuntime) -> u64 {
    rt.metrics().protocol.sessions.get("production-tick").map_or(0, |c| c.started)
}

/// Diverged nodes converge through the driver's sessions alone: every session booked is one
/// whose result production's actor sent its driver, and HashComparison is what they ran.
#[test]
fn the_driver_converges_diverged_nodes() {
    if !Tick::Production.available() {
        return;
    }
    for seed in [3, 11] {
        let mut rt = SimRuntime::with_config(production_tick(seed));
        rt.apply_scenario(Scenario::n_nodes_diverged(3, 20));
        assert_eq!(rt.run(), StopCondition::Converged, "seed {seed}: {}", rt.check_convergence());
        assert_converged!(rt);
        let metrics = rt.metrics();
        let sessions = metrics.protocol.sessions.get("production-tick").expect("the driver ran sessions");
        assert!(sessions.succeeded >= 2, "seed {seed}: {}", metrics.summary());
        assert!(metrics.protocol.selected.get("hash-comparison").copied().unwrap_or(0) >= 2, "{}", metrics.summary());
        // Only the driver syncs: merosim's own session driver started nothing.
        assert!(metrics.protocol.handshakes.is_empty(), "merosim's tick ran: {}", metrics.summary());
    }
}

/// The driver's timer is production's `interval(frequency)`, with the frequency set from
/// `sync_interval` (and the tracker's minimum between syncs of a context at half of it, as in
/// production's 10 s / 5 s defaults): halving the interval doubles the ticks in the same virtual
/// time, and between equal nodes every tick ends in `none`. Below a second the tracker's own floor
/// rules (its backoff delay is 1 s even without failures), so a sub-second interval syncs a
/// context about once a second, as it would in production.
#[test]
fn the_driver_ticks_at_the_sync_interval() {
    if !Tick::Production.available() {
        return;
    }
    let ticks = |interval_ms: u64| {
        let config = production_tick(4).with_sync_interval(Duration::from_millis(interval_ms), Duration::ZERO);
        let mut rt = SimRuntime::with_config(config);
        rt.apply_scenario(Scenario::n_nodes_synced(2, 5));
        assert_eq!(rt.run_until(|rt| rt.clock().now() > 40_000.into()), StopCondition::Manual);
        let metrics = rt.metrics();
        assert_eq!(metrics.protocol.selected.keys().copied().collect::<Vec<&str>>(), ["none"], "{}", metrics.summary());
        tick_sessions(&mut rt)
    };
    let (fast, slow, floored) = (ticks(2_000), ticks(4_000), ticks(250));
    // Two nodes, 40 s: about 20 and 10 ticks each, the first within each node's first period.
    assert!((36..=42).contains(&fast), "{fast} ticks at 2 s");
    assert!((18..=22).contains(&slow), "{slow} ticks at 4 s");
    // A tick every 250 ms, a sync at most every second.
    assert!((60..=72).contains(&floored), "{floored} ticks at 250 ms");
}

/// Same seed, same bytes: the driver, its tracker and the actor add no nondeterminism (their
/// maps, clocks and the actor's task order all come from the simulation).
#[test]
fn the_driver_replays_byte_for_byte() {
    if !Tick::Production.available() {
        return;
    }
    let run = || {
        let mut rt = SimRuntime::with_config(production_tick(7).with_faults(FaultConfig::light_chaos()));
        rt.apply_scenario(Scenario::n_nodes_diverged(3, 20));
        let stop = rt.run();
        (stop, rt.trace_hash(), tick_sessions(&mut rt))
    };
    let first = run();
    assert!(first.2 > 0, "the driver ran no session");
    assert_eq!(first, run());
}

/// Equal data under different roots is final only once every node has synced since it was seen:
/// production's driver syncs a context a second apart at least, longer after failures, not every
/// sync interval as merosim's tick does. Seed 222 of the default sweep (`any`/`any`) stopped at
/// 32.4 s on a root bob had not synced over yet (it healed later), a NEW signature ("own hash
/// differs"); what is left once every node has synced is known, as the run-on repro showed: F10
/// and F8 then, F10, F8 and F9 once the app's members started initialised and peers' deltas went
/// through production's gossip handler (2026-12-06), F10 and F8 again (stopped at 150 s) since
/// production's node path holds a delta back only through a snapshot bootstrap (2026-12-07).
#[test]
fn a_root_mismatch_waits_for_every_node_to_sync() {
    if !Tick::Production.available() || merosim::calimero_since("0.11.0-rc.5") {
        return; // The seed was read on rc.4.
    }
    let mut spec = merosim::RunSpec::new(222, "any".parse().unwrap(), "any".parse().unwrap());
    spec.node.tick = Tick::Production;
    let outcome = merosim::run_one(&spec, false).outcome;
    assert_eq!(outcome.triage(&spec.flags()), Some(merosim::Triage::Known(vec!["F10", "F8"])), "{outcome}");
}
