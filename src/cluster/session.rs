//! The one session driver. A hand-written test (`World::run_session`) and a node's sync loop run a
//! [`Session`] the same way — the same stream options, the same trace events, the same counters —
//! and differ only in where the responder half runs: in a task of its own next to the initiator,
//! or in the peer's acceptor, as a task of the peer's node (so the peer's crash kills it).

use crate::error::{SessionError, StorageError};
use crate::ids::NodeId;
use crate::protocols::{
    plan, plan_as_production, walk_tree, Handshakes, HcResponder, HeadsAnswer, HeadsView, Protocol, Session,
    SessionReport, SessionStats, SyncPlan, TreeAnswers, Verifier,
};
use crate::store::SimNode;
use crate::trace::TraceKind;
use crate::transport::SimStream;

use super::node::{Held, Inbound, Mark, Node};
use super::session_oracles;
use super::World;
use crate::oracle::SessionFacts;

/// Where the responder half of a session runs.
pub(crate) enum Responder {
    /// A local task, awaited after the initiator (hand-driven sessions).
    Local,
    /// The peer node's acceptor; its outcome is the acceptor's to record.
    Acceptor,
}

impl World {
    /// Runs `session` with `initiator` pulling from (and, for HashComparison, pushing to)
    /// `responder`, both ends in this task's runtime. The initiator targets the responder's root
    /// as of session start unless the session names a handshake root.
    pub async fn run_session(&self, session: &Session, initiator: &SimNode, responder: &SimNode) -> SessionReport {
        self.drive(session, initiator, responder, Responder::Local, |_, _| {}).await
    }

    /// Opens the stream, lets `prepare` arm its two ends (node faults, buggify), keeps the books,
    /// hands the far end to `serve`, runs the initiator half, and has the session oracles judge
    /// an `Ok`.
    pub(crate) async fn drive(
        &self,
        session: &Session,
        me: &SimNode,
        peer: &SimNode,
        serve: Responder,
        prepare: impl FnOnce(&mut SimStream, &mut SimStream),
    ) -> SessionReport {
        let protocol = session.protocol();
        let started_at = self.router().now();
        let (mut near, mut far) = session.open(self.router(), me.id(), peer.id());
        prepare(&mut near, &mut far);
        let stream = near.stream_id();
        let watch = Watch::begin(self, me.id(), peer.id(), stream);
        self.book().count().session_started(protocol, stream, me.id());
        self.trace().record(TraceKind::SessionStart {
            stream,
            initiator: me.id(),
            responder: peer.id(),
            protocol: protocol.name(),
        });

        let roots = (me.storage().root_hash(), peer.storage().root_hash());
        let (mut initiator, responder, roots_before) = match roots {
            (Ok(my_root), Ok(peer_root)) => {
                let remote_root = session.target_root(peer_root);
                let (initiator, responder) = match serve {
                    Responder::Local => self.with_local_responder(session, &mut near, far, me, peer, remote_root).await,
                    Responder::Acceptor => {
                        let acceptor = self.registry().get(peer.id()).and_then(Node::acceptor);
                        let accepted = acceptor.is_some_and(|a| a.send(Inbound { stream: far }).is_ok());
                        if accepted {
                            let outcome = session.initiator_half(&mut near, me.storage(), remote_root).await;
                            (outcome, Err(SessionError::Unobserved))
                        } else {
                            (Err(SessionError::Unreachable), Err(SessionError::Unreachable))
                        }
                    }
                };
                (initiator, responder, (my_root, peer_root))
            }
            (Err(e), _) | (_, Err(e)) => {
                let not_started = Err(SessionError::Storage("session not started".into()));
                (Err(SessionError::Storage(e.to_string())), not_started, ([0; 32], [0; 32]))
            }
        };

        let ended_at = self.router().now();
        if let Ok(stats) = &mut initiator {
            let roots_after =
                (me.storage().root_hash().unwrap_or_default(), peer.storage().root_hash().unwrap_or_default());
            // What HashComparison has checked since 0.11.0-rc.2: the initiator's root against the
            // peer's root *now* (comparing with the handshake's root is #2607).
            if stats.verified_by == Verifier::Computed {
                stats.root_hash_verified = roots_after.0 == roots_after.1;
            }
            let facts = SessionFacts {
                stream,
                initiator: me.id(),
                responder: peer.id(),
                protocol,
                started_at,
                ended_at,
                stats: stats.clone(),
                roots_before,
                roots_after,
            };
            let quiet = watch.quiet();
            self.book().note_roots((me.id(), peer.id()), roots_before, roots_after);
            for (oracle, outcome) in session_oracles::judge(&facts, me, peer, quiet) {
                self.book().count().judged(oracle, outcome);
            }
        }
        drop(watch);
        self.book().count().session_finished(stream, initiator.as_ref().map(drop));
        let outcome = match &initiator {
            Ok(_) => "ok".to_owned(),
            Err(e) => format!("failed:{} ({e})", e.kind()),
        };
        self.trace().record(TraceKind::SessionEnd { stream, initiator: me.id(), responder: peer.id(), outcome });
        SessionReport { protocol, stream, started_at, ended_at, initiator, responder }
    }

    async fn with_local_responder(
        &self,
        session: &Session,
        near: &mut SimStream,
        mut far: SimStream,
        me: &SimNode,
        peer: &SimNode,
        remote_root: [u8; 32],
    ) -> (Result<SessionStats, SessionError>, Result<Protocol, SessionError>) {
        let serving = peer.storage().clone();
        let half = self.with_node(peer.id(), |n| n.enter_session(far.stream_id()));
        let hc = session.hc_responder();
        let task = madsim::task::spawn_local(async move {
            let _half = half;
            Session::responder_half_with(&mut far, &serving, hc).await
        });
        let initiator = session.initiator_half(near, me.storage(), remote_root).await;
        // The initiator has closed its end; the responder either sees that FIN or runs into its own
        // receive timeout, both well inside a budget's length.
        let budget = session.options().budget;
        let responder = match tokio::time::timeout(budget, task).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(join)) => Err(SessionError::Protocol(format!("responder task died: {join}"))),
            Err(_) => Err(SessionError::Budget(budget)),
        };
        self.responder_finished(&responder);
        (initiator, responder)
    }

    /// What `responder`'s HashComparison responder `hc` answers, node by node, to a pull of its
    /// whole tree by `asker` ([`walk_tree`]) — the same requests whichever responder answers, so
    /// two walks of one store differ only where the responders do.
    pub async fn walk(
        &self,
        hc: HcResponder,
        asker: &SimNode,
        responder: &SimNode,
    ) -> Result<TreeAnswers, SessionError> {
        let session = Session::new(Protocol::HashComparison).with_hc_responder(hc);
        let (mut near, mut far) = session.open(self.router(), asker.id(), responder.id());
        let root = responder.storage().root_hash().map_err(|e| SessionError::Storage(e.to_string()))?;
        let serving = responder.storage().clone();
        let task = madsim::task::spawn_local(async move { Session::responder_half_with(&mut far, &serving, hc).await });
        let answers = walk_tree(&mut near, asker.storage(), root).await;
        let served = task.await.map_err(|e| SessionError::Protocol(format!("responder task died: {e}")))?;
        served.and(answers)
    }

    /// What `select_protocol` chooses for `initiator` syncing with `responder` now, and why —
    /// from both nodes' handshakes, built the run's way ([`NodeSettings::handshakes`]), as a sync
    /// tick asks it.
    ///
    /// [`NodeSettings::handshakes`]: super::NodeSettings::handshakes
    pub fn plan(&self, initiator: NodeId, responder: NodeId) -> Result<SyncPlan, StorageError> {
        let (me, peer) = (self.node_of(initiator)?, self.node_of(responder)?);
        match self.options().node.handshakes {
            Handshakes::FullTree => Ok(plan(&me.storage().summary()?, &peer.storage().summary()?)),
            Handshakes::Production => Ok(plan_as_production(&self.heads_view(&me)?, &self.heads_view(&peer)?)),
        }
    }

    /// What `me`'s sync tick plans after the peer answered its DAG-heads request with `answer`:
    /// production's handshakes, its own side read now, the peer's from the answer.
    pub(crate) fn plan_answered(&self, me: &SimNode, answer: &HeadsAnswer) -> Result<SyncPlan, StorageError> {
        let (root_hash, dag_heads) = answer.clone();
        let remote = HeadsView { root_hash, root_children: 0, dag_heads };
        Ok(plan_as_production(&self.heads_view(me)?, &remote))
    }

    /// Asks `peer` for its root and DAG heads over a stream of their own, through the router, as
    /// a production sync tick does first; `None` when no answer came (the peer is down, the
    /// stream failed or the budget ran out), booked as `refused["dag-heads (unanswered)"]`.
    pub(crate) async fn ask_heads(&self, me: &SimNode, peer: &SimNode) -> Option<HeadsAnswer> {
        let options = self.options().node.session.clone();
        let (mut near, far) = Session::open_heads(self.router(), &options, me.id(), peer.id());
        let acceptor = self.registry().get(peer.id()).and_then(Node::acceptor);
        let answer = match acceptor.is_some_and(|a| a.send(Inbound { stream: far }).is_ok()) {
            true => Session::heads_half(&mut near, me.storage()).await.ok(),
            false => None,
        };
        if answer.is_none() {
            self.book().count().unanswered_heads();
        }
        answer
    }

    /// What a DAG-heads request to `node` is answered with as it lands: the root (zero for a
    /// context that never received state) and the heads.
    pub(crate) fn heads_answer(&self, node: &SimNode) -> HeadsAnswer {
        self.heads_view(node).map(|v| (v.root_hash, v.dag_heads)).unwrap_or_default()
    }

    /// What production's handshakes read of `node`: its root, the root's child count and its
    /// DAG heads. `World::plan` reads the peer's side directly; a sync tick asks for it over the
    /// network (`ask_heads`).
    fn heads_view(&self, node: &SimNode) -> Result<HeadsView, StorageError> {
        let storage = node.storage();
        let root = *storage.root_id().as_bytes();
        let root_children = storage.metadata(root)?.map_or(0, |m| m.children.len() as u64);
        let dag_heads = self.dag_heads(node);
        // A context that never received state has the zero root (as `StateSummary` reports it).
        let root_hash = if root_children == 0 { [0; 32] } else { storage.root_hash()? };
        Ok(HeadsView { root_hash, root_children, dag_heads })
    }

    /// `node`'s DAG heads: what its context's metadata holds on production's node path (the
    /// delta store and local commits keep it), the model's book otherwise.
    fn dag_heads(&self, node: &SimNode) -> Vec<[u8; 32]> {
        #[cfg(calimero_node_path)]
        if self.production_path() {
            return crate::protocols::dag_heads(node.storage());
        }
        self.with_node(node.id(), |n| n.causal().heads()).unwrap_or_default()
    }

    /// The responder's books, whichever task served it.
    pub(crate) fn responder_finished(&self, outcome: &Result<Protocol, SessionError>) {
        self.book().count().responder_finished(outcome.as_ref().err());
    }
}

/// A session's claim on its two parties while it runs: the initiator's half of the session
/// count, and what lets the oracles tell whether anything else touched the parties. Dropped with
/// the session, also when a crash drops the session's task.
struct Watch<'w> {
    world: &'w World,
    stream: u64,
    parties: [NodeId; 2],
    marks: [Mark; 2],
    /// Another session half was already running on a party when this one began.
    overlapped: bool,
    _initiator: Option<Held>,
}

impl<'w> Watch<'w> {
    fn begin(world: &'w World, initiator: NodeId, responder: NodeId, stream: u64) -> Self {
        let mut nodes = world.registry();
        let half = nodes.get_mut(initiator).map(|n| n.enter_session(stream));
        if let Some(node) = nodes.get_mut(responder) {
            node.expect_session(stream);
        }
        let (i, r) = (nodes.get(initiator), nodes.get(responder));
        let overlapped = i.is_some_and(|n| n.sessions_now() > 1) || r.is_some_and(Node::busy);
        let mark = |n: Option<&Node>| n.map_or(Mark::default(), Node::mark);
        let marks = [mark(i), mark(r)];
        Watch { world, stream, parties: [initiator, responder], marks, overlapped, _initiator: half }
    }

    /// Nothing else touched the parties (no other session, no write or delta) and no fault
    /// touched the stream.
    fn quiet(&self) -> bool {
        let nodes = self.world.registry();
        let [initiator, responder] = self.parties.map(|party| nodes.get(party));
        let untouched = initiator.is_some_and(|n| n.untouched_since(self.marks[0], None))
            && responder.is_some_and(|n| n.untouched_since(self.marks[1], Some(self.stream)));
        drop(nodes);
        !self.overlapped && untouched && !self.world.router().stream_faulted(self.stream)
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        if let Some(node) = self.world.registry().get_mut(self.parties[1]) {
            node.forget_session(self.stream);
        }
    }
}
