//! `merosim bench`: overhead against real tokio, time compression, seeds per second per preset,
//! scaling, and a session's growth with the tree, side by side in one run, reported as ratios
//! (absolute times on a shared 2-core machine are noise). Speed targets live here, never in the
//! test suite.

mod channel;
mod cluster;
mod cpu;
mod growth;
mod overhead;
mod scaling;

use std::process::ExitCode;
use std::time::Duration;

use merosim::FaultPreset;

use clap::Args;

use cluster::{throughput, time_compression};
use growth::{exponent, growth};
use overhead::overhead;
pub use scaling::child;
use scaling::scaling_row;

#[derive(Args)]
pub struct BenchArgs {
    /// Entity counts for the overhead comparison.
    #[arg(long, value_delimiter = ',', default_value = "200,1000,5000")]
    pub sizes: Vec<usize>,
    /// Runs per overhead measurement (the fastest counts).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Virtual seconds for the time-compression run.
    #[arg(long, default_value_t = 3600)]
    pub span: u64,
    /// Seeds per throughput measurement.
    #[arg(long, default_value_t = 6)]
    pub seeds: u64,
    /// Fault presets for the throughput table (3 nodes x 200 entities each): the robustness
    /// preset that damages frames and the production-faithful one that fails streams whole.
    #[arg(long, value_delimiter = ',', default_value = "heavy,prod-chaos")]
    pub presets: Vec<FaultPreset>,
    /// Node counts for the scaling table (at the first --scaling-entities value).
    #[arg(long, value_delimiter = ',', default_value = "3,10,25,50")]
    pub scaling_nodes: Vec<usize>,
    /// Total entity counts for the scaling table (at 3 nodes).
    #[arg(long, value_delimiter = ',', default_value = "200,1000,10000")]
    pub scaling_entities: Vec<usize>,
    /// Virtual-time cap per scaling run, seconds.
    #[arg(long, default_value_t = 300)]
    pub scaling_max_time: u64,
    /// Wall-time cap per scaling run, seconds (a run still going then is stopped and says so).
    #[arg(long, default_value_t = 600)]
    pub scaling_wall_limit: u64,
    /// Leaf counts for the growth table: one HashComparison session pulling a flat tree (at most
    /// 256: a wider parent is skipped by HashComparison altogether, docs/findings.md F12).
    #[arg(long, value_delimiter = ',', default_value = "32,64,128,256")]
    pub growth_leaves: Vec<usize>,
    /// Skip sections: any of overhead,compression,throughput,scaling,growth.
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
}

/// Runs the sections `args` asks for and prints the table.
pub fn run(args: &BenchArgs) -> ExitCode {
    let skip = |section: &str| args.skip.iter().any(|s| s == section);
    println!(
        "merosim bench — {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        env!("CARGO_PKG_VERSION")
    );
    if !skip("overhead") {
        println!(
            "\n1. overhead: one session, real tokio + channels (a) vs merosim, no faults (b); CPU time, best of {}",
            args.repeat
        );
        println!(
            "   {:<16} {:>8} {:>12} {:>12} {:>8} {:>8}",
            "protocol", "entities", "tokio (a)", "merosim (b)", "b/a", "frames"
        );
        let rows = overhead(&args.sizes, args.repeat);
        for row in &rows {
            println!(
                "   {:<16} {:>8} {:>10.1}ms {:>10.1}ms {:>7.2}x {:>8}",
                row.protocol,
                row.entities,
                row.tokio_cpu.as_secs_f64() * 1e3,
                row.merosim_cpu.as_secs_f64() * 1e3,
                row.ratio(),
                row.frames
            );
        }
        for protocol in ["hash-comparison", "level-wise"] {
            let points: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.protocol == protocol)
                .map(|r| (r.entities as f64, r.merosim_cpu.as_secs_f64()))
                .collect();
            if let Some(k) = exponent(&points) {
                println!("   {protocol}: session time ~ entities^{k:.2}");
            }
        }
    }
    if !skip("compression") {
        let (virt, wall) = time_compression(Duration::from_secs(args.span));
        println!("\n2. time compression: 3 nodes, light chaos, 10 s sync interval");
        println!(
            "   {:.0} virtual s in {:.3} wall s = {:.0}x",
            virt.as_secs_f64(),
            wall.as_secs_f64(),
            virt.as_secs_f64() / wall.as_secs_f64().max(1e-9)
        );
    }
    if !skip("throughput") {
        println!(
            "\n3. throughput: 3 nodes x 200 entities, {} seeds per cell, max 120 s virtual each, receive budget 5 s",
            args.seeds
        );
        println!("   {:<12} {:>12} {:>12} {:>9}  converged", "preset", "1 job", "2 jobs", "2j/1j");
        for &preset in &args.presets {
            let (one, c1, n1) = throughput(preset, args.seeds, 1);
            let (two, c2, n2) = throughput(preset, args.seeds, 2);
            println!(
                "   {:<12} {:>8.2}/s {:>10.2}/s {:>8.2}x  {c1}/{n1}, {c2}/{n2}",
                preset.name(),
                one,
                two,
                two / one.max(1e-9)
            );
        }
    }
    if !skip("scaling") {
        let exe = match std::env::current_exe() {
            Ok(exe) => exe,
            Err(e) => {
                eprintln!("error: cannot find the merosim binary for child runs: {e}");
                return ExitCode::from(2);
            }
        };
        let first_entities = args.scaling_entities.first().copied().unwrap_or(200);
        let mut configs: Vec<(usize, usize)> = args.scaling_nodes.iter().map(|&n| (n, first_entities)).collect();
        configs.extend(args.scaling_entities.iter().skip(1).map(|&e| (3, e)));
        println!(
            "\n4. scaling: diverged nodes sharing N entities, healthy LAN, until converged (cap {} s virtual)",
            args.scaling_max_time
        );
        println!(
            "   {:>5} {:>8} {:>10} {:>9} {:>12} {:>10}  outcome",
            "nodes", "entities", "wall", "frames", "per frame", "peak RSS"
        );
        let mut by_entities = Vec::new();
        for (nodes, entities) in configs {
            let row = scaling_row(
                &exe,
                nodes,
                entities,
                Duration::from_secs(args.scaling_max_time),
                Duration::from_secs(args.scaling_wall_limit),
            );
            println!(
                "   {:>5} {:>8} {:>9.2}s {:>9} {:>10.1}us {:>8}MiB  {}",
                row.nodes,
                row.entities,
                row.wall.as_secs_f64(),
                row.frames,
                row.cost_per_frame().as_secs_f64() * 1e6,
                row.peak_rss_kib / 1024,
                row.outcome
            );
            if nodes == 3 && row.outcome.starts_with("converged") {
                by_entities.push((entities as f64, row.wall.as_secs_f64()));
            }
        }
        match exponent(&by_entities) {
            Some(k) => println!("   3 nodes, wall time ~ entities^{k:.2} over the converged rows"),
            None => println!("   3 nodes: fewer than two converged sizes, no growth exponent"),
        }
    }
    if !skip("growth") {
        println!(
            "\n5. growth: one HashComparison session pulling a flat tree (every leaf under the root); CPU best of {}",
            args.repeat
        );
        println!(
            "   {:>7} {:>12} {:>12} {:>16} {:>16}",
            "leaves", "session", "per leaf", "read/leaf served", "written/leaf"
        );
        let rows = growth(&args.growth_leaves, args.repeat);
        for row in &rows {
            println!(
                "   {:>7} {:>10.1}ms {:>10.1}us {:>14}B {:>14}B",
                row.leaves,
                row.cpu.as_secs_f64() * 1e3,
                row.cpu_per_leaf().as_secs_f64() * 1e6,
                row.read_per_leaf,
                row.written_per_leaf
            );
        }
        let points = |f: &dyn Fn(&growth::GrowthRow) -> f64| -> Vec<(f64, f64)> {
            rows.iter().map(|r| (r.leaves as f64, f(r))).collect()
        };
        let show = |k: Option<f64>| k.map_or("-".to_owned(), |k| format!("{k:.2}"));
        println!(
            "   session cost ~ leaves^k: CPU k = {}, bytes read k = {}, bytes written k = {} (1 = linear, 2 = quadratic)",
            show(exponent(&points(&|r| r.cpu.as_secs_f64()))),
            show(exponent(&points(&|r| (r.read_per_leaf * r.leaves as u64) as f64))),
            show(exponent(&points(&|r| (r.written_per_leaf * r.leaves as u64) as f64)))
        );
    }
    println!("\n6. reference (upstream tests/sync_sim): not built, see docs/performance.md");
    ExitCode::SUCCESS
}
