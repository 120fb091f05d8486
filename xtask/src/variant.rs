//! A variant workspace: this repo's sources linked in, its own Cargo.toml with the calimero set
//! pinned to the target (or made path dependencies on a source tree), its own Cargo.lock in which
//! every calimero crate — indirect ones included — is pinned too, and, where the visibility patch
//! applies, a [patch] onto a copy of calimero-node that scripts/visibility-patch made
//! constructible. src/protocols/ adapts to the version build.rs finds in the variant's lockfile.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::against::{Target, PINNED};
use crate::paths::{cache, crate_dir, io, output, repo, run, sha8};
use crate::release::{locked_packages, release_key};
use crate::Failure;

/// The oldest release whose `SyncManager` constructor src/protocols/manager.rs knows: the
/// visibility patch is applied from here on.
const VISIBLE_FROM: &str = "0.11.0-rc.4";

/// A prepared variant: its workspace, and the target dir its builds go to.
pub struct Variant {
    pub dir: PathBuf,
    pub target_dir: PathBuf,
}

impl Variant {
    /// Cargo in the variant, with its target dir and this repo's toolchain (also inside a tree
    /// whose rust-toolchain.toml names another: nothing may need the network but crates.io).
    pub fn cargo(&self) -> Command {
        let mut cargo = Command::new("cargo");
        cargo.current_dir(&self.dir).env("CARGO_TARGET_DIR", &self.target_dir);
        // What `cargo run` set for this xtask is not the variant's: a build script that asks
        // to rerun when CARGO_MANIFEST_DIR changes (ring's) would see xtask's here and rebuild,
        // with the ~30 crates above it, every time the repo's build and a variant's alternate.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if SET_BY_CARGO_RUN.contains(&name.as_ref()) || name.starts_with("CARGO_PKG_") {
                cargo.env_remove(name.as_ref());
            }
        }
        let toolchain = std::env::var("RUSTUP_TOOLCHAIN").ok().or_else(|| {
            output(Command::new("rustup").arg("show").arg("active-toolchain").current_dir(repo()))
                .and_then(|t| t.split_whitespace().next().map(str::to_owned))
        });
        match toolchain {
            Some(t) => cargo.env("RUSTUP_TOOLCHAIN", t),
            None => cargo.env_remove("RUSTUP_TOOLCHAIN"),
        };
        cargo
    }
}

/// The variables `cargo run` sets for the binary it runs (besides `CARGO_PKG_*`).
const SET_BY_CARGO_RUN: &[&str] = &[
    "CARGO",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
];

/// The pinned release's variant is this repo's own build but for the patched calimero-node, so
/// it shares the repo's target dir (every other crate is the same unit: scripts/test builds both
/// for about two minutes more than one); any other target gets the cache's, beside its variant.
fn target_dir(target: &Target) -> PathBuf {
    if keeps_stand_ins(&target.version, target.core.as_deref()) {
        return std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("target"));
    }
    cache().join("target")
}

/// Makes (or refreshes) the target's variant workspace.
pub fn prepare(target: &Target) -> Result<Variant, Failure> {
    let (repo, cache) = (repo(), cache());
    let core = target.core.as_deref().map(|core| private_copy(core, &cache)).transpose()?;
    let variant = Variant { dir: cache.join("variants").join(&target.name), target_dir: target_dir(target) };
    let dir = &variant.dir;
    std::fs::create_dir_all(dir.join("sim-tests")).map_err(io("create the variant"))?;
    for f in ["src", "tests", "docs", "assets", "patches", ".cargo", "rustfmt.toml", "build.rs"] {
        link(&repo.join(f), &dir.join(f))?;
    }
    for f in ["src", "tests", "build.rs"] {
        link(&repo.join("sim-tests").join(f), &dir.join("sim-tests").join(f))?;
    }
    let tests_manifest = std::fs::read_to_string(repo.join("sim-tests/Cargo.toml")).map_err(io("read sim-tests"))?;
    write_if_changed(&dir.join("sim-tests/Cargo.toml"), &tests_manifest)?;
    // build.rs reads the release from here when the lockfile cannot say (a source tree is
    // 0.0.0), and probes the tree itself for API changes no release boundary pins down.
    write_if_changed(&dir.join("calimero-version"), &format!("{}\n", target.version))?;
    // build.rs hands this to the library: a failing test's repro line re-runs it in this variant.
    write_if_changed(&dir.join("test-command"), &format!("scripts/against {} test\n", target.spelled))?;
    match &core {
        Some(core) => write_if_changed(&dir.join("calimero-core"), &format!("{}\n", core.display()))?,
        None => {
            std::fs::remove_file(dir.join("calimero-core")).or_else(missing_is_fine).map_err(io("write the variant"))?
        }
    }
    let manifest = manifest(&repo, &target.version, core.as_deref())?;
    std::fs::write(dir.join("Cargo.toml"), &manifest).map_err(io("write the variant's manifest"))?;
    // Other releases build the real calimero-runtime (wasmer, whose build script runs bindgen)
    // and the real RocksDB: both need libclang, which the repo's own build does not.
    if !keeps_stand_ins(&target.version, core.as_deref()) {
        run(&mut Command::new(repo.join("scripts/ensure-system-deps")), "scripts/ensure-system-deps")?;
    }
    eprintln!(
        "merosim against calimero-node {}{}: variant {}",
        target.version,
        core.as_ref().map(|c| format!(" (checkout {})", c.display())).unwrap_or_default(),
        dir.display()
    );
    let cargo = || variant.cargo();
    let metadata = || {
        run(cargo().args(["metadata", "--format-version", "1"]).stdout(std::process::Stdio::null()), "cargo metadata")
    };
    // Start from this repo's lockfile so third-party crates stay at the versions merosim is
    // known to build with; then pin every calimero crate that floated back to the target. The
    // pinned release's variant takes it afresh whenever the repo's changed (its build must stay
    // the repo's), and only then: adding the [patch] to a fresh copy asks crates.io.
    let repo_lock = std::fs::read(repo.join("Cargo.lock")).map_err(io("read Cargo.lock"))?;
    let taken = dir.join("Cargo.lock.taken");
    let stale =
        keeps_stand_ins(&target.version, core.as_deref()) && std::fs::read(&taken).map_or(true, |t| t != repo_lock);
    if stale || !dir.join("Cargo.lock").exists() {
        std::fs::write(dir.join("Cargo.lock"), &repo_lock).map_err(io("copy the lockfile"))?;
        std::fs::write(&taken, &repo_lock).map_err(io("copy the lockfile"))?;
        metadata()?;
        if core.is_none() {
            pin_calimero(dir, &target.version, &cargo, &metadata)?;
        }
    }
    let visible = visibility(dir, &target.version, core.as_deref(), &cargo, "calimero-node")?;
    // Production's signer of User-owned writes (calimero-context), for the `user` collection.
    let signing = visible && visibility(dir, &target.version, core.as_deref(), &cargo, "calimero-context")?;
    // The lockfile follows the [patch] the visibility step may add, and picks up any dependency
    // this repo gained since the variant was made (the calimero set stays pinned).
    metadata()?;
    // build.rs turns these into the `calimero_manager_visible` and `calimero_node_virtual_time`
    // cfgs: production's responder is constructible; calimero-node's own tokio is madsim-tokio.
    let node_manifest = match core.as_deref() {
        Some(core) => crate_dir(core, "calimero-node").map(|d| d.join("Cargo.toml")),
        None => Some(dir.join("calimero-node-visible/Cargo.toml")),
    };
    let node_manifest = node_manifest.and_then(|m| std::fs::read_to_string(m).ok()).unwrap_or_default();
    let virtual_time = visible
        && node_manifest.lines().any(|l| {
            l == "package = \"merosim-node-tokio\"" || l.starts_with("tokio = { package = \"merosim-node-tokio\"")
        });
    // Written either way: build.rs watches a marker only while it exists, so one that appeared
    // later would never rerun it (the cfgs would stay those of the first build).
    for (marker, on) in
        [("calimero-visible", visible), ("calimero-virtual-time", virtual_time), ("calimero-signing", signing)]
    {
        write_if_changed(&dir.join(marker), if on { "on\n" } else { "off\n" })?;
    }
    Ok(variant)
}

/// Writes `text` unless the file holds it already: build.rs reruns when these files change, and
/// a rerun rebuilds merosim (ten seconds on every `scripts/run`).
fn write_if_changed(path: &Path, text: &str) -> Result<(), Failure> {
    if std::fs::read_to_string(path).is_ok_and(|t| t == text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(io("write the variant"))
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
/// crate-private, and its signer of User-owned writes is crate-private in calimero-context:
/// scripts/visibility-patch makes them public in `krate` (a copy of the published crate inside the
/// variant, which a [patch] then points at; a tree's own copy). Whether it applied.
fn visibility(
    variant: &Path,
    version: &str,
    core: Option<&Path>,
    cargo: &impl Fn() -> Command,
    krate: &str,
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
        let dir = crate_dir(core, krate).ok_or_else(|| Failure::usage(format!("the tree has no {krate} crate")))?;
        return patch(&dir);
    }
    let local = format!("{krate}-visible");
    let visible = variant.join(&local);
    if !visible.is_dir() {
        run(cargo().args(["fetch", "-q"]), "cargo fetch")?;
        let published = registry_source(&format!("{krate}-{version}"))
            .ok_or_else(|| Failure::failed(format!("cargo fetched no {krate}-{version} source")))?;
        let partial = variant.join(format!("{local}.partial"));
        let _ = std::fs::remove_dir_all(&partial);
        run(Command::new("cp").arg("-r").arg(&published).arg(&partial), &format!("copying {krate}"))?;
        std::fs::rename(&partial, &visible).map_err(io("move the crate's copy"))?;
    }
    if !patch(&visible)? {
        return Ok(false);
    }
    let manifest = variant.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(io("read the variant's manifest"))?;
    let line = format!("{krate} = {{ path = \"{local}\" }}\n");
    if !text.contains(&line) {
        let text = text.replace("[patch.crates-io]\n", &format!("[patch.crates-io]\n{line}"));
        std::fs::write(&manifest, text).map_err(io("write the variant's manifest"))?;
    }
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
}
