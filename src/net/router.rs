//! The simulated network. Every frame a `SimStream` sends comes here; the router decides its fate
//! from the link's faults and the partition table, using its own seeded RNG (so protocol code
//! drawing random nonces never shifts which frames get lost), logs it, and schedules delivery in
//! virtual time.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::frame::{content_hash, Corruption, DropReason, Fate, FrameKind, FrameRecord};
use super::mailbox::Mailbox;
use super::{FaultConfig, NodeId, Partitions};
use crate::trace::{Trace, TraceKind};

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
    frames: Vec<FrameRecord>,
    /// Latest scheduled arrival per (stream, from): a stream's FIN never overtakes its data.
    last_arrival: BTreeMap<(u64, NodeId), Duration>,
    next_stream: u64,
    capture_payloads: bool,
    /// Frame copies sent and not yet resolved; kept as a count because polls ask often.
    in_flight: usize,
    trace: Arc<Trace>,
    /// What each stream carries (protocol name), for the trace.
    stream_labels: BTreeMap<u64, &'static str>,
    /// Nodes that are down: frames addressed to them are dropped (`DropReason::Crash`).
    down: BTreeSet<NodeId>,
    /// The madsim node delivery tasks run on. Frames on the wire belong to the network, not to
    /// the sender: a sender's crash must not take its in-flight frames with it.
    wire: madsim::runtime::NodeHandle,
}

/// Where a frame goes: the directed link and the stream it belongs to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Route {
    pub stream: u64,
    pub from: NodeId,
    pub to: NodeId,
}

impl NetworkRouter {
    /// A router whose fault decisions are a pure function of `seed`. Must be created inside the
    /// simulation, since it anchors its clock at the current virtual time.
    pub fn new(seed: u64, faults: FaultConfig) -> Self {
        Self::with_trace(seed, faults, Arc::new(Trace::new()))
    }

    /// Like [`new`](Self::new), recording every frame event into `trace`.
    pub fn with_trace(seed: u64, faults: FaultConfig, trace: Arc<Trace>) -> Self {
        // A fixed salt keeps the router's stream independent of other seed-derived streams.
        let rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6e65_7477_6f72_6b21);
        Self {
            state: Arc::new(Mutex::new(RouterState {
                faults,
                partitions: Partitions::default(),
                rng,
                epoch: Instant::now(),
                frames: Vec::new(),
                last_arrival: BTreeMap::new(),
                next_stream: 0,
                capture_payloads: false,
                in_flight: 0,
                trace,
                stream_labels: BTreeMap::new(),
                down: BTreeSet::new(),
                wire: madsim::runtime::Handle::current().create_node().name("network").build(),
            })),
        }
    }

    /// Virtual time since this router was created.
    pub fn now(&self) -> Duration {
        self.lock().elapsed()
    }

    /// Keeps a copy of every frame's wire bytes in the log (off by default: memory).
    pub fn capture_payloads(&self, on: bool) {
        self.lock().capture_payloads = on;
    }

    pub fn faults(&self) -> FaultConfig {
        self.lock().faults.clone()
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        let mut state = self.lock();
        state.trace.record(TraceKind::Fault { description: format!("faults now [{faults}]") });
        state.faults = faults;
    }

    /// The trace this router records into.
    pub fn trace(&self) -> Arc<Trace> {
        Arc::clone(&self.lock().trace)
    }

    /// Cuts both directions between `a` and `b`, healing after `heal_after` if given.
    pub fn partition(&self, a: NodeId, b: NodeId, heal_after: Option<Duration>) {
        let mut state = self.lock();
        let heal_at = heal_after.map(|d| state.elapsed() + d);
        state.trace.record(TraceKind::Fault { description: format!("partition {a}<->{b} heal_at={heal_at:?}") });
        state.partitions.cut_both(a, b, heal_at);
    }

    /// Cuts only `from → to`: `to` stops hearing `from`, but not the other way round.
    pub fn partition_one_way(&self, from: NodeId, to: NodeId, heal_after: Option<Duration>) {
        let mut state = self.lock();
        let heal_at = heal_after.map(|d| state.elapsed() + d);
        state.trace.record(TraceKind::Fault { description: format!("partition {from}->{to} heal_at={heal_at:?}") });
        state.partitions.cut(from, to, heal_at);
    }

    /// Repairs both directions between `a` and `b`.
    pub fn repair(&self, a: NodeId, b: NodeId) {
        let mut state = self.lock();
        state.trace.record(TraceKind::Fault { description: format!("repair {a}<->{b}") });
        state.partitions.repair_both(a, b);
    }

    /// Repairs only `from → to`.
    pub fn repair_one_way(&self, from: NodeId, to: NodeId) {
        let mut state = self.lock();
        state.trace.record(TraceKind::Fault { description: format!("repair {from}->{to}") });
        state.partitions.repair(from, to);
    }

    pub fn is_partitioned(&self, from: NodeId, to: NodeId) -> bool {
        let state = self.lock();
        state.partitions.is_cut(from, to, state.elapsed())
    }

    /// Every frame copy so far, in the order the router handled them.
    pub fn frames(&self) -> Vec<FrameRecord> {
        self.lock().frames.clone()
    }

    /// Frame copies that were not delivered, each with its reason.
    pub fn drops(&self) -> Vec<FrameRecord> {
        self.lock().frames.iter().filter(|f| f.dropped().is_some()).cloned().collect()
    }

    /// Frame copies sent but not yet delivered or dropped.
    pub fn in_flight(&self) -> usize {
        self.lock().in_flight
    }

    /// SHA-256 over the frame log's lines: equal for two runs iff they routed the same frames,
    /// at the same virtual times, with the same content and fates.
    pub fn log_hash(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        for frame in &self.lock().frames {
            hasher.update(frame.to_string().as_bytes());
            hasher.update(b"\n");
        }
        hasher.finalize().into()
    }

    /// A new stream id; `protocol` labels its frames in the trace.
    pub(crate) fn open_stream(&self, protocol: &'static str) -> u64 {
        let mut state = self.lock();
        state.next_stream += 1;
        let stream = state.next_stream;
        state.stream_labels.insert(stream, protocol);
        stream
    }

    /// Routes one frame. Returns at once; delivery (if any) happens later in virtual time.
    /// Marks `node` down (frames to it are dropped as `Crash`) or up again.
    pub fn set_down(&self, node: NodeId, down: bool) {
        let mut state = self.lock();
        if down {
            state.down.insert(node);
        } else {
            state.down.remove(&node);
        }
    }

    /// Routes one frame; `message` names what it carries (for the trace).
    pub(crate) fn send(&self, route: Route, kind: FrameKind, message: &'static str, bytes: Vec<u8>, to: Weak<Mailbox>) {
        let (deliveries, wire) = {
            let mut state = self.lock();
            (state.admit(route, kind, message, bytes), state.wire.clone())
        };
        for (id, delay, bytes) in deliveries {
            let router = self.clone();
            let to = to.clone();
            wire.spawn(async move {
                tokio::time::sleep(delay).await;
                router.deliver(id, route, kind, bytes, &to);
            });
        }
    }

    fn deliver(&self, id: u64, route: Route, kind: FrameKind, bytes: Vec<u8>, to: &Weak<Mailbox>) {
        let mut state = self.lock();
        let now = state.elapsed();
        let fate = if state.down.contains(&route.to) {
            Fate::Dropped { at: now, reason: DropReason::Crash }
        } else if state.partitions.is_cut(route.from, route.to, now) {
            Fate::Dropped { at: now, reason: DropReason::Partition }
        } else if let Some(mailbox) = to.upgrade() {
            match kind {
                FrameKind::Data => mailbox.push(bytes),
                FrameKind::Fin => mailbox.finish(),
            }
            Fate::Delivered { at: now }
        } else {
            Fate::Dropped { at: now, reason: DropReason::ReceiverGone }
        };
        state.frames[id as usize].fate = fate;
        state.in_flight -= 1;
        state.trace.record(match fate {
            Fate::Dropped { reason, .. } => TraceKind::FrameDropped { frame: id, to: route.to, reason },
            _ => TraceKind::FrameDelivered { frame: id, to: route.to },
        });
    }

    fn lock(&self) -> MutexGuard<'_, RouterState> {
        self.state.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}

impl RouterState {
    fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(self.epoch)
    }

    /// Decides a frame's fate(s) and logs them; returns the copies to deliver with their delays.
    fn admit(
        &mut self,
        route: Route,
        kind: FrameKind,
        message: &'static str,
        bytes: Vec<u8>,
    ) -> Vec<(u64, Duration, Vec<u8>)> {
        let now = self.elapsed();
        let link = self.faults.link(route.from, route.to).clone();
        let original = self.record(route, kind, message, &bytes, now, None);

        if self.down.contains(&route.to) {
            return self.drop_at_send(original, route, now, DropReason::Crash);
        }
        // Only configured random partitions draw from the RNG, so other runs keep their traces.
        if let Some((p, range)) = self.faults.random_partitions.clone() {
            if self.rng.gen_bool(p) {
                let heal_at = now + self.rng.gen_range(range);
                self.partitions.cut_both(route.from, route.to, Some(heal_at));
                self.trace.record(TraceKind::Fault {
                    description: format!("random partition {}<->{} heal_at={heal_at:?}", route.from, route.to),
                });
            }
        }
        if self.partitions.is_cut(route.from, route.to, now) {
            return self.drop_at_send(original, route, now, DropReason::Partition);
        }
        // FIN is the stream's end marker: it obeys partitions and latency but is not lost,
        // duplicated or corrupted, and never overtakes the data it follows.
        if kind == FrameKind::Fin {
            let key = (route.stream, route.from);
            let arrival = (now + self.delay(&link)).max(self.last_arrival.get(&key).copied().unwrap_or_default());
            return vec![(original, arrival - now, bytes)];
        }
        if self.rng.gen_bool(link.loss) {
            return self.drop_at_send(original, route, now, DropReason::Loss);
        }
        let duplicate = self.rng.gen_bool(link.duplicate);
        let mut copies = vec![(original, bytes)];
        if duplicate {
            let copy = self.record(route, kind, message, &copies[0].1, now, Some(original));
            let bytes = copies[0].1.clone();
            copies.push((copy, bytes));
        }
        copies
            .into_iter()
            .map(|(id, mut bytes)| {
                if self.rng.gen_bool(link.corruption) {
                    let corruption = corrupt(&mut self.rng, &mut bytes);
                    self.frames[id as usize].corruption = Some(corruption);
                    self.trace.record(TraceKind::Fault { description: format!("corrupt #{id} {corruption:?}") });
                }
                let delay = self.delay(&link);
                let key = (route.stream, route.from);
                let arrival = now + delay;
                let last = self.last_arrival.entry(key).or_default();
                *last = (*last).max(arrival);
                (id, delay, bytes)
            })
            .collect()
    }

    fn delay(&mut self, link: &super::LinkFaults) -> Duration {
        let mut delay = link.latency;
        if !link.jitter.is_zero() {
            delay += self.rng.gen_range(Duration::ZERO..=link.jitter);
        }
        if !link.reorder_window.is_zero() {
            delay += self.rng.gen_range(Duration::ZERO..=link.reorder_window);
        }
        delay
    }

    fn drop_at_send(
        &mut self,
        frame: u64,
        route: Route,
        now: Duration,
        reason: DropReason,
    ) -> Vec<(u64, Duration, Vec<u8>)> {
        self.frames[frame as usize].fate = Fate::Dropped { at: now, reason };
        self.in_flight -= 1;
        self.trace.record(TraceKind::FrameDropped { frame, to: route.to, reason });
        Vec::new()
    }

    fn record(
        &mut self,
        route: Route,
        kind: FrameKind,
        message: &'static str,
        bytes: &[u8],
        now: Duration,
        copy_of: Option<u64>,
    ) -> u64 {
        let id = self.frames.len() as u64;
        self.frames.push(FrameRecord {
            id,
            copy_of,
            stream: route.stream,
            from: route.from,
            to: route.to,
            kind,
            sent_at: now,
            size: bytes.len(),
            content_hash: content_hash(bytes),
            corruption: None,
            fate: Fate::InFlight,
            payload: self.capture_payloads.then(|| bytes.to_vec()),
        });
        self.in_flight += 1;
        let protocol = self.stream_labels.get(&route.stream).copied().unwrap_or("gossip");
        self.trace.record(TraceKind::FrameSent {
            frame: id,
            from: route.from,
            to: route.to,
            stream: route.stream,
            protocol,
            message,
            size: bytes.len(),
            hash: content_hash(bytes),
            copy_of,
            corruption: None,
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
