//! The simulated network: fault model, partitions, the router, and the events it reports. It
//! knows nodes only by address and frames only as bytes; what the bytes mean is the transport's
//! business, what happened to them is the trace's.

mod event;
mod faults;
mod frame;
pub(crate) mod mailbox;
mod partition;
mod router;

pub use event::{NetEvent, NetObserver};
pub use faults::{FaultConfig, FaultPreset, Integrity, LinkFaults, UnknownPreset};
pub(crate) use frame::Route;
pub use frame::{Corruption, DropReason, FrameKind};
pub(crate) use partition::Partitions;
pub use router::NetworkRouter;
