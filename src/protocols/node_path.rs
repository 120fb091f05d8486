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

    /// Whether production's node path hands a peer's delta to production's gossip handler
    /// (`handle_state_delta`) in this build: every release that decrypts deltas with their
    /// author's `sender_key`; not the rc.25 + 19 tree, whose contexts all belong to a group.
    pub fn handles_gossip() -> bool {
        cfg!(calimero_gossip_handler)
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
        let needs = "the pinned calimero-node prepared by scripts/visibility-patch, on madsim-tokio \
                     (scripts/run and scripts/test build one)";
        crate::args::by_name_built(s, "node path", "node path", |p: &NodePath| p.available(), needs)
    }
}

/// Who decides when a node syncs and runs its sync sessions, on production's node path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, strum::Display, strum::VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Tick {
    /// merosim's session driver: one seeded peer, the DAG-heads exchange, `select_protocol`, the
    /// protocol's `run_initiator` over a `SimStream`, and the session oracles judging each
    /// session (hollow success, stale after ok, lost delete) from its stats and both roots.
    #[default]
    Merosim,
    /// Production's tick: `SyncManager::start` — its driver's timer every `sync_interval`, the
    /// `SessionTracker`'s eligibility, backoff and watchdog, the `SyncSessionActor`'s mailbox,
    /// concurrency bound and session deadline — running `perform_interval_sync`: peer discovery
    /// and order, the retry with the next peer, DAG-heads request, handshakes, protocol dispatch,
    /// DAG catch-up and snapshot fallback, all calimero's. Sessions are opaque to the session
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
        let needs = "production's node path (scripts/run and scripts/test build one)";
        crate::args::by_name_built(s, "tick", "tick", |t: &Tick| t.available(), needs)
    }
}

/// When a node's delta store is compacted: production's `DagCompactor` sweeps every
/// `every`, and a context holding more than `min` deltas keeps its `retain` most recent
/// (calimero's `DeltaStore::compact`, which prunes the DAG and the persisted rows). An operator
/// setting (`[dag_compaction]`); production's defaults — 10 000 deltas, keep 1 000, hourly — never
/// fire in a run of minutes, so a sweep that wants pruning sets it lower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DagCompaction {
    pub min: usize,
    pub retain: usize,
    pub every: std::time::Duration,
}

impl Default for DagCompaction {
    fn default() -> Self {
        use calimero_node_primitives::dag_compaction as production;
        DagCompaction {
            min: production::DEFAULT_MIN_DELTAS_BEFORE_COMPACT,
            retain: production::DEFAULT_RETAIN_RECENT_COUNT,
            every: std::time::Duration::from_secs(production::DEFAULT_CHECK_INTERVAL_SECS),
        }
    }
}

impl std::fmt::Display for DagCompaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{},{}", self.min, self.retain, self.every.as_secs())
    }
}

impl std::str::FromStr for DagCompaction {
    type Err = String;

    /// `MIN,RETAIN,SECS`, as production's config checks it: fewer kept than the threshold, a
    /// non-zero interval.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let [min, retain, every] = parts[..] else {
            return Err(format!("`{s}`: expected MIN,RETAIN,SECS (e.g. 40,10,5)"));
        };
        let number = |what: &str, v: &str| v.parse::<u64>().map_err(|_| format!("`{v}` is not a {what}"));
        let (min, retain, every) = (number("count", min)?, number("count", retain)?, number("second count", every)?);
        if retain >= min || every == 0 {
            return Err(format!("`{s}`: RETAIN must be below MIN and SECS above 0 (production refuses it too)"));
        }
        Ok(DagCompaction { min: min as usize, retain: retain as usize, every: std::time::Duration::from_secs(every) })
    }
}

#[cfg(test)]
mod tests {
    use super::DagCompaction;

    /// The operator's spelling round-trips, production's own refusals are refused, and the
    /// default is production's (which a run of minutes never reaches).
    #[test]
    fn dag_compaction_reads_as_production_configures_it() {
        let set: DagCompaction = "40, 10, 5".parse().unwrap();
        assert_eq!((set.min, set.retain, set.every.as_secs()), (40, 10, 5));
        assert_eq!(set.to_string().parse::<DagCompaction>(), Ok(set));
        for bad in ["40,40,5", "40,10,0", "40,10", "a,1,1", "40,10,5,1"] {
            assert!(bad.parse::<DagCompaction>().is_err(), "{bad}");
        }
        let default = DagCompaction::default();
        assert_eq!((default.min, default.retain, default.every.as_secs()), (10_000, 1_000, 3_600));
    }
}
