//! The simulated network: fault model, partitions, the router, and the frame log.

mod faults;
mod frame;
pub(crate) mod mailbox;
mod partition;
mod router;

use std::fmt;

pub use faults::{FaultConfig, LinkFaults};
pub use frame::{Corruption, DropReason, Fate, FrameKind, FrameRecord};
pub use partition::Partitions;
pub use router::NetworkRouter;
pub(crate) use router::Route;

/// A simulated node's address on the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}
