//! Where things are (the repository, the cache) and the small helpers both commands share:
//! running a tool, finding a crate in a source tree, naming a tree.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::Failure;

/// The merosim repository to act on: `MEROSIM_REPO`, which scripts/against and scripts/zoo set
/// to their own clone, else the one this binary was built from. (Clones that share a target dir
/// share this binary too: cargo takes the xtask package at any clone's path for the same unit, so
/// the path compiled in may be another clone's.)
pub fn repo() -> PathBuf {
    if let Some(repo) = std::env::var_os("MEROSIM_REPO") {
        return repo.into();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits inside the repository").to_owned()
}

/// `MEROSIM_CACHE`, else `$XDG_CACHE_HOME/merosim`, else `~/.cache/merosim`.
pub fn cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("MEROSIM_CACHE") {
        return dir.into();
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"));
    base.join("merosim")
}

/// `0.11.0-rc.25` or `0.11.0`: a release name.
pub fn is_release(s: &str) -> bool {
    let (base, pre) = s.split_once('-').map_or((s, None), |(b, p)| (b, Some(p)));
    let numbers = |t: &str, n: usize| {
        let parts: Vec<&str> = t.split('.').collect();
        parts.len() == n && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    numbers(base, 3) && pre.is_none_or(|p| p.strip_prefix("rc.").is_some_and(|n| numbers(n, 1)))
}

/// The first 8 hex digits of the SHA-256 of `text` (how variants and copies of a tree are named).
pub fn sha8(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// The folder of the crate named `name` under `root` (its `Cargo.toml` says `name = "NAME"`),
/// outside any `target/` or `.git/`, first in path order.
pub fn crate_dir(root: &Path, name: &str) -> Option<PathBuf> {
    let needle = format!("name = \"{name}\"");
    let mut found = Vec::new();
    walk(root, &mut |manifest| {
        if std::fs::read_to_string(manifest).is_ok_and(|t| t.lines().any(|l| l == needle)) {
            found.push(manifest.parent().unwrap_or(root).to_owned());
        }
    });
    found.sort();
    found.into_iter().next()
}

fn walk(dir: &Path, found: &mut impl FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path.is_dir() && !path.is_symlink() && name != "target" && name != ".git" {
            walk(&path, found);
        } else if name == "Cargo.toml" {
            found(&path);
        }
    }
}

/// An I/O error as a failure that says what could not be done.
pub fn io(what: &'static str) -> impl Fn(std::io::Error) -> Failure {
    move |e| Failure::failed(format!("cannot {what}: {e}"))
}

/// Runs `command`, failing with `what` if it cannot start or exits non-zero.
pub fn run(command: &mut Command, what: &str) -> Result<(), Failure> {
    let status = command.status().map_err(|e| Failure::failed(format!("{what}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::failed(format!("{what} failed ({status})")))
    }
}

/// Runs `command` and returns its stdout, or `None` if it fails.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The exit code a child ended with, as this process's (a signal is a failure).
pub fn exit_code(status: std::process::ExitStatus) -> std::process::ExitCode {
    std::process::ExitCode::from(status.code().map_or(1, |c| c.clamp(0, 255) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names_are_recognised() {
        for ok in ["0.11.0-rc.25", "0.10.1-rc.40", "1.0.0"] {
            assert!(is_release(ok), "{ok}");
        }
        for bad in ["0.11", "0.11.0-beta.1", "v0.11.0", "0.11.0-rc.", "core-0.11.0"] {
            assert!(!is_release(bad), "{bad}");
        }
    }

    #[test]
    fn names_hash_like_sha256sum() {
        // `printf %s /src/core | sha256sum | cut -c1-8`, what the bash script named variants with.
        assert_eq!(sha8("/src/core"), "571735ce");
        assert_eq!(sha8(""), "e3b0c442");
    }
}
