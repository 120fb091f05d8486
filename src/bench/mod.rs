//! `merosim bench`: overhead against real tokio, time compression, seeds per second and scaling,
//! side by side in one run, reported as ratios (absolute times on a shared 2-core machine are
//! noise). Speed targets live here, never in the test suite.

mod channel;
mod cluster;
mod cpu;
mod overhead;
mod scaling;

pub use channel::ChannelStream;
pub use cluster::{throughput, time_compression};
pub use cpu::{peak_rss_kib, thread_cpu};
pub use overhead::{overhead, OverheadRow};
pub use scaling::{child, scaling_row, ScalingRow};
