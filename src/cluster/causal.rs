//! One node's causal book: calimero-dag's `DagStore`, kept the way calimero-node's delta store
//! keeps it. A local write becomes a delta whose parents are the node's DAG heads and is recorded
//! as applied (`restore_applied_delta`, as `add_local_applied_delta` does); a peer's delta goes
//! through `add_delta_with_outcome`, which applies it once every parent is applied and holds it
//! pending otherwise; `get_missing_parents` says what to ask peers for; the heads are the DAG's.
//!
//! Applied deltas are durable (production persists them and restores its DAG from them on
//! restart); pending ones live in memory and a crash loses them, as production's do.
//!
//! The DAG decides order and the books; what applying a delta does to the store stays with the
//! caller (`deltas`): the applier here only records which deltas the DAG released, in its
//! order, so the caller applies their actions the moment the DAG call returns.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use calimero_dag::{AddDeltaOutcome, ApplyError, CausalDelta, DagStore, DeltaApplier};
use calimero_storage::action::Action;
use calimero_storage::logical_clock::HybridTimestamp;
use sha2::{Digest, Sha256};

/// A delta as the DAG holds it: the actions of one local operation.
pub(crate) type Delta = CausalDelta<Vec<Action>>;

/// The genesis parent: the root every fresh DAG starts from (calimero's `[0; 32]`).
const GENESIS: [u8; 32] = [0; 32];

/// How many missing parents one request asks for (calimero's `MAX_DELTA_QUERY_LIMIT` bounds it).
const QUERY_LIMIT: usize = 64;

/// One node's causal book.
pub(crate) struct CausalBook {
    dag: DagStore<Vec<Action>>,
    /// Applied deltas in the order they were applied: what a restart restores from.
    applied: Vec<[u8; 32]>,
    /// Who sent each pending delta: whom to ask for its missing parents (production asks the
    /// peer the delta came from).
    senders: BTreeMap<[u8; 32], u32>,
    /// Deltas made here so far, folded into each new delta's id.
    made: u64,
}

impl Default for CausalBook {
    fn default() -> Self {
        CausalBook { dag: DagStore::new(GENESIS), applied: Vec::new(), senders: BTreeMap::new(), made: 0 }
    }
}

/// What became of a delta offered to the book.
pub(crate) enum Offered {
    /// Already applied or pending here: dropped.
    Duplicate,
    /// Waiting for parents this node has not applied.
    Pending,
    /// Released in this order (the delta, then whatever it unblocked): apply their actions now.
    Released(Vec<Delta>),
}

impl CausalBook {
    /// Makes the delta for actions `me` just applied: its parents are the heads, its id a digest
    /// of who made it, its number and its content. Recorded as applied.
    pub fn make(&mut self, me: u32, actions: &[Action], root_after: [u8; 32]) -> Delta {
        self.made += 1;
        let parents = self.parents();
        let id = delta_id(me, self.made, &parents, actions);
        let delta = new_delta(id, parents, actions.to_vec(), root_after);
        // No pending delta can name it yet (its id is new), so recording it unblocks nothing.
        if self.dag.restore_applied_delta(delta.clone()) {
            self.applied.push(id);
        }
        delta
    }

    /// A delta from `sender` arrives.
    pub fn offer(&mut self, delta: Delta, sender: u32) -> Offered {
        let id = delta.id;
        let recorder = Recorder::default();
        let outcome = now(self.dag.add_delta_with_outcome(delta, &recorder));
        let released = recorder.into_released();
        self.note_applied(&released);
        match outcome {
            Some(Ok(AddDeltaOutcome::Duplicate)) => Offered::Duplicate,
            Some(Ok(AddDeltaOutcome::Pending)) => {
                self.senders.insert(id, sender);
                Offered::Pending
            }
            _ => Offered::Released(released),
        }
    }

    fn note_applied(&mut self, released: &[Delta]) {
        for delta in released {
            self.senders.remove(&delta.id);
            self.applied.push(delta.id);
        }
    }

    /// The parents a new delta names: the heads, or genesis for the first.
    fn parents(&self) -> Vec<[u8; 32]> {
        let mut heads = self.dag.get_heads();
        heads.sort_unstable();
        heads
    }

    /// The deltas of `wanted` this node holds, to send a peer that asked.
    pub fn logged(&self, wanted: &[[u8; 32]]) -> Vec<Delta> {
        wanted.iter().filter_map(|id| self.dag.get_delta(id).filter(|_| self.dag.is_applied(id)).cloned()).collect()
    }

    /// The parents pending deltas wait for that this node does not hold, grouped by whom to ask:
    /// the peer that sent the pending delta naming them.
    pub fn wanted(&self) -> BTreeMap<u32, Vec<[u8; 32]>> {
        let missing = self.dag.get_missing_parents(QUERY_LIMIT);
        let mut asks: BTreeMap<u32, Vec<[u8; 32]>> = BTreeMap::new();
        for (id, sender) in &self.senders {
            let Some(delta) = self.dag.get_delta(id) else { continue };
            for parent in delta.parents.iter().filter(|p| missing.contains(p)) {
                asks.entry(*sender).or_default().push(*parent);
            }
        }
        for wanted in asks.values_mut() {
            wanted.sort_unstable();
            wanted.dedup();
        }
        asks
    }

    /// The node's DAG heads, without the genesis a fresh DAG starts from (a context that never
    /// applied a delta reports none), in a fixed order.
    pub fn heads(&self) -> Vec<[u8; 32]> {
        self.parents().into_iter().filter(|h| *h != GENESIS).collect()
    }

    pub fn pending_len(&self) -> usize {
        self.dag.get_pending_delta_ids().len()
    }

    /// A crash: the DAG is rebuilt from the applied deltas, as production's delta store restores
    /// it from what it persisted; pending deltas are lost. Returns how many.
    pub fn restart(&mut self) -> usize {
        let lost = self.pending_len();
        let mut dag = DagStore::new(GENESIS);
        for id in &self.applied {
            if let Some(delta) = self.dag.get_delta(id) {
                dag.restore_applied_delta(delta.clone());
            }
        }
        self.dag = dag;
        self.senders.clear();
        lost
    }
}

fn delta_id(me: u32, number: u64, parents: &[[u8; 32]], actions: &[Action]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(me.to_le_bytes());
    hash.update(number.to_le_bytes());
    for parent in parents {
        hash.update(parent);
    }
    hash.update(borsh::to_vec(actions).unwrap_or_default());
    hash.finalize().into()
}

#[cfg(not(calimero_delta_no_root))]
fn new_delta(id: [u8; 32], parents: Vec<[u8; 32]>, actions: Vec<Action>, root_after: [u8; 32]) -> Delta {
    CausalDelta::new(id, parents, actions, HybridTimestamp::default(), root_after)
}

/// From 0.11.0-rc.15 or so a delta no longer carries its origin's expected root.
#[cfg(calimero_delta_no_root)]
fn new_delta(id: [u8; 32], parents: Vec<[u8; 32]>, actions: Vec<Action>, _: [u8; 32]) -> Delta {
    CausalDelta::new(id, parents, actions, HybridTimestamp::default())
}

/// Records the deltas the DAG releases, in its order; the caller applies them.
#[derive(Default)]
struct Recorder {
    released: Mutex<Vec<Delta>>,
}

impl Recorder {
    fn into_released(self) -> Vec<Delta> {
        self.released.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl DeltaApplier<Vec<Action>> for Recorder {
    async fn apply(&self, delta: &Delta) -> Result<(), ApplyError> {
        self.released.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(delta.clone());
        Ok(())
    }
}

/// Runs a DAG call to completion: with the recorder as applier nothing in it waits, so one poll
/// finishes it (`None` would mean it waited, which it cannot).
fn now<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}
