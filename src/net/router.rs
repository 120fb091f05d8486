//! The simulated network. Every frame a `SimStream` (or the gossip layer) sends comes here; the
//! router decides its fate from the link's faults and the partition table, using its own seeded
//! RNG (so protocol code drawing random nonces never shifts which frames get lost), tells its
//! observer, and schedules delivery in virtual time.
//!
//! Ordering guarantee: a stream direction's FIN is resolved strictly after every data copy sent
//! before it on that direction. Delivery times alone cannot promise that — madsim starts each
//! delivery timer when the task is first polled and breaks same-instant ties at random — so a FIN
//! whose timer fires while earlier data is still on the wire is held and resolved right after the
//! last of that data.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;

use super::event::{NetEvent, NetObserver};
use super::frame::{content_hash, Corruption, DropReason, FrameKind, Route};
use super::mailbox::Mailbox;
use super::streams::{Cut, Passage, Streams};
use super::Partitions;
use crate::faults::{FaultConfig, Integrity, LinkFaults, MAX_RETRANSMITS};
use crate::ids::NodeId;
use crate::seed::{self, Stream};

/// Shared handle to the network. Cloning is cheap; all clones see the same state.
#[derive(Clone)]
pub struct NetworkRouter {
    state: Arc<Mutex<RouterState>>,
}

struct RouterState {
    faults: FaultConfig,
    partitions: Partitions,
    rng: ChaCha8Rng,
    epoch: Instant,
    observer: Arc<dyn NetObserver>,
    next_frame: u64,
    capture_payloads: bool,
    /// Frame copies sent and not yet resolved; kept as a count because polls ask often.
    in_flight: usize,
    /// Session streams: both ends, their fates, their directions' frames on the wire.
    streams: Streams<InFlight>,
    /// Nodes that are down: frames addressed to them are dropped (`DropReason::Crash`).
    down: BTreeSet<NodeId>,
    /// How many times each node went down: a connection (and every stream on it) does not
    /// outlive its end's crash, even if the node is back.
    crashes: std::collections::BTreeMap<NodeId, u64>,
    /// The madsim node delivery tasks run on. Frames on the wire belong to the network, not to
    /// the sender: a sender's crash must not take its in-flight frames with it.
    wire: madsim::runtime::NodeHandle,
}

/// One frame copy on its way.
struct InFlight {
    id: u64,
    route: Route,
    kind: FrameKind,
    bytes: Vec<u8>,
    damaged: bool,
    to: Weak<Mailbox>,
}

impl NetworkRouter {
    /// A router whose fault decisions are a pure function of `seed`, reporting to `observer`.
    /// Must be created inside the simulation: it anchors its clock at the current virtual time.
    pub fn new(seed: u64, faults: FaultConfig, observer: Arc<dyn NetObserver>) -> Self {
        Self {
            state: Arc::new(Mutex::new(RouterState {
                faults,
                partitions: Partitions::default(),
                rng: seed::rng(seed, Stream::Router),
                epoch: Instant::now(),
                observer,
                next_frame: 0,
                capture_payloads: false,
                in_flight: 0,
                streams: Streams::default(),
                down: BTreeSet::new(),
                crashes: std::collections::BTreeMap::new(),
                wire: madsim::runtime::Handle::current().create_node().name("network").build(),
            })),
        }
    }

    /// Virtual time since this router was created.
    pub fn now(&self) -> Duration {
        self.lock().elapsed()
    }

    /// The madsim node frames in flight live on (killed when the run is torn down).
    pub(crate) fn wire_id(&self) -> madsim::task::NodeId {
        self.lock().wire.id()
    }

    /// Keeps a copy of every frame's wire bytes in its `Sent` event (off by default: memory).
    pub fn capture_payloads(&self, on: bool) {
        self.lock().capture_payloads = on;
    }

    pub fn faults(&self) -> FaultConfig {
        self.lock().faults.clone()
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        let mut state = self.lock();
        state.observe(NetEvent::FaultsChanged { faults: faults.to_string() });
        state.faults = faults;
    }

    /// Cuts both directions between `a` and `b`, healing after `heal_after` if given.
    pub fn partition(&self, a: NodeId, b: NodeId, heal_after: Option<Duration>) {
        self.lock().cut(a, b, true, heal_after);
    }

    /// Cuts only `from → to`: `to` stops hearing `from`, but not the other way round.
    pub fn partition_one_way(&self, from: NodeId, to: NodeId, heal_after: Option<Duration>) {
        self.lock().cut(from, to, false, heal_after);
    }

    /// Repairs both directions between `a` and `b`.
    pub fn repair(&self, a: NodeId, b: NodeId) {
        let mut state = self.lock();
        state.observe(NetEvent::Repair { from: a, to: b, both: true });
        state.partitions.repair_both(a, b);
    }

    /// Repairs only `from → to`.
    pub fn repair_one_way(&self, from: NodeId, to: NodeId) {
        let mut state = self.lock();
        state.observe(NetEvent::Repair { from, to, both: false });
        state.partitions.repair(from, to);
    }

    pub fn is_partitioned(&self, from: NodeId, to: NodeId) -> bool {
        let state = self.lock();
        state.partitions.is_cut(from, to, state.elapsed())
    }

    /// Frame copies sent but not yet delivered or dropped.
    pub fn in_flight(&self) -> usize {
        self.lock().in_flight
    }

    /// Marks `node` down (frames to it are dropped as `Crash`) or up again.
    pub(crate) fn set_down(&self, node: NodeId, down: bool) {
        let mut state = self.lock();
        if down {
            if state.down.insert(node) {
                *state.crashes.entry(node).or_default() += 1;
            }
        } else {
            state.down.remove(&node);
        }
    }

    /// `node`'s life as a connection sees it: how many times it went down, and whether it is
    /// down now. A stream whose peer's count moved has lost its connection.
    pub(crate) fn life(&self, node: NodeId) -> (u64, bool) {
        let state = self.lock();
        (state.crashes.get(&node).copied().unwrap_or(0), state.down.contains(&node))
    }

    /// A new session stream between two nodes' receiving ends; `label` names what it carries.
    /// Draws the stream's fate when its link resets or stalls streams; a stream between nodes
    /// whose connection dropped a moment ago is refused (both ends see an error at once).
    pub(crate) fn open_stream(&self, label: &'static str, ends: [(NodeId, &Arc<Mailbox>); 2]) -> u64 {
        let mut state = self.lock();
        let (a, b) = (ends[0].0, ends[1].0);
        let link = state.faults.link(a, b).clone();
        // Only links that cut streams draw, so other runs keep their traces.
        let cut = if link.cuts_streams() {
            let after = state.rng.gen_range(link.cut_after.clone());
            if state.rng.gen_bool(link.reset) {
                Some(Cut::Reset { after })
            } else if state.rng.gen_bool(link.stall) {
                Some(Cut::Stall { after })
            } else {
                None
            }
        } else {
            None
        };
        let stream = state.streams.open(label, ends, cut);
        if state.streams.refused(a, b, state.elapsed()) {
            state.reset(stream, "connection refused: the peer's connection dropped");
        }
        stream
    }

    /// Whether `stream` stalled: nothing more gets through it, its close included.
    pub(crate) fn stream_stalled(&self, stream: u64) -> bool {
        self.lock().streams.is_stalled(stream)
    }

    /// Whether any fault touched `stream` (a copy dropped, duplicated or damaged, or a reset).
    pub(crate) fn stream_faulted(&self, stream: u64) -> bool {
        self.lock().streams.open.get(&stream).is_some_and(|s| s.faulted || s.reset)
    }

    /// Drops the connection between `a` and `b`: every stream between them fails at once, and new
    /// ones are refused for `refuse_for` (the peers redial after that).
    pub fn drop_connection(&self, a: NodeId, b: NodeId, refuse_for: Duration) {
        let mut state = self.lock();
        state.drop_connection(a, b, refuse_for);
    }

    /// Forgets every refused connection, disarms every stream's pending reset or stall and
    /// repairs every partition: the heal phase.
    pub fn heal_all(&self) {
        let mut state = self.lock();
        state.streams.heal();
        for (from, to) in state.partitions.cuts() {
            state.observe(NetEvent::Repair { from, to, both: false });
            state.partitions.repair(from, to);
        }
    }

    /// Routes one frame; `message` names what it carries (for the trace). Returns at once;
    /// delivery (if any) happens later in virtual time.
    pub(crate) fn send(&self, route: Route, kind: FrameKind, message: &'static str, bytes: Vec<u8>, to: Weak<Mailbox>) {
        let (copies, wire) = {
            let mut state = self.lock();
            (state.admit(route, kind, message, bytes, &to), state.wire.clone())
        };
        for (delay, copy) in copies {
            let router = self.clone();
            wire.spawn(async move {
                tokio::time::sleep(delay).await;
                router.lock().arrive(copy);
            });
        }
    }

    fn lock(&self) -> MutexGuard<'_, RouterState> {
        self.state.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}

impl RouterState {
    /// A copy's delivery timer fired. A FIN with data of its direction still on the wire waits
    /// for that data (see the module docs); the copies that waited behind a retransmitted frame
    /// follow it at once, in the order sent.
    fn arrive(&mut self, copy: InFlight) {
        let key = (copy.route.stream, copy.route.from);
        if copy.kind == FrameKind::Fin {
            let direction = self.streams.directions.entry(key).or_default();
            if direction.unresolved > 0 {
                direction.held_fin = Some(copy);
                return;
            }
        }
        let (kind, id) = (copy.kind, copy.id);
        self.resolve(copy);
        if kind == FrameKind::Data {
            let direction = self.streams.directions.entry(key).or_default();
            direction.unresolved = direction.unresolved.saturating_sub(1);
            if direction.retransmitted.is_some_and(|(frame, _)| frame == id) {
                direction.retransmitted = None;
            }
            let behind = direction.behind.remove(&id).unwrap_or_default();
            if direction.unresolved == 0 {
                if let Some(fin) = direction.held_fin.take() {
                    self.resolve(fin);
                }
            }
            for copy in behind {
                self.arrive(copy);
            }
        }
    }

    fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(self.epoch)
    }

    fn observe(&self, event: NetEvent) {
        self.observer.observe(event);
    }

    /// The faults a frame on `route` suffers, and whether it is gossip (no session stream):
    /// deltas have faults of their own when the configuration gives them.
    fn link_of(&self, route: Route) -> (&LinkFaults, bool) {
        if self.streams.open.contains_key(&route.stream) {
            (self.faults.link(route.from, route.to), false)
        } else {
            (self.faults.gossip_link(route.from, route.to), true)
        }
    }

    /// Notes that a fault touched `stream` (see `StreamEnds::faulted`).
    fn faulted(&mut self, stream: u64) {
        self.streams.mark_faulted(stream);
    }

    fn drop_connection(&mut self, a: NodeId, b: NodeId, refuse_for: Duration) {
        let until = self.elapsed() + refuse_for;
        self.observe(NetEvent::ConnectionDropped { a, b, refused_until: until });
        self.streams.refuse(a, b, until);
        for stream in self.streams.between(a, b) {
            self.reset(stream, "connection closed");
        }
    }

    fn cut(&mut self, from: NodeId, to: NodeId, both: bool, heal_after: Option<Duration>) {
        let heal_at = heal_after.map(|d| self.elapsed() + d);
        self.observe(NetEvent::Partition { from, to, both, heal_at, random: false });
        if both {
            self.partitions.cut_both(from, to, heal_at);
        } else {
            self.partitions.cut(from, to, heal_at);
        }
    }

    /// Fails `stream` as a whole: both ends see `reason` on their next send or receive.
    fn reset(&mut self, stream: u64, reason: &str) {
        let Some(ends) = self.streams.fail(stream) else { return };
        for end in ends {
            end.reset(reason);
        }
        self.observe(NetEvent::StreamReset { stream, reason: reason.to_owned() });
    }

    /// Decides a frame's fate(s) and reports them; returns the copies to deliver with their
    /// delays.
    fn admit(
        &mut self,
        route: Route,
        kind: FrameKind,
        message: &'static str,
        bytes: Vec<u8>,
        to: &Weak<Mailbox>,
    ) -> Vec<(Duration, InFlight)> {
        let now = self.elapsed();
        let (link, gossip) = self.link_of(route);
        let link = link.clone();
        let original = self.record(route, kind, message, &bytes, None);

        // A dead process sends nothing: a node killed mid-poll (a crash in the middle of a merge)
        // may still reach a send before its task stops.
        if self.down.contains(&route.to) || self.down.contains(&route.from) {
            return self.drop_at_send(original, route, DropReason::Crash);
        }
        // Only configured random partitions draw from the RNG, so other runs keep their traces.
        if let Some((p, range)) = self.faults.random_partitions.clone() {
            if self.rng.gen_bool(p) {
                let heal_at = now + self.rng.gen_range(range);
                self.partitions.cut_both(route.from, route.to, Some(heal_at));
                let event = NetEvent::Partition {
                    from: route.from,
                    to: route.to,
                    both: true,
                    heal_at: Some(heal_at),
                    random: true,
                };
                self.observe(event);
            }
        }
        if self.partitions.is_cut(route.from, route.to, now) {
            return self.drop_at_send(original, route, DropReason::Partition);
        }
        if !gossip {
            if let Some((p, range)) = self.faults.connection_drops.clone() {
                if self.rng.gen_bool(p) {
                    let refuse_for = self.rng.gen_range(range);
                    self.drop_connection(route.from, route.to, refuse_for);
                }
            }
            if kind == FrameKind::Fin && self.streams.is_stalled(route.stream) {
                return self.drop_at_send(original, route, DropReason::Stall);
            }
            if kind == FrameKind::Data {
                match self.streams.pass(route.stream) {
                    Passage::Pass => {}
                    Passage::Stalled => return self.drop_at_send(original, route, DropReason::Stall),
                    Passage::ResetNow => {
                        self.reset(route.stream, "stream reset by the transport");
                        return self.drop_at_send(original, route, DropReason::Reset);
                    }
                }
            }
        }
        let copy = |id, bytes, damaged| InFlight { id, route, kind, bytes, damaged, to: to.clone() };
        let direction = (route.stream, route.from);
        // FIN is the stream's end marker: it obeys partitions and latency but is not lost,
        // duplicated or corrupted, and never overtakes the data it follows.
        if kind == FrameKind::Fin {
            let last = self.streams.directions.get(&direction).map_or(Duration::ZERO, |d| d.last_arrival);
            let arrival = (now + self.delay(&link)).max(last);
            return vec![(arrival - now, copy(original, bytes, false))];
        }
        // One draw in either case, where there always was one: a run whose links lose nothing
        // draws what it drew before loss on streams became retransmission.
        let lost = if gossip { link.loss } else { link.drop };
        if self.rng.gen_bool(lost) {
            let reason = if gossip { DropReason::Loss } else { DropReason::StreamDrop };
            return self.drop_at_send(original, route, reason);
        }
        // Packet loss on a stream is a retransmission: the frame comes later, and the stream
        // gives up (resets) after too many losses in a row.
        let retransmission = match gossip || link.loss == 0.0 {
            true => Duration::ZERO,
            false => match self.retransmission(&link) {
                Some(wait) => wait,
                None => {
                    self.reset(route.stream, "the transport gave up retransmitting a lost frame");
                    return self.drop_at_send(original, route, DropReason::Reset);
                }
            },
        };
        let mut copies = vec![(original, bytes)];
        if self.rng.gen_bool(link.duplicate) {
            self.faulted(route.stream);
            let duplicate = self.record(route, kind, message, &copies[0].1, Some(original));
            let bytes = copies[0].1.clone();
            copies.push((duplicate, bytes));
        }
        let mut scheduled = Vec::with_capacity(copies.len());
        for (id, mut bytes) in copies {
            let damaged = self.rng.gen_bool(link.corruption);
            if damaged {
                self.faulted(route.stream);
                let corruption = corrupt(&mut self.rng, &mut bytes);
                self.observe(NetEvent::Corrupted { frame: id, corruption });
            }
            let delay = self.delay(&link) + retransmission;
            let entry = self.streams.directions.entry(direction).or_default();
            entry.last_arrival = entry.last_arrival.max(now + delay);
            entry.unresolved += 1;
            // A reliable stream delivers in order: a copy that would overtake the retransmitted
            // frame still on its way waits behind it; a retransmitted copy arriving after it
            // becomes the one the next copies wait for.
            match entry.retransmitted {
                Some((holder, until)) if now + delay <= until => {
                    entry.behind.entry(holder).or_default().push(copy(id, bytes, damaged));
                    continue;
                }
                _ if !retransmission.is_zero() => entry.retransmitted = Some((id, now + delay)),
                _ => {}
            }
            scheduled.push((delay, copy(id, bytes, damaged)));
        }
        scheduled
    }

    /// Where a copy ends up when it arrives, reported and counted.
    fn resolve(&mut self, copy: InFlight) {
        let InFlight { id, route, kind, bytes, damaged, to } = copy;
        let now = self.elapsed();
        let (link, gossip) = self.link_of(route);
        let authenticated = link.integrity == Integrity::Authenticated;
        let reset = self.streams.is_reset(route.stream);
        let outcome = if self.down.contains(&route.to) {
            Err(DropReason::Crash)
        } else if self.partitions.is_cut(route.from, route.to, now) {
            Err(DropReason::Partition)
        } else if reset {
            Err(DropReason::Reset)
        } else if damaged && authenticated {
            Err(DropReason::Damaged)
        } else if let Some(mailbox) = to.upgrade() {
            match kind {
                FrameKind::Data => mailbox.push(bytes),
                FrameKind::Fin => mailbox.finish(),
            }
            Ok(())
        } else {
            Err(DropReason::ReceiverGone)
        };
        self.in_flight -= 1;
        match outcome {
            Ok(()) => self.observe(NetEvent::Delivered { frame: id, to: route.to }),
            Err(reason) => {
                self.faulted(route.stream);
                self.observe(NetEvent::Dropped { frame: id, to: route.to, reason });
                if reason == DropReason::Damaged && !gossip {
                    self.reset(route.stream, &format!("frame #{id} failed authentication"));
                }
            }
        }
    }

    /// How much later a stream frame arrives for the packets of it the link loses: each loss
    /// waits a retransmission timeout, doubling with each consecutive loss (with up to half of
    /// it again drawn as jitter); `None` once [`MAX_RETRANSMITS`] are lost in a row.
    fn retransmission(&mut self, link: &LinkFaults) -> Option<Duration> {
        let mut wait = Duration::ZERO;
        let mut timeout = link.rto();
        for _ in 0..MAX_RETRANSMITS {
            if !self.rng.gen_bool(link.loss) {
                return Some(wait);
            }
            wait += timeout + self.rng.gen_range(Duration::ZERO..=timeout / 2);
            timeout *= 2;
        }
        None
    }

    fn delay(&mut self, link: &LinkFaults) -> Duration {
        let mut delay = link.latency;
        if !link.jitter.is_zero() {
            delay += self.rng.gen_range(Duration::ZERO..=link.jitter);
        }
        if !link.reorder_window.is_zero() {
            delay += self.rng.gen_range(Duration::ZERO..=link.reorder_window);
        }
        delay
    }

    fn drop_at_send(&mut self, frame: u64, route: Route, reason: DropReason) -> Vec<(Duration, InFlight)> {
        self.faulted(route.stream);
        self.in_flight -= 1;
        self.observe(NetEvent::Dropped { frame, to: route.to, reason });
        Vec::new()
    }

    /// Numbers a new frame copy and reports it sent.
    fn record(
        &mut self,
        route: Route,
        kind: FrameKind,
        message: &'static str,
        bytes: &[u8],
        copy_of: Option<u64>,
    ) -> u64 {
        let id = self.next_frame;
        self.next_frame += 1;
        self.in_flight += 1;
        let protocol = self.streams.label(route.stream);
        self.observe(NetEvent::Sent {
            frame: id,
            from: route.from,
            to: route.to,
            stream: route.stream,
            protocol,
            message,
            kind,
            size: bytes.len(),
            hash: content_hash(bytes),
            copy_of,
            payload: self.capture_payloads.then(|| Arc::from(bytes)),
        });
        id
    }
}

/// Damages a frame: half the time 1–3 bit flips, otherwise truncation to a shorter length.
fn corrupt(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>) -> Corruption {
    if bytes.is_empty() || rng.gen_bool(0.5) {
        let to = if bytes.is_empty() { 0 } else { rng.gen_range(0..bytes.len()) };
        bytes.truncate(to);
        return Corruption::Truncated { to };
    }
    let flips = rng.gen_range(1..=3_u8);
    for _ in 0..flips {
        let bit = rng.gen_range(0..bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
    }
    Corruption::BitFlips(flips)
}
