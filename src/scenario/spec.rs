//! Scenarios by name, for the CLI and for sweeps written as tests: `NAME` or `NAME-NODESxENTITIES`
//! (e.g. `diverged-3x200`). The names are defined once, here; an unknown one is an error that
//! lists the valid ones.

use std::fmt;
use std::str::FromStr;

use strum::{Display, EnumCount, IntoStaticStr, VariantArray};

use super::{AppMix, BugScenario, RandomScenario, RandomScenarioConfig, Scenario};
use crate::args::{by_name, UnknownName};

/// The named scenarios. A name is the variant's in kebab case (`CrdtKv` is `crdt-kv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Display, IntoStaticStr, EnumCount, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum ScenarioKind {
    Diverged,
    Synced,
    Overlap,
    Random,
    Snapshot,
    None,
    Deletes,
    Conflict,
    Reorder,
    Race,
    Mixed,
    Alike,
    CrdtKv,
    CrdtMixed,
    CrdtConflict,
    CrdtFresh,
    CrdtWide,
    CrdtSorted,
    CrdtFrozen,
    CrdtNested,
    CrdtText,
    CrdtUser,
    CrdtAuthored,
    CrdtRooted,
    Any,
    AnyStorage,
}

impl ScenarioKind {
    /// An array rather than strum's slice, so callers can iterate it by value and `map` it.
    pub const ALL: [ScenarioKind; ScenarioKind::COUNT] = *ScenarioKind::VARIANTS.first_chunk().unwrap();

    pub fn name(self) -> &'static str {
        self.into()
    }

    /// One line for `merosim list`.
    pub fn about(self) -> &'static str {
        match self {
            ScenarioKind::Diverged => "every node holds its own entities, none shared (Scenario::n_nodes_diverged)",
            ScenarioKind::Synced => "every node holds the same entities (Scenario::n_nodes_synced)",
            ScenarioKind::Overlap => "half the entities shared, half unique per node (Scenario::partial_overlap)",
            ScenarioKind::Random => "seed-drawn node count, entity count and divergence (RandomScenario)",
            ScenarioKind::Snapshot => {
                "one node with 20 entities and a fresh one: snapshot bootstrap, run as HashComparison"
            }
            ScenarioKind::None => "two empty nodes: select_protocol picks None, nothing is sent",
            ScenarioKind::Deletes => "a shared nested tree; every node deletes some leaves (deletions must travel)",
            ScenarioKind::Conflict => {
                "a shared nested tree; nodes overwrite leaves at ordered timestamps (last writer wins)"
            }
            ScenarioKind::Reorder => "every node creates the same children in its own order (equal data, equal roots)",
            ScenarioKind::Race => "every node keeps writing while sync runs (roots move under handshakes)",
            ScenarioKind::Mixed => "seed-drawn mix of the four above, 2..N nodes, sometimes flat (untargeted sweeps)",
            ScenarioKind::Alike => {
                "every node's own leaves alike but for their ids: same count, places and bytes (F6's shape)"
            }
            ScenarioKind::CrdtKv => {
                "an app on real calimero maps, sets and LWW registers; NxE = nodes x operations per node"
            }
            ScenarioKind::CrdtMixed => {
                "an app on every driven calimero collection (vectors, counters, a map of vectors too)"
            }
            ScenarioKind::CrdtConflict => {
                "every node races on a few hot keys: remove vs update, clear vs insert, pop vs push, equal timestamps"
            }
            ScenarioKind::CrdtFresh => {
                "crdt-mixed, but no key is written after its remove (looks past calimero's final tombstones, F8)"
            }
            ScenarioKind::CrdtWide => {
                "one map of 240-400 entries on every node, removed and updated concurrently (past the 256-children \
                 limit, F12)"
            }
            ScenarioKind::CrdtSorted => {
                "a SortedMap and a SortedSet (node-local ordered index) beside a map, written concurrently: ordered \
                 reads judged against the entries on every node (ordered-read)"
            }
            ScenarioKind::CrdtFrozen => {
                "a FrozenStorage (content-addressed, immutable) beside a map and registers; nodes sometimes \
                 freeze the same content concurrently"
            }
            ScenarioKind::CrdtNested => {
                "two-level state both ways: a map stored flat under calimero's CompositeKey, and a map of maps, \
                 beside a map; some document and field names hold `::`, so two places can share one stored key \
                 where the encoding is ambiguous (#3148)"
            }
            ScenarioKind::CrdtText => {
                "calimero's RGA text beside a map: nodes type and erase near each other, every typed character \
                 unique; the merged text judged against an independent model of the edits (crdt-semantics)"
            }
            ScenarioKind::CrdtUser => {
                "calimero's UserStorage beside a map: each node sets and takes away its own slot, every write \
                 signed by production's signer and verified by calimero on every peer (0.11.0-rc.4 to rc.19)"
            }
            ScenarioKind::CrdtAuthored => {
                "calimero's AuthoredMap beside a map, kept as an app keeps claims: nodes claim free keys, rewrite \
                 and give up their own, leave others' alone; every write signed by production's signer \
                 (0.11.0-rc.4 to rc.19)"
            }
            ScenarioKind::CrdtRooted => {
                "an #[app::state] app's Root<T> (a map of registers, a set, a title register), its whole state: every \
                 call commits the root entry, so sync merges root states with the app's typed merge (#3084, #2969)"
            }
            ScenarioKind::Any => {
                "each seed draws a family (random, mixed, crdt-kv, crdt-mixed, crdt-conflict, crdt-fresh, crdt-wide; one \
                 seed in eight what any-storage draws), 2-5 nodes: the default sweep's, to reach the failure classes \
                 production can meet (not alike: no app makes F6's shape)"
            }
            ScenarioKind::AnyStorage => {
                "each seed draws a storage family (crdt-text, crdt-nested, crdt-sorted, crdt-user or crdt-authored \
                 where the build drives User storage, crdt-frozen, crdt-rooted), 2-5 nodes: one sweep over \
                 calimero's storage types"
            }
        }
    }
}

/// A scenario name that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    #[error("{0}; `merosim list` describes them")]
    Unknown(UnknownName),
    #[error("bad scenario size '{size}': expected NODESxENTITIES with at least one node, e.g. {name}-3x200")]
    BadSize { name: String, size: String },
}

/// A scenario and, optionally, its size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioSpec {
    pub kind: ScenarioKind,
    pub nodes: Option<usize>,
    pub entities: Option<usize>,
}

impl ScenarioSpec {
    pub fn new(kind: ScenarioKind) -> Self {
        ScenarioSpec { kind, nodes: None, entities: None }
    }

    /// Node and entity counts: the spec's own size if it has one, else the defaults given.
    pub fn size(&self, nodes: usize, entities: usize) -> (usize, usize) {
        (self.nodes.unwrap_or(nodes), self.entities.unwrap_or(entities))
    }

    /// The scenario for `seed` with `nodes` × `entities` unless the spec carries its own size
    /// (`random` draws its node count from the seed unless the spec fixes it).
    pub fn build(&self, seed: u64, nodes: usize, entities: usize) -> Scenario {
        let (nodes, entities) = self.size(nodes, entities);
        match self.kind {
            ScenarioKind::Diverged => Scenario::n_nodes_diverged(nodes, entities),
            ScenarioKind::Synced => Scenario::n_nodes_synced(nodes, entities),
            ScenarioKind::Overlap => Scenario::partial_overlap(nodes, entities / 2, entities - entities / 2),
            ScenarioKind::Random => {
                let mut config = RandomScenarioConfig::new(seed).with_entity_count(1, entities.max(1));
                if self.nodes.is_some() {
                    config = config.with_node_count(nodes, nodes);
                }
                RandomScenario::generate(&config)
            }
            ScenarioKind::Snapshot => Scenario::force_snapshot(),
            ScenarioKind::None => Scenario::force_none(),
            ScenarioKind::Deletes => BugScenario::Deletes.build(seed, nodes, entities),
            ScenarioKind::Conflict => BugScenario::Conflict.build(seed, nodes, entities),
            ScenarioKind::Reorder => BugScenario::Reorder.build(seed, nodes, entities),
            ScenarioKind::Race => BugScenario::Race.build(seed, nodes, entities),
            ScenarioKind::Mixed => BugScenario::Mixed.build(seed, nodes.max(5), entities),
            ScenarioKind::Alike => BugScenario::Alike.build(seed, nodes, entities),
            ScenarioKind::CrdtKv => AppMix::Kv.build(seed, nodes, entities),
            ScenarioKind::CrdtMixed => AppMix::Mixed.build(seed, nodes, entities),
            ScenarioKind::CrdtConflict => AppMix::Conflict.build(seed, nodes, entities),
            ScenarioKind::CrdtFresh => AppMix::Fresh.build(seed, nodes, entities),
            ScenarioKind::CrdtWide => AppMix::Wide.build(seed, nodes, entities),
            ScenarioKind::CrdtSorted => AppMix::Sorted.build(seed, nodes, entities),
            ScenarioKind::CrdtFrozen => AppMix::Frozen.build(seed, nodes, entities),
            ScenarioKind::CrdtNested => AppMix::Nested.build(seed, nodes, entities),
            ScenarioKind::CrdtText => AppMix::Text.build(seed, nodes, entities),
            ScenarioKind::CrdtUser => AppMix::User.build(seed, nodes, entities),
            ScenarioKind::CrdtAuthored => AppMix::Authored.build(seed, nodes, entities),
            ScenarioKind::CrdtRooted => AppMix::Rooted.build(seed, nodes, entities),
            ScenarioKind::Any => {
                let (family, drawn_nodes, drawn_size) = any_family(seed);
                let nodes = self.nodes.or(drawn_nodes);
                let size = self.entities.or(drawn_size);
                ScenarioSpec { kind: family, nodes, entities: size }.build(seed, nodes.unwrap_or(3), entities)
            }
            ScenarioKind::AnyStorage => {
                let (family, drawn_nodes) = storage_family(seed);
                let nodes = self.nodes.or(drawn_nodes);
                ScenarioSpec { kind: family, nodes, entities: self.entities }.build(seed, nodes.unwrap_or(3), entities)
            }
        }
    }
}

/// What `any-storage` draws for `seed`: a storage family, by weight, and a node count (2-5). The
/// weights follow what each family reaches (docs/crdt.md): text (F18, the text model, #2950's
/// RGA), nested (#3148, F1 through a map of maps), sorted (#3323, #3328, #3338) and User-owned
/// storage (F8 and F13 on signed slots, #3029's tiebreak, F19 with a Byzantine member; F20 on
/// authored entries: slots and authored entries one each) 2 each; frozen (#3039's delete path
/// only) 1; and, before any of them, one seed in ten to an app's root state
/// ([`gives_to_root_state`]). `any` runs this draw for the seeds it gives to storage. A build that does
/// not drive User storage (0.11.0-rc.20 on) draws again among the others from the same stream, so
/// only the seeds that drew `crdt-user` draw differently there.
fn storage_family(seed: u64) -> (ScenarioKind, Option<usize>) {
    use rand::Rng;
    if let Some(nodes) = gives_to_root_state(seed) {
        return (ScenarioKind::CrdtRooted, Some(nodes));
    }
    const FAMILIES: [(ScenarioKind, u32); 5] = [
        (ScenarioKind::CrdtText, 2),
        (ScenarioKind::CrdtNested, 2),
        (ScenarioKind::CrdtSorted, 2),
        (ScenarioKind::CrdtUser, 2),
        (ScenarioKind::CrdtFrozen, 1),
    ];
    let mut rng = crate::seed::rng(seed, crate::seed::Stream::Family);
    let mut family = by_weight(&mut rng, &FAMILIES);
    if family == ScenarioKind::CrdtUser && crate::crdt::CollectionKind::User.unavailable().is_some() {
        let drivable: Vec<_> = FAMILIES.into_iter().filter(|(k, _)| *k != ScenarioKind::CrdtUser).collect();
        family = by_weight(&mut rng, &drivable);
    } else if family == ScenarioKind::CrdtUser && rng.gen_bool(0.5) {
        // User-owned storage's two shapes share its weight: slots, and authored entries.
        family = ScenarioKind::CrdtAuthored;
    }
    (family, Some(rng.gen_range(2..=5)))
}

/// Whether a storage seed runs an app's root state (`crdt-rooted`), and on how many nodes (2-5):
/// one storage seed in ten, from a stream of its own, so every other storage seed keeps what it
/// drew before. A tenth puts it beside frozen storage (one of nine before it): every SDK app keeps
/// its state in a `Root<T>`, F22 shows in about one `crdt-rooted` seed in six, and it is the
/// only family whose calls commit an app root entry, the route of #3084's and #2969's merges.
fn gives_to_root_state(seed: u64) -> Option<usize> {
    use rand::Rng;
    let mut rng = crate::seed::rng(seed, crate::seed::Stream::RootShare);
    rng.gen_ratio(1, 10).then(|| rng.gen_range(2..=5))
}

/// One of `families`, drawn from `rng` by weight (one draw).
fn by_weight(rng: &mut rand_chacha::ChaCha8Rng, families: &[(ScenarioKind, u32)]) -> ScenarioKind {
    use rand::Rng;
    let total: u32 = families.iter().map(|(_, w)| w).sum();
    let mut at = rng.gen_range(0..total);
    for (kind, weight) in families {
        if at < *weight {
            return *kind;
        }
        at -= weight;
    }
    unreachable!("a draw below the total weight lands on a family")
}

/// Whether `any` runs `seed` as `any-storage` runs it: one seed in eight, drawn from a stream of
/// its own, so every other seed keeps the family, nodes and size it drew before the storage
/// families joined (the 10,000-seed tables' rows for them stand; docs/crdt.md). One in eight
/// gives each of text, nested, sorted and user about 280 seeds in 10,000 and frozen about 140:
/// enough to meet what each reaches (F18 and #2950's RGA; #3148; the sorted index's #3323,
/// #3328, #3338; signed slots and #3029's tiebreak; #3039's delete path) in every long sweep,
/// while seven in eight stay with the families that reach production's failure classes.
fn gives_to_storage(seed: u64) -> bool {
    use rand::Rng;
    crate::seed::rng(seed, crate::seed::Stream::StorageShare).gen_ratio(1, 8)
}

/// What `any` draws for `seed`: a family, by weight, a node count and a size (operations per
/// node; `None` for the families that draw their own, or take the run's). The weights favour the
/// app families, which reach merosim's known failure classes on calimero-node 0.11.0-rc.4 within
/// a few seeds each (docs/reproducing-bugs.md); the raw-tree ones keep the protocol paths older
/// bugs lived on in the mix. The wide map runs few operations on few nodes: its cost is the width
/// (every session re-merges it, F11), and one missed remove is all F12 needs.
///
/// `alike` (F6's shape: equal bytes under different ids) is not drawn: no production path makes
/// that shape — every entry of a calimero collection ends its bytes with its own id, and so does a
/// collection's handle — so a sweep that stands for production leaves it to be asked for by name.
/// Its weight went to `mixed`, whose slot it followed, so every other seed draws what it drew.
fn any_family(seed: u64) -> (ScenarioKind, Option<usize>, Option<usize>) {
    use rand::Rng;
    if gives_to_storage(seed) {
        let (family, nodes) = storage_family(seed);
        return (family, nodes, None);
    }
    const FAMILIES: [(ScenarioKind, u32); 7] = [
        (ScenarioKind::Random, 1),
        (ScenarioKind::Mixed, 3),
        (ScenarioKind::CrdtKv, 1),
        (ScenarioKind::CrdtMixed, 2),
        (ScenarioKind::CrdtConflict, 2),
        (ScenarioKind::CrdtFresh, 2),
        (ScenarioKind::CrdtWide, 2),
    ];
    let mut rng = crate::seed::rng(seed, crate::seed::Stream::Family);
    let family = by_weight(&mut rng, &FAMILIES);
    match family {
        ScenarioKind::Random | ScenarioKind::Mixed => (family, None, None),
        ScenarioKind::CrdtWide => (family, Some(rng.gen_range(2..=3)), Some(rng.gen_range(1..=4))),
        _ => (family, Some(rng.gen_range(2..=5)), None),
    }
}

impl FromStr for ScenarioSpec {
    type Err = ScenarioError;

    fn from_str(s: &str) -> Result<Self, ScenarioError> {
        // Names may hold dashes (`crdt-kv`): a whole-string name wins, else the size is the part
        // after the last dash.
        let whole = ScenarioKind::ALL.into_iter().any(|k| k.name() == s);
        let (name, size) = match s.rsplit_once('-') {
            Some((name, size)) if !whole => (name, Some(size)),
            _ => (s, None),
        };
        let kind: ScenarioKind = by_name(name, "scenario").map_err(ScenarioError::Unknown)?;
        let Some(size) = size else { return Ok(ScenarioSpec::new(kind)) };
        let parsed = size.split_once('x').and_then(|(n, e)| Some((n.parse::<usize>().ok()?, e.parse::<usize>().ok()?)));
        match parsed {
            Some((n, e)) if n >= 1 => Ok(ScenarioSpec { kind, nodes: Some(n), entities: Some(e) }),
            _ => Err(ScenarioError::BadSize { name: name.to_owned(), size: size.to_owned() }),
        }
    }
}

impl fmt::Display for ScenarioSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nodes, self.entities) {
            (Some(n), Some(e)) => write!(f, "{}-{n}x{e}", self.kind),
            _ => write!(f, "{}", self.kind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `any` draws the same family for the same seed, and every family within a few hundred seeds.
    #[test]
    fn any_replays_its_draw_and_reaches_every_family() {
        let draws: Vec<(ScenarioKind, Option<usize>, Option<usize>)> = (0..200).map(any_family).collect();
        assert_eq!(draws, (0..200).map(any_family).collect::<Vec<_>>());
        assert!(draws.iter().all(|(k, ..)| *k != ScenarioKind::Alike), "alike is asked for by name only");
        for family in [
            ScenarioKind::Random,
            ScenarioKind::Mixed,
            ScenarioKind::CrdtKv,
            ScenarioKind::CrdtMixed,
            ScenarioKind::CrdtConflict,
            ScenarioKind::CrdtFresh,
            ScenarioKind::CrdtWide,
            ScenarioKind::CrdtText,
            ScenarioKind::CrdtNested,
            ScenarioKind::CrdtSorted,
            ScenarioKind::CrdtFrozen,
        ] {
            assert!(draws.iter().any(|(k, ..)| *k == family), "{family} never drawn in 200 seeds");
        }
        let rooted = (0..2000).filter(|&s| any_family(s).0 == ScenarioKind::CrdtRooted).count();
        assert!((10..40).contains(&rooted), "an app's root state in {rooted} of 2000 seeds (one in eighty)");
        let user = crate::crdt::CollectionKind::User.unavailable().is_none();
        for family in [ScenarioKind::CrdtUser, ScenarioKind::CrdtAuthored] {
            assert_eq!(draws.iter().any(|(k, ..)| *k == family), user, "{family} where User storage is driven");
        }
        assert!(draws.iter().filter_map(|(_, n, _)| *n).all(|n| (2..=5).contains(&n)));
        // The wide map runs a few operations on a few nodes; the others take the run's size.
        for (kind, nodes, size) in &draws {
            match kind {
                ScenarioKind::CrdtWide => assert!(nodes.unwrap() <= 3 && (1..=4).contains(&size.unwrap())),
                _ => assert_eq!(*size, None, "{kind}"),
            }
        }
    }

    /// `any` gives one seed in eight to the storage families, each such seed running what
    /// `any-storage` runs for it, and every other seed keeps the draw it had before they joined
    /// (seeds 0..20 as the 10,000-seed tables ran them).
    #[test]
    fn any_gives_one_seed_in_eight_to_storage_and_keeps_the_others_draws() {
        use ScenarioKind as K;
        let given: Vec<u64> = (0..2000).filter(|&s| gives_to_storage(s)).collect();
        assert!((200..300).contains(&given.len()), "{} of 2000 seeds given to storage", given.len());
        for &seed in &given {
            let (family, nodes) = storage_family(seed);
            assert_eq!(any_family(seed), (family, nodes, None), "seed {seed}");
        }
        let then = [
            (0, K::CrdtMixed, Some(2), None),
            (1, K::CrdtMixed, Some(3), None),
            (2, K::Mixed, None, None),
            (3, K::CrdtMixed, Some(4), None),
            (4, K::CrdtWide, Some(3), Some(4)),
            (5, K::CrdtMixed, Some(4), None),
            (6, K::CrdtWide, Some(2), Some(1)),
            (8, K::CrdtFresh, Some(4), None),
            (9, K::CrdtMixed, Some(3), None),
            (10, K::CrdtConflict, Some(3), None),
            (12, K::Mixed, None, None),
            (13, K::CrdtFresh, Some(2), None),
            (14, K::Mixed, None, None),
            (15, K::CrdtFresh, Some(4), None),
            (17, K::Random, None, None),
            (18, K::CrdtFresh, Some(3), None),
            (19, K::CrdtKv, Some(2), None),
        ];
        for (seed, family, nodes, size) in then {
            assert_eq!(any_family(seed), (family, nodes, size), "seed {seed}");
        }
        assert_eq!(given[..3], [7, 11, 16]);
    }

    /// `any-storage` replays its draw, reaches every storage family this build drives, and never
    /// another.
    #[test]
    fn any_storage_draws_only_storage_families_and_reaches_each() {
        let draws: Vec<(ScenarioKind, Option<usize>)> = (0..60).map(storage_family).collect();
        assert_eq!(draws, (0..60).map(storage_family).collect::<Vec<_>>());
        let user = crate::crdt::CollectionKind::User.unavailable().is_none();
        let families = [
            (ScenarioKind::CrdtText, true),
            (ScenarioKind::CrdtNested, true),
            (ScenarioKind::CrdtSorted, true),
            (ScenarioKind::CrdtFrozen, true),
            (ScenarioKind::CrdtUser, user),
            (ScenarioKind::CrdtAuthored, user),
            (ScenarioKind::CrdtRooted, true),
        ];
        for (family, drivable) in families {
            assert_eq!(draws.iter().any(|(k, _)| *k == family), drivable, "{family} in 60 seeds: {draws:?}");
        }
        assert!(draws.iter().all(|(k, n)| families.iter().any(|(f, _)| f == k) && (2..=5).contains(&n.unwrap())));
        assert_eq!("any-storage-4x10".parse::<ScenarioSpec>().unwrap().to_string(), "any-storage-4x10");
    }

    /// One storage seed in ten runs an app's root state, from its own stream: the others keep
    /// the family they drew before it joined (the first storage seeds of `any` as the
    /// 10,000-seed tables ran them).
    #[test]
    fn storage_gives_one_seed_in_ten_to_an_apps_root_state() {
        use ScenarioKind as K;
        let rooted: Vec<u64> = (0..2000).filter(|&s| gives_to_root_state(s).is_some()).collect();
        assert!((150..250).contains(&rooted.len()), "{} of 2000 storage draws", rooted.len());
        assert!(rooted.iter().all(|&s| storage_family(s).0 == K::CrdtRooted));
        let kept = (0..2000).filter(|s| !rooted.contains(s)).all(|s| storage_family(s).0 != K::CrdtRooted);
        assert!(kept, "only the root-state stream draws crdt-rooted");
    }

    #[test]
    fn names_and_sizes_parse_and_print_back() {
        for text in ["diverged", "random-4x30", "none", "crdt-kv", "crdt-conflict-4x30"] {
            assert_eq!(text.parse::<ScenarioSpec>().unwrap().to_string(), text);
        }
        let err = "bogus".parse::<ScenarioSpec>().unwrap_err().to_string();
        assert!(err.contains("unknown scenario 'bogus'") && err.contains("diverged, synced"), "{err}");
        for bad in ["diverged-3", "diverged-0x5", "diverged-ax5"] {
            assert!(matches!(bad.parse::<ScenarioSpec>(), Err(ScenarioError::BadSize { .. })), "{bad}");
        }
    }
}
