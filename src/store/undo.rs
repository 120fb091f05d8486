//! Calls through calimero that must leave nothing behind: an app method that fails (calimero-node
//! runs it against a `Temporal` layer it drops on error) and an oracle's read (an ordered read of a
//! stale index rebuilds it and restamps its marker; an observer must not heal what it observes).
//! Both copy what a call can write on the node before it runs, and put the copy back.

#[cfg(calimero_store_raw)]
use calimero_store::db::Column;

use super::SimStorage;

/// The columns a call through calimero can write on a node: its state (entities, their index, and
/// before 0.11.0-rc.19 the sorted collections' validity markers) and, from rc.19, the sorted
/// collections' index and markers.
#[cfg(calimero_store_raw)]
const UNDONE: &[Column] = &[
    Column::State,
    #[cfg(calimero_index_bridge)]
    Column::SortedIndex,
    #[cfg(calimero_index_bridge)]
    Column::SortedIndexMeta,
];

/// Past every key of those columns (a context id and a key, or a context id, a collection id and
/// an order key of any reasonable length).
#[cfg(calimero_store_raw)]
const ALL_KEYS_BELOW: [u8; 128] = [0xff; 128];

/// A column's `(key, value)` rows, as `Store::raw_scan` returns them.
#[cfg(calimero_store_raw)]
type Rows = Vec<(Vec<u8>, Vec<u8>)>;

/// Everything [`UNDONE`] held, and the node's ordered-index rows where calimero keeps them in a
/// thread-local: what [`SimStorage::atomically`] and [`SimStorage::peek`] put back.
#[cfg(calimero_store_raw)]
struct Undo {
    /// Each column with its rows (`None`: it could not be read, and is left as it is).
    columns: Vec<(Column, Option<Rows>)>,
    #[cfg(all(calimero_sorted_index, not(calimero_index_bridge)))]
    index: super::ordered_index::Rows,
}

impl SimStorage {
    /// Runs `f` and then puts back everything it wrote (see `Undo`). For oracles that read
    /// through calimero's collection API, whose ordered reads rebuild a stale index and restamp
    /// its marker — an observer must not heal what it observes.
    #[cfg(calimero_store_raw)]
    pub fn peek<R>(&self, f: impl FnOnce() -> R) -> R {
        let undo = self.undo_point();
        let result = f();
        self.undo(undo);
        result
    }

    /// Runs `f`, keeping what it wrote only if it succeeds — as calimero-node runs an app method
    /// against a `Temporal` layer it commits on success and drops on error, so a failed call
    /// leaves no partial write behind. The undo is a copy of what the call can write, taken
    /// before `f` (app stores are small; raw writes never need it). calimero-store releases before
    /// 0.11.0-rc.1 have no raw column access: there `f` runs without the undo.
    #[cfg(not(calimero_store_raw))]
    pub fn atomically<R, E>(&self, f: impl FnOnce() -> Result<R, E>) -> Result<R, E> {
        f()
    }

    /// See the other `atomically`: this one puts everything back when `f` fails.
    #[cfg(calimero_store_raw)]
    pub fn atomically<R, E>(&self, f: impl FnOnce() -> Result<R, E>) -> Result<R, E> {
        let undo = self.undo_point();
        let result = f();
        if result.is_err() {
            self.undo(undo);
        }
        result
    }

    /// What a call through calimero can write on this node, as it stands now.
    #[cfg(calimero_store_raw)]
    fn undo_point(&self) -> Undo {
        let (lo, hi) = ([0_u8; 0], ALL_KEYS_BELOW);
        Undo {
            columns: UNDONE.iter().map(|c| (*c, self.store.raw_scan(*c, &lo, &hi, None).ok())).collect(),
            #[cfg(all(calimero_sorted_index, not(calimero_index_bridge)))]
            index: self.ordered_index.rows(),
        }
    }

    /// Puts back what `undo_point` saw (a column it could not read is left as it is).
    #[cfg(calimero_store_raw)]
    fn undo(&self, undo: Undo) {
        let (lo, hi) = ([0_u8; 0], ALL_KEYS_BELOW);
        for (column, rows) in undo.columns {
            let Some(rows) = rows else { continue };
            let _ = self.store.raw_delete_range(column, &lo, &hi);
            for (key, value) in rows {
                let _ = self.store.raw_put(column, &key, &value);
            }
        }
        #[cfg(all(calimero_sorted_index, not(calimero_index_bridge)))]
        self.ordered_index.restore(&undo.index);
    }
}
