//! Latency, jitter and reordering: sessions still converge; the virtual clock pays for every
//! round trip; the wall clock does not.

use std::time::{Duration, Instant};

use merosim::prelude::*;
use sim_tests::{assert_sessions_ok, repro, Pair};

const BASE_MS: u64 = 50;

fn converge_under_latency(test: &str, level_wise: bool) {
    let seed = seed_or(11);
    let context = format!("seed {seed}; {}", repro(test, seed));
    simulate(seed, move || async move {
        let faults = FaultConfig::none().with_latency(BASE_MS, 20).with_reorder_window(30);
        let pair = Pair::new(seed, faults, 200);
        let protocol = if level_wise { pair.level_wise() } else { Protocol::HashComparison };
        let reports = pair.sync(protocol, &SessionOptions::default()).await;
        assert_sessions_ok(&reports, &context);
        pair.assert_converged(&context);
        for r in &reports {
            let stats = r.initiator.as_ref().unwrap();
            // Every request waits for its response: at least two one-way base latencies each.
            let floor = Duration::from_millis(2 * BASE_MS) * stats.requests_sent as u32;
            let took = r.ended_at - r.started_at;
            assert!(stats.requests_sent > 0, "{context}: no requests were sent");
            assert!(took >= floor, "{context}: session took {took:?} virtual, less than {floor:?} of latency");
        }
    });
}

#[test]
fn hash_comparison_converges_with_latency_jitter_reorder() {
    converge_under_latency("latency::hash_comparison_converges_with_latency_jitter_reorder", false);
}

#[test]
fn level_wise_converges_with_latency_jitter_reorder() {
    converge_under_latency("latency::level_wise_converges_with_latency_jitter_reorder", true);
}

/// Returns (virtual time of the session, wall time of the whole run, frames routed).
fn timed_run(seed: u64, latency_ms: u64) -> (Duration, Duration, usize) {
    let wall = Instant::now();
    let (virt, frames) = simulate(seed, move || async move {
        let pair = Pair::new(seed, FaultConfig::none().with_latency(latency_ms, 0), 100);
        let options = SessionOptions::default()
            .with_recv_timeout(Duration::from_millis(latency_ms * 4).max(Duration::from_secs(30)))
            .with_budget(Duration::from_secs(100_000));
        let reports = pair.sync(Protocol::HashComparison, &options).await;
        assert_sessions_ok(&reports, "timed run");
        (reports[0].ended_at - reports[0].started_at, pair.world.frames().len())
    });
    (virt, wall.elapsed(), frames)
}

#[test]
fn wall_time_does_not_follow_configured_latency() {
    let seed = seed_or(5);
    let (fast_virtual, fast_wall, fast_frames) = timed_run(seed, 1);
    let (slow_virtual, slow_wall, slow_frames) = timed_run(seed, 5_000);
    let context = format!(
        "1 ms links: {fast_virtual:?} virtual / {fast_wall:?} wall; 5 s links: {slow_virtual:?} virtual / \
         {slow_wall:?} wall; {}",
        repro("latency::wall_time_does_not_follow_configured_latency", seed)
    );
    assert_eq!(fast_frames, slow_frames, "{context}: the same session should route the same frames");
    assert!(slow_virtual >= fast_virtual * 1000, "{context}: virtual time did not scale with latency");
    // 5,000x the latency must not cost anything like 5,000x the wall time: a generous bound that
    // only a real-time sleep could break.
    assert!(slow_wall < fast_wall * 5 + Duration::from_secs(5), "{context}: wall time followed latency");
    assert!(slow_wall * 20 < slow_virtual, "{context}: simulation ran slower than 20x real time");
}
