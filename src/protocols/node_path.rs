//! Which code takes a node's deltas in: production's (calimero-node's `DeltaStore`, its applier
//! executing each delta through the context manager, its persistence and restore) or merosim's
//! model of it (calimero-dag's `DagStore` with merosim's applier and a causal book of its own).
//! Both exist while findings are re-judged side by side; the default is production's wherever
//! the build has it.

/// How a node's deltas are made, taken in, persisted and restored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::Display, strum::VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum NodePath {
    /// calimero-node's `DeltaStore` per node, in a process of the node's own: a local write is
    /// committed as production's execute commits it (row, heads) and handed to
    /// `add_local_applied_delta`; a peer's delta goes through `add_delta_with_events`, applied by
    /// calimero's `ContextStorageApplier` under the context lock; missing parents come from
    /// `get_missing_parents`; a restart rebuilds the store with `load_persisted_deltas`. Only in a
    /// build whose calimero-node `scripts/visibility-patch` prepared and runs on madsim-tokio.
    Production,
    /// calimero-dag's `DagStore` per node with merosim's applier (calimero-storage's
    /// `apply_action` per action) and merosim's own persistence of applied deltas.
    Model,
}

impl Default for NodePath {
    /// Production's where this build has it, the model elsewhere.
    fn default() -> Self {
        if NodePath::Production.available() {
            NodePath::Production
        } else {
            NodePath::Model
        }
    }
}

impl NodePath {
    /// Whether this build can run it.
    pub fn available(self) -> bool {
        self == NodePath::Model || cfg!(calimero_node_path)
    }

    /// The code that takes deltas in, as a reader of a report looks it up.
    pub fn code(self) -> &'static str {
        match self {
            NodePath::Production => "calimero-node's DeltaStore",
            NodePath::Model => "merosim's model over calimero-dag's DagStore",
        }
    }

    /// Whether options and repro lines name it: always in a build that has both (so a line
    /// replays the path it names, and one pasted into a build without production's is refused
    /// by name).
    pub fn worth_naming(self) -> bool {
        self != NodePath::Model || NodePath::Production.available()
    }
}

impl std::str::FromStr for NodePath {
    type Err = String;

    /// A name from `Display`, refused with the way to get it when this build cannot run it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let path: NodePath = crate::args::by_name(s, "node path").map_err(|e| e.to_string())?;
        if !path.available() {
            return Err(format!(
                "this build has no `{path}` node path: it needs the pinned calimero-node prepared by \
                 scripts/visibility-patch, on madsim-tokio (scripts/run and scripts/test build one)"
            ));
        }
        Ok(path)
    }
}

/// Who runs a sync tick once the node's timer fires, on production's node path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, strum::Display, strum::VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Tick {
    /// merosim's session driver: one seeded peer, the DAG-heads exchange, `select_protocol`, the
    /// protocol's `run_initiator` over a `SimStream`, and the session oracles judging each
    /// session (hollow success, stale after ok, lost delete) from its stats and both roots.
    #[default]
    Merosim,
    /// Production's manager: `SyncManager::perform_interval_sync` — peer discovery and order,
    /// the retry with the next peer, DAG-heads request, handshakes, protocol dispatch, DAG
    /// catch-up and snapshot fallback, all calimero's. Sessions are opaque to the session
    /// oracles (the run-level oracles still judge every run). Production's node path only.
    Production,
}

impl Tick {
    pub fn available(self) -> bool {
        self == Tick::Merosim || cfg!(calimero_node_path)
    }
}

impl std::str::FromStr for Tick {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let tick: Tick = crate::args::by_name(s, "tick").map_err(|e| e.to_string())?;
        if !tick.available() {
            return Err(format!(
                "this build has no `{tick}` tick: it needs production's node path (scripts/run and scripts/test build one)"
            ));
        }
        Ok(tick)
    }
}
