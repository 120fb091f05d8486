//! `merosim plants`: triage measured by merosim's own planted bugs. Every seed runs once clean
//! and once per plant; a planted run must come out NEW unless the plant changed nothing (and
//! the report says why it changed nothing). Exit 1 when any plant that changed the final state
//! was filed as known, or passed.

use std::collections::BTreeMap;
use std::ops::Range;
use std::process::ExitCode;

use clap::Args;
use merosim::{measure_plants, par_map, Injected, PlantFate, RunSpec, Triage};

use crate::out::outln;
use crate::sweep::{bar, parse_seeds};

#[derive(Args)]
pub struct PlantsArgs {
    /// Seeds: A..B (end excluded) or A..=B.
    #[arg(long, default_value = "0..20", value_parser = parse_seeds)]
    seeds: Range<u64>,
    /// Plant kinds, comma-separated (lose-write: a raw write acknowledged and kept nowhere;
    /// lose-op: an app operation calimero ran, undone and never gossiped; flip-byte: a raw write
    /// stored with its last byte flipped).
    #[arg(long, value_delimiter = ',', default_value = "lose-write,lose-op,flip-byte")]
    plants: Vec<String>,
    /// Where each plant acts, NODE:NTH (the node's NTH write or operation), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0:1,0:3")]
    at: Vec<String>,
    /// Worker threads.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=256))]
    jobs: u64,
    /// Hide the progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    pub spec: RunSpec,
}

/// The plants `args` names, or the first bad one's error.
fn plants(args: &PlantsArgs) -> Result<Vec<Injected>, String> {
    args.plants.iter().flat_map(|kind| args.at.iter().map(move |at| format!("{kind}:{at}").parse())).collect()
}

pub fn run(args: &PlantsArgs) -> ExitCode {
    let plants = match plants(args) {
        Ok(plants) => plants,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let specs = merosim::seeded(&args.spec.clone().canonical(), args.seeds.clone());
    let first = &specs[0];
    outln!(
        "merosim plants seeds {}..{} (calimero-node {}): {}",
        args.seeds.start,
        args.seeds.end,
        merosim::CALIMERO_VERSION,
        plants.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    );
    outln!("{first}");
    let bar = bar(specs.len(), !args.quiet);
    let rows = par_map(&specs, args.jobs as usize, |options| {
        let (clean, fates) = measure_plants(options, &plants);
        bar.inc(1);
        let flags = options.flags();
        let clean = match clean.triage(&flags) {
            None => "passes".to_owned(),
            Some(Triage::Known(findings)) => format!("known {}", findings.join("+")),
            Some(Triage::New { .. }) => "NEW".to_owned(),
        };
        (options.seed, clean, fates, flags)
    });
    bar.finish_and_clear();
    let mut tally: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    let mut missed = Vec::new();
    for (seed, clean, fates, repro) in &rows {
        let fired: Vec<String> = fates
            .iter()
            .filter(|(_, fate)| *fate != PlantFate::NotFired)
            .map(|(plant, fate)| format!("{plant} {fate}"))
            .collect();
        let fired = if fired.is_empty() { "no plant fired".to_owned() } else { fired.join(" · ") };
        outln!("  seed {seed:>4} ({clean}): {fired}");
        for (plant, fate) in fates {
            let kind = plant.kind();
            let column = match fate {
                PlantFate::NotFired => continue,
                PlantFate::New => 0,
                PlantFate::Missed(_) => 1,
                PlantFate::NoEffect(_) => 2,
                PlantFate::NewWithoutIt => 3,
            };
            let row = tally.entry(kind).or_default();
            row[column] += 1;
            row[4] += 1;
            if matches!(fate, PlantFate::Missed(_)) {
                missed.push(format!("merosim repro {repro} --inject {plant}"));
            }
        }
    }
    outln!("  plant        fired    NEW  missed  no effect  NEW without it");
    for (kind, [new, miss, none, without, fired]) in &tally {
        outln!("  {kind:<12} {fired:>5} {new:>6} {miss:>7} {none:>10} {without:>15}");
    }
    let (new, counted): (usize, usize) = tally.values().fold((0, 0), |(n, c), r| (n + r[0], c + r[0] + r[1]));
    let share = if counted == 0 { 100.0 } else { 100.0 * new as f64 / counted as f64 };
    outln!("  score        {new} of {counted} plants that changed the final state came out NEW ({share:.0}%)");
    for line in &missed {
        outln!("    missed: {line}");
    }
    ExitCode::from(u8::from(!missed.is_empty()))
}
