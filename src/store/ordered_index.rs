//! A node's own ordered index for `SortedMap` / `SortedSet`, on releases whose native build keeps
//! that index in one thread-local (`calimero_storage::env`'s `INDEX`, 0.11.0-rc.1 to rc.18).
//!
//! In production the index is node-local and durable: a column of the node's RocksDB, never
//! synced (calimero's own docs call it "a database-style, node-local, derived, non-synced ordered
//! index"). Natively calimero stands it in with a thread-local `BTreeMap`, and every simulated
//! node runs on the simulation thread, so left alone the nodes would read and write one index —
//! each would see the others' keys, and no node could ever hold the stale index the published
//! bugs #3323, #3328 and #3338 are about. So the index of each node lives here, beside its store
//! (kept across a crash, as RocksDB keeps it), and [`OrderedIndex::install`] makes the
//! thread-local hold this node's rows whenever calimero-storage is about to run on its behalf
//! (`SimStorage::with_env`). Swapping is lazy: the thread-local keeps the last node's rows until
//! another node's store is installed, so back-to-back calls on one node cost nothing.
//!
//! From 0.11.0-rc.19 calimero routes the index through the `RuntimeEnv` to the node's store
//! (`IndexCallbacks`, wired by `create_runtime_env`), which is per node already; this module is
//! not built there.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use calimero_storage::env::{storage_index_remove_prefix, storage_index_scan, storage_index_set};

/// `collection ‖ order_key` → entry id, as calimero writes them.
pub(crate) type Rows = BTreeMap<Vec<u8>, Vec<u8>>;

/// Past every key calimero writes: 32 bytes of collection id, then the order key. A key starting
/// with 64 bytes of 0xff would need a collection id of all ones, which no hash gives.
const ALL_KEYS_BELOW: [u8; 64] = [0xff; 64];

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Whose rows the thread-local index holds now (and where to put them back).
    static LOADED: RefCell<Option<(u64, Weak<Mutex<Rows>>)>> = const { RefCell::new(None) };
}

/// One node's ordered index. Clones share it, as clones of a store share its database.
#[derive(Clone, Debug)]
pub(crate) struct OrderedIndex {
    id: u64,
    rows: Arc<Mutex<Rows>>,
}

impl Default for OrderedIndex {
    fn default() -> Self {
        OrderedIndex { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), rows: Arc::default() }
    }
}

impl OrderedIndex {
    /// Makes calimero's thread-local index this node's: the rows of whichever node held it go
    /// back to that node (dropped if its store is gone), and this node's are loaded.
    pub(crate) fn install(&self) {
        LOADED.with(|loaded| {
            let mut loaded = loaded.borrow_mut();
            if matches!(&*loaded, Some((id, _)) if *id == self.id) {
                return;
            }
            let held = take_thread_local();
            if let Some(rows) = loaded.take().and_then(|(_, owner)| owner.upgrade()) {
                *rows.lock().expect("an index lock is never held across a panic") = held;
            }
            load_thread_local(&self.rows.lock().expect("an index lock is never held across a panic"));
            *loaded = Some((self.id, Arc::downgrade(&self.rows)));
        });
    }

    /// This node's rows as they stand (installing them first, so the thread-local's are current).
    pub(crate) fn rows(&self) -> Rows {
        self.install();
        storage_index_scan(&[], &ALL_KEYS_BELOW, 0, None).into_iter().collect()
    }

    /// Puts this node's rows back to `rows` (what [`rows`](Self::rows) returned earlier).
    pub(crate) fn restore(&self, rows: &Rows) {
        self.install();
        let _ = take_thread_local();
        load_thread_local(rows);
    }
}

fn take_thread_local() -> Rows {
    let rows = storage_index_scan(&[], &ALL_KEYS_BELOW, 0, None).into_iter().collect();
    let _ = storage_index_remove_prefix(&[]);
    rows
}

fn load_thread_local(rows: &Rows) {
    for (key, value) in rows {
        let _ = storage_index_set(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_node_sees_only_its_own_rows() {
        let (alice, bob) = (OrderedIndex::default(), OrderedIndex::default());
        alice.install();
        let _ = storage_index_set(b"alice-key", b"1");
        bob.install();
        assert!(bob.rows().is_empty(), "bob must not see alice's row");
        let _ = storage_index_set(b"bob-key", b"2");
        assert_eq!(alice.rows().keys().cloned().collect::<Vec<_>>(), vec![b"alice-key".to_vec()]);
        assert_eq!(bob.rows().keys().cloned().collect::<Vec<_>>(), vec![b"bob-key".to_vec()]);
    }

    #[test]
    fn a_dropped_nodes_rows_leave_with_it() {
        let gone = OrderedIndex::default();
        gone.install();
        let _ = storage_index_set(b"gone", b"1");
        drop(gone);
        let next = OrderedIndex::default();
        assert!(next.rows().is_empty());
    }

    #[test]
    fn restore_undoes_what_a_read_rebuilt() {
        let node = OrderedIndex::default();
        let _ = node.rows();
        let _ = storage_index_set(b"a", b"1");
        let before = node.rows();
        let _ = storage_index_set(b"b", b"2");
        node.restore(&before);
        assert_eq!(node.rows(), before);
    }
}
