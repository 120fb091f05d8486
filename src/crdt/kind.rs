//! Which calimero-storage collections merosim drives, and why the others are left out.
//!
//! A collection is driven only when every node can run it natively against its own store (the
//! sorted collections' ordered index is kept per node by `store::ordered_index` where calimero
//! holds it in a thread-local). Some collections keep part of their state outside the node's
//! store (in a thread-local shared by every simulated node on the simulation thread), or need
//! signing keys merosim's nodes do not have; driving those would mean emulating them, so they
//! are listed with the reason instead.

use std::str::FromStr;

use strum::{Display, EnumCount, IntoStaticStr, VariantArray};

/// A collection type merosim drives through calimero-storage's own API. Its name is the variant's
/// in kebab case (`PnCounter` is `pn-counter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Display, IntoStaticStr, EnumCount, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum CollectionKind {
    /// `UnorderedMap<String, String>`: insert, remove, clear.
    Map,
    /// `UnorderedSet<String>`: insert, remove, clear.
    Set,
    /// `Vector<String>`: push, pop, update at an index, clear.
    Vector,
    /// `GCounter`: increment.
    Counter,
    /// `PNCounter`: increment, decrement.
    PnCounter,
    /// `UnorderedMap<String, LwwRegister<String>>`: set a register per key.
    Registers,
    /// `UnorderedMap<String, Vector<String>>`: push into, pop from the vector at a key (nested).
    MapOfVectors,
    /// `SortedMap<String, String>`: insert, remove, clear; read in key order through its
    /// node-local ordered index (from 0.11.0-rc.1).
    SortedMap,
    /// `SortedSet<String>`: insert, remove, clear; read in order, like the map.
    SortedSet,
    /// `FrozenStorage<String>`: content-addressed and immutable (the key is the value's SHA-256);
    /// insert only.
    Frozen,
    /// `UnorderedMap<CompositeKey, String>`: a two-level map (`outer → inner → value`) stored
    /// flat, one entry per inner key under calimero's `CompositeKey::new(outer, inner)`, as
    /// calimero documents the type for nested state; read back through `CompositeKey::parse`.
    /// Its keys are written `outer/inner`; insert, remove, clear.
    Nested,
    /// `UnorderedMap<String, UnorderedMap<String, String>>`: a two-level map nested as an app
    /// nests one (the inner map made on the first insert under its outer key, re-keyed under its
    /// entry); insert and remove at `outer/inner`.
    MapOfMaps,
    /// `ReplicatedGrowableArray`: calimero's text CRDT; type a string at a position, erase a
    /// range.
    Text,
    /// `UserStorage<String>`: one slot per member, which only its owner writes (insert, remove);
    /// every write signed by production's signer with the node's identity key, verified by
    /// calimero on every peer. Releases 0.11.0-rc.4 to rc.19, with the visibility patch.
    User,
    /// `AuthoredMap<String, String>`: each entry owned by the member that inserted it, as an app
    /// keeps claims (names, seats): a member claims a free key, rewrites or gives up only its own
    /// (insert, remove; another member's key is left alone). Stamped and signed as User writes
    /// are, so the same releases as `User`.
    Authored,
    /// An `#[app::state]` app's `Root<T>` (a map of registers, a set and two registers, declared
    /// with calimero's SDK macros): set a key (its register, its tag, the title) or unset it (and
    /// name it in the second register); every call commits the root entry, which sync then
    /// merges as calimero does (F22: whole, never field by field).
    Rooted,
}

/// Whether this build drives `UserStorage`: it needs production's signer (calimero-context, made
/// public by scripts/visibility-patch), and before 0.11.0-rc.20, whose User owner is an account
/// only governance binds to the signing key.
pub const USER_STORAGE: bool = cfg!(calimero_user_storage);

/// Why this build does not drive `UserStorage`, where it does not.
pub const USER_STORAGE_WHY: &str = if cfg!(calimero_runtime_account) {
    "from 0.11.0-rc.20 a User write's owner is an account, and a peer accepts it only when its \
     governance binds the signing device to that account (signer_account); merosim's contexts have \
     no group, so every User write would be refused"
} else {
    "its writes are signed by production's signer in calimero-context, which this build cannot \
     call: scripts/against's visibility patch makes it public (releases 0.11.0-rc.4 to rc.19)"
};

impl CollectionKind {
    /// An array rather than strum's slice, so callers can iterate it by value and `map` it.
    pub const ALL: [CollectionKind; CollectionKind::COUNT] = *CollectionKind::VARIANTS.first_chunk().unwrap();

    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The calimero type behind it, for reports and `merosim list`.
    pub fn calimero_type(self) -> &'static str {
        match self {
            CollectionKind::Map => "UnorderedMap<String, String>",
            CollectionKind::Set => "UnorderedSet<String>",
            CollectionKind::Vector => "Vector<String>",
            CollectionKind::Counter => "GCounter",
            CollectionKind::PnCounter => "PNCounter",
            CollectionKind::Registers => "UnorderedMap<String, LwwRegister<String>>",
            CollectionKind::MapOfVectors => "UnorderedMap<String, Vector<String>>",
            CollectionKind::SortedMap => "SortedMap<String, String>",
            CollectionKind::SortedSet => "SortedSet<String>",
            CollectionKind::Frozen => "FrozenStorage<String>",
            CollectionKind::Nested => "UnorderedMap<CompositeKey, String>",
            CollectionKind::MapOfMaps => "UnorderedMap<String, UnorderedMap<String, String>>",
            CollectionKind::Text => "ReplicatedGrowableArray (text)",
            CollectionKind::User => "UserStorage<String>",
            CollectionKind::Authored => "AuthoredMap<String, String>",
            CollectionKind::Rooted => "Root<#[app::state] struct>",
        }
    }

    /// Whether reads go through an ordered index (the `ordered-read` oracle's collections).
    pub fn sorted(self) -> bool {
        matches!(self, CollectionKind::SortedMap | CollectionKind::SortedSet)
    }

    /// Whether calimero's type serializes, as an app's view returns it (the `app-view` oracle's
    /// collections; `LwwRegister` and the counters do not).
    pub fn viewed(self) -> bool {
        matches!(self, CollectionKind::Map | CollectionKind::Set | CollectionKind::MapOfVectors)
    }

    /// The release this build runs has the collection (the sorted ones arrived in 0.11.0-rc.1).
    pub fn in_this_release(self) -> bool {
        match self {
            CollectionKind::User | CollectionKind::Authored => USER_STORAGE,
            _ => cfg!(calimero_sorted_index) || !self.sorted(),
        }
    }

    /// Why this build does not drive the collection, where it does not.
    pub fn unavailable(self) -> Option<&'static str> {
        match (self.in_this_release(), self) {
            (true, _) => None,
            (false, CollectionKind::User | CollectionKind::Authored) => Some(USER_STORAGE_WHY),
            (false, _) => Some("not in this release: it arrived in 0.11.0-rc.1"),
        }
    }

    /// Whether its writes are owned by a member and signed by production's signer (User storage
    /// and the owner-stamped entries of an `AuthoredMap`).
    pub fn signed(self) -> bool {
        matches!(self, CollectionKind::User | CollectionKind::Authored)
    }

    /// Whether the collection is addressed by key (maps, sets, registers, map of vectors).
    pub fn keyed(self) -> bool {
        !matches!(
            self,
            CollectionKind::Vector
                | CollectionKind::Counter
                | CollectionKind::PnCounter
                | CollectionKind::Frozen
                | CollectionKind::Text
        )
    }
}

/// A calimero collection merosim does not drive, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotDriven {
    pub name: &'static str,
    pub calimero_type: &'static str,
    pub reason: &'static str,
}

/// Every calimero-storage collection left out, with the reason (printed by `merosim list`; asking
/// for one by name is an error carrying the same reason).
pub const NOT_DRIVEN: [NotDriven; 2] = [
    NotDriven {
        name: "authored-vector",
        calimero_type: "AuthoredVector",
        reason: "not driven yet: its elements are owner-stamped and signed as an AuthoredMap's entries are \
                 (the `authored` kind drives that path); no workload of its own is built",
    },
    NotDriven {
        name: "shared",
        calimero_type: "SharedStorage / permissioned collections",
        reason: "Shared and permissioned writes are checked against writer sets in signed governance \
                 state merosim does not simulate",
    },
];

/// A collection kind that does not parse: unknown, or one merosim does not drive (with why).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KindError {
    #[error("merosim does not drive {calimero_type}: {reason}")]
    NotDriven { calimero_type: &'static str, reason: &'static str },
    #[error("{calimero_type} is not in calimero {release}: it arrived in 0.11.0-rc.1")]
    NotInRelease { calimero_type: &'static str, release: &'static str },
    #[error("unknown collection kind '{0}' (known: {known})", known = CollectionKind::ALL.map(CollectionKind::name).join(", "))]
    Unknown(String),
}

// Not strum's `EnumString`: its error cannot say which names exist, nor why one is left out.
impl FromStr for CollectionKind {
    type Err = KindError;

    fn from_str(s: &str) -> Result<Self, KindError> {
        if let Some(kind) = CollectionKind::ALL.into_iter().find(|k| k.name() == s) {
            if kind.signed() && !USER_STORAGE {
                return Err(KindError::NotDriven { calimero_type: kind.calimero_type(), reason: USER_STORAGE_WHY });
            }
            if !kind.in_this_release() {
                return Err(KindError::NotInRelease {
                    calimero_type: kind.calimero_type(),
                    release: env!("MEROSIM_CALIMERO_VERSION"),
                });
            }
            return Ok(kind);
        }
        match NOT_DRIVEN.iter().find(|n| n.name == s) {
            Some(n) => Err(KindError::NotDriven { calimero_type: n.calimero_type, reason: n.reason }),
            None => Err(KindError::Unknown(s.to_owned())),
        }
    }
}
