//! Item 5: how one HashComparison session's cost grows with the tree it walks. The tree is flat
//! (every leaf under the root, one node holding them all), the shape where calimero re-reads the
//! root's whole index for every leaf it serves (docs/findings.md, F11). Reported per leaf, with
//! the growth exponent of the whole session: 1.0 would be linear in the leaves, 2.0 quadratic.

use std::time::Duration;

use super::cpu::thread_cpu;
use merosim::flat_leaves;
use merosim::prelude::{run_session, simulate, World};
use merosim::FaultConfig;
use merosim::{Protocol, SessionOptions};

/// One fan-out's measurements.
#[derive(Clone, Debug)]
pub struct GrowthRow {
    pub leaves: usize,
    /// CPU time of the session (both ends; best of the repeats).
    pub cpu: Duration,
    /// The slowest repeat, for the spread.
    pub cpu_worst: Duration,
    /// Bytes the responder's store returned, per leaf served.
    pub read_per_leaf: u64,
    /// Bytes the initiator's store took, per leaf merged.
    pub written_per_leaf: u64,
}

impl GrowthRow {
    pub fn cpu_per_leaf(&self) -> Duration {
        self.cpu.checked_div(self.leaves.max(1) as u32).unwrap_or_default()
    }
}

fn pull(leaves: usize) -> GrowthRow {
    simulate(1, move || async move {
        let world = World::new(1, FaultConfig::none());
        let alice = world.add_node("alice").expect("alice");
        let bob = world.add_node("bob").expect("bob");
        flat_leaves(alice.storage(), leaves).expect("flat tree");
        let (served, merged) = (alice.storage().io(), bob.storage().io());
        let start = thread_cpu();
        let report = run_session(&world, &bob, &alice, Protocol::HashComparison, &SessionOptions::default()).await;
        let cpu = thread_cpu() - start;
        assert!(report.succeeded(), "growth session failed: {report:?}");
        let per_leaf = |bytes: u64| bytes / leaves.max(1) as u64;
        GrowthRow {
            leaves,
            cpu,
            cpu_worst: cpu,
            read_per_leaf: per_leaf(alice.storage().io().since(&served).read_bytes),
            written_per_leaf: per_leaf(bob.storage().io().since(&merged).write_bytes),
        }
    })
}

/// One row per fan-out; the CPU time is the best of `repeat` sessions (the bytes are exact).
pub fn growth(sizes: &[usize], repeat: usize) -> Vec<GrowthRow> {
    sizes
        .iter()
        .map(|&leaves| {
            let mut rows: Vec<GrowthRow> = (0..repeat.max(1)).map(|_| pull(leaves)).collect();
            rows.sort_by_key(|r| r.cpu);
            let worst = rows.last().map_or(Duration::ZERO, |r| r.cpu);
            let mut best = rows.swap_remove(0);
            best.cpu_worst = worst;
            best
        })
        .collect()
}

/// The least-squares slope of log(y) against log(x): cost ∝ size^exponent. `None` with fewer
/// than two usable points.
pub fn exponent(points: &[(f64, f64)]) -> Option<f64> {
    let logs: Vec<(f64, f64)> =
        points.iter().filter(|(x, y)| *x > 0.0 && *y > 0.0).map(|(x, y)| (x.ln(), y.ln())).collect();
    if logs.len() < 2 {
        return None;
    }
    let n = logs.len() as f64;
    let (mx, my) = (logs.iter().map(|p| p.0).sum::<f64>() / n, logs.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = logs.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::exponent;

    #[test]
    fn exponent_reads_linear_and_quadratic_growth() {
        let linear: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0].iter().map(|&x| (x, 3.0 * x)).collect();
        let quadratic: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0].iter().map(|&x| (x, 0.5 * x * x)).collect();
        assert!((exponent(&linear).unwrap() - 1.0).abs() < 1e-9);
        assert!((exponent(&quadratic).unwrap() - 2.0).abs() < 1e-9);
        assert_eq!(exponent(&[(1.0, 2.0)]), None);
        assert_eq!(exponent(&[(1.0, 2.0), (1.0, 3.0)]), None, "one size twice says nothing about growth");
    }
}
