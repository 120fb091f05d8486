//! One seed of a sweep as data: what the sweep's report needs of it, and what a reader of a
//! shard's file wants (options as the repro line, verdict, culprit, signature, trace hash, the
//! counts behind the report's lines). A sweep's report is rendered from these records, so a
//! report merged from shard files (`merosim merge`) is the very report the unsharded sweep
//! prints.
//!
//! `sweep --json FILE` writes one JSON object per line: a header (the merosim and calimero-node
//! versions and the sweep's flags), then one record per seed.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use merosim::{Outcome, RunSpec, Triage};

/// The first line of a shard file: what must agree for shards to merge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Tells a merosim sweep file from any other JSON lines.
    pub merosim: String,
    pub calimero: String,
    /// The sweep's seeds, `A..B`, before sharding.
    pub seeds: String,
    /// `(K, N)`: this file holds the seeds with `seed % N == K - 1`.
    pub shard: (u64, u64),
    pub jobs: u64,
    /// Every flag that shapes a run (the repro line's, without the seed).
    pub flags: String,
    /// The options block the sweep printed (per seed; its first seed shown).
    pub options: String,
    pub strict: bool,
    /// How long the shard took, wall clock.
    pub wall_ns: u64,
}

/// One seed: everything the sweep's report reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedRecord {
    pub seed: u64,
    /// The verdict's label (`converged`, `lost-after-remove`, …, `error`).
    pub verdict: String,
    pub passed: bool,
    /// How the run stopped (`Converged`, `Stuck`, …), or the error that broke it.
    pub stop: String,
    /// The oracle that decided the verdict, if one did.
    pub culprit: Option<String>,
    /// A failing seed's signature (`src/run/signature.rs`), as printed.
    pub signature: Option<String>,
    /// A failing seed's triage on the release that ran it: the findings that explain it, or
    /// `None` for NEW.
    pub known: Option<Vec<String>>,
    /// A NEW seed's first piece of evidence nothing known explains (and how many more there are).
    #[serde(default)]
    pub unexplained: Option<String>,
    pub repro: String,
    pub trace_hash: String,
    /// Wall-clock nanoseconds the seed took on its thread.
    pub wall_ns: u64,
    /// Virtual nanoseconds at which it was first seen converged.
    pub converged_at_ns: Option<u64>,
    /// Per oracle: `[judged, fired, flagged]`.
    pub oracles: BTreeMap<String, [u64; 3]>,
    /// Protocols the sync ticks selected, sessions run per protocol, HashComparison stand-ins,
    /// and what was refused.
    pub selected: BTreeMap<String, u64>,
    pub ran: BTreeMap<String, u64>,
    pub stand_ins: BTreeMap<String, u64>,
    pub refused: BTreeMap<String, u64>,
    /// Which code answered HashComparison (`manager`: production's; `protocol`: the trait's).
    #[serde(default)]
    pub hc_responder: String,
    /// Which code took deltas in (`production`: calimero-node's DeltaStore; `model`: merosim's).
    #[serde(default)]
    pub node_path: String,
    /// HashComparison pushes `[offered, served]` (served: applied and acknowledged).
    #[serde(default)]
    pub pushes: [u64; 2],
    /// Frame copies that were not delivered.
    pub dropped: u64,
    pub store_read: u64,
    pub store_write: u64,
    /// The most heap the seed's run held, in bytes (its simulation thread's, `runtime::memory`).
    #[serde(default)]
    pub heap_peak: u64,
    /// The sweep process's peak resident set when the seed ended, in KiB (`VmHWM`: with several
    /// jobs it is the process's, not the seed's own; `heap_peak` is the seed's).
    #[serde(default)]
    pub rss_peak_kib: u64,
}

/// `piece`, and how many more pieces nothing explains.
fn more(piece: String, count: usize) -> String {
    match count {
        0 | 1 => piece,
        n => format!("{piece} (+{} more)", n - 1),
    }
}

impl SeedRecord {
    /// The record of `outcome`, a run of `options`.
    pub fn of(outcome: &Outcome, options: &RunSpec) -> SeedRecord {
        let judgement = outcome.judgement.as_ref();
        let signature = outcome.signature();
        let flags = options.flags();
        let (known, unexplained) = match outcome.triage(&flags) {
            Some(Triage::Known(findings)) => (Some(findings.iter().map(|f| (*f).to_owned()).collect()), None),
            Some(Triage::New { unexplained, count }) => (None, Some(more(unexplained, count))),
            None => (None, None),
        };
        let owned = |m: &BTreeMap<&'static str, u64>| m.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
        let protocol = outcome.metrics.as_ref().map(|m| &m.protocol);
        SeedRecord {
            seed: outcome.seed,
            verdict: outcome.label().to_owned(),
            passed: outcome.passed(),
            stop: match &outcome.stop {
                Ok(stop) => format!("{stop:?}"),
                Err(e) => format!("error: {e}"),
            },
            culprit: judgement.and_then(|j| j.culprit()).map(|v| v.oracle.name().to_owned()),
            signature: signature.map(|s| s.to_string()),
            known,
            unexplained,
            repro: merosim::Repro::cli("repro", &flags).to_string(),
            trace_hash: hex::encode(outcome.trace_hash),
            wall_ns: outcome.wall.as_nanos() as u64,
            converged_at_ns: outcome.converged_at().map(|t| t.since_start().as_nanos() as u64),
            oracles: judgement
                .map(|j| j.counts.iter().map(|(o, c)| (o.name().to_owned(), [c.checked, c.fired, c.flagged])).collect())
                .unwrap_or_default(),
            selected: protocol.map(|p| owned(&p.selected)).unwrap_or_default(),
            ran: protocol
                .map(|p| p.sessions.iter().map(|(k, c)| ((*k).to_owned(), c.started)).collect())
                .unwrap_or_default(),
            stand_ins: protocol.map(|p| owned(&p.fallbacks)).unwrap_or_default(),
            refused: protocol.map(|p| owned(&p.refused)).unwrap_or_default(),
            hc_responder: options.node.hc_responder.to_string(),
            node_path: options.node.node_path.to_string(),
            pushes: protocol.map(|p| [p.pushes.offered, p.pushes.served]).unwrap_or_default(),
            dropped: outcome.dropped(),
            store_read: outcome.store.read_bytes,
            store_write: outcome.store.write_bytes,
            heap_peak: outcome.heap_peak,
            rss_peak_kib: crate::bench::cpu::peak_rss_kib(),
        }
    }

    pub fn converged(&self) -> bool {
        self.stop == "Converged"
    }

    pub fn wall(&self) -> Duration {
        Duration::from_nanos(self.wall_ns)
    }
}

/// The first thing that tells the sweep of `theirs` from that of `ours` (what, theirs, ours):
/// versions, seeds, flags, and the shard itself or, for shards of one sweep, their count.
pub fn differs(theirs: &Header, ours: &Header, same_shard: bool) -> Option<(&'static str, String, String)> {
    let flags = |h: &Header| format!("'{}'{}", h.flags, if h.strict { " --strict" } else { "" });
    let shard = |h: &Header| match same_shard {
        true => format!("{}/{}", h.shard.0, h.shard.1),
        false => h.shard.1.to_string(),
    };
    let fields: [(&'static str, String, String); 5] = [
        ("merosim version", theirs.merosim.clone(), ours.merosim.clone()),
        ("calimero-node", theirs.calimero.clone(), ours.calimero.clone()),
        ("seed range", theirs.seeds.clone(), ours.seeds.clone()),
        (if same_shard { "shard" } else { "shard count" }, shard(theirs), shard(ours)),
        ("flags", flags(theirs), flags(ours)),
    ];
    fields.into_iter().find(|(_, a, b)| a != b)
}

/// Writes a shard file: the header, then one line per record.
pub fn write(mut to: impl Write, header: &Header, records: &[SeedRecord]) -> std::io::Result<()> {
    serde_json::to_writer(&mut to, header)?;
    writeln!(to)?;
    for record in records {
        serde_json::to_writer(&mut to, record)?;
        writeln!(to)?;
    }
    to.flush()
}

/// Why a shard file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path} is empty: not a `merosim sweep --json` file")]
    Empty { path: String },
    #[error("{path} line {line}: not a `merosim sweep --json` {what}: {source}")]
    Json { path: String, line: usize, what: &'static str, source: serde_json::Error },
}

/// Reads a shard file: its whole lines (a sweep killed while it appended a record leaves that
/// line cut short; the seed was not done, and the file reads as the unfinished sweep it is).
pub fn read(path: &std::path::Path) -> Result<(Header, Vec<SeedRecord>), ReadError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io { path: name.clone(), source })?;
    parse(&name, whole_lines(&text))
}

/// `text` up to its last newline: every line written through to its end (a file without a
/// newline yet has none, and reads as empty).
pub fn whole_lines(text: &str) -> &str {
    &text[..text.rfind('\n').map_or(0, |end| end + 1)]
}

/// A shard file's text (`name` for the errors): its header and its records.
pub fn parse(name: &str, text: &str) -> Result<(Header, Vec<SeedRecord>), ReadError> {
    let json = |line, what| move |source| ReadError::Json { path: name.to_owned(), line, what, source };
    let mut lines = text.lines();
    let first = lines.next().ok_or_else(|| ReadError::Empty { path: name.to_owned() })?;
    let header: Header = serde_json::from_str(first).map_err(json(1, "header"))?;
    let mut records = Vec::new();
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        records.push(serde_json::from_str(line).map_err(json(i + 2, "seed record"))?);
    }
    Ok((header, records))
}
