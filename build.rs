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
    (
        "calimero_root_merge_dispatch",
        "0.11.0-rc.4",
        "sync::protocol_selector::dispatch_deferred_root_merges, public with scripts/visibility-patch",
    ),
    ("calimero_scope_root", "0.11.0-rc.7", "scope_root in DagHeadsResponse"),
    ("calimero_init_pop", "0.11.0-rc.10", "init_pop (proof of possession) in the sync configs"),
    (
        "calimero_signed_deltas",
        "0.11.0-rc.9",
        "a delta carries its author's envelope signature (delta_auth), which the DAG catch-up and parent pulls verify",
    ),
    ("calimero_no_compare", "0.11.0-rc.14", "calimero_storage Action::Compare is gone"),
    (
        "calimero_sorted_index",
        "0.11.0-rc.1",
        "SortedMap / SortedSet and their ordered index (calimero_storage::env::storage_index_*)",
    ),
    (
        "calimero_index_bridge",
        "0.11.0-rc.19",
        "the ordered index and its marker go through the RuntimeEnv to the node's store (IndexCallbacks)",
    ),
];

/// API changes that landed between two releases we have no tree of: probed in a source tree's
/// own code (cfg, file under the tree, text that file has once the change is in).
const PROBES: &[(&str, &str, &str)] = &[
    // `ContextClient::execute` lost its aliases argument.
    (
        "calimero_execute_no_aliases",
        "crates/context/primitives/src/client/mod.rs",
        "payload: Vec<u8>,\n        atomic: Option<ContextAtomic>,\n    ) -> Result<ExecuteResponse, ExecuteError> {",
    ),
    // A receiver recomputes a delta's id from its content (#3547, 0.11.0-rc.24).
    ("calimero_content_addressed", "crates/storage/src/delta.rs", "pub fn content_address_matches("),
    // `SharedKey::encrypt` draws its own nonce; a caller-chosen one goes through `encrypt_with_nonce`.
    ("calimero_encrypt_with_nonce", "crates/crypto/src/lib.rs", "pub fn encrypt_with_nonce("),
    ("calimero_runtime_account", "crates/node/primitives/src/sync/storage_bridge.rs", "account_id: AccountId"),
    // The constructors src/protocols/manager.rs calls lost an argument each.
    ("calimero_node_state_bare", "crates/node/src/state.rs", "fn new() -> Self {"),
    (
        "calimero_node_client_no_topic",
        "crates/node/primitives/src/client.rs",
        "sync_client: SyncClient,\n        local_delta_tx",
    ),
    (
        "calimero_identity_no_sender_key",
        "crates/store/src/types/context.rs",
        "pub struct ContextIdentity {\n    pub private_key: Option<[u8; 32]>,\n}",
    ),
    // Records of an installed application (src/protocols/manager.rs writes both).
    ("calimero_app_package_info", "crates/store/src/types/application.rs", "info: PackageInfo,"),
    (
        "calimero_app_state_version",
        "crates/store/src/types/application.rs",
        "    pub signer_id: Box<str>,\n    pub state_version: u32,",
    ),
    ("calimero_blob_refs", "crates/store/src/types/blobs.rs", "links: Box<[key::BlobMeta]>, refs: u32"),
    // A delta's envelope signature covers its HLC too.
    (
        "calimero_signed_hlc",
        "crates/node/primitives/src/sync/delta_auth.rs",
        "governance_position: Option<&GovernanceParentEdge>,\n    hlc: HybridTimestamp,",
    ),
    // The broadcast seals the expected root and the events with the artifact (`SealedDeltaPayload`),
    // and the gossip handler's message carries neither beside it.
    ("calimero_sealed_delta", "crates/node/primitives/src/sync/snapshot.rs", "pub struct SealedDeltaPayload {"),
    // A delta no longer carries the root hash its origin expected.
    (
        "calimero_delta_no_root",
        "crates/dag/src/lib.rs",
        "hlc: calimero_storage::logical_clock::HybridTimestamp,\n    ) -> Self {",
    ),
];

fn main() {
    println!("cargo:rustc-check-cfg=cfg(calimero_unsupported)");
    for (cfg, _, _) in FEATURES.iter().chain(PROBES) {
        println!("cargo:rustc-check-cfg=cfg({cfg})");
    }
    println!("cargo:rustc-check-cfg=cfg(calimero_manager_visible)");
    println!("cargo:rustc-check-cfg=cfg(calimero_signing_visible)");
    println!("cargo:rustc-check-cfg=cfg(calimero_user_storage)");
    println!("cargo:rustc-check-cfg=cfg(calimero_node_virtual_time)");
    println!("cargo:rustc-check-cfg=cfg(calimero_node_path)");
    println!("cargo:rustc-check-cfg=cfg(calimero_gossip_handler)");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // scripts/against leaves this marker once scripts/visibility-patch made calimero-node's
    // `SyncManager::new` public: production's HashComparison responder is then in reach.
    let visible = marker(&manifest, "calimero-visible");
    if visible {
        println!("cargo:rustc-cfg=calimero_manager_visible");
    }
    // ... and this one once it made calimero-context's signer of User-owned writes public.
    let signing = marker(&manifest, "calimero-signing");
    if signing {
        println!("cargo:rustc-cfg=calimero_signing_visible");
    }
    // How a failing test of this build is re-run: scripts/against writes its own command line
    // into a variant; this repo's own build is plain cargo's.
    let rerun = manifest.join("test-command");
    let command = std::fs::read_to_string(&rerun).map(|c| c.trim().to_owned());
    if command.is_ok() {
        println!("cargo:rerun-if-changed={}", rerun.display());
    }
    println!("cargo:rustc-env=MEROSIM_TEST_COMMAND={}", command.unwrap_or_else(|_| "cargo test".to_owned()));
    // ... and this one once scripts/visibility-patch built the copy's tokio on madsim-tokio.
    let mut node_path = false;
    if marker(&manifest, "calimero-virtual-time") {
        println!("cargo:rustc-cfg=calimero_node_virtual_time");
        // Production's node path (its delta store, whose timers must be madsim's) needs both.
        if visible {
            println!("cargo:rustc-cfg=calimero_node_path");
            node_path = true;
        }
    }
    // scripts/against writes the release here for a checkout, whose crates all say 0.0.0.
    let stated = manifest.join("calimero-version");
    if let Ok(version) = std::fs::read_to_string(&stated) {
        println!("cargo:rerun-if-changed={}", stated.display());
        emit(version.trim());
        let probed = probe(&manifest.join("calimero-core"));
        gossip_handler(node_path, &probed);
        user_storage(signing, version.trim(), &probed);
        return;
    }
    let Some(lock) = manifest.ancestors().map(|dir| dir.join("Cargo.lock")).find(|p| p.exists()) else {
        // No lockfile yet (a fresh `cargo package`): assume the pinned release.
        emit(PINNED);
        user_storage(signing, PINNED, &[]);
        return;
    };
    println!("cargo:rerun-if-changed={}", lock.display());
    let version = calimero_node_version(&lock).unwrap_or_else(|| PINNED.to_owned());
    emit(&version);
    gossip_handler(node_path, &[]);
    user_storage(signing, &version, &[]);
}

/// merosim drives `UserStorage` where production's signer is in reach (the visibility patch),
/// on releases whose sync configs name the session peer (0.11.0-rc.4 on) and before the owner
/// became an account that only governance binds to its signer (the probed `create_runtime_env`
/// account, 0.11.0-rc.20): `cfg(calimero_user_storage)`.
fn user_storage(signing: bool, version: &str, probed: &[&str]) {
    let since = FEATURES.iter().find(|(cfg, _, _)| *cfg == "calimero_session_peer").map(|(_, since, _)| *since);
    let peer = since.is_some_and(|since| release_key(version) >= release_key(since));
    if signing && peer && !probed.contains(&"calimero_runtime_account") {
        println!("cargo:rustc-cfg=calimero_user_storage");
    }
}

/// Production's gossip handler (`handle_state_delta`) runs on production's node path where a
/// context without a group decrypts with its author's `sender_key`: every published release and
/// tree up to the rc.25 + 19 tree, which registers every context to a group and authorizes each
/// delta against its governance DAG (docs/architecture.md, the delta-apply row).
fn gossip_handler(node_path: bool, probed: &[&str]) {
    if node_path && !probed.contains(&"calimero_identity_no_sender_key") {
        println!("cargo:rustc-cfg=calimero_gossip_handler");
    }
}

/// Whether scripts/against's marker says `on` (it writes `on` or `off`, and the file is watched).
fn marker(manifest: &Path, name: &str) -> bool {
    let path = manifest.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            println!("cargo:rerun-if-changed={}", path.display());
            text.trim() == "on"
        }
        Err(_) => false,
    }
}

fn emit(version: &str) {
    println!("cargo:rustc-env=MEROSIM_CALIMERO_VERSION={version}");
    if release_key(version) < release_key(OLDEST) {
        println!("cargo:rustc-cfg=calimero_unsupported");
        println!("cargo:warning=calimero-node {version} is older than {OLDEST}, the oldest release merosim supports");
    }
    for (cfg, since, _) in FEATURES {
        if release_key(version) >= release_key(since) {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}

/// For a source tree (scripts/against writes its path into `calimero-core`), the PROBES' cfgs
/// whose text the tree's code has. A published release has no such file and needs no probe: every
/// change a probe covers came after the last release on crates.io.
fn probe(pointer: &Path) -> Vec<&'static str> {
    // A release's variant has no pointer, ever: watching a missing file would rerun this script,
    // and rebuild merosim, on every build.
    let mut found = Vec::new();
    let Ok(core) = std::fs::read_to_string(pointer) else { return found };
    println!("cargo:rerun-if-changed={}", pointer.display());
    let core = PathBuf::from(core.trim());
    for (cfg, file, needle) in PROBES {
        let path = core.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        if std::fs::read_to_string(&path).is_ok_and(|text| text.contains(needle)) {
            println!("cargo:rustc-cfg={cfg}");
            found.push(*cfg);
        }
    }
    found
}

/// The `version` of the `calimero-node` package in a Cargo.lock.
fn calimero_node_version(lock: &Path) -> Option<String> {
    let text = std::fs::read_to_string(lock).ok()?;
    release::locked_packages(&text).into_iter().find(|(name, _)| name == "calimero-node").map(|(_, v)| v)
}

// The release order and the lockfile reader, shared with the library (`merosim::calimero_since`)
// and the xtask crate, so the build's cfgs, the tests' version checks and the scripts order
// releases the same way.
#[allow(dead_code)]
mod release {
    include!("src/protocols/release.rs");
}
use release::release_key;
