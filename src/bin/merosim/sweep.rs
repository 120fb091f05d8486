//! Many seeds: parallel, shardable across machines, with a progress bar and a summary that lists
//! every failing seed with the line that reproduces it. The summary is rendered from the seeds'
//! records (`record.rs`) alone, so `merosim merge` renders the same one from shard files.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use merosim::{human_bytes, Oracle, OracleCounts, RunSpec, Verdict};
use strum::VariantArray;

use crate::record::{Header, SeedRecord};

/// The lines a sweep prints before its report: what ran, and the options every seed shares.
pub fn heading(header: &Header, wall_clock: bool) -> String {
    let (k, n) = header.shard;
    let jobs = if wall_clock { format!(" jobs {}", header.jobs) } else { String::new() };
    format!(
        "merosim sweep seeds {} shard {k}/{n}{jobs} (calimero-node {})\n{}",
        header.seeds, header.calimero, header.options
    )
}

/// Exit 1 for what nothing known explains; a known finding of this release fails the sweep only
/// under `strict`.
pub fn exit_code(report: &SweepReport, strict: bool) -> std::process::ExitCode {
    let failed = if strict { report.failures().count() } else { report.unexplained() };
    std::process::ExitCode::from(u8::from(failed > 0))
}

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

/// The result of a sweep, or of shards merged.
pub struct SweepReport {
    /// By seed.
    pub records: Vec<SeedRecord>,
    pub wall: Duration,
    pub jobs: u64,
    /// The calimero-node release that ran the seeds.
    pub calimero: String,
    /// Whether to print wall-clock figures (`--no-wall-clock` leaves them out, so two reports of
    /// the same seeds compare byte for byte).
    pub wall_clock: bool,
}

impl SweepReport {
    pub fn failures(&self) -> impl Iterator<Item = &SeedRecord> {
        self.records.iter().filter(|r| !r.passed)
    }

    pub fn seeds_per_second(&self) -> f64 {
        self.records.len() as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// The seeds of `seeds` in `shard` (`K/N`: those with `seed % N == K - 1`).
pub fn shard_seeds(seeds: Range<u64>, (k, n): (u64, u64)) -> impl Iterator<Item = u64> {
    seeds.filter(move |s| s % n == k - 1)
}

/// Runs `seeds` (restricted to `shard`) with `jobs` worker threads, but those in `done` (already
/// recorded: their records are the report's too); hands each record to `ended` the moment its
/// seed ends.
pub fn sweep(
    template: &RunSpec,
    seeds: Range<u64>,
    shard: (u64, u64),
    jobs: usize,
    progress: bool,
    done: Vec<SeedRecord>,
    ended: impl Fn(&SeedRecord) + Sync,
) -> SweepReport {
    let skip: std::collections::BTreeSet<u64> = done.iter().map(|r| r.seed).collect();
    let specs = merosim::seeded(template, shard_seeds(seeds, shard).filter(|s| !skip.contains(s)));
    let failed = AtomicUsize::new(done.iter().filter(|r| !r.passed).count());
    let start = Instant::now();
    let bar = bar(specs.len(), progress);
    let mut records = merosim::sweep(&specs, jobs, |spec, run| {
        let record = SeedRecord::of(&run.outcome, spec);
        ended(&record);
        if !record.passed {
            let f = failed.fetch_add(1, Ordering::Relaxed) + 1;
            bar.set_message(format!("{f} failing"));
        }
        bar.inc(1);
        record
    });
    bar.finish_and_clear();
    records.extend(done);
    records.sort_by_key(|r| r.seed);
    SweepReport {
        records,
        wall: start.elapsed(),
        jobs: jobs.max(1) as u64,
        calimero: merosim::CALIMERO_VERSION.to_owned(),
        wall_clock: true,
    }
}

/// A progress bar over `len` seeds, hidden unless `progress`.
pub fn bar(len: usize, progress: bool) -> ProgressBar {
    let bar = if progress { ProgressBar::new(len as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds  {per_sec}  eta {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
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
        let mut counts: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
        for r in &self.records {
            let entry = counts.entry(r.verdict.as_str()).or_insert((0, r.seed));
            entry.0 += 1;
            entry.1 = entry.1.min(r.seed);
        }
        if self.wall_clock {
            writeln!(
                f,
                "  seeds      {} in {:.2}s wall with {} jobs ({:.1} seeds/s)",
                self.records.len(),
                self.wall.as_secs_f64(),
                self.jobs,
                self.seeds_per_second()
            )?;
        } else {
            writeln!(f, "  seeds      {}", self.records.len())?;
        }
        writeln!(f, "  verdict                  seeds  first")?;
        for verdict in Verdict::ALL {
            match counts.get(verdict.label()) {
                Some((n, first)) => writeln!(f, "  {:<24} {n:>5}  {first}", verdict.label())?,
                None if matches!(verdict, Verdict::Converged) => writeln!(f, "  {:<24} {:>5}", verdict.label(), 0)?,
                None => {}
            }
        }
        // In the oracles' own order, as a run's judgement lists them.
        let mut oracles: BTreeMap<Oracle, OracleCounts> = BTreeMap::new();
        for r in &self.records {
            for (name, [checked, fired, flagged]) in &r.oracles {
                let Some(oracle) = Oracle::ALL.into_iter().find(|o| o.name() == name) else { continue };
                *oracles.entry(oracle).or_default() +=
                    OracleCounts { checked: *checked, fired: *fired, flagged: *flagged };
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
        writeln!(f, "  protocols  {}", protocol_mix(&self.records))?;
        writeln!(f, "  responder  {}", responders(&self.records))?;
        writeln!(f, "  deltas     {}", node_paths(&self.records))?;
        let dropped: u64 = self.records.iter().map(|r| r.dropped).sum();
        writeln!(f, "  undelivered {dropped} frame copies (deltas included), each in its run's trace with its reason")?;
        if let Some(heaviest) = self.records.iter().max_by_key(|r| (r.store_read, std::cmp::Reverse(r.seed))) {
            let (read, written) = self.records.iter().fold((0, 0), |(r, w), s| (r + s.store_read, w + s.store_write));
            let per_seed = |bytes: u64| human_bytes(bytes / self.records.len().max(1) as u64);
            writeln!(
                f,
                "  store      calimero read {} and wrote {} per seed; most read: seed {} ({})",
                per_seed(read),
                per_seed(written),
                heaviest.seed,
                human_bytes(heaviest.store_read)
            )?;
        }
        // Wall-clock-like: the heap of a seed is its own thread's, off by what crossed threads, and
        // the resident set depends on what else ran beside it.
        if let Some(top) = self.records.iter().filter(|_| self.wall_clock).max_by_key(|r| r.heap_peak) {
            let mut heaps: Vec<u64> = self.records.iter().map(|r| r.heap_peak).collect();
            heaps.sort_unstable();
            let rss = self.records.iter().map(|r| r.rss_peak_kib).max().unwrap_or(0);
            writeln!(
                f,
                "  memory     heap per seed p50 {}  max {} (seed {}); process peak RSS {}",
                human_bytes(heaps[heaps.len() / 2]),
                human_bytes(top.heap_peak),
                top.seed,
                human_bytes(rss * 1024)
            )?;
        }
        let mut times: Vec<Duration> =
            self.records.iter().filter_map(|r| r.converged_at_ns.map(Duration::from_nanos)).collect();
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
        let failures: Vec<&SeedRecord> = self.failures().collect();
        if failures.is_empty() {
            return write!(f, "  all seeds passed (converged; any violation was flagged by the protocol itself)");
        }
        let groups = self.groups();
        let new: usize = groups.iter().filter(|g| g.known.is_none()).map(|g| g.seeds.len()).sum();
        writeln!(f, "  failing seeds ({}): {} known, {new} new", failures.len(), failures.len() - new)?;
        let hunt: Vec<String> = self
            .first_seen(&groups)
            .iter()
            .map(|(what, seed, cpu)| match self.wall_clock {
                true => format!("{what} seed {seed} ({cpu:.1} CPU-s)"),
                false => format!("{what} seed {seed}"),
            })
            .collect();
        writeln!(f, "  first seen  {}", hunt.join(" · "))?;
        // What nothing known explains: one entry per signature, each with its seeds and repro.
        for group in groups.iter().filter(|g| g.known.is_none()) {
            writeln!(f, "    NEW {} — {}", group.signature, seed_list(&group.seeds))?;
            if let Some(piece) =
                self.records.iter().find(|r| r.seed == group.seeds[0]).and_then(|r| r.unexplained.as_ref())
            {
                writeln!(f, "      unexplained: {piece}")?;
            }
            writeln!(f, "      {}", self.repro_of(group.seeds[0]))?;
        }
        // The known: one entry per set of findings, the signatures it covers beneath it.
        let mut known: BTreeMap<&[String], Vec<&Group>> = BTreeMap::new();
        for group in &groups {
            if let Some(findings) = &group.known {
                known.entry(findings.as_slice()).or_default().push(group);
            }
        }
        let mut known: Vec<(&[String], Vec<&Group>)> = known.into_iter().collect();
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
            writeln!(f, "      {}", self.repro_of(seeds[0]))?;
        }
        if new == 0 {
            write!(
                f,
                "  every failure is known on calimero-node {}: a finding, or a shape of the faults (src/run/known.tsv; --strict fails on them too)",
                self.calimero
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
    pub signature: String,
    /// The findings that explain it; `None`: NEW.
    pub known: Option<Vec<String>>,
    /// Ascending.
    pub seeds: Vec<u64>,
}

impl SweepReport {
    /// One group per signature: what nothing known explains first, then the largest.
    pub fn groups(&self) -> Vec<Group> {
        let mut by_signature: BTreeMap<(&str, &Option<Vec<String>>), Vec<u64>> = BTreeMap::new();
        for r in self.failures() {
            // Every failing seed has one: only a passing run has none.
            if let Some(signature) = &r.signature {
                by_signature.entry((signature.as_str(), &r.known)).or_default().push(r.seed);
            }
        }
        let mut groups: Vec<Group> = by_signature
            .into_iter()
            .map(|((signature, known), mut seeds)| {
                seeds.sort_unstable();
                Group { signature: signature.to_owned(), known: known.clone(), seeds }
            })
            .collect();
        groups.sort_by_key(|g| (g.known.is_some(), std::cmp::Reverse(g.seeds.len()), g.seeds[0]));
        groups
    }

    /// The repro line of `seed`.
    fn repro_of(&self, seed: u64) -> &str {
        self.records.iter().find(|r| r.seed == seed).map_or("", |r| r.repro.as_str())
    }

    /// Per known finding (and `NEW`), the first seed that shows it and the CPU-seconds the sweep
    /// spent until that seed was done — every seed up to it, each run on one thread — in the
    /// order they were first seen: how fast the sweep finds each class.
    pub fn first_seen(&self, groups: &[Group]) -> Vec<(String, u64, f64)> {
        let mut first: BTreeMap<String, u64> = BTreeMap::new();
        for group in groups {
            let names = group.known.clone().unwrap_or_else(|| vec!["NEW".to_owned()]);
            for name in names {
                let seed = first.entry(name).or_insert(group.seeds[0]);
                *seed = (*seed).min(group.seeds[0]);
            }
        }
        let cpu_until =
            |seed: u64| -> f64 { self.records.iter().filter(|r| r.seed <= seed).map(|r| r.wall().as_secs_f64()).sum() };
        let mut seen: Vec<(String, u64, f64)> =
            first.into_iter().map(|(name, seed)| (name, seed, cpu_until(seed))).collect();
        seen.sort_by_key(|(name, seed, _)| (*seed, name.clone()));
        seen
    }

    /// Failing seeds no known finding explains.
    pub fn unexplained(&self) -> usize {
        self.groups().iter().filter(|g| g.known.is_none()).map(|g| g.seeds.len()).sum()
    }
}

/// Which code answered HashComparison, and the pushes it served: `manager` is production's
/// `SyncManager` (the default of a build that has it), `protocol` the trait's responder.
fn responders(records: &[SeedRecord]) -> String {
    let mut by: BTreeMap<&str, (usize, [u64; 2])> = BTreeMap::new();
    for r in records {
        let name = if r.hc_responder.is_empty() { "unrecorded" } else { r.hc_responder.as_str() };
        let entry = by.entry(name).or_default();
        entry.0 += 1;
        entry.1[0] += r.pushes[0];
        entry.1[1] += r.pushes[1];
    }
    let describe = |name: &str| {
        let hc = merosim::HcResponder::VARIANTS.iter().find(|hc| hc.to_string() == name);
        hc.map_or("a record without it", |hc| hc.code())
    };
    let parts: Vec<String> = by
        .iter()
        .map(|(name, (seeds, [offered, served]))| {
            format!("{name} ({}) in {seeds} seeds: pushes {offered} offered, {served} served", describe(name))
        })
        .collect();
    parts.join("; ")
}

/// Which code took the nodes' deltas in, in how many seeds.
fn node_paths(records: &[SeedRecord]) -> String {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for r in records {
        *by.entry(if r.node_path.is_empty() { "unrecorded" } else { r.node_path.as_str() }).or_default() += 1;
    }
    let describe = |name: &str| {
        let path = merosim::NodePath::VARIANTS.iter().find(|p| p.to_string() == name);
        path.map_or("a record without it", |p| p.code())
    };
    let parts: Vec<String> =
        by.iter().map(|(name, seeds)| format!("{name} ({}) in {seeds} seeds", describe(name))).collect();
    parts.join("; ")
}

/// What the sweep's sync ticks selected and what their sessions ran, over every seed: the
/// protocol mix a reader compares with production's (docs/architecture.md).
fn protocol_mix(records: &[SeedRecord]) -> String {
    let (mut selected, mut ran, mut stand_ins, mut refused) = (
        BTreeMap::<&str, u64>::new(),
        BTreeMap::<&str, u64>::new(),
        BTreeMap::<&str, u64>::new(),
        BTreeMap::<&str, u64>::new(),
    );
    fn add<'a>(into: &mut BTreeMap<&'a str, u64>, from: &'a BTreeMap<String, u64>) {
        for (k, n) in from {
            *into.entry(k.as_str()).or_default() += n;
        }
    }
    for r in records {
        add(&mut selected, &r.selected);
        add(&mut ran, &r.ran);
        add(&mut stand_ins, &r.stand_ins);
        add(&mut refused, &r.refused);
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
