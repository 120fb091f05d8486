//! `merosim bench`: overhead against real tokio, time compression, seeds per second per preset,
//! scaling, and a session's growth with the tree, side by side in one run, reported as ratios
//! (absolute times on a shared 2-core machine are noise). Speed targets live here, never in the
//! test suite.

mod channel;
mod cluster;
mod compare;
pub mod cpu;
pub mod doc;
mod growth;
mod overhead;
mod scaling;
mod table;

use crate::out::outln;
use std::process::ExitCode;
use std::time::Duration;

use merosim::{FaultPreset, Handshakes};

use clap::Args;

use cluster::{throughput, time_compression};
use growth::{exponent, growth};
use overhead::overhead;
pub use scaling::child;
use scaling::scaling_row;
use table::{thousands, Spread, Table};

#[derive(Args)]
pub struct BenchArgs {
    /// Entity counts for the overhead comparison.
    #[arg(long, value_delimiter = ',', default_value = "200,1000,5000")]
    pub sizes: Vec<usize>,
    /// Runs per overhead and growth measurement (the fastest counts; the range is printed).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Repeated runs of the compression, throughput and build-comparison measurements: the
    /// median is quoted with the range.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub runs: u64,
    /// Write the tables into this markdown file, between its `<!-- bench:SECTION -->` and
    /// `<!-- /bench:SECTION -->` markers (scripts/bench passes docs/performance.md).
    #[arg(long, value_name = "FILE.md")]
    pub write_doc: Option<std::path::PathBuf>,
    /// Another merosim binary to compare this build against (e.g. the dev profile's, or one
    /// built with the system allocator): same workloads, alternating runs, ratios with spread.
    #[arg(long, value_name = "BIN")]
    pub baseline: Option<std::path::PathBuf>,
    /// The doc block the comparison goes into (`compare-profile`, `compare-allocator`, …).
    #[arg(long, default_value = "compare")]
    pub baseline_key: String,
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
    /// How the throughput runs build their handshakes (`production`, or `full-tree` to compare).
    #[arg(long, default_value = "production", value_parser = |s: &str| s.parse::<Handshakes>())]
    pub handshakes: Handshakes,
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
    /// Sections to skip.
    #[arg(long, value_delimiter = ',', value_enum)]
    pub skip: Vec<Section>,
}

/// The bench's sections, by the name `--skip` takes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Overhead,
    Compression,
    Throughput,
    Scaling,
    Growth,
}

impl Section {
    /// The section's name on the command line and its block's name in the doc.
    fn key(self) -> &'static str {
        match self {
            Section::Overhead => "overhead",
            Section::Compression => "compression",
            Section::Throughput => "throughput",
            Section::Scaling => "scaling",
            Section::Growth => "growth",
        }
    }
}

/// Runs the sections `args` asks for, prints each table and, with `--write-doc`, puts them in
/// the doc.
pub fn run(args: &BenchArgs) -> ExitCode {
    let skip = |section: Section| args.skip.contains(&section);
    let stamp = doc::stamp();
    outln!("merosim bench {} — {stamp}", env!("CARGO_PKG_VERSION"));
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("error: cannot find the merosim binary for child runs: {e}");
            return ExitCode::from(2);
        }
    };
    let runs = args.runs as usize;
    if let Some(path) = &args.write_doc {
        use clap::ValueEnum;
        let mut keys: Vec<String> =
            Section::value_variants().iter().filter(|s| !skip(**s)).map(|s| s.key().to_owned()).collect();
        if args.baseline.is_some() {
            keys.push(args.baseline_key.clone());
        }
        if let Err(e) = doc::check(path, &keys) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let mut tables = Vec::new();
    let mut done = |table: Table| {
        table.print();
        tables.push(table);
    };
    if !skip(Section::Overhead) {
        done(overhead_table(args));
    }
    if !skip(Section::Compression) {
        done(compression_table(args.span, runs));
    }
    if !skip(Section::Throughput) {
        done(throughput_table(args, runs));
    }
    if !skip(Section::Scaling) {
        done(scaling_table(args, &exe));
    }
    if !skip(Section::Growth) {
        done(growth_table(args));
    }
    if let Some(baseline) = &args.baseline {
        match compare::compare(&exe, baseline, &args.baseline_key, runs) {
            Ok(table) => done(table),
            Err(e) => {
                eprintln!("error: build comparison: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(path) = &args.write_doc {
        if let Err(e) = doc::write(path, &tables, &stamp) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        outln!("\nwrote {} table(s) into {}", tables.len(), path.display());
    }
    ExitCode::SUCCESS
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn overhead_table(args: &BenchArgs) -> Table {
    let mut table = Table::new(
        Section::Overhead.key(),
        format!("1. overhead: one session, real tokio + channels (a) against merosim, no faults (b); thread CPU time, {} runs each", args.repeat),
        &["protocol", "entities", "tokio (a), best", "merosim (b), best", "b/a (best)", "b/a per run", "frames"],
    );
    let rows = overhead(&args.sizes, args.repeat);
    for row in &rows {
        let (tokio, merosim) = row.best();
        table.row(vec![
            row.protocol.to_owned(),
            thousands(row.entities as u64),
            ms(tokio),
            ms(merosim),
            format!("{:.2}×", row.ratio()),
            Spread::of(&row.run_ratios()).map_or("-".into(), |s| s.ratio()),
            thousands(row.frames as u64),
        ]);
    }
    for protocol in ["hash-comparison", "level-wise"] {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.protocol == protocol)
            .map(|r| (r.entities as f64, r.best().1.as_secs_f64()))
            .collect();
        if let Some(k) = exponent(&points) {
            table.note(format!("{protocol}: session CPU ~ entities^{k:.2} over these sizes."));
        }
    }
    table
}

fn compression_table(span: u64, runs: usize) -> Table {
    let mut table = Table::new(
        Section::Compression.key(),
        format!("2. time compression: 3 nodes, light chaos, 10 s sync interval, {span} virtual s, {runs} runs"),
        &["virtual time", "wall time", "compression"],
    );
    let samples: Vec<(f64, f64)> = (0..runs)
        .map(|_| {
            let (virt, wall) = time_compression(Duration::from_secs(span));
            (virt.as_secs_f64(), wall.as_secs_f64())
        })
        .collect();
    let walls: Vec<f64> = samples.iter().map(|s| s.1).collect();
    let ratios: Vec<f64> = samples.iter().map(|(v, w)| v / w.max(1e-9)).collect();
    let show = |s: Option<Spread>, f: &dyn Fn(&Spread) -> String| s.as_ref().map_or("-".into(), f);
    table.row(vec![
        format!("{:.0} s", samples.first().map_or(0.0, |s| s.0)),
        show(Spread::of(&walls), &|s| s.value(3, " s")),
        show(Spread::of(&ratios), &|s| s.value(0, "×")),
    ]);
    table
}

fn throughput_table(args: &BenchArgs, runs: usize) -> Table {
    let mut table = Table::new(
        Section::Throughput.key(),
        format!(
            "3. throughput: `diverged-3x200`, {} seeds per cell, max 120 s virtual, receive budget 5 s, {} handshakes, {runs} runs per cell",
            args.seeds, args.handshakes
        ),
        &["preset", "1 job (seeds/s)", "2 jobs (seeds/s)", "2 jobs / 1 job", "converged (last run)"],
    );
    for &preset in &args.presets {
        let (mut one, mut two, mut ratio, mut converged) = (Vec::new(), Vec::new(), Vec::new(), String::new());
        for _ in 0..runs {
            let (a, c1, n1) = throughput(preset, args.handshakes, args.seeds, 1);
            let (b, c2, n2) = throughput(preset, args.handshakes, args.seeds, 2);
            one.push(a);
            two.push(b);
            ratio.push(b / a.max(1e-9));
            converged = format!("{c1}/{n1}, {c2}/{n2}");
        }
        let rate = |v: &[f64]| Spread::of(v).map_or("-".into(), |s| s.value(2, ""));
        table.row(vec![
            format!("`{}`", preset.name()),
            rate(&one),
            rate(&two),
            Spread::of(&ratio).map_or("-".into(), |s| s.ratio()),
            converged,
        ]);
    }
    table
}

fn scaling_table(args: &BenchArgs, exe: &std::path::Path) -> Table {
    let first_entities = args.scaling_entities.first().copied().unwrap_or(200);
    let mut configs: Vec<(usize, usize)> = args.scaling_nodes.iter().map(|&n| (n, first_entities)).collect();
    configs.extend(args.scaling_entities.iter().skip(1).map(|&e| (3, e)));
    let mut table = Table::new(
        Section::Scaling.key(),
        format!(
            "4. scaling: diverged nodes sharing N entities in total, healthy LAN, until converged (cap {} s virtual, {} s wall); one run per row, each in its own process",
            args.scaling_max_time, args.scaling_wall_limit
        ),
        &["nodes", "entities (total)", "wall", "frames", "wall per frame", "peak RSS", "outcome"],
    );
    let (mut by_entities, mut per_frame) = (Vec::new(), Vec::new());
    for (nodes, entities) in configs {
        let row = scaling_row(
            exe,
            nodes,
            entities,
            Duration::from_secs(args.scaling_max_time),
            Duration::from_secs(args.scaling_wall_limit),
        );
        let cost = row.cost_per_frame().as_secs_f64() * 1e6;
        if entities == first_entities && row.outcome.starts_with("converged") {
            per_frame.push(cost);
        }
        table.row(vec![
            row.nodes.to_string(),
            thousands(row.entities as u64),
            format!("{:.2} s", row.wall.as_secs_f64()),
            thousands(row.frames),
            format!("{cost:.1} µs"),
            format!("{} MiB", row.peak_rss_kib / 1024),
            row.outcome.clone(),
        ]);
        if nodes == 3 && row.outcome.starts_with("converged") {
            by_entities.push((entities as f64, row.wall.as_secs_f64()));
        }
    }
    if let Some(s) = Spread::of(&per_frame) {
        table.note(format!(
            "Wall per frame at {first_entities} entities: {:.1}–{:.1} µs across node counts, {:.2}× between the extremes.",
            s.min,
            s.max,
            s.max / s.min.max(1e-9)
        ));
    }
    match exponent(&by_entities) {
        Some(k) => table.note(format!("3 nodes: wall time ~ entities^{k:.2} over the converged rows.")),
        None => table.note("3 nodes: fewer than two converged sizes, no growth exponent."),
    }
    table
}

fn growth_table(args: &BenchArgs) -> Table {
    let mut table = Table::new(
        Section::Growth.key(),
        format!(
            "5. growth: one HashComparison session pulling a flat tree (every leaf under the root); CPU of both ends, {} runs",
            args.repeat
        ),
        &["leaves", "session, best", "slowest run", "per leaf", "read per leaf served", "written per leaf merged"],
    );
    let rows = growth(&args.growth_leaves, args.repeat);
    for row in &rows {
        table.row(vec![
            row.leaves.to_string(),
            ms(row.cpu),
            ms(row.cpu_worst),
            format!("{:.1} µs", row.cpu_per_leaf().as_secs_f64() * 1e6),
            format!("{} B", thousands(row.read_per_leaf)),
            format!("{} B", thousands(row.written_per_leaf)),
        ]);
    }
    let points = |f: &dyn Fn(&growth::GrowthRow) -> f64| -> Vec<(f64, f64)> {
        rows.iter().map(|r| (r.leaves as f64, f(r))).collect()
    };
    let show = |k: Option<f64>| k.map_or("-".to_owned(), |k| format!("{k:.2}"));
    table.note(format!(
        "Session cost ~ leaves^k: CPU k = {}, bytes read k = {}, bytes written k = {} (1 = linear, 2 = quadratic).",
        show(exponent(&points(&|r| r.cpu.as_secs_f64()))),
        show(exponent(&points(&|r| (r.read_per_leaf * r.leaves as u64) as f64))),
        show(exponent(&points(&|r| (r.written_per_leaf * r.leaves as u64) as f64)))
    ));
    table
}
