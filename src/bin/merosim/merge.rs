//! `merosim merge`: the shards of one sweep, run on as many machines, back into the report (and
//! the exit code) the sweep would have given on one. Shards of different sweeps — another
//! calimero-node, other flags, other seeds — do not merge: their seeds would not mean the same.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::out::outln;
use crate::record::{self, Header, SeedRecord};
use crate::sweep::{exit_code, heading, SweepReport};

/// Why shard files do not make one sweep.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Read(#[from] record::ReadError),
    #[error("{path} is from another sweep ({what}: {theirs}; in {first}: {ours})")]
    Mismatch { path: String, first: String, what: &'static str, theirs: String, ours: String },
    #[error("{path} holds shard {k}/{n}, which {other} holds too")]
    ShardTwice { path: String, other: String, k: u64, n: u64 },
    #[error("shard {k}/{n} is missing: give every shard of the sweep ({given} given)")]
    ShardMissing { k: u64, n: u64, given: usize },
    #[error("{path}: seed {seed} is in another shard's file too")]
    SeedTwice { path: String, seed: u64 },
    #[error(
        "{path} lacks {missing} of its shard's seeds (the first: {first}): its sweep did not finish; \
         finish it with `merosim sweep … --resume {path}` (the flags it was started with)"
    )]
    Incomplete { path: String, missing: usize, first: u64 },
}

/// Reads and checks the shard files; the merged header (the whole sweep, shard 1/1) and report.
pub fn merge(files: &[PathBuf], wall_clock: bool) -> Result<(Header, SweepReport), MergeError> {
    let mut shards: Vec<(String, Header, Vec<SeedRecord>)> = Vec::new();
    for path in files {
        let (header, records) = record::read(path)?;
        shards.push((path.display().to_string(), header, records));
    }
    let (first_path, first, _) = &shards[0];
    for (path, header, _) in &shards[1..] {
        if let Some((what, theirs, ours)) = record::differs(header, first, false) {
            return Err(MergeError::Mismatch { path: path.clone(), first: first_path.clone(), what, theirs, ours });
        }
    }
    for (path, header, records) in &shards {
        let held: std::collections::BTreeSet<u64> = records.iter().map(|r| r.seed).collect();
        let seeds = crate::sweep::parse_seeds(&header.seeds).unwrap_or(0..0);
        let lacking: Vec<u64> = crate::sweep::shard_seeds(seeds, header.shard).filter(|s| !held.contains(s)).collect();
        if let Some(first) = lacking.first() {
            return Err(MergeError::Incomplete { path: path.clone(), missing: lacking.len(), first: *first });
        }
    }
    let n = first.shard.1;
    for (i, (path, header, _)) in shards.iter().enumerate() {
        if let Some((other, ..)) = shards[..i].iter().find(|(_, h, _)| h.shard == header.shard) {
            return Err(MergeError::ShardTwice { path: path.clone(), other: other.clone(), k: header.shard.0, n });
        }
    }
    if let Some(k) = (1..=n).find(|k| !shards.iter().any(|(_, h, _)| h.shard.0 == *k)) {
        return Err(MergeError::ShardMissing { k, n, given: shards.len() });
    }
    let mut records: Vec<(SeedRecord, &str)> = Vec::new();
    for (path, _, shard) in &shards {
        records.extend(shard.iter().cloned().map(|r| (r, path.as_str())));
    }
    records.sort_by_key(|(r, _)| r.seed);
    if let Some(pair) = records.windows(2).find(|w| w[0].0.seed == w[1].0.seed) {
        return Err(MergeError::SeedTwice { path: pair[1].1.to_owned(), seed: pair[1].0.seed });
    }
    // The shards ran side by side: the sweep took as long as the slowest, with all their jobs.
    let wall = shards.iter().map(|(_, h, _)| h.wall_ns).max().unwrap_or(0);
    let jobs = shards.iter().map(|(_, h, _)| h.jobs).sum();
    let header = Header { shard: (1, 1), jobs, wall_ns: wall, ..first.clone() };
    let report = SweepReport {
        records: records.into_iter().map(|(r, _)| r).collect(),
        wall: Duration::from_nanos(wall),
        jobs,
        calimero: header.calimero.clone(),
        wall_clock,
    };
    Ok((header, report))
}

/// `merosim merge FILE…`: prints the merged report; exits as the unsharded sweep would have.
pub fn run(files: &[PathBuf], strict: bool, wall_clock: bool) -> ExitCode {
    match merge(files, wall_clock) {
        Ok((header, report)) => {
            outln!("{}", heading(&header, wall_clock));
            outln!("{report}");
            exit_code(&report, strict || header.strict)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
