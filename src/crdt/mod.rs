//! Workloads on calimero-storage's real CRDT collections: maps, sets, vectors, counters, LWW
//! registers and a map of vectors, driven on each node through calimero's own collection API
//! (the code an app's state calls), their actions captured as the delta the node broadcasts,
//! and read back as an app would see them.
//!
//! Which calimero collections are *not* driven, and why, is [`NOT_DRIVEN`]: merosim reports
//! them rather than emulate them.

mod driver;
#[cfg(calimero_user_storage)]
mod forge;
mod kind;
mod op;
mod read;
mod rooted;
mod warm;

use calimero_primitives::context::ContextId;

// The actions of an operation a peer is sent: for the F20 test's hand-driven `AuthoredMap`.
#[cfg(all(test, calimero_user_storage))]
pub(crate) use driver::keeps;
pub use driver::{composite_key, logical_key, Layout};
#[cfg(calimero_user_storage)]
pub use forge::{signed_slot, SlotForgery};
pub use kind::{CollectionKind, KindError, NotDriven, NOT_DRIVEN, USER_STORAGE};
pub use op::{CrdtOp, Verb};
pub use read::{user_slot, CollectionValue, LogicalState, OrderedRead};
#[cfg_attr(not(calimero_node_path), allow(unused_imports, reason = "the context manager stand-in runs it"))]
pub use rooted::merge_export as merge_root_state_export;
pub use rooted::registers_in as rooted_registers;
pub use warm::warm_up;

/// The context every CRDT run uses. calimero-storage attaches collections to a `ROOT_ID` that
/// the first collection made in the process fixes for the process's life; runs in other
/// contexts would attach their collections to a root that is not theirs (see [`Layout::new`]).
pub const CONTEXT: [u8; 32] = *b"merosim-crdt-context-0000000001\0";

/// [`CONTEXT`] as a calimero context id.
pub fn context_id() -> ContextId {
    ContextId::from(CONTEXT)
}

/// Why a CRDT operation or reading failed.
#[derive(Debug, thiserror::Error)]
pub enum CrdtError {
    #[error("collection '{collection}' is not declared in this run's layout")]
    Undeclared { collection: String },
    #[error("collection '{collection}' is a {kind}, which this build (calimero {release}) does not drive: {why}", release = env!("MEROSIM_CALIMERO_VERSION"))]
    Unavailable { collection: String, kind: CollectionKind, why: &'static str },
    #[error("collection '{collection}' could not be signed as production signs it: {reason}")]
    Sign { collection: String, reason: String },
    #[error("collection '{collection}' is declared twice")]
    Duplicate { collection: String },
    #[error("collection '{collection}' is a {declared}, not a {used}")]
    WrongKind { collection: String, declared: CollectionKind, used: CollectionKind },
    #[error("{op} is not an operation of a {kind}")]
    Unfit { op: String, kind: CollectionKind },
    #[error(
        "calimero-storage attached collection '{collection}' under {parent}, not this context's root {root}: \
         its ROOT_ID is fixed by the first context in the process, so CRDT runs must all use merosim::crdt::CONTEXT"
    )]
    ForeignRoot { collection: String, parent: String, root: String },
    #[error("calimero-storage failed in {op}: {source}")]
    Calimero { op: String, source: calimero_storage::collections::StoreError },
    #[error("could not serialize collection '{collection}' as an app's view would: {reason}")]
    View { collection: String, reason: String },
    #[error(
        "collection '{collection}' is an app's Root<T> state, which the context root holds: it must be the only \
         collection declared (an app's other collections are its fields)"
    )]
    RootedNotAlone { collection: String },
    #[error("the app refused {op}: {reason}")]
    App { op: String, reason: String },
    #[error("could not take the delta of {op}: {reason}")]
    Delta { op: String, reason: String },
    #[error("the run already has nodes in another context; declare collections before adding nodes")]
    ContextInUse,
    #[error("no node {node} in this run")]
    NoNode { node: String },
    #[error(transparent)]
    Storage(#[from] crate::error::StorageError),
}
