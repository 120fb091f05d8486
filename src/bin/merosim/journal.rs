//! A sweep's `--json` file kept as a journal: the header when the sweep starts, each seed's record
//! appended and flushed the moment the seed ends. A sweep killed part-way (out of memory, a CI
//! timeout, Ctrl-C) loses only the seeds it was running; `--resume FILE` reads what the file
//! holds, runs the seeds it lacks and appends them. When the sweep ends the file is rewritten in
//! seed order with the sweep's wall time: the form `merosim merge` reads, whether or not the
//! sweep was ever interrupted.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::record::{self, Header, SeedRecord};

/// Why a sweep file cannot be journaled to or resumed.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(transparent)]
    Read(#[from] record::ReadError),
    #[error("{path} is from another sweep ({what}: {theirs}; this sweep: {ours}); resume it with the flags it was started with")]
    Mismatch { path: String, what: &'static str, theirs: String, ours: String },
}

/// The sweep file being written.
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    /// What a resumed file already held, in the order it was written.
    pub done: Vec<SeedRecord>,
    /// The wall time of the runs that finished the file before (zero unless one did).
    pub earlier_wall_ns: u64,
}

impl Journal {
    /// Starts `path` afresh: `header`, nothing else.
    pub fn create(path: &Path, header: &Header) -> Result<Journal, JournalError> {
        let io = io_error(path);
        let mut file = File::create(path).map_err(&io)?;
        serde_json::to_writer(&mut file, header).map_err(|e| io(e.into()))?;
        writeln!(file).and_then(|()| file.flush()).map_err(&io)?;
        Ok(Journal { path: path.to_owned(), file: Mutex::new(file), done: Vec::new(), earlier_wall_ns: 0 })
    }

    /// Resumes `path`, which must hold this sweep (`header`'s versions, seeds, shard and flags):
    /// the records it holds are done; a last line the kill cut short is dropped. A file that does
    /// not exist yet is started afresh.
    pub fn resume(path: &Path, header: &Header) -> Result<Journal, JournalError> {
        let io = io_error(path);
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Journal::create(path, header),
            Err(e) => return Err(io(e)),
        };
        // Whole lines only: what follows the last newline was being written when the sweep died.
        let whole = record::whole_lines(&text).len();
        if whole == 0 {
            return Journal::create(path, header);
        }
        let name = path.display().to_string();
        let (theirs, done) = record::parse(&name, &text[..whole])?;
        if let Some((what, theirs, ours)) = record::differs(&theirs, header, true) {
            return Err(JournalError::Mismatch { path: name, what, theirs, ours });
        }
        let file = OpenOptions::new().write(true).open(path).map_err(&io)?;
        file.set_len(whole as u64).map_err(&io)?;
        let file = OpenOptions::new().append(true).open(path).map_err(&io)?;
        Ok(Journal { path: path.to_owned(), file: Mutex::new(file), done, earlier_wall_ns: theirs.wall_ns })
    }

    /// Appends `record` and flushes it: once this returns, a kill cannot lose the seed.
    pub fn append(&self, record: &SeedRecord) -> Result<(), JournalError> {
        let io = io_error(&self.path);
        let mut file = self.file.lock().unwrap_or_else(|poison| poison.into_inner());
        serde_json::to_writer(&mut *file, record).map_err(|e| io(e.into()))?;
        writeln!(file).and_then(|()| file.flush()).map_err(io)
    }

    /// Rewrites the file whole, in seed order with the final `header` (written beside it, then
    /// moved over it, so a kill now leaves the journal as it was).
    pub fn finish(self, header: &Header, records: &[SeedRecord]) -> Result<(), JournalError> {
        let io = io_error(&self.path);
        let mut beside = self.path.clone().into_os_string();
        beside.push(".partial");
        let beside = PathBuf::from(beside);
        let file = File::create(&beside).map_err(&io)?;
        record::write(std::io::BufWriter::new(file), header, records).map_err(&io)?;
        std::fs::rename(&beside, &self.path).map_err(io)
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> JournalError {
    let path = path.display().to_string();
    move |source| JournalError::Io { path: path.clone(), source }
}
