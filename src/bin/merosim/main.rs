//! `merosim` — run Calimero's real sync protocols in seeded simulations from the terminal.
//!
//! Exit codes: 0 every run passed (converged, no silent oracle violation), 1 some run did not,
//! 2 bad arguments or I/O error.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use merosim::Repro;
use merosim::{run_one, shrink, Run, RunSpec};
use merosim::{to_mermaid, to_perfetto};
use merosim::{FaultKind, FaultPreset, ScenarioKind};

// calimero's storage decodes and drops an index per ancestor per leaf (F11), so a sweep spends a
// fifth of its time in malloc/free; mimalloc is faster there. It changes no simulated behaviour:
// nothing merosim or calimero computes depends on addresses (traces are byte-identical with the
// system allocator, checked in docs/performance.md).
// Wrapped in the per-thread counter that gives each seed its heap figure and its memory limit
// (`merosim::memory`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: merosim::memory::CountingAlloc<mimalloc::MiMalloc> =
    merosim::memory::CountingAlloc(mimalloc::MiMalloc);
#[cfg(not(feature = "mimalloc"))]
#[global_allocator]
static ALLOCATOR: merosim::memory::CountingAlloc<std::alloc::System> =
    merosim::memory::CountingAlloc(std::alloc::System);

mod bench;
mod flags_doc;
mod journal;
mod logs;
mod merge;
mod out;
mod plants;
mod record;
mod sweep;

use logs::init_virtual_time_logs;
use out::outln;
use sweep::{parse_seeds, parse_shard, sweep};

#[derive(Parser)]
#[command(
    name = "merosim",
    version,
    about = "Deterministic simulator for Calimero state sync",
    args_conflicts_with_subcommands = true,
    mut_args(sweep_defaults),
    after_help = "Without a command, runs `merosim sweep` with the flags given: by default seeds 0..100, each a \
                  seed-drawn workload (`--scenario any`: raw trees or an app, 2–5 nodes) under a seed-drawn \
                  production-faithful preset (`--faults any`) for 30 s of virtual time, then the heal; failing seeds are \
                  grouped and triaged against the known findings."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// `merosim [FLAGS]` is `merosim sweep [FLAGS]`, parsed by the same definition, so the two
    /// cannot come to run different things.
    #[command(flatten, next_help_heading = "Sweep (without a command)")]
    sweep: SweepArgs,
}

#[derive(Subcommand)]
enum Command {
    /// List scenarios and fault presets.
    List,
    /// Run one seed: print the expanded options, the outcome, metrics and the trace hash.
    Run {
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[command(flatten)]
        spec: RunSpec,
    },
    /// Run many seeds in parallel; summarise, list failing seeds with repro lines.
    #[command(mut_args(sweep_defaults))]
    Sweep(SweepArgs),
    /// Combine the `--json` files of a sweep's shards into the report the unsharded sweep
    /// prints, with its exit code.
    Merge {
        /// One file per shard (`sweep --shard K/N --json FILE`), every shard of the sweep.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Fail (exit 1) on known findings too (also when the shards ran with `--strict`).
        #[arg(long)]
        strict: bool,
        /// Leave wall-clock figures out of the report.
        #[arg(long)]
        no_wall_clock: bool,
    },
    /// Re-run one seed: the verdict, the session behind it and every node's root first; calimero's
    /// protocol logs (stamped with virtual time) on request.
    Repro {
        seed: u64,
        #[command(flatten)]
        spec: RunSpec,
        /// Also print calimero's logs to stderr, with this filter (tracing EnvFilter syntax, e.g.
        /// `info,calimero_node=debug`); RUST_LOG overrides it.
        #[arg(long, value_name = "FILTER", num_args = 0..=1, default_missing_value = "info,calimero_node=debug")]
        log: Option<String>,
        /// Also print every trace event.
        #[arg(long)]
        events: bool,
    },
    /// Shrink a failing seed: fewer nodes, entities, fault kinds, a shorter chaos phase, while the
    /// same verdict persists; prints the smallest options and the command that reproduces them.
    Shrink {
        seed: u64,
        #[command(flatten)]
        spec: RunSpec,
    },
    /// Measure triage with merosim's own planted bugs: each seed clean, then once per plant; a
    /// planted run must come out NEW unless the plant changed nothing (the table says why).
    #[command(mut_args(sweep_defaults))]
    Plants(plants::PlantsArgs),
    /// Benchmarks: overhead vs real tokio, time compression, seeds/s, scaling (prints a table).
    Bench(bench::BenchArgs),
    /// (internal) docs/cli.md's flag tables, from these very flags: printed, `--write FILE`, or
    /// `--check FILE` (exit 1 when the file's tables differ).
    #[command(hide = true)]
    FlagsDoc {
        #[arg(long, value_name = "FILE", conflicts_with = "check")]
        write: Option<std::path::PathBuf>,
        #[arg(long, value_name = "FILE")]
        check: Option<std::path::PathBuf>,
    },
    /// (internal) one scaling configuration, run by `bench` in a child process.
    #[command(hide = true)]
    BenchChild { nodes: usize, entities: usize, max_time: u64 },
    /// Run one seed and export its trace: Perfetto/Chrome JSON and/or a Mermaid sequence diagram.
    Trace {
        seed: u64,
        #[command(flatten)]
        spec: RunSpec,
        /// Write Chrome trace-event JSON (open in ui.perfetto.dev).
        #[arg(long, value_name = "FILE.json")]
        perfetto: Option<std::path::PathBuf>,
        /// Write a Mermaid sequence diagram of the sessions.
        #[arg(long, value_name = "FILE.md")]
        mermaid: Option<std::path::PathBuf>,
    },
}

#[derive(Args)]
struct SweepArgs {
    /// Seeds: A..B (end excluded) or A..=B.
    #[arg(long, value_name = "A..B", default_value = "0..100", value_parser = parse_seeds)]
    seeds: std::ops::Range<u64>,
    /// Worker threads.
    #[arg(long, value_name = "J", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=256))]
    jobs: u64,
    /// Run only shard K of N (seeds with seed % N == K-1), to split one sweep across machines.
    #[arg(long, value_name = "K/N", default_value = "1/1", value_parser = parse_shard)]
    shard: (u64, u64),
    /// Hide the progress bar.
    #[arg(long)]
    quiet: bool,
    /// Print `seed outcome trace-hash` for every seed (to compare runs across processes).
    #[arg(long)]
    hashes: bool,
    /// Fail (exit 1) on known findings too, not only on failures nothing known explains.
    #[arg(long)]
    strict: bool,
    /// Also write one JSON line per seed (after a header line) to FILE, for `merosim merge`: each
    /// line as its seed ends, so a sweep killed part-way keeps every seed it finished.
    #[arg(long, value_name = "FILE", conflicts_with = "resume")]
    json: Option<std::path::PathBuf>,
    /// Resume the sweep whose `--json` file is FILE (started with the same flags): run only the
    /// seeds it lacks, append them, and report the whole sweep. A missing FILE starts it.
    #[arg(long, value_name = "FILE")]
    resume: Option<std::path::PathBuf>,
    /// Leave wall-clock figures (wall time, jobs, CPU-seconds) out of the report, so two reports
    /// of the same seeds — one sweep, or its shards merged — compare byte for byte.
    #[arg(long)]
    no_wall_clock: bool,
    #[command(flatten)]
    spec: RunSpec,
}

/// A sweep (and so `merosim` alone) runs the README's main job, seed-drawn workloads (`any`: raw
/// trees or apps on 2–5 nodes) under production-faithful chaos (`any`), where bugs show — every
/// failure class merosim knows on the pinned release; a single seed runs three diverged nodes on
/// a healthy LAN (the parts' own defaults), the easiest story to read.
fn sweep_defaults(arg: clap::Arg) -> clap::Arg {
    match arg.get_id().as_str() {
        "scenario" | "preset" => arg.default_value("any"),
        _ => arg,
    }
}

fn main() -> ExitCode {
    // Like any Unix filter, end quietly when the reader goes away (`merosim repro 7 | head`)
    // instead of panicking on the first write to a closed pipe.
    // SAFETY: restores the default disposition of SIGPIPE before any thread or I/O exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let Cli { command, sweep } = Cli::parse();
    let command = command.unwrap_or(Command::Sweep(sweep));
    out::fence(matches!(command, Command::Repro { log: Some(_), .. }));
    let code = dispatch(command);
    out::flush();
    code
}

fn dispatch(command: Command) -> ExitCode {
    let spec = match &command {
        Command::Run { spec, .. } | Command::Repro { spec, .. } | Command::Shrink { spec, .. } => Some(spec),
        Command::Trace { spec, .. } => Some(spec),
        Command::Sweep(args) => Some(&args.spec),
        _ => None,
    };
    if let Some(Err(e)) = spec.map(RunSpec::check) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    match command {
        Command::List => list(),
        Command::Run { seed, spec } => single(&spec.with_seed(seed).canonical(), false, false),
        Command::Repro { seed, spec, log, events } => {
            if let Some(Err(e)) = log.map(|filter| init_virtual_time_logs(&filter)) {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            single(&spec.with_seed(seed).canonical(), true, events)
        }
        Command::Sweep(args) => run_sweep(args),
        Command::Merge { files, strict, no_wall_clock } => merge::run(&files, strict, !no_wall_clock),
        Command::Shrink { seed, spec } => run_shrink(&spec.with_seed(seed).canonical()),
        Command::Trace { seed, spec, perfetto, mermaid } => {
            export(&spec.with_seed(seed).canonical(), perfetto, mermaid)
        }
        Command::Plants(args) => plants::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::FlagsDoc { write, check } => flags_doc::run(write.as_deref(), check.as_deref()),
        Command::BenchChild { nodes, entities, max_time } => {
            outln!("{}", bench::child(nodes, entities, Duration::from_secs(max_time)));
            ExitCode::SUCCESS
        }
    }
}

fn list() -> ExitCode {
    outln!("built against calimero-node {}", merosim::CALIMERO_VERSION);
    outln!(
        "calimero-node's own timers and spawns: {}",
        match merosim::calimero_node_virtual_time() {
            true => "madsim's (virtual time; its tokio is madsim-tokio)",
            false => "real tokio's (they cannot run inside a simulation; scripts/run's build has madsim's)",
        }
    );
    outln!(
        "HashComparison answered by default by {}",
        match merosim::HcResponder::default() {
            hc @ merosim::HcResponder::Manager => format!("{} (--hc-responder {hc})", hc.code()),
            hc => format!("{} (this build has no manager: scripts/run builds one)", hc.code()),
        }
    );
    outln!(
        "deltas taken in by default by {}",
        match merosim::NodePath::default() {
            path @ merosim::NodePath::Production => format!("{} (--node-path {path})", path.code()),
            path => format!("{} (this build has no production node path: scripts/run builds one)", path.code()),
        }
    );
    outln!(
        "when and with whom a node syncs: by default {}",
        match merosim::Tick::Production.available() {
            true =>
                "merosim's tick (each session judged by the session oracles); --tick production runs \
                     calimero's SyncManager::start with its session tracker and session actor",
            false => "merosim's tick (production's needs production's node path: scripts/run builds one)",
        }
    );
    outln!("scenarios (--scenario NAME or NAME-NODESxENTITIES):");
    for kind in ScenarioKind::ALL {
        outln!("  {:<13} {}", kind.name(), kind.about());
    }
    outln!("calimero collections the crdt-* scenarios drive (through calimero-storage's own API):");
    for kind in merosim::CollectionKind::ALL {
        match kind.unavailable() {
            None => outln!("  {:<14} {}", kind.name(), kind.calimero_type()),
            Some(why) => outln!("  {:<14} {} (not driven by this build: {why})", kind.name(), kind.calimero_type()),
        }
    }
    outln!("calimero collections not driven, and why:");
    for left in merosim::NOT_DRIVEN {
        outln!("  {:<14} {}: {}", left.name, left.calimero_type, left.reason);
    }
    outln!("fault presets (--faults NAME):");
    for preset in FaultPreset::ALL {
        outln!("  {:<10} {}", preset.name(), preset.about());
    }
    let kinds: Vec<&str> = FaultKind::ALL.iter().map(|k| k.name()).collect();
    outln!("fault kinds (--without KIND,…): {}", kinds.join(", "));
    ExitCode::SUCCESS
}

/// `merosim shrink`: the failing seed, then every reduction tried, then the smallest options and
/// the command that reproduces them.
fn run_shrink(options: &RunSpec) -> ExitCode {
    outln!("merosim shrink seed {} (calimero-node {})", options.seed, merosim::CALIMERO_VERSION);
    outln!("{options}");
    let shrunk =
        shrink(options, |what, kept| outln!("  try       {what}: {}", if kept { "kept" } else { "passes or changes" }));
    match shrunk {
        Ok(shrunk) => {
            outln!("{shrunk}");
            outln!("{}", shrunk.smallest.repro());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("{}", options.repro());
            ExitCode::from(2)
        }
    }
}

/// One seed. `run` prints the options, then the outcome (verdict first); `repro` leads with the
/// outcome — verdict, the session behind it, every node's root — and prints the trace events
/// last, where they do not bury it.
fn single(options: &RunSpec, repro: bool, events: bool) -> ExitCode {
    let verb = if repro { "repro" } else { "run" };
    outln!("merosim {verb} seed {} (calimero-node {})", options.seed, merosim::CALIMERO_VERSION);
    let Run { outcome, trace, .. } = run_one(options, events);
    if repro {
        outln!("{outcome}\n{options}");
    } else {
        outln!("{options}\n{outcome}");
    }
    print_attribution(&outcome, &options.flags());
    if !trace.is_empty() {
        outln!("  events");
        for event in &trace {
            outln!("    {event}");
        }
    }
    outln!("{}", options.repro());
    if outcome.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// How triage files a failed run, and the evidence it read: every piece, with the finding
/// mechanisms at work on it (`[…]`; none: nothing known explains it).
fn print_attribution(outcome: &merosim::Outcome, flags: &str) {
    const SHOW: usize = 20;
    let Some(triage) = outcome.triage(flags) else { return };
    match &triage {
        merosim::Triage::Known(findings) => outln!("  triage    known {}", findings.join("+")),
        merosim::Triage::New { count, .. } => outln!(
            "  triage    NEW: {count} piece{} of evidence nothing known on calimero-node {} explains",
            if *count == 1 { "" } else { "s" },
            merosim::CALIMERO_VERSION
        ),
    }
    let Some(evidence) = &outcome.evidence else { return };
    outln!("  evidence  {} piece{}", evidence.pieces.len(), if evidence.pieces.len() == 1 { "" } else { "s" });
    if let Some(at) = evidence.at_rest {
        let stop = outcome.virtual_time.since_start().as_secs_f64();
        outln!(
            "    (read where the run came to rest, {:.3}s: the stop at {stop:.3}s came mid-sync, and what differed \
             there and nothing explained was still on its way; --run-on shows it)",
            at.as_secs_f64()
        );
    }
    for piece in evidence.pieces.iter().take(SHOW) {
        outln!("    {}{piece}", if piece.by.is_empty() { "unexplained: " } else { "" });
    }
    if evidence.pieces.len() > SHOW {
        outln!("    …(+{} more)", evidence.pieces.len() - SHOW);
    }
}

fn run_sweep(args: SweepArgs) -> ExitCode {
    let template = args.spec.with_seed(args.seeds.start).canonical();
    let mut header = record::Header {
        merosim: env!("CARGO_PKG_VERSION").to_owned(),
        calimero: merosim::CALIMERO_VERSION.to_owned(),
        seeds: format!("{}..{}", args.seeds.start, args.seeds.end),
        shard: args.shard,
        jobs: args.jobs,
        flags: template.flags().strip_prefix(&format!("{} ", template.seed)).unwrap_or_default().to_owned(),
        options: format!("  options (per seed; seed {} shown)\n{template}", template.seed),
        strict: args.strict,
        wall_ns: 0,
    };
    let journal = match (&args.resume, &args.json) {
        (Some(path), _) => Some(journal::Journal::resume(path, &header)),
        (None, Some(path)) => Some(journal::Journal::create(path, &header)),
        (None, None) => None,
    };
    let mut journal = match journal.transpose() {
        Ok(journal) => journal,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    outln!("{}", sweep::heading(&header, !args.no_wall_clock));
    if let Some(journal) = journal.as_ref().filter(|j| !j.done.is_empty()) {
        outln!("  resumed    {} seeds already in the file", journal.done.len());
    }
    let done = journal.as_mut().map(|j| std::mem::take(&mut j.done)).unwrap_or_default();
    let unwritten = std::sync::Mutex::new(None);
    let ended = |record: &record::SeedRecord| {
        if let Some(Err(e)) = journal.as_ref().map(|j| j.append(record)) {
            unwritten.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
        }
    };
    // A panicking seed is reported in the summary; keep the default hook from printing over the bar.
    std::panic::set_hook(Box::new(|_| {}));
    let mut report = sweep(&template, args.seeds, args.shard, args.jobs as usize, !args.quiet, done, ended);
    let _ = std::panic::take_hook();
    report.wall_clock = !args.no_wall_clock;
    header.wall_ns = report.wall.as_nanos() as u64 + journal.as_ref().map_or(0, |j| j.earlier_wall_ns);
    if args.hashes {
        for r in &report.records {
            outln!("seed {} {} {}", r.seed, r.verdict, r.trace_hash);
        }
    }
    outln!("{report}");
    if let Some(journal) = journal {
        let failed = unwritten.into_inner().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = failed.map_or_else(|| journal.finish(&header, &report.records), Err) {
            eprintln!("error: {e} (the report above is complete)");
            return ExitCode::from(2);
        }
    }
    sweep::exit_code(&report, args.strict)
}

fn export(options: &RunSpec, perfetto: Option<std::path::PathBuf>, mermaid: Option<std::path::PathBuf>) -> ExitCode {
    if perfetto.is_none() && mermaid.is_none() {
        eprintln!("error: nothing to export: give --perfetto FILE.json and/or --mermaid FILE.md");
        return ExitCode::from(2);
    }
    outln!("merosim trace seed {}", options.seed);
    outln!("{options}");
    let Run { outcome, trace, node_names } = run_one(options, true);
    outln!("{outcome}");
    let mut written = Vec::new();
    if let Some(path) = perfetto {
        let json = to_perfetto(&trace, &node_names).to_string();
        if let Err(e) = std::fs::write(&path, json) {
            eprintln!("error: cannot write {}: {e}", path.display());
            eprintln!("{}", Repro::cli("trace", options.flags()));
            return ExitCode::from(2);
        }
        written.push(path);
    }
    if let Some(path) = mermaid {
        let diagram = format!("```mermaid\n{}```\n", to_mermaid(&trace, &node_names));
        if let Err(e) = std::fs::write(&path, diagram) {
            eprintln!("error: cannot write {}: {e}", path.display());
            eprintln!("{}", Repro::cli("trace", options.flags()));
            return ExitCode::from(2);
        }
        written.push(path);
    }
    for path in written {
        outln!("  wrote     {}", path.display());
    }
    outln!("{}", options.repro());
    ExitCode::SUCCESS
}
