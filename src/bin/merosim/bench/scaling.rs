//! Item 4: cost as the cluster grows. Each configuration runs in a child process (`merosim
//! bench-child`) so its peak memory is its own.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use merosim::prelude::{SimConfig, SimRuntime, StopCondition};
use merosim::FaultConfig;
use merosim::Scenario;

/// One configuration's measurements.
#[derive(Clone, Debug, Default)]
pub struct ScalingRow {
    pub nodes: usize,
    pub entities: usize,
    pub wall: Duration,
    pub frames: u64,
    pub peak_rss_kib: u64,
    pub outcome: String,
}

impl ScalingRow {
    /// Wall time per routed frame, the number that shows linear vs super-linear growth.
    pub fn cost_per_frame(&self) -> Duration {
        self.wall.checked_div(self.frames.max(1) as u32).unwrap_or_default()
    }
}

/// The child's work: `nodes` nodes sharing `entities` entities between them (each node starts
/// with its own `entities / nodes`), synced on a healthy LAN until converged or `max_time`.
/// Prints one line the parent parses.
pub fn child(nodes: usize, entities: usize, max_time: Duration) -> String {
    let wall = Instant::now();
    let config = SimConfig::with_seed(3).with_faults(FaultConfig::lan()).max_time(max_time);
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(Scenario::n_nodes_diverged(nodes, (entities / nodes).max(1)));
    let stop = rt.run();
    // Every first copy of every data frame, session and gossip alike.
    let frames = rt.metrics().protocol.messages_sent;
    let wall = wall.elapsed();
    let outcome = if stop == StopCondition::Converged {
        format!("converged@{}", rt.now())
    } else {
        format!("{stop}@{}", rt.now())
    };
    format!("bench-child {} {frames} {} {outcome}", wall.as_micros(), super::cpu::peak_rss_kib())
}

/// Runs one (nodes, entities) configuration in a child process of `exe`, bounded by `max_time`
/// of virtual time and by `wall_limit` of real time (a child still running then is killed and
/// the row says how long it ran: calimero's per-session cost grows faster than linearly, and a
/// bench must finish).
pub fn scaling_row(
    exe: &std::path::Path,
    nodes: usize,
    entities: usize,
    max_time: Duration,
    wall_limit: Duration,
) -> ScalingRow {
    let mut row = ScalingRow { nodes, entities, ..ScalingRow::default() };
    let started = Instant::now();
    let child = Command::new(exe)
        .args(["bench-child", &nodes.to_string(), &entities.to_string(), &max_time.as_secs().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            row.outcome = format!("child failed to start: {e}");
            return row;
        }
    };
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() >= wall_limit => {
                let _ = child.kill();
                let _ = child.wait();
                row.wall = started.elapsed();
                row.outcome = format!("stopped-after-{:.0}s-wall", row.wall.as_secs_f64());
                return row;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => {
                row.outcome = format!("child lost: {e}");
                return row;
            }
        }
    }
    let mut line = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut line);
    }
    let fields: Vec<&str> = line.lines().find(|l| l.starts_with("bench-child ")).unwrap_or("").split(' ').collect();
    match fields.as_slice() {
        ["bench-child", wall, frames, rss, outcome] => {
            row.wall = Duration::from_micros(wall.parse().unwrap_or(0));
            row.frames = frames.parse().unwrap_or(0);
            row.peak_rss_kib = rss.parse().unwrap_or(0);
            row.outcome = (*outcome).to_owned();
        }
        _ => row.outcome = "child failed".into(),
    }
    row
}
