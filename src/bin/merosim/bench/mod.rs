//! `merosim bench`: overhead against real tokio, time compression, seeds per second and scaling,
//! side by side in one run, reported as ratios (absolute times on a shared 2-core machine are
//! noise). Speed targets live here, never in the test suite.

mod channel;
mod cluster;
mod cpu;
mod overhead;
mod scaling;

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use cluster::{throughput, time_compression};
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
    /// Heavy-chaos seeds per throughput measurement.
    #[arg(long, default_value_t = 6)]
    pub seeds: u64,
    /// Node counts for the scaling table (at the first --scaling-entities value).
    #[arg(long, value_delimiter = ',', default_value = "3,10,25,50")]
    pub scaling_nodes: Vec<usize>,
    /// Total entity counts for the scaling table (at 3 nodes).
    #[arg(long, value_delimiter = ',', default_value = "200,1000,10000")]
    pub scaling_entities: Vec<usize>,
    /// Virtual-time cap per scaling run, seconds.
    #[arg(long, default_value_t = 300)]
    pub scaling_max_time: u64,
    /// Skip sections: any of overhead,compression,throughput,scaling.
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
        for row in overhead(&args.sizes, args.repeat) {
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
        println!("\n3. throughput: heavy chaos, 3 nodes x 200 entities, {} seeds, max 120 s virtual each", args.seeds);
        for jobs in [1, 2] {
            let (per_sec, converged, total) = throughput(args.seeds, jobs);
            println!("   {jobs} job(s): {per_sec:.2} seeds/s ({converged}/{total} converged)");
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
        for (nodes, entities) in configs {
            let row = scaling_row(&exe, nodes, entities, Duration::from_secs(args.scaling_max_time));
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
        }
    }
    println!("\n5. reference (upstream tests/sync_sim): not built, see docs/performance.md");
    ExitCode::SUCCESS
}
