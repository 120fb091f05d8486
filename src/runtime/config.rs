//! Everything a run depends on besides the scenario. A seed fully determines a run given a
//! config; `Display` prints the expanded options so a failure report carries them.

use std::fmt;
use std::time::Duration;

use crate::net::FaultConfig;
use crate::transport::DEFAULT_RECV_TIMEOUT;

/// Options of one simulated run.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    pub faults: FaultConfig,
    /// Period of each node's sync timer (plus up to `sync_jitter`, drawn per tick).
    pub sync_interval: Duration,
    pub sync_jitter: Duration,
    /// Receive budget of every stream (production: 30 s).
    pub recv_timeout: Duration,
    /// Hard cap on one sync session.
    pub session_budget: Duration,
    /// `run()` stops with `MaxTime` at this virtual time.
    pub max_time: Duration,
    /// `run()` stops with `MaxEvents` after this many events.
    pub max_events: u64,
    /// How often `run()` evaluates its stop conditions (virtual time).
    pub check_interval: Duration,
}

impl SimConfig {
    pub fn with_seed(seed: u64) -> Self {
        Self {
            seed,
            faults: FaultConfig::none(),
            sync_interval: Duration::from_millis(500),
            sync_jitter: Duration::from_millis(100),
            recv_timeout: DEFAULT_RECV_TIMEOUT,
            session_budget: Duration::from_secs(120),
            max_time: Duration::from_secs(600),
            max_events: 5_000_000,
            check_interval: Duration::from_millis(10),
        }
    }

    pub fn with_faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Accepts a `Duration` or milliseconds (`.max_time(60_000)`).
    pub fn max_time(mut self, max: impl Into<MillisOrDuration>) -> Self {
        self.max_time = max.into().0;
        self
    }

    pub fn max_events(mut self, max: u64) -> Self {
        self.max_events = max;
        self
    }

    pub fn with_sync_interval(mut self, interval: Duration, jitter: Duration) -> Self {
        self.sync_interval = interval;
        self.sync_jitter = jitter;
        self
    }

    pub fn with_recv_timeout(mut self, timeout: Duration) -> Self {
        self.recv_timeout = timeout;
        self
    }

    pub fn with_session_budget(mut self, budget: Duration) -> Self {
        self.session_budget = budget;
        self
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self::with_seed(0)
    }
}

/// A duration given either as a `Duration` or as milliseconds.
pub struct MillisOrDuration(pub Duration);

impl From<Duration> for MillisOrDuration {
    fn from(d: Duration) -> Self {
        MillisOrDuration(d)
    }
}

impl From<u64> for MillisOrDuration {
    fn from(ms: u64) -> Self {
        MillisOrDuration(Duration::from_millis(ms))
    }
}

impl fmt::Display for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed={} sync_interval={:?}+{:?} recv_timeout={:?} session_budget={:?} max_time={:?} \
             max_events={} faults=[{}]",
            self.seed,
            self.sync_interval,
            self.sync_jitter,
            self.recv_timeout,
            self.session_budget,
            self.max_time,
            self.max_events,
            self.faults
        )
    }
}
