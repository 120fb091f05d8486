//! `merosim` — run Calimero's real sync protocols in a seeded simulation from the terminal.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use merosim::prelude::*;
use merosim::scenario::{diverge_pair, PairLayout};

#[derive(Parser)]
#[command(name = "merosim", version, about = "Deterministic simulator for Calimero state sync")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Diverge two nodes, sync them with a real calimero-node protocol, print what happened.
    Run(RunArgs),
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    /// Seed: fixes the scenario, every fault and every task interleaving.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Entities written across the two nodes before syncing.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    entities: u64,
    /// Sync protocol the initiator runs.
    #[arg(long, value_enum, default_value_t = ProtocolArg::HashComparison)]
    protocol: ProtocolArg,
    /// Network fault preset.
    #[arg(long, value_enum, default_value_t = FaultsArg::Lan)]
    faults: FaultsArg,
    /// Sync rounds at most; a round is one session in each direction. Stops early once the
    /// root hashes match.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rounds: u32,
    /// Print every routed frame.
    #[arg(long)]
    frames: bool,
}

impl Default for RunArgs {
    fn default() -> Self {
        Self { seed: 42, entities: 200, protocol: ProtocolArg::HashComparison, faults: FaultsArg::Lan, rounds: 3, frames: false }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ProtocolArg {
    HashComparison,
    LevelWise,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum FaultsArg {
    /// Perfect network: no delay, nothing lost.
    None,
    /// Healthy network: 2 ms ± 1 ms, streams intact.
    Lan,
    /// 10 ± 5 ms, 1 % loss and duplicates, 20 ms reorder window (within streams).
    Light,
    /// 50 ± 25 ms, 10 % loss, 5 % duplicates, 100 ms reorder window, 1 % corruption.
    Heavy,
}

impl FaultsArg {
    fn config(self) -> FaultConfig {
        match self {
            FaultsArg::None => FaultConfig::none(),
            FaultsArg::Lan => FaultConfig::lan(),
            FaultsArg::Light => FaultConfig::light_chaos(),
            FaultsArg::Heavy => FaultConfig::heavy_chaos(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Run(RunArgs::default())) {
        Command::Run(args) => run(args),
    }
}

fn value_name(value: &impl ValueEnum) -> String {
    value.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default()
}

fn repro_line(args: &RunArgs) -> String {
    format!(
        "merosim run --seed {} --entities {} --protocol {} --faults {} --rounds {}",
        args.seed,
        args.entities,
        value_name(&args.protocol),
        value_name(&args.faults),
        args.rounds
    )
}

fn run(args: RunArgs) -> ExitCode {
    let faults = args.faults.config();
    println!("merosim run");
    println!("  seed      {}", args.seed);
    println!("  scenario  two nodes diverged over {} entities (nested, with deletions)", args.entities);
    println!("  protocol  {} (up to {} rounds, one session each way per round)", value_name(&args.protocol), args.rounds);
    println!("  faults    {faults}");
    let wall = Instant::now();
    let task_args = args.clone();
    let outcome = merosim::runtime::simulate(args.seed, move || async move { run_world(task_args, faults).await });
    let wall = wall.elapsed();
    match outcome {
        Ok((summary, converged)) => {
            print!("{summary}");
            println!("  wall time {:.3}s", wall.as_secs_f64());
            println!("repro: {}", repro_line(&args));
            if converged {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!("repro: {}", repro_line(&args));
            ExitCode::from(2)
        }
    }
}

fn describe(initiator: &SimNode, responder: &SimNode, report: &SessionReport) -> String {
    let initiator_outcome = match &report.initiator {
        Ok(s) => format!(
            "ok (merged {}, pushed {}, requests {}, root verified {})",
            s.entities_merged, s.entities_pushed, s.requests_sent, s.root_hash_verified
        ),
        Err(e) => format!("failed: {e}"),
    };
    let responder_outcome = match &report.responder {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("failed: {e}"),
    };
    format!(
        "{} -> {}: {} in {:.3}s virtual; initiator {initiator_outcome}; responder {responder_outcome}",
        initiator.name(),
        responder.name(),
        report.protocol,
        (report.ended_at - report.started_at).as_secs_f64(),
    )
}

/// Returns the printed summary and whether both nodes ended with the same root hash.
async fn run_world(args: RunArgs, faults: FaultConfig) -> Result<(String, bool), String> {
    use std::fmt::Write;
    let mut world = World::new(args.seed, faults);
    let alice = world.add_node("alice").map_err(|e| e.to_string())?;
    let bob = world.add_node("bob").map_err(|e| e.to_string())?;
    let divergence = diverge_pair(alice.storage(), bob.storage(), args.entities as usize, args.seed, &PairLayout::default())
        .map_err(|e| e.to_string())?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  before    alice={} entities, bob={} entities ({} only on alice, {} only on bob, {} deleted)",
        alice.storage().entity_count().map_err(|e| e.to_string())?,
        bob.storage().entity_count().map_err(|e| e.to_string())?,
        divergence.only_a.len(),
        divergence.only_b.len(),
        divergence.deleted().len()
    );
    let depth = alice.storage().max_depth().unwrap_or(0).max(bob.storage().max_depth().unwrap_or(0)) as u32;
    let protocol = match args.protocol {
        ProtocolArg::HashComparison => Protocol::HashComparison,
        ProtocolArg::LevelWise => Protocol::LevelWise { max_depth: depth + 1 },
    };
    let options = SessionOptions::default().with_budget(Duration::from_secs(300));
    'rounds: for round in 1..=args.rounds {
        for (initiator, responder) in [(&alice, &bob), (&bob, &alice)] {
            let report = run_session(world.router(), initiator, responder, protocol, &options).await;
            let _ = writeln!(out, "  round {round}   {}", describe(initiator, responder, &report));
        }
        if alice.storage().root_hash().map_err(|e| e.to_string())? == bob.storage().root_hash().map_err(|e| e.to_string())? {
            break 'rounds;
        }
    }
    let router = world.router();
    let frames = router.frames();
    if args.frames {
        for frame in &frames {
            let _ = writeln!(out, "    {frame}");
        }
    }
    let drops = router.drops();
    let (ha, hb) = (
        alice.storage().root_hash().map_err(|e| e.to_string())?,
        bob.storage().root_hash().map_err(|e| e.to_string())?,
    );
    let _ = writeln!(
        out,
        "  network   {} frame copies, {} dropped ({} loss, {} partition, {} receiver gone), {} corrupted",
        frames.len(),
        drops.len(),
        drops.iter().filter(|f| f.dropped() == Some(DropReason::Loss)).count(),
        drops.iter().filter(|f| f.dropped() == Some(DropReason::Partition)).count(),
        drops.iter().filter(|f| f.dropped() == Some(DropReason::ReceiverGone)).count(),
        frames.iter().filter(|f| f.corruption.is_some()).count(),
    );
    let _ = writeln!(
        out,
        "  after     alice={} entities root {}, bob={} entities root {}",
        alice.storage().entity_count().map_err(|e| e.to_string())?,
        &hex::encode(ha)[..16],
        bob.storage().entity_count().map_err(|e| e.to_string())?,
        &hex::encode(hb)[..16],
    );
    let _ = writeln!(out, "  virtual   {:.3}s", router.now().as_secs_f64());
    let _ = writeln!(out, "  frame log hash {}", hex::encode(router.log_hash()));
    let _ = writeln!(out, "  converged: {}", if ha == hb { "yes" } else { "no" });
    Ok((out, ha == hb))
}
