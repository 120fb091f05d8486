//! Which calimero merosim is being built against, as cfgs for `src/protocols/` (and, for the
//! collection and store APIs an app run uses, `src/crdt/` and `src/store/`).
//!
//! The version is calimero-node's, read from the lockfile of the workspace being built: this
//! repository pins 0.11.0-rc.4; `scripts/against` builds variant workspaces whose lockfiles pin
//! another release — or, for a local checkout (whose crates all say 0.0.0), writes the release
//! its git tag names into `calimero-version` beside the manifest. Each API difference an adapter has to bridge is one cfg,
//! on from the first release that has it, so the code says what it needs rather than which
//! version it is.

use std::path::{Path, PathBuf};

/// The oldest release `src/protocols/` bridges, and the one this repository pins.
const OLDEST: &str = "0.10.1-rc.37";
const PINNED: &str = "0.11.0-rc.4";

/// cfg name, first calimero-node release that has it, what it means.
const FEATURES: &[(&str, &str, &str)] = &[
    ("calimero_hc_verified", "0.10.1-rc.41", "HashComparisonStats::root_hash_verified"),
    ("calimero_not_materialized", "0.10.1-rc.42", "StreamMessage::NotMaterialized"),
    ("calimero_delete_push", "0.11.0-rc.1", "InitPayload::EntityDeletePush and its ack"),
    ("calimero_reset_env", "0.11.0-rc.1", "calimero_storage::env::reset_environment"),
    ("calimero_context_client", "0.11.0-rc.2", "context_client in the sync configs and LevelWise's first request"),
    ("calimero_session_peer", "0.11.0-rc.4", "session_peer in the sync configs"),
    (
        "calimero_collection_rekey",
        "0.11.0-rc.1",
        "calimero_storage::collections::rekey: nested collections get ids derived from their entry",
    ),
    ("calimero_store_raw", "0.11.0-rc.1", "Store::raw_scan / raw_put / raw_delete_range"),
    (
        "calimero_rekey_cascade",
        "0.11.0-rc.2",
        "rekey::register_rekey_cascade (0.11.0-rc.1 names it register_rekey_pub)",
    ),
];

fn main() {
    println!("cargo:rustc-check-cfg=cfg(calimero_unsupported)");
    for (cfg, _, _) in FEATURES {
        println!("cargo:rustc-check-cfg=cfg({cfg})");
    }
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // scripts/against writes the release here for a checkout, whose crates all say 0.0.0.
    let stated = manifest.join("calimero-version");
    if let Ok(version) = std::fs::read_to_string(&stated) {
        println!("cargo:rerun-if-changed={}", stated.display());
        emit(version.trim());
        return;
    }
    let Some(lock) = manifest.ancestors().map(|dir| dir.join("Cargo.lock")).find(|p| p.exists()) else {
        // No lockfile yet (a fresh `cargo package`): assume the pinned release.
        emit(PINNED);
        return;
    };
    println!("cargo:rerun-if-changed={}", lock.display());
    let version = calimero_node_version(&lock).unwrap_or_else(|| PINNED.to_owned());
    emit(&version);
}

fn emit(version: &str) {
    println!("cargo:rustc-env=MEROSIM_CALIMERO_VERSION={version}");
    if key(version) < key(OLDEST) {
        println!("cargo:rustc-cfg=calimero_unsupported");
        println!("cargo:warning=calimero-node {version} is older than {OLDEST}, the oldest release merosim supports");
    }
    for (cfg, since, _) in FEATURES {
        if key(version) >= key(since) {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}

/// The `version` of the `calimero-node` package in a Cargo.lock.
fn calimero_node_version(lock: &Path) -> Option<String> {
    let text = std::fs::read_to_string(lock).ok()?;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"calimero-node\"" {
            let version = lines.next()?.trim().strip_prefix("version = \"")?.strip_suffix('"')?;
            return Some(version.to_owned());
        }
    }
    None
}

/// A sortable key: "0.10.1-rc.40" → (0, 10, 1, 0, 40); a release sorts after its candidates.
fn key(version: &str) -> (u64, u64, u64, u64, u64) {
    let (base, pre) = version.split_once('-').unwrap_or((version, ""));
    let mut parts = base.split('.').map(|p| p.parse().unwrap_or(0));
    let (a, b, c) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    match pre.rsplit('.').next().and_then(|n| n.parse().ok()) {
        Some(rc) if !pre.is_empty() => (a, b, c, 0, rc),
        _ => (a, b, c, 1, 0),
    }
}
