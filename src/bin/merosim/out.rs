//! The CLI's own standard output, kept apart from what calimero prints there.
//!
//! calimero-storage's native `env::log` is a `println!`: what production's WASM guest sends to
//! the node log (on 0.11.0-rc.4, a line for every write a member makes to its own `UserStorage`
//! slot) lands on the process's stdout, between a sweep's report lines — a 10,000-seed sweep
//! printed thousands. So the CLI writes through a duplicate of fd 1 taken at start, and fd 1
//! itself goes where production sends those lines: beside calimero's other logs (stderr) when
//! `repro --log` asks for them, and nowhere otherwise.

use std::fmt;
use std::fs::File;
use std::io::{LineWriter, Write};
use std::os::fd::FromRawFd;
use std::sync::{Mutex, OnceLock};

static OUT: OnceLock<Mutex<LineWriter<File>>> = OnceLock::new();

/// Takes fd 1 for the CLI and points the process's stdout at stderr (`logs`) or /dev/null. On
/// any failure stdout stays as it is and the CLI writes to it as before.
pub fn fence(logs: bool) {
    // SAFETY: plain descriptor calls, made before any other thread exists; `saved` is a fresh
    // descriptor the `File` then owns alone.
    unsafe {
        let saved = libc::dup(1);
        if saved < 0 {
            return;
        }
        let target = match logs {
            true => libc::dup(2),
            false => libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC),
        };
        if target < 0 || libc::dup2(target, 1) < 0 {
            libc::close(saved);
            return;
        }
        libc::close(target);
        let _ = OUT.set(Mutex::new(LineWriter::new(File::from_raw_fd(saved))));
    }
}

/// Writes `args` to the CLI's stdout. A reader that went away ends the process by SIGPIPE, as
/// `println!` would (main restores its default disposition).
pub fn write(args: fmt::Arguments<'_>) {
    match OUT.get() {
        Some(out) => {
            let mut out = out.lock().unwrap_or_else(|poison| poison.into_inner());
            let _ = out.write_fmt(args);
        }
        None => print!("{args}"),
    }
}

/// Flushes what a last line without a newline left behind.
pub fn flush() {
    if let Some(out) = OUT.get() {
        let _ = out.lock().unwrap_or_else(|poison| poison.into_inner()).flush();
    }
    let _ = std::io::stdout().flush();
}

/// `println!` onto the CLI's stdout.
macro_rules! outln {
    () => { $crate::out::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::write(format_args!("{}\n", format_args!($($arg)*))) };
}
pub(crate) use outln;
