//! rocksdb 0.24's API as calimero-store-rocksdb and mero-auth use it, without RocksDB. merosim's
//! simulated nodes keep their state in calimero-store's `InMemoryDB`; nothing in a simulation
//! opens a RocksDB store, so nothing here is ever called — and if something were, it panics
//! naming the call instead of touching a disk (the full test suite is the proof: Cargo.toml).
//! Setters are generic over their argument so option types need not be copied one by one.

use std::marker::PhantomData;
use std::path::Path;

#[track_caller]
fn absent(what: &str) -> ! {
    panic!("rocksdb::{what}: merosim builds calimero without RocksDB (patches/rocksdb); simulated nodes use InMemoryDB")
}

/// RocksDB's error; never made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

#[derive(Debug, Default, Clone)]
pub struct Options;

impl Options {
    pub fn create_if_missing(&mut self, _: bool) {}
    pub fn create_missing_column_families(&mut self, _: bool) {}
    pub fn set_max_open_files<T>(&mut self, _: T) {}
    pub fn set_block_based_table_factory(&mut self, _: &BlockBasedOptions) {}
    pub fn set_use_fsync(&mut self, _: bool) {}
    pub fn set_atomic_flush(&mut self, _: bool) {}
    pub fn set_manual_wal_flush(&mut self, _: bool) {}
    pub fn set_keep_log_file_num<T>(&mut self, _: T) {}
    pub fn set_write_buffer_size<T>(&mut self, _: T) {}
    pub fn set_max_write_buffer_number<T>(&mut self, _: T) {}
    pub fn set_bytes_per_sync<T>(&mut self, _: T) {}
    pub fn set_wal_bytes_per_sync<T>(&mut self, _: T) {}
    pub fn set_compaction_readahead_size<T>(&mut self, _: T) {}
}

#[derive(Debug, Default)]
pub struct BlockBasedOptions;

impl BlockBasedOptions {
    pub fn set_block_cache(&mut self, _: &Cache) {}
}

#[derive(Debug, Clone)]
pub struct Cache;

impl Cache {
    pub fn new_lru_cache(_: usize) -> Cache {
        Cache
    }
}

#[derive(Debug, Default)]
pub struct ReadOptions;

impl ReadOptions {
    pub fn set_snapshot(&mut self, _: &Snapshot<'_>) {}
}

#[derive(Debug, Default)]
pub struct WriteBatch;

impl WriteBatch {
    pub fn put_cf<K: AsRef<[u8]>, V: AsRef<[u8]>>(&mut self, _: &ColumnFamily, _: K, _: V) {
        absent("WriteBatch::put_cf")
    }
    pub fn delete_cf<K: AsRef<[u8]>>(&mut self, _: &ColumnFamily, _: K) {
        absent("WriteBatch::delete_cf")
    }
}

#[derive(Debug)]
pub struct ColumnFamily;

/// A key range, for size estimates.
pub struct Range<'a>(PhantomData<&'a [u8]>);

impl<'a> Range<'a> {
    pub fn new(_: &'a [u8], _: &'a [u8]) -> Range<'a> {
        Range(PhantomData)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Reverse,
}

#[derive(Debug, Clone, Copy)]
pub enum IteratorMode<'a> {
    Start,
    End,
    From(&'a [u8], Direction),
}

/// A value read in place.
pub struct DBPinnableSlice<'a>(PhantomData<&'a DB>);

impl AsRef<[u8]> for DBPinnableSlice<'_> {
    fn as_ref(&self) -> &[u8] {
        absent("DBPinnableSlice::as_ref")
    }
}

pub struct Snapshot<'a>(PhantomData<&'a DB>);

pub struct DBRawIteratorWithThreadMode<'a, D>(PhantomData<&'a D>);

impl<D> DBRawIteratorWithThreadMode<'_, D> {
    pub fn seek_to_first(&mut self) {
        absent("DBRawIterator::seek_to_first")
    }
    pub fn seek<K: AsRef<[u8]>>(&mut self, _: K) {
        absent("DBRawIterator::seek")
    }
    pub fn seek_for_prev<K: AsRef<[u8]>>(&mut self, _: K) {
        absent("DBRawIterator::seek_for_prev")
    }
    pub fn valid(&self) -> bool {
        absent("DBRawIterator::valid")
    }
    pub fn key(&self) -> Option<&[u8]> {
        absent("DBRawIterator::key")
    }
    pub fn value(&self) -> Option<&[u8]> {
        absent("DBRawIterator::value")
    }
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) {
        absent("DBRawIterator::next")
    }
    pub fn prev(&mut self) {
        absent("DBRawIterator::prev")
    }
}

pub type DBRawIterator<'a> = DBRawIteratorWithThreadMode<'a, DB>;

/// A key-value iterator.
pub struct DBIterator<'a>(PhantomData<&'a DB>);

impl Iterator for DBIterator<'_> {
    type Item = Result<(Box<[u8]>, Box<[u8]>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        absent("DBIterator::next")
    }
}

/// A database; `open` panics, so none exists.
#[derive(Debug)]
pub struct DB;

impl DB {
    pub fn open<P: AsRef<Path>>(_: &Options, _: P) -> Result<DB, Error> {
        absent("DB::open")
    }
    pub fn open_cf<P: AsRef<Path>, I: IntoIterator<Item = N>, N: AsRef<str>>(
        _: &Options,
        _: P,
        _: I,
    ) -> Result<DB, Error> {
        absent("DB::open_cf")
    }
    pub fn cf_handle(&self, _: &str) -> Option<&ColumnFamily> {
        absent("DB::cf_handle")
    }
    pub fn key_may_exist<K: AsRef<[u8]>>(&self, _: K) -> bool {
        absent("DB::key_may_exist")
    }
    pub fn key_may_exist_cf<K: AsRef<[u8]>>(&self, _: &ColumnFamily, _: K) -> bool {
        absent("DB::key_may_exist_cf")
    }
    pub fn get<K: AsRef<[u8]>>(&self, _: K) -> Result<Option<Vec<u8>>, Error> {
        absent("DB::get")
    }
    pub fn get_pinned_cf<K: AsRef<[u8]>>(&self, _: &ColumnFamily, _: K) -> Result<Option<DBPinnableSlice<'_>>, Error> {
        absent("DB::get_pinned_cf")
    }
    pub fn put<K: AsRef<[u8]>, V: AsRef<[u8]>>(&self, _: K, _: V) -> Result<(), Error> {
        absent("DB::put")
    }
    pub fn put_cf<K: AsRef<[u8]>, V: AsRef<[u8]>>(&self, _: &ColumnFamily, _: K, _: V) -> Result<(), Error> {
        absent("DB::put_cf")
    }
    pub fn delete<K: AsRef<[u8]>>(&self, _: K) -> Result<(), Error> {
        absent("DB::delete")
    }
    pub fn delete_cf<K: AsRef<[u8]>>(&self, _: &ColumnFamily, _: K) -> Result<(), Error> {
        absent("DB::delete_cf")
    }
    pub fn delete_range_cf<K: AsRef<[u8]>>(&self, _: &ColumnFamily, _: K, _: K) -> Result<(), Error> {
        absent("DB::delete_range_cf")
    }
    pub fn get_approximate_sizes_cf(&self, _: &ColumnFamily, _: &[Range<'_>]) -> Vec<u64> {
        absent("DB::get_approximate_sizes_cf")
    }
    pub fn write(&self, _: WriteBatch) -> Result<(), Error> {
        absent("DB::write")
    }
    pub fn flush(&self) -> Result<(), Error> {
        absent("DB::flush")
    }
    pub fn snapshot(&self) -> Snapshot<'_> {
        absent("DB::snapshot")
    }
    pub fn iterator<'a: 'b, 'b>(&'a self, _: IteratorMode<'_>) -> DBIterator<'b> {
        absent("DB::iterator")
    }
    pub fn raw_iterator_cf<'a: 'b, 'b>(&'a self, _: &ColumnFamily) -> DBRawIteratorWithThreadMode<'b, DB> {
        absent("DB::raw_iterator_cf")
    }
    pub fn raw_iterator_cf_opt<'a: 'b, 'b>(
        &'a self,
        _: &ColumnFamily,
        _: ReadOptions,
    ) -> DBRawIteratorWithThreadMode<'b, DB> {
        absent("DB::raw_iterator_cf_opt")
    }
}
