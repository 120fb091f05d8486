//! Items 2 and 3: how much faster than real time a light-chaos cluster runs, and how many
//! seeds per second a sweep gets through under each chaos preset.

use std::time::{Duration, Instant};

use merosim::prelude::{SimConfig, SimRuntime};
use merosim::RunSpec;
use merosim::Scenario;
use merosim::{FaultConfig, FaultPreset, Handshakes};

use crate::sweep::sweep;

/// Virtual seconds simulated per wall second: 3 nodes, light chaos, a 10 s (+1 s jitter) sync
/// interval — the order of production's periodic sync — for `virtual_span` of virtual time.
pub fn time_compression(virtual_span: Duration) -> (Duration, Duration) {
    let config = SimConfig::with_seed(5)
        .with_faults(FaultConfig::light_chaos())
        .with_sync_interval(Duration::from_secs(10), Duration::from_secs(1))
        .with_recv_timeout(Duration::from_secs(5))
        .max_time(virtual_span + Duration::from_secs(1));
    let wall = Instant::now();
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(Scenario::partial_overlap(3, 30, 10));
    rt.advance(virtual_span);
    (rt.now().since_start(), wall.elapsed())
}

/// Seeds per second for 3 nodes x 200 entities under `faults` with `jobs` workers, as a sweep
/// runs them (receive budget 5 s, verdicts on), and how many of them converged.
pub fn throughput(faults: FaultPreset, handshakes: Handshakes, seeds: u64, jobs: usize) -> (f64, usize, usize) {
    let mut template = RunSpec::new(0, "diverged-3x200".parse().expect("known scenario"), faults).canonical();
    template.limits.max_time = Duration::from_secs(120);
    template.node.session.recv_timeout = Duration::from_secs(5);
    template.node.handshakes = handshakes;
    let report = sweep(&template, 0..seeds, (1, 1), jobs, false, Vec::new(), |_| {});
    let converged = report.records.iter().filter(|r| r.converged()).count();
    (report.seeds_per_second(), converged, report.records.len())
}
