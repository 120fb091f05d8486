//! Virtual time as tests speak it. `SimTime` is an instant measured from the start of the run;
//! integers convert as milliseconds, so `Some(1000.into())` in a partition call means "heal at
//! one second", as in the upstream guide.

use std::fmt;
use std::ops::{Add, Sub};
use std::time::Duration;

/// A span of virtual time.
pub type SimDuration = Duration;

/// An instant of virtual time, measured from the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(Duration);

impl SimTime {
    pub const ZERO: SimTime = SimTime(Duration::ZERO);

    pub fn from_millis(ms: u64) -> Self {
        SimTime(Duration::from_millis(ms))
    }

    /// Time since the start of the run.
    pub fn since_start(self) -> Duration {
        self.0
    }
}

impl From<u64> for SimTime {
    /// Milliseconds since the start of the run.
    fn from(ms: u64) -> Self {
        SimTime::from_millis(ms)
    }
}

impl From<Duration> for SimTime {
    fn from(since_start: Duration) -> Self {
        SimTime(since_start)
    }
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: Duration) -> SimTime {
        SimTime(self.0 + rhs)
    }
}

impl Sub for SimTime {
    type Output = Duration;
    fn sub(self, rhs: SimTime) -> Duration {
        self.0.saturating_sub(rhs.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}s", self.0.as_secs_f64())
    }
}

/// Read access to the run's virtual clock.
#[derive(Clone, Copy, Debug)]
pub struct SimClock {
    now: SimTime,
}

impl SimClock {
    pub(crate) fn at(now: SimTime) -> Self {
        SimClock { now }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }
}
