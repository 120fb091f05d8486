//! Seeded app workloads on calimero's CRDT collections: per-node concurrent operation streams
//! with a chosen mix and conflict rate, on a starting state every node shares.
//!
//! - [`kv`](AppMix::Kv): maps, sets and LWW registers; a third of the operations hit keys every
//!   node uses, the rest each node's own keys;
//! - [`mixed`](AppMix::Mixed): every driven collection kind (vectors, counters, a map of
//!   vectors too), at a moderate conflict rate;
//! - [`conflict`](AppMix::Conflict): a few hot keys that every node races on — remove against
//!   update, clear against insert, pop against push — often at the very same virtual instant;
//! - [`fresh`](AppMix::Fresh): the mixed workload, except that no key is written again once it is
//!   removed and maps are never cleared — so sweeps look past calimero's final tombstones
//!   (docs/findings.md F8), which the other mixes run into by design;
//! - [`wide`](AppMix::Wide): one map that every node starts with 240–400 entries of — past
//!   HashComparison's 256-children limit more often than not (docs/findings.md F12) — and
//!   removes and updates on them, fresh-style (no key written after its remove); the other
//!   mixes stay far below the limit.
//! - [`sorted`](AppMix::Sorted): a `SortedMap` and a `SortedSet` beside a plain map, written
//!   concurrently at the mixed rate — so a node's ordered index (node-local, never synced) goes
//!   stale under sync and the app's next local write meets it (calimero #3323, #3328, #3338).
//! - [`frozen`](AppMix::Frozen): a `FrozenStorage` (content-addressed, immutable) beside a map
//!   and registers; a quarter of the freezes store content another node may freeze too (one
//!   key, one entity, written on two nodes), the rest each node's own.
//!
//! - [`nested`](AppMix::Nested): two-level state both ways an app keeps it — a map stored flat
//!   under calimero's `CompositeKey`, and a map of maps — beside a plain map. Its outer and inner keys are drawn from names an app meets (document ids,
//!   field paths), half of which hold `::` — calimero's separator up to 0.11.0-rc.9 (#3148) —
//!   so two different places can share one stored key.
//! - [`text`](AppMix::Text): calimero's RGA text beside a map; nodes type and erase at places
//!   drawn ahead of time (taken modulo the text's length on the node when the edit runs), so two
//!   nodes often edit near each other. Every typed character is one no other operation types
//!   (CJK ideographs, numbered), so a character in the merged text names its edit.
//! - [`user`](AppMix::User): calimero's `UserStorage` beside a map: each node sets and takes away
//!   its own slot, every write signed by production's signer and verified by calimero on every
//!   peer (releases 0.11.0-rc.4 to rc.19, with the visibility patch).
//! - [`authored`](AppMix::Authored): calimero's `AuthoredMap` beside a map, kept as an app keeps
//!   claims: a node claims a key no one holds, rewrites or gives up its own, and leaves another
//!   member's alone. Two of the hot keys are claimed by the first node at the start, two are
//!   free, so nodes race to claim them (signed as `user`'s writes are; the same releases).
//!
//! Values are unique per operation (`<node>.<seq>`), so a value in a final state names the
//! operation that wrote it.

use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::app::{AppWorkload, SetupOp, TimedOp, APP_SPAN};
use super::catalog::{node_name, NodeSpec, Scenario};
use crate::crdt::{CollectionKind as K, CrdtOp, Verb};
use crate::seed::{self, Stream};

/// Which operations a workload draws. Its name, inside the names of the scenarios it builds, is
/// the variant's in kebab case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum AppMix {
    Kv,
    Mixed,
    Conflict,
    Fresh,
    Wide,
    Sorted,
    Frozen,
    Nested,
    Text,
    User,
    Authored,
}

/// The collections each mix declares.
fn collections(mix: AppMix) -> Vec<(String, K)> {
    let kinds: &[(&str, K)] = match mix {
        AppMix::Kv => &[("users", K::Map), ("tags", K::Set), ("profile", K::Registers)],
        AppMix::Wide => &[("users", K::Map)],
        AppMix::Sorted => &[("ranking", K::SortedMap), ("labels", K::SortedSet), ("users", K::Map)],
        AppMix::Frozen => &[("records", K::Frozen), ("users", K::Map), ("profile", K::Registers)],
        AppMix::Nested => &[("docs", K::Nested), ("folders", K::MapOfMaps), ("users", K::Map)],
        AppMix::Text => &[("doc", K::Text), ("users", K::Map)],
        AppMix::User => &[("profiles", K::User), ("users", K::Map)],
        AppMix::Authored => &[("names", K::Authored), ("users", K::Map)],
        AppMix::Mixed | AppMix::Conflict | AppMix::Fresh => &[
            ("users", K::Map),
            ("tags", K::Set),
            ("profile", K::Registers),
            ("log", K::Vector),
            ("visits", K::Counter),
            ("stock", K::PnCounter),
            ("inbox", K::MapOfVectors),
        ],
    };
    kinds.iter().map(|(n, k)| ((*n).to_owned(), *k)).collect()
}

/// Draws from the seed's own stream.
struct Draw {
    rng: ChaCha8Rng,
    mix: AppMix,
    /// Keys every node uses.
    hot: usize,
    /// Chance an operation hits a hot key.
    conflict: f64,
    /// Keys removed so far (by operation time), never used again under [`AppMix::Fresh`].
    retired: std::collections::BTreeSet<String>,
    /// Characters typed so far: the next one typed is the next ideograph.
    typed: u32,
}

/// The characters a run types: CJK ideographs, one per typed character, none typed twice in a run
/// (0x4E00 up; the starting text's come from below, [`START_TEXT`]).
const TYPED: u32 = 0x4E00;
/// The starting text's characters (CJK extension A).
const START_TEXT: u32 = 0x3400;
/// Ideographs from [`TYPED`] on (20,992 of them; a run types far fewer).
const IDEOGRAPHS: u32 = 0x5200;

impl Draw {
    fn key(&mut self, node: usize, seq: usize) -> String {
        let key = if self.rng.gen_bool(self.conflict) {
            format!("k{}", self.rng.gen_range(0..self.hot))
        } else {
            // A node's own keys: revisited now and then, so its removes and updates find them.
            format!("{}-k{}", node_name(node), self.rng.gen_range(0..=seq / 2))
        };
        // A retired key gets a new generation: same shape, never removed yet.
        let mut fresh = key.clone();
        let mut generation = 0;
        while matches!(self.mix, AppMix::Fresh | AppMix::Wide) && self.retired.contains(&fresh) {
            generation += 1;
            fresh = format!("{key}~{generation}");
        }
        fresh
    }

    /// A two-level key `outer/inner`: a shared document at least half the time (or at the hot rate),
    /// else the node's own document. Half the shared names hold `::`, as paths and namespaced ids
    /// do, so `doc::draft/title` and `doc/draft::title` both occur.
    fn nested_key(&mut self, node: usize, seq: usize) -> String {
        const OUTER: [&str; 4] = ["doc", "doc::draft", "team", "team::ops"];
        const INNER: [&str; 4] = ["title", "draft::title", "body", "ops::body"];
        let outer = match self.rng.gen_bool(self.conflict.max(0.5)) {
            true => OUTER[self.rng.gen_range(0..OUTER.len())].to_owned(),
            false => format!("{}-doc{}", node_name(node), self.rng.gen_range(0..=seq / 2)),
        };
        format!("{outer}/{}", INNER[self.rng.gen_range(0..INNER.len())])
    }

    /// `n` characters no other operation of the run types.
    fn text(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| {
                self.typed += 1;
                char::from_u32(TYPED + self.typed % IDEOGRAPHS).expect("CJK ideographs are chars")
            })
            .collect()
    }

    fn op(&mut self, node: usize, seq: usize, collections: &[(String, K)]) -> CrdtOp {
        let (name, kind) = &collections[self.rng.gen_range(0..collections.len())];
        let value = format!("{}.{seq}", node_name(node));
        let clear_rate = match self.mix {
            AppMix::Conflict => 0.08,
            AppMix::Fresh if kind.keyed() => 0.0,
            AppMix::Wide => 0.0,
            _ => 0.02,
        };
        let roll: f64 = self.rng.gen();
        // The wide map is there for its removes (F12); the other mixes mostly write.
        let remove_rate = if self.mix == AppMix::Wide { 0.6 } else { 0.3 };
        let verb = match kind {
            // A member's own slot: set it, or take it away (the key names nothing).
            K::User if roll < 0.3 => Verb::Remove { key: "own".into() },
            K::User => Verb::Insert { key: "own".into(), value },
            // A claim on a key (the app leaves another member's alone), or giving one up.
            K::Authored => {
                let key = self.key(node, seq);
                match roll < remove_rate {
                    true => Verb::Remove { key },
                    false => Verb::Insert { key, value },
                }
            }
            K::Map | K::Set | K::Registers | K::SortedMap | K::SortedSet | K::Nested | K::MapOfMaps => {
                let key = match kind {
                    K::Nested | K::MapOfMaps => self.nested_key(node, seq),
                    _ => self.key(node, seq),
                };
                if roll < clear_rate && !matches!(kind, K::Registers | K::MapOfMaps) {
                    Verb::Clear
                } else if roll < remove_rate {
                    Verb::Remove { key }
                } else {
                    Verb::Insert { key, value }
                }
            }
            K::Vector => {
                if roll < clear_rate {
                    Verb::Clear
                } else if roll < 0.25 {
                    Verb::Pop { key: None }
                } else if roll < 0.4 {
                    Verb::Update { index: self.rng.gen_range(0..4), value }
                } else {
                    Verb::Push { key: None, value }
                }
            }
            K::Counter => Verb::Increment,
            K::PnCounter if roll < 0.4 => Verb::Decrement,
            K::PnCounter => Verb::Increment,
            // Shared content under a hot name, or the node's own (unique) value.
            K::Frozen if self.rng.gen_bool(self.conflict) => {
                Verb::Freeze { value: format!("doc-{}", self.rng.gen_range(0..self.hot)) }
            }
            K::Frozen => Verb::Freeze { value },
            // Two thirds typing; places anywhere in a text of a few dozen characters.
            K::Text if roll < 0.35 => Verb::Erase { at: self.rng.gen_range(0..64), len: self.rng.gen_range(1..=3) },
            K::Text => {
                let n = self.rng.gen_range(1..=3);
                Verb::Type { at: self.rng.gen_range(0..64), text: self.text(n) }
            }
            K::MapOfVectors => {
                let key = Some(self.key(node, seq));
                if roll < clear_rate {
                    Verb::Clear
                } else if roll < 0.3 {
                    Verb::Pop { key }
                } else {
                    Verb::Push { key, value }
                }
            }
        };
        if let Verb::Remove { key } | Verb::Pop { key: Some(key) } = &verb {
            self.retired.insert(key.clone());
        }
        CrdtOp { collection: name.clone(), kind: *kind, verb }
    }
}

/// What every node holds before the run: each collection made, with a few hot entries.
fn shared_start(collections: &[(String, K)], hot: usize) -> Vec<SetupOp> {
    let mut setup = Vec::new();
    for (name, kind) in collections {
        for i in 0..hot {
            let (key, value) = (format!("k{i}"), format!("start.{i}"));
            let verb = match kind {
                K::Map | K::Set | K::Registers | K::SortedMap | K::SortedSet => Verb::Insert { key, value },
                K::Vector => Verb::Push { key: None, value },
                K::Counter | K::PnCounter => Verb::Increment,
                K::MapOfVectors => Verb::Push { key: Some(key), value },
                K::Frozen => Verb::Freeze { value },
                K::Nested | K::MapOfMaps => Verb::Insert { key: format!("{key}/start"), value },
                K::User => Verb::Insert { key: "own".into(), value },
                // Half the hot keys claimed by the first node; the rest free to race for.
                K::Authored if i >= hot / 2 => continue,
                K::Authored => Verb::Insert { key, value },
                K::Text => Verb::Type {
                    at: i,
                    text: char::from_u32(START_TEXT + i as u32).expect("CJK ideographs are chars").into(),
                },
            };
            setup.push(SetupOp { node: 0, op: CrdtOp { collection: name.clone(), kind: *kind, verb }, shared: true });
        }
    }
    setup
}

impl AppMix {
    /// `nodes` nodes (at least two), each running `ops` operations over [`APP_SPAN`].
    pub fn build(self, seed: u64, nodes: usize, ops: usize) -> Scenario {
        self.build_with(seed, nodes, ops, collections(self))
    }

    /// [`build`](Self::build) over the given collections instead of the mix's own (e.g. one
    /// collection kind alone).
    pub fn build_with(self, seed: u64, nodes: usize, ops: usize, collections: Vec<(String, K)>) -> Scenario {
        let nodes = nodes.max(2);
        let (hot, conflict) = match self {
            AppMix::Kv => (4, 0.33),
            AppMix::Mixed
            | AppMix::Fresh
            | AppMix::Sorted
            | AppMix::Frozen
            | AppMix::Nested
            | AppMix::Text
            | AppMix::User
            | AppMix::Authored => (4, 0.25),
            AppMix::Conflict => (2, 0.9),
            // Drawn below, from the seed's own stream: the map's width.
            AppMix::Wide => (0, 0.6),
        };
        let mut draw = Draw {
            rng: seed::rng(seed, Stream::Scenario),
            mix: self,
            hot,
            conflict,
            retired: Default::default(),
            typed: 0,
        };
        if self == AppMix::Wide {
            draw.hot = draw.rng.gen_range(240..=400);
        }
        let setup = shared_start(&collections, draw.hot);
        let span_ms = APP_SPAN.as_millis() as u64;
        // When each operation happens first, then what it does in time order, so a key is
        // retired (`fresh`) before any later operation could pick it.
        let mut slots: Vec<(u64, usize, usize)> = Vec::new();
        for node in 0..nodes {
            for seq in 0..ops {
                // Conflict runs put operations on a coarse grid, so nodes often act at the same
                // virtual instant (equal timestamps); the others spread them over every ms.
                let at = match self {
                    AppMix::Conflict => draw.rng.gen_range(0..span_ms / 250) * 250,
                    _ => draw.rng.gen_range(0..span_ms),
                };
                slots.push((at, node, seq));
            }
        }
        slots.sort_unstable();
        let timed = slots
            .into_iter()
            .map(|(at, node, seq)| TimedOp {
                node,
                at: Duration::from_millis(at),
                op: draw.op(node, seq, &collections),
            })
            .collect();
        let name = format!("crdt-{}-{nodes}x{ops}", self.name());
        let specs = (0..nodes).map(|i| NodeSpec { name: node_name(i), ..NodeSpec::default() }).collect();
        Scenario { name, nodes: specs, workload: None, app: Some(AppWorkload { collections, setup, ops: timed }) }
    }

    pub fn name(self) -> &'static str {
        self.into()
    }
}
