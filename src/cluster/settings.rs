//! What every node of a run reads as it acts: its sync timer, the session options, the context,
//! the chaos phase, how it builds handshakes, which code answers HashComparison, and any bug
//! merosim plants in itself. The World holds one copy, fixed at start and read by reference;
//! the command-line settings among them parse and write back here, next to what they mean, so
//! a new node setting is one field here and the line that acts on it.

use std::fmt;
use std::time::Duration;

use calimero_primitives::context::ContextId;

use super::Injected;
use crate::args::ArgWriter;
use crate::protocols::{DagCompaction, Handshakes, HcResponder, NodePath, SessionOptions, Tick, LOOP_BUDGET};

/// The node and sync settings of one run.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct NodeSettings {
    /// Period of each node's sync timer (plus up to `sync_jitter`, drawn per tick).
    #[cfg_attr(feature = "cli", arg(skip = NodeSettings::default().sync_interval))]
    pub sync_interval: Duration,
    #[cfg_attr(feature = "cli", arg(skip = NodeSettings::default().sync_jitter))]
    pub sync_jitter: Duration,
    /// What every sync session of the run uses: receive budget (production: 30 s), hard cap,
    /// keys — the same options a hand-driven session takes.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub session: SessionOptions,
    /// The context every node shares; derived from the seed unless chosen.
    #[cfg_attr(feature = "cli", arg(skip))]
    pub context_id: Option<ContextId>,
    /// Length of the chaos phase: faults act until then; at its end the run heals (faults off,
    /// partitions and connections repaired, crashed nodes restarted, paused ones resumed) and
    /// must converge within `SimConfig::liveness_bound`. `None`: faults act for the whole run
    /// and there is no heal. (On the command line it is a fault setting: its default is the
    /// preset's.)
    #[cfg_attr(feature = "cli", arg(skip))]
    pub chaos: Option<Duration>,
    /// How sync ticks build the handshakes `select_protocol` reads: production (as calimero's
    /// SyncManager: the peer estimated from its DAG heads) or full-tree (both sides' full tree
    /// statistics; reaches LevelWise, which production never selects).
    #[cfg_attr(feature = "cli", arg(long, value_name = "H", default_value = "production"))]
    pub handshakes: Handshakes,
    /// Which code answers HashComparison sessions: manager (production's
    /// SyncManager::handle_tree_node_request) or protocol (HashComparisonProtocol::run_responder).
    /// Default: manager where the build has it (scripts/run, scripts/test and scripts/against build
    /// one), protocol in a plain `cargo build` of this repo.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "R", default_value_t = HcResponder::default(), hide_default_value = true)
    )]
    pub hc_responder: HcResponder,
    /// Which code takes a node's deltas in: production (calimero-node's DeltaStore: its applier,
    /// persistence, restore and parent tracking) or model (merosim's, over calimero-dag's
    /// DagStore). Default: production where the build has it (scripts/run, scripts/test), model
    /// in a plain `cargo build` of this repo.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "P", default_value_t = NodePath::default(), hide_default_value = true)
    )]
    pub node_path: NodePath,
    /// Who decides when a node syncs, on production's node path: merosim (its timer, its session
    /// driver and the protocol's run_initiator, judged session by session) or production
    /// (SyncManager::start: its driver ticking every sync interval, session tracker and backoff,
    /// session actor, and perform_interval_sync's peer order, retries, DAG catch-up, snapshot
    /// fallback; sessions opaque to the session oracles).
    #[cfg_attr(feature = "cli", arg(long, value_name = "T", default_value = "merosim"))]
    pub tick: Tick,
    /// Production's DAG compaction on production's node path: MIN,RETAIN,SECS — every SECS, a
    /// node whose delta store holds more than MIN deltas keeps its RETAIN most recent (calimero's
    /// DeltaStore::compact). Default: production's own (10000,1000,3600), which a run of minutes
    /// never reaches.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "MIN,RETAIN,SECS", default_value_t = DagCompaction::default())
    )]
    pub dag_compaction: DagCompaction,
    /// Apps emit an event with every call (production's broadcast then carries them, and a
    /// peer's delta store persists such a delta before it applies it: the rows a restart reads
    /// back). Production's node path only. Default: no events, as merosim's apps were measured.
    #[cfg_attr(feature = "cli", arg(long))]
    pub app_events: bool,
    /// Production's gossip handler runs one future per arriving delta, all at once, as
    /// production's state-delta actor spawns them. Up to 0.11.0-rc.14 two at once can deadlock
    /// the node's delta store (#3499), which then hangs 48 of the default sweep's 100 seeds on
    /// rc.4 (filed known #3499) and hides what else they would show. Default: one delta at a
    /// time per node, in arrival order. Needs production's gossip handler (not on the rc.25 + 19
    /// tree).
    #[cfg_attr(feature = "cli", arg(long))]
    pub concurrent_deltas: bool,
    /// On production's node path, hold a peer's delta back through every sync session, as merosim
    /// did until 2026-12-07 (the model path's I6). Production holds one only through a snapshot
    /// bootstrap or before its context has state, and under back-to-back sessions this starves a
    /// node of deltas; it is here so that the seeds found before then replay as they were found.
    #[cfg_attr(feature = "cli", arg(long))]
    pub hold_deltas_through_sessions: bool,
    /// Plant a bug in merosim itself to watch a checker fire: KIND:NODE:NTH, KIND lose-write,
    /// lose-op or flip-byte (see `merosim plants`).
    #[cfg_attr(feature = "cli", arg(long, value_name = "BUG", hide = true))]
    pub inject: Option<Injected>,
}

impl Default for NodeSettings {
    fn default() -> Self {
        NodeSettings {
            sync_interval: Duration::from_millis(500),
            sync_jitter: Duration::from_millis(100),
            session: SessionOptions::default().with_budget(LOOP_BUDGET),
            context_id: None,
            chaos: None,
            handshakes: Handshakes::Production,
            hc_responder: HcResponder::default(),
            node_path: NodePath::default(),
            tick: Tick::default(),
            dag_compaction: DagCompaction::default(),
            app_events: false,
            concurrent_deltas: false,
            hold_deltas_through_sessions: false,
            inject: None,
        }
    }
}

impl NodeSettings {
    /// Writes the command-line settings back, each only when it differs from its default (the
    /// receive budget always: repro lines have always carried it).
    pub fn write_args(&self, out: &mut ArgWriter) {
        self.session.write_args(out);
        if let Some(bug) = self.inject {
            out.value("inject", bug);
        }
        if self.handshakes != Handshakes::Production {
            out.value("handshakes", self.handshakes);
        }
        if self.hc_responder.worth_naming() {
            out.value("hc-responder", self.hc_responder);
        }
        if self.node_path.worth_naming() {
            out.value("node-path", self.node_path);
        }
        if self.tick != Tick::Merosim {
            out.value("tick", self.tick);
        }
        if self.dag_compaction != DagCompaction::default() {
            out.value("dag-compaction", self.dag_compaction);
        }
        if self.app_events {
            out.flag("app-events");
        }
        if self.concurrent_deltas {
            out.flag("concurrent-deltas");
        }
        if self.hold_deltas_through_sessions {
            out.flag("hold-deltas-through-sessions");
        }
    }
}

impl fmt::Display for NodeSettings {
    /// The timer and session first, then, only when set, what differs from the defaults.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sync_interval={:?}+{:?} recv_timeout={:?} session_budget={:?}",
            self.sync_interval, self.sync_jitter, self.session.recv_timeout, self.session.budget
        )?;
        if self.session.encrypted() {
            f.write_str(" sessions=encrypted")?;
        }
        if let Some(chaos) = self.chaos {
            write!(f, " chaos={chaos:?}")?;
        }
        if self.handshakes != Handshakes::Production {
            write!(f, " handshakes={}", self.handshakes)?;
        }
        if self.hc_responder.worth_naming() {
            write!(f, " hc-responder={}", self.hc_responder)?;
        }
        if self.node_path.worth_naming() {
            write!(f, " node-path={}", self.node_path)?;
        }
        if self.tick != Tick::Merosim {
            write!(f, " tick={}", self.tick)?;
        }
        if self.dag_compaction != DagCompaction::default() {
            write!(f, " dag-compaction={}", self.dag_compaction)?;
        }
        if self.app_events {
            f.write_str(" app-events")?;
        }
        if self.concurrent_deltas {
            f.write_str(" concurrent-deltas")?;
        }
        if self.hold_deltas_through_sessions {
            f.write_str(" hold-deltas-through-sessions")?;
        }
        if let Some(bug) = self.inject {
            write!(f, " inject={bug}")?;
        }
        if let Some(context) = self.context_id {
            write!(f, " context={context}")?;
        }
        Ok(())
    }
}
