//! SimRuntime itself: stop conditions, failure reports, replay.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use merosim::prelude::*;

#[test]
fn all_nodes_down_is_a_deadlock() {
    let mut rt = SimRuntime::with_seed(31);
    rt.apply_scenario(Scenario::n_nodes_diverged(2, 5));
    rt.crash("alice");
    rt.crash("bob");
    assert_eq!(rt.run(), StopCondition::Deadlock);
}

#[test]
fn max_events_stops_the_run() {
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(32).max_events(50));
    rt.apply_scenario(Scenario::n_nodes_diverged(3, 50));
    assert_eq!(rt.run(), StopCondition::MaxEvents);
    assert!(rt.metrics().convergence.events_processed >= 50);
}

#[test]
fn max_time_stops_the_run() {
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(33).max_time(2_000));
    let [a, b]: [NodeId; 2] = rt.apply_scenario(Scenario::n_nodes_diverged(2, 5)).try_into().unwrap();
    rt.partition_bidirectional(&a, &b, None);
    assert_eq!(rt.run(), StopCondition::MaxTime);
    let now = rt.clock().now();
    assert!(now >= SimTime::from(2_000) && now < SimTime::from(2_100), "stopped at {now}");
}

/// A failing assertion reports the seed, the expanded options, metrics and a repro line.
#[test]
fn assertion_failures_carry_seed_options_and_repro() {
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(34).max_time(1_000));
    let [a, b]: [NodeId; 2] = rt.apply_scenario(Scenario::n_nodes_diverged(2, 5)).try_into().unwrap();
    rt.partition_bidirectional(&a, &b, None);
    rt.run();
    let panic = catch_unwind(AssertUnwindSafe(|| assert_converged!(rt))).expect_err("must not converge");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    let repro = format!(
        "repro: MADSIM_TEST_SEED=34 {} -p sim-tests --test cluster -- runtime::assertion_failures_carry_seed_options_and_repro --exact",
        merosim::TEST_COMMAND
    );
    for needle in [
        "assert_converged! failed",
        "C5StatesEqual",
        "seed: 34",
        "options: seed=34",
        "faults=[",
        "metrics: sessions",
        &repro,
    ] {
        assert!(message.contains(needle), "missing {needle:?} in:\n{message}");
    }
    let panic = catch_unwind(AssertUnwindSafe(|| assert_entity_count!(rt, "alice", 99))).expect_err("alice has 5");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("alice holds 5 entities, expected 99"), "{message}");
}

fn fingerprint(seed: u64) -> (String, u64, String) {
    let config =
        SimConfig::with_seed(seed).with_faults(FaultConfig::light_chaos()).with_recv_timeout(Duration::from_secs(5));
    let mut rt = SimRuntime::with_config(config);
    let nodes = rt.apply_scenario(Scenario::partial_overlap(4, 10, 10));
    rt.start_workload(&nodes[..2], Duration::from_millis(150), 10);
    rt.run_until(|rt| rt.clock().now() > 5_000.into());
    let stop = rt.run();
    let metrics = rt.metrics();
    (format!("{stop:?} {}", metrics.summary()), metrics.convergence.events_processed, hex::encode(rt.frame_log_hash()))
}

/// A whole cluster run — four nodes, a concurrent workload, light chaos — replays exactly.
#[test]
fn same_seed_replays_the_whole_run() {
    assert_eq!(fingerprint(35), fingerprint(35));
    assert_ne!(fingerprint(35).2, fingerprint(36).2, "different seeds, same frame log");
}

/// A seed loop that fails at seed 7. Not run on its own: `seed_loop_replays_exactly_the_failing_seed`
/// runs it in a child process, with and without `MADSIM_TEST_SEED`.
#[test]
#[ignore = "run by seed_loop_replays_exactly_the_failing_seed in a child process"]
fn seed_loop_fails_at_seven() {
    for seed in seeds(0..20) {
        println!("ran seed {seed}");
        let mut rt = SimRuntime::with_seed(seed);
        rt.apply_scenario(Scenario::n_nodes_synced(2, 1));
        assert_entity_count!(rt, "alice", if seed == 7 { 99 } else { 1 });
    }
}

/// The repro line a failing seed loop prints names the failing seed, and running it replays that
/// seed alone: `seeds(..)` honours `MADSIM_TEST_SEED` as madsim's own tests do.
#[test]
fn seed_loop_replays_exactly_the_failing_seed() {
    const TEST: &str = "runtime::seed_loop_fails_at_seven";
    let run = |seed: Option<&str>| {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap());
        child.args(["--ignored", "--exact", TEST, "--test-threads=1"]).env_remove(merosim::SEED_VAR);
        if let Some(seed) = seed {
            child.env(merosim::SEED_VAR, seed);
        }
        let out = child.output().expect("run the test binary");
        assert!(!out.status.success(), "the loop must fail");
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    let ran =
        |out: &str| -> Vec<u64> { out.lines().filter_map(|l| l.strip_prefix("ran seed ")?.parse().ok()).collect() };

    let whole = run(None);
    assert_eq!(ran(&whole), (0..=7).collect::<Vec<_>>(), "{whole}");
    let expected =
        format!("repro: MADSIM_TEST_SEED=7 {} -p sim-tests --test cluster -- {TEST} --exact", merosim::TEST_COMMAND);
    let line = whole.lines().find(|l| l.contains("repro: ")).unwrap_or_else(|| panic!("no repro line in:\n{whole}"));
    assert_eq!(line.trim(), expected, "{whole}");

    let seed = line.split("MADSIM_TEST_SEED=").nth(1).and_then(|rest| rest.split(' ').next()).unwrap();
    let replay = run(Some(seed));
    assert_eq!(ran(&replay), vec![7], "the repro line replays the failing seed alone:\n{replay}");
}
