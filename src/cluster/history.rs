//! Every write and delete a node acknowledged, as the application saw it: what the no-data-loss
//! checker holds the final stores to. The stores alone cannot say what was lost — a write no node
//! kept leaves no trace in any of them — so the record is kept beside them, as each write returns.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::ids::{EntityId, NodeId};

/// One acknowledged write or delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteRecord {
    pub node: NodeId,
    pub entity: EntityId,
    /// The parent it was written under (`None`: the root, or unknown for a delete).
    pub parent: Option<EntityId>,
    /// Virtual time the write returned.
    pub at: Duration,
    /// The timestamp it carries (`updated_at`, or `deleted_at` for a delete): what
    /// last-writer-wins compares, from the writer's possibly skewed clock.
    pub stamp: u64,
    /// SHA-256 of the bytes written; `None` for a delete.
    pub value: Option<[u8; 32]>,
}

impl WriteRecord {
    pub fn deleted(&self) -> bool {
        self.value.is_none()
    }
}

/// SHA-256 of a value, as [`WriteRecord::value`] holds it.
pub fn value_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[derive(Default)]
pub(crate) struct History {
    records: Vec<WriteRecord>,
}

impl History {
    pub fn record(&mut self, record: WriteRecord) {
        self.records.push(record);
    }

    pub fn records(&self) -> Vec<WriteRecord> {
        self.records.clone()
    }
}
