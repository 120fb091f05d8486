//! Many seeds: parallel, shardable across machines, with a progress bar and a summary that lists
//! every failing seed with the line that reproduces it.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use merosim::Verdict;
use merosim::{human_bytes, StoreIo};
use merosim::{run_one, triage, Outcome, RunOptions, Signature, Triage};
use merosim::{Oracle, OracleCounts};

/// `A..B` (end excluded) or `A..=B`.
pub fn parse_seeds(s: &str) -> Result<Range<u64>, String> {
    let bad = || format!("bad seed range '{s}': expected A..B or A..=B, e.g. 0..1000");
    let (a, b, inclusive) = match s.split_once("..=") {
        Some((a, b)) => (a, b, true),
        None => {
            let (a, b) = s.split_once("..").ok_or_else(bad)?;
            (a, b, false)
        }
    };
    let (a, b): (u64, u64) = (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
    let end = if inclusive { b.checked_add(1).ok_or_else(bad)? } else { b };
    if end <= a {
        return Err(format!("empty seed range '{s}'"));
    }
    Ok(a..end)
}

/// `K/N`: this machine runs the K-th of N shards (1-based), i.e. the seeds with `seed % N == K-1`.
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("bad shard '{s}': expected K/N with 1 <= K <= N, e.g. 2/4");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The result of a sweep.
pub struct SweepReport {
    pub outcomes: Vec<Outcome>,
    pub wall: Duration,
    pub jobs: usize,
    pub template: RunOptions,
}

impl SweepReport {
    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| !o.passed())
    }

    pub fn seeds_per_second(&self) -> f64 {
        self.outcomes.len() as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// Runs `seeds` (restricted to `shard`) with `jobs` worker threads.
pub fn sweep(template: &RunOptions, seeds: Range<u64>, shard: (u64, u64), jobs: usize, progress: bool) -> SweepReport {
    let (k, n) = shard;
    let seeds: Vec<u64> = seeds.filter(|s| s % n == k - 1).collect();
    let bar = if progress { ProgressBar::new(seeds.len() as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds  {per_sec}  eta {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; seeds.len()]);
    let failed = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&seed) = seeds.get(i) else { return };
                let options = RunOptions { seed, ..template.clone() };
                let mut outcome = run_one(&options, false).outcome;
                // Kept for the report, which never shows the per-handshake log: at a few hundred
                // handshakes a seed it would be most of what a long sweep's outcomes weigh.
                if let Some(metrics) = &mut outcome.metrics {
                    metrics.protocol.handshakes = Vec::new();
                }
                if !outcome.passed() {
                    let f = failed.fetch_add(1, Ordering::Relaxed) + 1;
                    bar.set_message(format!("{f} failing"));
                }
                results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(outcome);
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let outcomes = results.into_inner().unwrap_or_else(|p| p.into_inner()).into_iter().flatten().collect();
    SweepReport { outcomes, wall: start.elapsed(), jobs: jobs.max(1), template: template.clone() }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

impl fmt::Display for SweepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Per verdict: how many seeds, and the first of them.
        let mut counts: BTreeMap<Verdict, (usize, u64)> = BTreeMap::new();
        for o in &self.outcomes {
            let entry = counts.entry(o.verdict()).or_insert((0, o.seed));
            entry.0 += 1;
            entry.1 = entry.1.min(o.seed);
        }
        writeln!(
            f,
            "  seeds      {} in {:.2}s wall with {} jobs ({:.1} seeds/s)",
            self.outcomes.len(),
            self.wall.as_secs_f64(),
            self.jobs,
            self.seeds_per_second()
        )?;
        writeln!(f, "  verdict                  seeds  first")?;
        for verdict in Verdict::ALL {
            match counts.get(&verdict) {
                Some((n, first)) => writeln!(f, "  {:<24} {n:>5}  {first}", verdict.label())?,
                None if matches!(verdict, Verdict::Converged) => writeln!(f, "  {:<24} {:>5}", verdict.label(), 0)?,
                None => {}
            }
        }
        let mut oracles: BTreeMap<Oracle, OracleCounts> = BTreeMap::new();
        for counts in self.outcomes.iter().filter_map(|o| o.judgement.as_ref()).map(|j| &j.counts) {
            for (oracle, c) in counts {
                *oracles.entry(*oracle).or_default() += *c;
            }
        }
        let fired: Vec<String> = oracles
            .iter()
            .map(|(o, c)| {
                format!(
                    "{o} {}/{}{}",
                    c.fired,
                    c.checked,
                    if c.flagged > 0 { format!(" ({} flagged)", c.flagged) } else { String::new() }
                )
            })
            .collect();
        writeln!(f, "  oracles    fired/judged: {}", fired.join(", "))?;
        writeln!(f, "  protocols  {}", protocol_mix(&self.outcomes))?;
        let dropped: u64 = self.outcomes.iter().map(Outcome::dropped).sum();
        writeln!(f, "  undelivered {dropped} frame copies (deltas included), each in its run's trace with its reason")?;
        if let Some(heaviest) = self.outcomes.iter().max_by_key(|o| (o.store.read_bytes, std::cmp::Reverse(o.seed))) {
            let total: StoreIo = self.outcomes.iter().map(|o| o.store).sum();
            let per_seed = |bytes: u64| human_bytes(bytes / self.outcomes.len().max(1) as u64);
            writeln!(
                f,
                "  store      calimero read {} and wrote {} per seed; most read: seed {} ({})",
                per_seed(total.read_bytes),
                per_seed(total.write_bytes),
                heaviest.seed,
                human_bytes(heaviest.store.read_bytes)
            )?;
        }
        let mut times: Vec<Duration> =
            self.outcomes.iter().filter_map(|o| o.converged_at().map(|t| t.since_start())).collect();
        times.sort();
        if !times.is_empty() {
            writeln!(
                f,
                "  time to converge (virtual): p50 {:.3}s  p90 {:.3}s  p99 {:.3}s  max {:.3}s",
                percentile(&times, 50.0).as_secs_f64(),
                percentile(&times, 90.0).as_secs_f64(),
                percentile(&times, 99.0).as_secs_f64(),
                times.last().copied().unwrap_or_default().as_secs_f64()
            )?;
        }
        let failures: Vec<&Outcome> = self.failures().collect();
        if failures.is_empty() {
            return write!(f, "  all seeds passed (converged; any violation was flagged by the protocol itself)");
        }
        let groups = self.groups();
        let new: usize = groups.iter().filter(|g| !g.triage.is_known()).map(|g| g.seeds.len()).sum();
        writeln!(f, "  failing seeds ({}): {} known, {new} new", failures.len(), failures.len() - new)?;
        let hunt: Vec<String> = self
            .first_seen(&groups)
            .iter()
            .map(|(what, seed, cpu)| format!("{what} seed {seed} ({cpu:.1} CPU-s)"))
            .collect();
        writeln!(f, "  first seen  {}", hunt.join(" · "))?;
        // What nothing known explains: one entry per signature, each with its seeds and repro.
        for group in groups.iter().filter(|g| !g.triage.is_known()) {
            writeln!(f, "    NEW {} — {}", group.signature, seed_list(&group.seeds))?;
            let options = RunOptions { seed: group.seeds[0], ..self.template.clone() };
            writeln!(f, "      {}", options.repro())?;
        }
        // The known: one entry per set of findings, the signatures it covers beneath it.
        let mut known: BTreeMap<&[&str], Vec<&Group>> = BTreeMap::new();
        for group in &groups {
            if let Triage::Known(findings) = &group.triage {
                known.entry(findings.as_slice()).or_default().push(group);
            }
        }
        let mut known: Vec<(&[&str], Vec<&Group>)> = known.into_iter().collect();
        let seeds_of = |groups: &[&Group]| {
            let mut seeds: Vec<u64> = groups.iter().flat_map(|g| g.seeds.iter().copied()).collect();
            seeds.sort_unstable();
            seeds
        };
        known.sort_by_key(|(_, groups)| {
            let seeds = seeds_of(groups);
            (std::cmp::Reverse(seeds.len()), seeds[0])
        });
        for (findings, groups) in known {
            let seeds = seeds_of(&groups);
            writeln!(f, "    known {} — {}", findings.join("+"), seed_list(&seeds))?;
            for group in groups {
                writeln!(f, "      {} ({})", group.signature, group.seeds.len())?;
            }
            let options = RunOptions { seed: seeds[0], ..self.template.clone() };
            writeln!(f, "      {}", options.repro())?;
        }
        if new == 0 {
            write!(
                f,
                "  every failure is a known finding of calimero-node {} (src/run/known.tsv; --strict fails on them too)",
                merosim::CALIMERO_VERSION
            )?;
        }
        Ok(())
    }
}

/// "3 seeds: 5, 9, 11", at most ten of them.
fn seed_list(seeds: &[u64]) -> String {
    const SHOW: usize = 10;
    let shown: Vec<String> = seeds.iter().take(SHOW).map(u64::to_string).collect();
    let more = seeds.len().saturating_sub(SHOW);
    format!(
        "{} seed{}: {}{}",
        seeds.len(),
        if seeds.len() == 1 { "" } else { "s" },
        shown.join(", "),
        if more > 0 { format!(" (+{more})") } else { String::new() }
    )
}

/// The failing seeds that share one signature, and what merosim knows of it.
pub struct Group {
    pub signature: Signature,
    pub triage: Triage,
    /// Ascending.
    pub seeds: Vec<u64>,
}

impl SweepReport {
    /// One group per signature: what nothing known explains first, then the largest.
    pub fn groups(&self) -> Vec<Group> {
        let mut by_signature: BTreeMap<Signature, Vec<u64>> = BTreeMap::new();
        for o in self.failures() {
            // Every failing seed has one: only a passing run has none.
            if let Some(signature) = o.signature() {
                by_signature.entry(signature).or_default().push(o.seed);
            }
        }
        let flags = self.template.flags();
        let mut groups: Vec<Group> = by_signature
            .into_iter()
            .map(|(signature, mut seeds)| {
                seeds.sort_unstable();
                Group { triage: triage(&signature, &flags), signature, seeds }
            })
            .collect();
        groups.sort_by_key(|g| (g.triage.is_known(), std::cmp::Reverse(g.seeds.len()), g.seeds[0]));
        groups
    }

    /// Per known finding (and `NEW`), the first seed that shows it and the CPU-seconds the sweep
    /// spent until that seed was done — every seed up to it, each run on one thread — in the
    /// order they were first seen: how fast the sweep finds each class.
    pub fn first_seen(&self, groups: &[Group]) -> Vec<(String, u64, f64)> {
        let mut first: BTreeMap<String, u64> = BTreeMap::new();
        for group in groups {
            let names = match &group.triage {
                Triage::Known(findings) => findings.iter().map(|f| (*f).to_owned()).collect(),
                Triage::New => vec!["NEW".to_owned()],
            };
            for name in names {
                let seed = first.entry(name).or_insert(group.seeds[0]);
                *seed = (*seed).min(group.seeds[0]);
            }
        }
        let cpu_until =
            |seed: u64| -> f64 { self.outcomes.iter().filter(|o| o.seed <= seed).map(|o| o.wall.as_secs_f64()).sum() };
        let mut seen: Vec<(String, u64, f64)> =
            first.into_iter().map(|(name, seed)| (name, seed, cpu_until(seed))).collect();
        seen.sort_by_key(|(name, seed, _)| (*seed, name.clone()));
        seen
    }

    /// Failing seeds no known finding explains.
    pub fn unexplained(&self) -> usize {
        self.groups().iter().filter(|g| !g.triage.is_known()).map(|g| g.seeds.len()).sum()
    }
}

/// What the sweep's sync ticks selected and what their sessions ran, over every seed: the
/// protocol mix a reader compares with production's (docs/architecture.md).
fn protocol_mix(outcomes: &[Outcome]) -> String {
    let (mut selected, mut ran, mut stand_ins, mut refused) = (
        BTreeMap::<&str, u64>::new(),
        BTreeMap::<&str, u64>::new(),
        BTreeMap::<&str, u64>::new(),
        BTreeMap::<&str, u64>::new(),
    );
    for metrics in outcomes.iter().filter_map(|o| o.metrics.as_ref()) {
        let p = &metrics.protocol;
        let add = |into: &mut BTreeMap<&'static str, u64>, from: &BTreeMap<&'static str, u64>| {
            for (k, n) in from {
                *into.entry(k).or_default() += n;
            }
        };
        add(&mut selected, &p.selected);
        add(&mut stand_ins, &p.fallbacks);
        add(&mut refused, &p.refused);
        for (k, c) in &p.sessions {
            *ran.entry(k).or_default() += c.started;
        }
    }
    let list = |m: &BTreeMap<&str, u64>| {
        if m.is_empty() {
            "-".to_owned()
        } else {
            m.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
        }
    };
    format!(
        "selected: {}; sessions run: {}; stand-ins (HashComparison for): {}; refused: {}",
        list(&selected),
        list(&ran),
        list(&stand_ins),
        list(&refused)
    )
}
