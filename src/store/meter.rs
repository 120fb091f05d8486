//! The storage backend under each node's `calimero-store`: calimero's own `InMemoryDB`, behind
//! a thin layer that counts what calimero reads and writes.
//!
//! The counts exist because sync cost is dominated by how often calimero-storage re-reads and
//! re-decodes indexes (docs/findings.md F11); read bytes per served leaf show that growth as a
//! deterministic number a test can pin, where wall time could only be benchmarked. The layer
//! forwards only the seven methods every supported calimero-store release requires — exactly the
//! ones `InMemoryDB` implements — so every provided method (snapshots, range scans) runs the
//! same default code over the same inner database as without it.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use calimero_store::config::StoreConfig;
use calimero_store::db::{Column, Database, InMemoryDB};
use calimero_store::iter::Iter;
use calimero_store::slice::Slice;
use calimero_store::tx::Transaction;
use eyre::Result as EyreResult;

/// What one node's store has served and taken so far (a snapshot of the counters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreIo {
    /// `get`s that found a value, and the bytes they returned.
    pub reads: u64,
    pub read_bytes: u64,
    /// `get`s that found nothing.
    pub misses: u64,
    /// `put`s and the value bytes they wrote.
    pub writes: u64,
    pub write_bytes: u64,
}

impl StoreIo {
    /// The counts between `earlier` and `self` (zero where `earlier` is the later snapshot).
    pub fn since(&self, earlier: &StoreIo) -> StoreIo {
        StoreIo {
            reads: self.reads.saturating_sub(earlier.reads),
            read_bytes: self.read_bytes.saturating_sub(earlier.read_bytes),
            misses: self.misses.saturating_sub(earlier.misses),
            writes: self.writes.saturating_sub(earlier.writes),
            write_bytes: self.write_bytes.saturating_sub(earlier.write_bytes),
        }
    }
}

impl std::ops::Add for StoreIo {
    type Output = StoreIo;

    fn add(self, other: StoreIo) -> StoreIo {
        StoreIo {
            reads: self.reads + other.reads,
            read_bytes: self.read_bytes + other.read_bytes,
            misses: self.misses + other.misses,
            writes: self.writes + other.writes,
            write_bytes: self.write_bytes + other.write_bytes,
        }
    }
}

impl std::iter::Sum for StoreIo {
    fn sum<I: Iterator<Item = StoreIo>>(iter: I) -> StoreIo {
        iter.fold(StoreIo::default(), |a, b| a + b)
    }
}

/// `1234567` → `1.2 MB`: store traffic spans bytes to gigabytes.
pub fn human_bytes(bytes: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

impl fmt::Display for StoreIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {} in {} gets ({} misses), wrote {} in {} puts",
            human_bytes(self.read_bytes),
            self.reads,
            self.misses,
            human_bytes(self.write_bytes),
            self.writes
        )
    }
}

/// Shared counters; atomics only because `Database` must be `Sync` (one simulation thread
/// touches them, so the order of updates is the simulation's).
#[derive(Debug, Default)]
struct Counters {
    reads: AtomicU64,
    read_bytes: AtomicU64,
    misses: AtomicU64,
    writes: AtomicU64,
    write_bytes: AtomicU64,
}

/// `InMemoryDB` with its traffic counted. Cloning shares the database and the counters.
#[derive(Clone)]
pub struct MeteredDb {
    inner: Arc<dyn for<'a> Database<'a>>,
    counters: Arc<Counters>,
}

impl MeteredDb {
    pub fn new() -> Self {
        MeteredDb { inner: Arc::new(InMemoryDB::owned()), counters: Arc::default() }
    }

    pub fn io(&self) -> StoreIo {
        let c = &self.counters;
        StoreIo {
            reads: c.reads.load(Ordering::Relaxed),
            read_bytes: c.read_bytes.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
            writes: c.writes.load(Ordering::Relaxed),
            write_bytes: c.write_bytes.load(Ordering::Relaxed),
        }
    }
}

impl fmt::Debug for MeteredDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeteredDb").field("io", &self.io()).finish_non_exhaustive()
    }
}

impl Default for MeteredDb {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> Database<'a> for MeteredDb {
    fn open(_config: &StoreConfig) -> EyreResult<Self> {
        // Stores are made in memory by `SimStorage::new`; there is nothing on disk to open.
        Err(eyre::eyre!("merosim's store lives in memory: make it with MeteredDb::new"))
    }

    fn has(&self, col: Column, key: Slice<'_>) -> EyreResult<bool> {
        self.inner.has(col, key)
    }

    fn get(&self, col: Column, key: Slice<'_>) -> EyreResult<Option<Slice<'_>>> {
        let value = self.inner.get(col, key)?;
        let c = &self.counters;
        match &value {
            Some(v) => {
                c.reads.fetch_add(1, Ordering::Relaxed);
                c.read_bytes.fetch_add(v.len() as u64, Ordering::Relaxed);
            }
            None => {
                c.misses.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(value)
    }

    fn put(&self, col: Column, key: Slice<'a>, value: Slice<'a>) -> EyreResult<()> {
        let len = value.len() as u64;
        self.inner.put(col, key, value)?;
        self.counters.writes.fetch_add(1, Ordering::Relaxed);
        self.counters.write_bytes.fetch_add(len, Ordering::Relaxed);
        Ok(())
    }

    fn delete(&self, col: Column, key: Slice<'_>) -> EyreResult<()> {
        self.inner.delete(col, key)
    }

    fn iter(&self, col: Column) -> EyreResult<Iter<'_>> {
        self.inner.iter(col)
    }

    fn apply(&self, tx: &Transaction<'a>) -> EyreResult<()> {
        self.inner.apply(tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_calimero_store_reads_and_writes() {
        let db = MeteredDb::new();
        let start = db.io();
        db.put(Column::Generic, Slice::from(&b"key"[..]), Slice::from(&b"12345"[..])).unwrap();
        assert_eq!(db.get(Column::Generic, Slice::from(&b"key"[..])).unwrap().as_deref(), Some(&b"12345"[..]));
        assert!(db.get(Column::Generic, Slice::from(&b"nope"[..])).unwrap().is_none());
        assert!(db.has(Column::Generic, Slice::from(&b"key"[..])).unwrap());
        let io = db.io().since(&start);
        assert_eq!(io, StoreIo { reads: 1, read_bytes: 5, misses: 1, writes: 1, write_bytes: 5 });
        assert_eq!(start.since(&db.io()), StoreIo::default(), "a reversed pair is empty, not a panic");
        assert_eq!(io.to_string(), "read 5 B in 1 gets (1 misses), wrote 5 B in 1 puts");
        assert_eq!([io, io].into_iter().sum::<StoreIo>().read_bytes, 10);
    }

    #[test]
    fn human_bytes_picks_a_readable_unit() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_234), "1.2 kB");
        assert_eq!(human_bytes(5_301_105), "5.3 MB");
        assert_eq!(human_bytes(2_100_000_000), "2.1 GB");
    }
}
