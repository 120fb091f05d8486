//! The simulated network: partitions, the router, the streams it books, and the events it reports. It
//! knows nodes only by address and frames only as bytes; what the bytes mean is the transport's
//! business, what happened to them is the trace's.

mod event;
mod frame;
pub(crate) mod mailbox;
mod partition;
mod router;
mod streams;

pub use crate::faults::FaultConfig;
pub use event::{NetEvent, NetObserver};
pub(crate) use frame::Route;
pub use frame::{Corruption, DropReason, FrameKind};
pub(crate) use partition::Partitions;
pub use router::NetworkRouter;
