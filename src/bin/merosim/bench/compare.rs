//! `--baseline BIN`: the same workloads through another merosim binary and this one, as child
//! processes, alternating run by run so a noisy neighbour hits both sides alike. This is how the
//! doc's build comparisons (dev against sweep profile, system allocator against mimalloc) are
//! measured: any two builds, same commands, ratios with their spread.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::table::{Spread, Table};

/// The workloads: one heavy seed, and sweeps of small trees and of apps, as a user runs them.
const WORKLOADS: &[(&str, &[&str])] = &[
    (
        "one prod-chaos seed, `diverged-3x200`",
        &["run", "--seed", "2", "--scenario", "diverged-3x200", "--faults", "prod-chaos", "--recv-timeout", "5"],
    ),
    (
        "`diverged` (3 × 20), prod-chaos, 40 seeds, 2 jobs",
        &["sweep", "--scenario", "diverged", "--faults", "prod-chaos", "--seeds", "0..40", "--jobs", "2", "--quiet"],
    ),
    (
        "`crdt-mixed-3x16`, prod-chaos, 20 seeds, 2 jobs",
        &[
            "sweep",
            "--scenario",
            "crdt-mixed-3x16",
            "--faults",
            "prod-chaos",
            "--seeds",
            "0..20",
            "--jobs",
            "2",
            "--quiet",
        ],
    ),
    (
        "`diverged-3x200`, heavy, 6 seeds, 2 jobs",
        &[
            "sweep",
            "--scenario",
            "diverged-3x200",
            "--faults",
            "heavy",
            "--seeds",
            "0..6",
            "--jobs",
            "2",
            "--recv-timeout",
            "5",
            "--max-time",
            "120",
            "--quiet",
        ],
    ),
];

/// Wall time of one child run and its exit code (the verdicts must agree between builds).
fn timed(exe: &Path, args: &[&str]) -> Result<(Duration, Option<i32>), String> {
    let start = Instant::now();
    let status = Command::new(exe)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    Ok((start.elapsed(), status.code()))
}

/// One row per workload: the median wall time of each build and the speed-up (baseline time over
/// this build's time, per run pair) with its range.
pub fn compare(this: &Path, baseline: &Path, key: &str, runs: usize) -> Result<Table, String> {
    let mut table = Table::new(
        key,
        format!(
            "build comparison: {} (baseline) against this build, wall time, {runs} alternating runs",
            baseline.display()
        ),
        &["workload", "baseline", "this build", "speed-up"],
    );
    table.note(format!("Baseline: `{}`; this build: `{}`.", baseline.display(), this.display()));
    for (name, args) in WORKLOADS {
        let (mut base, mut this_run, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs.max(1) {
            let (b, b_code) = timed(baseline, args)?;
            let (t, t_code) = timed(this, args)?;
            if b_code != t_code {
                table.note(format!("{name}: exit codes differ (baseline {b_code:?}, this build {t_code:?})"));
            }
            base.push(b.as_secs_f64());
            this_run.push(t.as_secs_f64());
            ratios.push(b.as_secs_f64() / t.as_secs_f64().max(1e-9));
        }
        let show = |s: &[f64]| Spread::of(s).map_or("-".to_owned(), |s| s.value(2, " s"));
        table.row(vec![
            (*name).to_owned(),
            show(&base),
            show(&this_run),
            Spread::of(&ratios).map_or("-".to_owned(), |s| s.ratio()),
        ]);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::path::Path;

    #[test]
    fn every_workload_gets_a_row_and_differing_exit_codes_are_noted() {
        let table = compare(Path::new("/bin/true"), Path::new("/bin/true"), "k", 2).unwrap();
        assert_eq!(table.key, "k");
        assert_eq!(table.rows.len(), super::WORKLOADS.len());
        assert!(table.rows.iter().all(|r| r.len() == 4 && r[3].contains('×')), "{:?}", table.rows);
        assert!(!table.notes.iter().any(|n| n.contains("exit codes differ")));
        let table = compare(Path::new("/bin/false"), Path::new("/bin/true"), "k", 1).unwrap();
        assert!(table.notes.iter().any(|n| n.contains("exit codes differ")), "{:?}", table.notes);
        assert!(compare(Path::new("/nonexistent/merosim"), Path::new("/bin/true"), "k", 1).is_err());
    }
}
