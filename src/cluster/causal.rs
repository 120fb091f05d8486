//! One node's causal book: which deltas it has applied (a vector clock), the deltas it holds to
//! answer peers' requests, and the ones waiting for predecessors.
//!
//! The book is part of the node's durable state: calimero persists its delta store, so a crash
//! keeps it (the session buffer, in memory, dies with the node).

use std::collections::BTreeMap;

use calimero_storage::action::Action;

use super::gossip::Delta;

/// One node's causal book.
#[derive(Default)]
pub(crate) struct CausalBook {
    /// Per origin, how many of its deltas this node has applied (its own: made).
    applied: BTreeMap<u32, u64>,
    /// Every delta applied or made here, to answer peers' requests.
    log: BTreeMap<(u32, u64), Delta>,
    /// Deltas waiting for predecessors.
    pending: BTreeMap<(u32, u64), Delta>,
}

impl CausalBook {
    pub fn seen(&self, origin: u32) -> u64 {
        self.applied.get(&origin).copied().unwrap_or(0)
    }

    /// Numbers a delta `me` makes now, logs it, and returns it.
    pub fn make(&mut self, me: u32, actions: &[Action]) -> Delta {
        let seq = self.seen(me) + 1;
        self.applied.insert(me, seq);
        let deps = self.applied.iter().filter(|(o, _)| **o != me).map(|(o, n)| (*o, *n)).collect();
        let delta = Delta { origin: me, seq, deps, actions: actions.to_vec() };
        self.log.insert((me, seq), delta.clone());
        delta
    }

    pub fn is_duplicate(&self, delta: &Delta) -> bool {
        delta.seq <= self.seen(delta.origin) || self.pending.contains_key(&(delta.origin, delta.seq))
    }

    pub fn ready(&self, delta: &Delta) -> bool {
        delta.seq == self.seen(delta.origin) + 1 && delta.deps.iter().all(|(o, n)| self.seen(*o) >= *n)
    }

    /// A delta arrives: `None` for a duplicate (dropped); else whether it is ready to apply — a
    /// delta that is not waits, pending, for its predecessors.
    pub fn offer(&mut self, delta: &Delta) -> Option<bool> {
        if self.is_duplicate(delta) {
            return None;
        }
        let ready = self.ready(delta);
        if !ready {
            self.pending.insert((delta.origin, delta.seq), delta.clone());
        }
        Some(ready)
    }

    /// The deltas of `wanted` this node holds, to send a peer that asked.
    pub fn logged(&self, wanted: &[(u32, u64)]) -> Vec<Delta> {
        wanted.iter().filter_map(|k| self.log.get(k).cloned()).collect()
    }

    pub fn record_applied(&mut self, delta: Delta) {
        self.applied.insert(delta.origin, delta.seq);
        self.log.insert((delta.origin, delta.seq), delta);
    }

    /// A pending delta that is ready now, if any (lowest origin and sequence first).
    pub fn take_ready(&mut self) -> Option<Delta> {
        let key = self.pending.iter().find(|(_, d)| self.ready(d)).map(|(k, _)| *k)?;
        self.pending.remove(&key)
    }

    /// What the pending deltas wait for, grouped by whom to ask (each pending delta's origin
    /// applied everything it depends on, so it can answer for all of it).
    pub fn wanted(&self) -> BTreeMap<u32, Vec<(u32, u64)>> {
        let mut asks: BTreeMap<u32, Vec<(u32, u64)>> = BTreeMap::new();
        for delta in self.pending.values() {
            let needs = delta.deps.iter().copied().chain([(delta.origin, delta.seq - 1)]);
            for (origin, upto) in needs {
                for seq in self.seen(origin) + 1..=upto {
                    if !self.pending.contains_key(&(origin, seq)) {
                        asks.entry(delta.origin).or_default().push((origin, seq));
                    }
                }
            }
        }
        for wanted in asks.values_mut() {
            wanted.sort_unstable();
            wanted.dedup();
        }
        asks
    }

    /// The node's DAG heads: the last delta of each origin that no other applied delta has
    /// seen — calimero's heads, which a write of its own collapses to that write and an applied
    /// delta replaces its parents in. A delta is named by its origin and sequence number.
    pub fn heads(&self) -> Vec<(u32, u64)> {
        let latest: Vec<&Delta> = self.applied.iter().filter_map(|(o, n)| self.log.get(&(*o, *n))).collect();
        latest
            .iter()
            .filter(|d| {
                !latest.iter().any(|other| {
                    other.origin != d.origin && other.deps.iter().any(|(o, n)| *o == d.origin && *n >= d.seq)
                })
            })
            .map(|d| (d.origin, d.seq))
            .collect()
    }

    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }
}
