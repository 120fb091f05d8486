//! `xtask against`: build and run merosim against another calimero — a published calimero-node
//! release, or a source tree of calimero-network/core (a checkout, any branch, with or without
//! git, or a `git archive` .tar.gz, unpacked into the cache once).
//!
//! A source tree's crates all say version 0.0.0, so its release (which decides the API bridges in
//! build.rs) comes from, in order: `--calimero-version`; git's nearest release tag; the snapshot's
//! name (core-VERSION…); the `[workspace.metadata.workspaces] version` of its Cargo.toml.
//!
//! Each target gets a variant workspace under the cache (`variants/NAME`): this repo's sources
//! linked in, its own Cargo.toml with the calimero set pinned to the target, and its own
//! Cargo.lock in which every calimero crate — indirect ones included — is pinned too. The
//! variants share one target dir beside them (cargo keys every library by its dependencies'
//! versions, so variants never overwrite each other's). src/protocols/ adapts to the version
//! build.rs finds in the variant's lockfile.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::paths::{cache, crate_dir, exit_code, is_release, output, repo, run, sha8};
use crate::release::{locked_packages, release_key};
use crate::Failure;

/// The version this repo's own Cargo.toml pins, and the oldest release src/protocols/ bridges.
const PINNED: &str = "0.11.0-rc.4";
const OLDEST: &str = "0.10.1-rc.37";
/// The oldest release whose `SyncManager` constructor src/protocols/manager.rs knows: the
/// visibility patch is applied from here on.
const VISIBLE_FROM: &str = "0.11.0-rc.4";

/// A target resolved: which release, and its source tree if it is one.
pub struct Target {
    pub version: String,
    pub core: Option<PathBuf>,
    /// The variant's folder name.
    pub name: String,
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
        "usage: scripts/against [--calimero-version V] VERSION|TREE|ARCHIVE [prepare | build | test [cargo test args…] | MEROSIM ARGS…]\n       \
         VERSION: a calimero-node release from {OLDEST} to {PINNED} (crates.io); TREE: a calimero-network/core\n       \
         source tree; ARCHIVE: a .tar.gz of one"
    ))
}

/// What `what` names: a release, a source tree, or an archive of one (unpacked here).
pub fn resolve(what: &str, stated: Option<&str>) -> Result<Target, Failure> {
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
        return Ok(Target { version: what.to_owned(), core: None, name: what.to_owned() });
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
    let name = format!("src-{base}-{}{as_stated}", sha8(&core.to_string_lossy()));
    Ok(Target { version, core: Some(core), name })
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

fn io(what: &'static str) -> impl Fn(std::io::Error) -> Failure {
    move |e| Failure::failed(format!("cannot {what}: {e}"))
}

/// Makes (or refreshes) the target's variant workspace and returns its folder.
pub fn prepare(target: &Target) -> Result<PathBuf, Failure> {
    let (repo, cache) = (repo(), cache());
    let core = target.core.as_deref().map(|core| private_copy(core, &cache)).transpose()?;
    let variant = cache.join("variants").join(&target.name);
    std::fs::create_dir_all(variant.join("sim-tests")).map_err(io("create the variant"))?;
    for f in ["src", "tests", "docs", "assets", "patches", ".cargo", "rustfmt.toml", "build.rs"] {
        link(&repo.join(f), &variant.join(f))?;
    }
    for f in ["src", "tests", "build.rs"] {
        link(&repo.join("sim-tests").join(f), &variant.join("sim-tests").join(f))?;
    }
    std::fs::copy(repo.join("sim-tests/Cargo.toml"), variant.join("sim-tests/Cargo.toml"))
        .map_err(io("copy sim-tests"))?;
    // build.rs reads the release from here when the lockfile cannot say (a source tree is
    // 0.0.0), and probes the tree itself for API changes no release boundary pins down.
    std::fs::write(variant.join("calimero-version"), format!("{}\n", target.version))
        .map_err(io("write the variant"))?;
    match &core {
        Some(core) => std::fs::write(variant.join("calimero-core"), format!("{}\n", core.display())),
        None => std::fs::remove_file(variant.join("calimero-core")).or_else(missing_is_fine),
    }
    .map_err(io("write the variant"))?;
    let manifest = manifest(&repo, &target.version, core.as_deref())?;
    std::fs::write(variant.join("Cargo.toml"), &manifest).map_err(io("write the variant's manifest"))?;
    // Other releases build the real calimero-runtime (wasmer, whose build script runs bindgen)
    // and the real RocksDB: both need libclang, which the repo's own build does not.
    if !keeps_stand_ins(&target.version, core.as_deref()) {
        run(&mut Command::new(repo.join("scripts/ensure-system-deps")), "scripts/ensure-system-deps")?;
    }
    eprintln!(
        "merosim against calimero-node {}{}: variant {}",
        target.version,
        core.as_ref().map(|c| format!(" (checkout {})", c.display())).unwrap_or_default(),
        variant.display()
    );
    let cargo = || cargo_in(&variant, &repo, &cache);
    let metadata = || {
        run(cargo().args(["metadata", "--format-version", "1"]).stdout(std::process::Stdio::null()), "cargo metadata")
    };
    if !variant.join("Cargo.lock").exists() {
        // Start from this repo's lockfile so third-party crates stay at the versions merosim is
        // known to build with; then pin every calimero crate that floated back to the target.
        std::fs::copy(repo.join("Cargo.lock"), variant.join("Cargo.lock")).map_err(io("copy the lockfile"))?;
        metadata()?;
        if core.is_none() {
            pin_calimero(&variant, &target.version, &cargo, &metadata)?;
        }
    }
    let visible = visibility(&variant, &target.version, core.as_deref(), &cargo)?;
    // The lockfile follows the [patch] the visibility step may add, and picks up any dependency
    // this repo gained since the variant was made (the calimero set stays pinned).
    metadata()?;
    // build.rs turns this into the `calimero_manager_visible` cfg.
    let marker = variant.join("calimero-visible");
    if visible { std::fs::write(&marker, "") } else { std::fs::remove_file(&marker).or_else(missing_is_fine) }
        .map_err(io("write the variant"))?;
    Ok(variant)
}

fn missing_is_fine(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

/// The visibility patch never touches the user's checkout: a tree outside the cache is copied.
fn private_copy(core: &Path, cache: &Path) -> Result<PathBuf, Failure> {
    if core.starts_with(cache.join("sources")) {
        return Ok(core.to_owned());
    }
    let base = core.file_name().and_then(|n| n.to_str()).unwrap_or("core");
    let copy = cache.join("sources").join(format!("copy-{base}-{}", sha8(&core.to_string_lossy())));
    eprintln!("copying {} to {} (the visibility patch never touches your checkout)", core.display(), copy.display());
    let partial = copy.with_extension("partial");
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).map_err(io("create the copy"))?;
    run(
        Command::new("sh")
            .args(["-c", "tar -C \"$1\" --exclude=./target --exclude=./.git -cf - . | tar -C \"$2\" -xf -", "sh"])
            .arg(core)
            .arg(&partial),
        "copying the tree",
    )?;
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::rename(&partial, &copy).map_err(io("move the copy"))?;
    Ok(copy)
}

fn link(from: &Path, to: &Path) -> Result<(), Failure> {
    let _ = std::fs::remove_file(to);
    std::os::unix::fs::symlink(from, to).map_err(io("link the repo into the variant"))
}

/// Whether the repo's stand-ins (RocksDB, calimero's server and WASM runtime) build with this
/// target: they know the pinned release's API only. With them, the pinned release's variant
/// differs from the repo's own build in calimero-node alone and needs no libclang.
fn keeps_stand_ins(version: &str, core: Option<&Path>) -> bool {
    core.is_none() && version == PINNED
}

/// The variant's Cargo.toml: the repo's, with the calimero set pinned to the release (or, for a
/// tree, made path dependencies on it: the tree's own crates reach each other through its
/// workspace), and without the stand-ins unless [`keeps_stand_ins`].
fn manifest(repo: &Path, version: &str, core: Option<&Path>) -> Result<String, Failure> {
    let text = std::fs::read_to_string(repo.join("Cargo.toml")).map_err(io("read Cargo.toml"))?;
    let pin = format!("\"={PINNED}\"");
    let keep = keeps_stand_ins(version, core);
    let mut out = String::new();
    for line in text.lines() {
        let stand_in = ["rocksdb", "calimero-server", "calimero-runtime"]
            .iter()
            .any(|c| line.starts_with(&format!("{c} = {{ path = \"patches/")) && line.ends_with("\" }"));
        if stand_in && !keep {
            continue;
        }
        let calimero =
            line.split_once(" = ").filter(|(name, rest)| name.starts_with("calimero-") && rest.contains("\"="));
        let line = match (calimero, core) {
            (Some(_), None) => line.replace(&pin, &format!("\"={version}\"")),
            (Some((name, rest)), Some(core)) => {
                let dir = crate_dir(core, name)
                    .ok_or_else(|| Failure::usage(format!("{} has no {name} crate", core.display())))?;
                let path = format!("path = \"{}\"", dir.display());
                match rest.strip_prefix("{ version = \"=").and_then(|r| r.split_once('"')) {
                    Some((_, tail)) => format!("{name} = {{ {path}{tail}"),
                    None => format!("{name} = {{ {path} }}"),
                }
            }
            // The repo's own patches stay `patches/…` through the variant's link: cargo hashes a
            // path dependency by its path relative to the workspace root, so the variant's
            // getrandom and stand-ins are the very units of the repo's build (an absolute path
            // made them new ones and rebuilt ~300 crates above them in a shared target dir).
            (None, _) => line.to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// Cargo in the variant, with the variants' shared target dir and this repo's toolchain (also
/// inside a tree whose rust-toolchain.toml names another: nothing may need the network but
/// crates.io).
fn cargo_in(variant: &Path, repo: &Path, cache: &Path) -> Command {
    let mut cargo = Command::new("cargo");
    cargo.current_dir(variant).env("CARGO_TARGET_DIR", cache.join("target"));
    let toolchain = std::env::var("RUSTUP_TOOLCHAIN").ok().or_else(|| {
        output(Command::new("rustup").arg("show").arg("active-toolchain").current_dir(repo))
            .and_then(|t| t.split_whitespace().next().map(str::to_owned))
    });
    match toolchain {
        Some(t) => cargo.env("RUSTUP_TOOLCHAIN", t),
        None => cargo.env_remove("RUSTUP_TOOLCHAIN"),
    };
    cargo
}

/// Pins every calimero crate in the variant's lockfile to `version`, where crates.io has it.
fn pin_calimero(
    variant: &Path,
    version: &str,
    cargo: &impl Fn() -> Command,
    metadata: &impl Fn() -> Result<(), Failure>,
) -> Result<(), Failure> {
    let floated = || -> Result<Vec<(String, String)>, Failure> {
        let lock = std::fs::read_to_string(variant.join("Cargo.lock")).map_err(io("read the variant's lockfile"))?;
        let mut floated: Vec<_> =
            locked_packages(&lock).into_iter().filter(|(n, v)| n.starts_with("calimero-") && v != version).collect();
        floated.sort();
        floated.dedup();
        Ok(floated)
    };
    for _ in 0..8 {
        metadata()?;
        let mut changed = false;
        for (name, have) in floated()? {
            let status = cargo()
                .args(["update", "-q", "-p", &format!("{name}@{have}"), "--precise", version])
                .stderr(std::process::Stdio::null())
                .status();
            changed |= status.is_ok_and(|s| s.success());
        }
        if !changed {
            break;
        }
    }
    let left: Vec<String> = floated()?.into_iter().map(|(n, v)| format!("{n}@{v}")).collect();
    if !left.is_empty() {
        eprintln!("note: no {version} release of: {} (they stay as resolved)", left.join(" "));
    }
    Ok(())
}

/// Production's responders need calimero-node's `SyncManager`, whose constructor is
/// crate-private: scripts/visibility-patch makes it public (a copy of the published crate inside
/// the variant, which a [patch] then points at; a tree's own copy). Whether it applied.
fn visibility(
    variant: &Path,
    version: &str,
    core: Option<&Path>,
    cargo: &impl Fn() -> Command,
) -> Result<bool, Failure> {
    if release_key(version) < release_key(VISIBLE_FROM) {
        return Ok(false);
    }
    let patch = |dir: &Path| -> Result<bool, Failure> {
        let status = Command::new(repo().join("scripts/visibility-patch"))
            .arg(dir)
            .status()
            .map_err(|e| Failure::failed(format!("scripts/visibility-patch: {e}")))?;
        // Exit 3: this release's code does not match the patch (nothing to make visible).
        match status.code() {
            Some(0) => Ok(true),
            Some(3) => Ok(false),
            _ => Err(Failure::failed(format!("scripts/visibility-patch {} failed ({status})", dir.display()))),
        }
    };
    if let Some(core) = core {
        let node =
            crate_dir(core, "calimero-node").ok_or_else(|| Failure::usage("the tree has no calimero-node crate"))?;
        return patch(&node);
    }
    let visible = variant.join("calimero-node-visible");
    if !visible.is_dir() {
        run(cargo().args(["fetch", "-q"]), "cargo fetch")?;
        let published = registry_source(&format!("calimero-node-{version}"))
            .ok_or_else(|| Failure::failed(format!("cargo fetched no calimero-node-{version} source")))?;
        let partial = variant.join("calimero-node-visible.partial");
        let _ = std::fs::remove_dir_all(&partial);
        run(Command::new("cp").arg("-r").arg(&published).arg(&partial), "copying calimero-node")?;
        std::fs::rename(&partial, &visible).map_err(io("move the calimero-node copy"))?;
    }
    if !patch(&visible)? {
        return Ok(false);
    }
    let manifest = variant.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(io("read the variant's manifest"))?;
    let text = text
        .replace("[patch.crates-io]\n", "[patch.crates-io]\ncalimero-node = { path = \"calimero-node-visible\" }\n");
    std::fs::write(&manifest, text).map_err(io("write the variant's manifest"))?;
    Ok(true)
}

/// `~/.cargo/registry/src/*/NAME`, the first registry that has it.
fn registry_source(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"));
    let mut registries: Vec<PathBuf> =
        std::fs::read_dir(home.join("registry/src")).ok()?.flatten().map(|e| e.path()).collect();
    registries.sort();
    registries.into_iter().map(|r| r.join(name)).find(|p| p.is_dir())
}

/// What to do in a prepared variant: print it, build it, test in it, or run its merosim.
fn act(variant: &Path, mode: &[String]) -> Result<ExitCode, Failure> {
    let (repo, cache) = (repo(), cache());
    let cargo = || cargo_in(variant, &repo, &cache);
    let build = |to_stderr: bool| -> Result<(), Failure> {
        let mut command = cargo();
        command.args(["build", "--locked", "--bins"]);
        if to_stderr {
            command.stdout(std::io::stderr());
        }
        run(&mut command, "cargo build")?;
        std::fs::copy(cache.join("target/debug/merosim"), variant.join("merosim")).map_err(io("copy the binary"))?;
        Ok(())
    };
    match mode.first().map(String::as_str) {
        Some("prepare") => {
            println!("{}", variant.display());
            Ok(ExitCode::SUCCESS)
        }
        None | Some("build") => {
            build(false)?;
            eprintln!("built {}", variant.join("merosim").display());
            Ok(ExitCode::SUCCESS)
        }
        Some("test") => {
            let status = cargo().args(["test", "--locked"]).args(&mode[1..]).status().map_err(io("run cargo test"))?;
            Ok(exit_code(status))
        }
        Some(_) => {
            build(true)?;
            let status = Command::new(variant.join("merosim")).args(mode).status().map_err(io("run merosim"))?;
            Ok(exit_code(status))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_pins_the_calimero_set_and_drops_the_stand_ins() {
        let text = manifest(&repo(), "0.10.1-rc.40", None).unwrap();
        assert!(text.contains("calimero-node = \"=0.10.1-rc.40\""), "{text}");
        assert!(!text.contains(&format!("\"={PINNED}\"")), "{text}");
        for stand_in in ["rocksdb", "calimero-server", "calimero-runtime"] {
            assert!(!text.contains(&format!("{stand_in} = {{ path = ")), "{text}");
        }
        assert!(text.contains("getrandom = { path = \"patches/getrandom-0.2\" }"), "the madsim patch stays");
        let pinned = manifest(&repo(), PINNED, None).unwrap();
        let runtime = "calimero-runtime = { path = \"patches/calimero-runtime\" }";
        assert!(pinned.contains(runtime), "the pinned release keeps the stand-ins: {pinned}");
        assert!(text.contains("[patch.crates-io]"), "the section stays for the visibility patch");
    }

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
