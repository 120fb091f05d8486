//! The one session driver. A hand-written test (`World::run_session`) and a node's sync loop run a
//! [`Session`] the same way — the same stream options, the same trace events, the same counters —
//! and differ only in where the responder half runs: in a task of its own next to the initiator,
//! or in the peer's acceptor, as a task of the peer's node (so the peer's crash kills it).

use crate::error::SessionError;
use crate::ids::NodeId;
use crate::protocols::{Protocol, Session, SessionReport, SessionStats, Verifier};
use crate::store::SimNode;
use crate::trace::TraceKind;
use crate::transport::SimStream;

use super::member::Inbound;
use super::oracle::{self, SessionFacts};
use super::World;

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
        let watch = Watch::begin(self, me.id(), peer.id());
        self.counters().session_started(protocol, stream, me.id());
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
                        let accepted =
                            self.acceptor(peer.id()).is_some_and(|a| a.send(Inbound { stream: far }).is_ok());
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
            let quiet = watch.quiet(stream);
            for (oracle, outcome) in oracle::judge(&facts, me, peer, quiet) {
                self.counters().judged(oracle, outcome);
            }
        }
        drop(watch);
        self.counters().session_finished(stream, initiator.as_ref().map(drop));
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
        let task = madsim::task::spawn_local(async move { Session::responder_half(&mut far, &serving).await });
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

    /// The responder's books, whichever task served it.
    pub(crate) fn responder_finished(&self, outcome: &Result<Protocol, SessionError>) {
        self.counters().responder_finished(outcome.as_ref().err());
    }
}

/// A session's claim on its two parties while it runs: what lets the oracles tell whether anything
/// else touched them. Dropped with the session, also when a crash drops the session's task.
struct Watch<'w> {
    world: &'w World,
    parties: [NodeId; 2],
    started: [u64; 2],
    mutations: [u64; 2],
    /// Another session was already under way on a party when this one began.
    overlapped: bool,
}

impl<'w> Watch<'w> {
    fn begin(world: &'w World, initiator: NodeId, responder: NodeId) -> Self {
        let parties = [initiator, responder];
        let mut members = world.members();
        let mut watch = Watch { world, parties, started: [0; 2], mutations: [0; 2], overlapped: false };
        for (i, party) in parties.iter().enumerate() {
            let member = &mut members[party.0 as usize];
            member.sessions_now += 1;
            member.sessions_started += 1;
            watch.overlapped |= member.sessions_now > 1;
            watch.started[i] = member.sessions_started;
            watch.mutations[i] = member.mutations;
        }
        watch
    }

    /// Nothing else touched the parties (no other session, no write or delta) and no fault
    /// touched `stream`.
    fn quiet(&self, stream: u64) -> bool {
        let members = self.world.members();
        let untouched = self.parties.iter().enumerate().all(|(i, party)| {
            let member = &members[party.0 as usize];
            member.sessions_started == self.started[i] && member.mutations == self.mutations[i]
        });
        drop(members);
        !self.overlapped && untouched && !self.world.router().stream_faulted(stream)
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        let mut members = self.world.members();
        for party in self.parties {
            members[party.0 as usize].sessions_now -= 1;
        }
    }
}
