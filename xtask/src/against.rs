//! `xtask against`: build and run merosim against another calimero — a published calimero-node
//! release, or a source tree of calimero-network/core (a checkout, any branch, with or without
//! git, or a `git archive` .tar.gz, unpacked into the cache once).
//!
//! A source tree's crates all say version 0.0.0, so its release (which decides the API bridges in
//! build.rs) comes from, in order: `--calimero-version`; git's nearest release tag; the snapshot's
//! name (core-VERSION…); the `[workspace.metadata.workspaces] version` of its Cargo.toml.
//!
//! Each target gets a variant workspace under the cache (`variants/NAME`, variant.rs). The
//! variants share one target dir beside them (cargo keys every library by its dependencies'
//! versions, so variants never overwrite each other's), but for the pinned release's: that one is
//! this repo's own build with production's responder made constructible, shares the repo's target
//! dir, and is what scripts/run and scripts/test build (one per clone, named by its path).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::paths::{cache, crate_dir, exit_code, io, is_release, output, repo, run, sha8};
use crate::release::release_key;
use crate::variant::{prepare, Variant};
use crate::Failure;

/// The version this repo's own Cargo.toml pins, and the oldest release src/protocols/ bridges.
pub const PINNED: &str = "0.11.0-rc.4";
const OLDEST: &str = "0.10.1-rc.37";

/// A target resolved: which release, and its source tree if it is one.
pub struct Target {
    pub version: String,
    pub core: Option<PathBuf>,
    /// The variant's folder name.
    pub name: String,
    /// How `scripts/against` names it (a failing test's repro line starts with it).
    pub spelled: String,
}

pub fn main(args: &[String]) -> Result<ExitCode, Failure> {
    let mut stated = None;
    let mut rest = args;
    while let Some(first) = rest.first() {
        match first.as_str() {
            "--calimero-version" => {
                stated = Some(rest.get(1).ok_or_else(usage)?.clone());
                rest = &rest[2..];
            }
            s if s.starts_with("--calimero-version=") => {
                stated = Some(s["--calimero-version=".len()..].to_owned());
                rest = &rest[1..];
            }
            "-h" | "--help" => return Err(usage()),
            _ => break,
        }
    }
    let (what, mode) = rest.split_first().ok_or_else(usage)?;
    if let Some(v) = stated.as_deref().filter(|v| !is_release(v)) {
        return Err(Failure::usage(format!("--calimero-version {v} is not a release like 0.11.0-rc.25")));
    }
    let target = resolve(what, stated.as_deref())?;
    let variant = prepare(&target)?;
    act(&variant, mode)
}

fn usage() -> Failure {
    Failure::usage(format!(
        "usage: scripts/against [--calimero-version V] VERSION|TREE|ARCHIVE [prepare | build | test|clippy [cargo args…] | run [MEROSIM ARGS…] | MEROSIM ARGS…]\n       \
         VERSION: a calimero-node release from {OLDEST} to {PINNED} (crates.io); TREE: a calimero-network/core\n       \
         source tree; ARCHIVE: a .tar.gz of one"
    ))
}

/// What `what` names: a release, a source tree, or an archive of one (unpacked here).
pub fn resolve(what: &str, stated: Option<&str>) -> Result<Target, Failure> {
    // `pinned`: the release this repo's Cargo.toml pins (what scripts/run and scripts/test build).
    let what = if what == "pinned" { PINNED } else { what };
    let path = Path::new(what);
    let archive = path.is_file() && (what.ends_with(".tar.gz") || what.ends_with(".tgz"));
    let tree = if archive { Some(unpack(path)?) } else { path.is_dir().then(|| path.to_owned()) };
    let Some(tree) = tree else {
        if stated.is_some() {
            return Err(Failure::usage(format!(
                "--calimero-version is for source trees; {what} names the release itself"
            )));
        }
        if !is_release(what) {
            return Err(Failure::usage(format!(
                "{what} is neither a release like 0.10.1-rc.40 nor a source tree or .tar.gz archive"
            )));
        }
        if release_key(what) < release_key(OLDEST) || release_key(what) > release_key(PINNED) {
            return Err(unsupported(what));
        }
        // A variant links one clone's sources (the pinned release's also builds in that clone's
        // target dir), so each clone has its own: cargo judges a build script fresh by mtime, and
        // a variant re-linked to another clone whose build.rs is older kept the first one's cfgs.
        let name = format!("{what}-{}", sha8(&repo().to_string_lossy()));
        let spelled = if what == PINNED { "pinned".to_owned() } else { what.to_owned() };
        return Ok(Target { version: what.to_owned(), core: None, name, spelled });
    };
    let core = tree.canonicalize().map_err(|e| Failure::usage(format!("cannot read {what}: {e}")))?;
    if crate_dir(&core, "calimero-node").is_none() {
        return Err(Failure::usage(format!(
            "{} has no calimero-node crate (expected a calimero-network/core source tree)",
            core.display()
        )));
    }
    let (version, from) = tree_release(&core, stated).ok_or_else(|| {
        Failure::usage(format!(
            "cannot tell which release {} is (no release tag, snapshot name or workspace version); pass --calimero-version",
            core.display()
        ))
    })?;
    eprintln!("note: {} is calimero {version} (from its {from})", core.display());
    if release_key(&version) < release_key(OLDEST) {
        return Err(unsupported(&version));
    }
    let base = core.file_name().and_then(|n| n.to_str()).unwrap_or("core").to_owned();
    let as_stated = stated.map(|v| format!("-as-{v}")).unwrap_or_default();
    // Per clone of merosim too, as a release's variant is.
    let name = format!("src-{base}-{}-{}{as_stated}", sha8(&core.to_string_lossy()), sha8(&repo().to_string_lossy()));
    let spelled = match stated {
        Some(v) => format!("--calimero-version {v} {}", core.display()),
        None => core.display().to_string(),
    };
    Ok(Target { version, core: Some(core), name, spelled })
}

fn unsupported(version: &str) -> Failure {
    Failure::usage(format!(
        "calimero-node {version} is outside what merosim supports ({OLDEST} to {PINNED} from crates.io; source trees from {OLDEST} on)"
    ))
}

/// A source tree's release, and where it was read from.
fn tree_release(core: &Path, stated: Option<&str>) -> Option<(String, &'static str)> {
    if let Some(v) = stated {
        return Some((v.to_owned(), "--calimero-version"));
    }
    let mut git = Command::new("git");
    git.arg("-C").arg(core).args(["describe", "--tags", "--abbrev=0", "--match", "*[0-9].[0-9]*"]);
    if let Some(tag) = output(&mut git).map(|t| t.trim_start_matches('v').to_owned()).filter(|t| is_release(t)) {
        return Some((tag, "git tag"));
    }
    let base = core.file_name()?.to_str()?;
    if let Some(rest) = base.strip_prefix("core-").map(|r| r.trim_start_matches('v')) {
        // The longest release name the rest starts with (`0.11.0-rc.25-19-g051f…` → 0.11.0-rc.25).
        let found = (1..=rest.len()).rev().map(|n| &rest[..n]).find(|p| is_release(p));
        if let Some(v) = found {
            return Some((v.to_owned(), "snapshot name"));
        }
    }
    let manifest = std::fs::read_to_string(core.join("Cargo.toml")).ok()?;
    let mut on = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            on = line.trim() == "[workspace.metadata.workspaces]";
        } else if let Some(v) = line.strip_prefix("version").filter(|_| on) {
            let v = v.trim().trim_start_matches('=').trim().trim_matches('"');
            return is_release(v).then(|| (v.to_owned(), "workspace metadata"));
        }
    }
    None
}

/// Unpacks an archive into the cache once, under the one folder it holds.
fn unpack(archive: &Path) -> Result<PathBuf, Failure> {
    let list = output(Command::new("tar").arg("-tzf").arg(archive))
        .ok_or_else(|| Failure::usage(format!("{} is not a readable source archive", archive.display())))?;
    let top = list.lines().next().and_then(|l| l.split('/').next()).filter(|t| !t.is_empty());
    let top = top.ok_or_else(|| Failure::usage(format!("{} is not a readable source archive", archive.display())))?;
    let sources = cache().join("sources");
    let dest = sources.join(top);
    if !dest.is_dir() {
        eprintln!("unpacking {} into {}", archive.display(), dest.display());
        let partial = sources.join(format!("sources.partial.{}", std::process::id()));
        std::fs::create_dir_all(&partial).map_err(io("create the cache"))?;
        run(Command::new("tar").arg("-xzf").arg(archive).arg("-C").arg(&partial), "unpacking the archive")?;
        std::fs::rename(partial.join(top), &dest).map_err(io("move the unpacked tree"))?;
        let _ = std::fs::remove_dir_all(&partial);
    }
    Ok(dest)
}

/// What to do in a prepared variant: print it, build it, lint or test in it, or run its merosim
/// (`MEROSIM_PROFILE` picks the build profile for `build` and running: dev unless set).
fn act(variant: &Variant, mode: &[String]) -> Result<ExitCode, Failure> {
    let profile = std::env::var("MEROSIM_PROFILE").unwrap_or_else(|_| "dev".to_owned());
    let cargo_status = |args: &[&str], rest: &[String]| -> Result<ExitCode, Failure> {
        let status = variant.cargo().args(args).args(rest).status().map_err(io("run cargo"))?;
        Ok(exit_code(status))
    };
    match mode.first().map(String::as_str) {
        Some("prepare") => {
            println!("{}", variant.dir.display());
            Ok(ExitCode::SUCCESS)
        }
        None | Some("build") => {
            let binary = variant.dir.join("merosim");
            std::fs::copy(build_merosim(variant, &profile)?, &binary).map_err(io("copy the binary"))?;
            // On stdout alone, for scripts (scripts/trace-hashes runs it).
            println!("{}", binary.display());
            Ok(ExitCode::SUCCESS)
        }
        Some("test") => cargo_status(&["test", "--locked"], &mode[1..]),
        Some("clippy") => cargo_status(&["clippy", "--locked"], &mode[1..]),
        Some("run") => run_merosim(variant, &profile, &mode[1..]),
        Some(_) => run_merosim(variant, &profile, mode),
    }
}

/// Builds the variant's merosim and runs it with `args`.
fn run_merosim(variant: &Variant, profile: &str, args: &[String]) -> Result<ExitCode, Failure> {
    let status = Command::new(build_merosim(variant, profile)?).args(args).status().map_err(io("run merosim"))?;
    Ok(exit_code(status))
}

/// Builds the variant's merosim and returns the executable cargo names — not
/// target/PROFILE/merosim, which this repo's own build writes too when both share a target dir.
/// Cargo's progress shows as it builds (a first build takes minutes); the compiler's messages —
/// calimero-node's own warnings among them, which cargo shows for the patched copy as for any
/// path dependency — arrive as JSON and are printed only if the build fails (scripts/test lints
/// this repo's code).
fn build_merosim(variant: &Variant, profile: &str) -> Result<PathBuf, Failure> {
    let built = variant
        .cargo()
        .args(["build", "--locked", "--message-format", "json", "--profile", profile, "--bin", "merosim"])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(io("run cargo build"))?;
    let messages: Vec<serde_json::Value> =
        String::from_utf8_lossy(&built.stdout).lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    if !built.status.success() {
        for rendered in messages.iter().filter_map(|m| m.pointer("/message/rendered").and_then(|r| r.as_str())) {
            eprint!("{rendered}");
        }
        return Err(Failure::failed(format!("cargo build failed ({})", built.status)));
    }
    messages
        .iter()
        .find_map(|m| m.get("executable").and_then(|e| e.as_str()).map(PathBuf::from))
        .ok_or_else(|| Failure::failed("cargo build named no merosim executable"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_s_release_comes_from_its_snapshot_name() {
        let dir = std::env::temp_dir().join(format!("xtask-core-0.11.0-rc.25-19-g051f0848e-{}", std::process::id()));
        let core = dir.join("core-0.11.0-rc.25-19-g051f0848e");
        std::fs::create_dir_all(&core).unwrap();
        assert_eq!(tree_release(&core, None), Some(("0.11.0-rc.25".to_owned(), "snapshot name")));
        assert_eq!(tree_release(&core, Some("0.11.0-rc.20")), Some(("0.11.0-rc.20".to_owned(), "--calimero-version")));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_targets_are_refused_with_the_reason() {
        let err = |what: &str, stated: Option<&str>| resolve(what, stated).err().unwrap().message;
        assert!(err("0.9.0", None).contains("outside what merosim supports"));
        assert!(err("0.11.0-rc.9", None).contains("outside what merosim supports"));
        assert!(err("nonsense", None).contains("neither a release"));
        assert!(err("0.10.1-rc.40", Some("0.10.1-rc.40")).contains("for source trees"));
    }
}
