//! Once per process, before the first simulation: touch every process-wide lazy calimero-storage
//! keeps for collections, on a thread of its own.
//!
//! calimero-storage makes some process-global state on first use: `ROOT_ID` (fixed by the first
//! context, see [`super::CONTEXT`]) and registries held in `HashMap`s (collection re-keying,
//! CRDT merge functions). Making a `HashMap` takes a `RandomState` from the thread that makes
//! it, and std derives each thread's later `RandomState`s from that thread's key, one step per
//! map — so the first run in a process, which made the registries on its own simulation thread,
//! gave every later `HashMap` on that thread other keys than the runs after it did. LevelWise
//! (calimero-node-primitives' `compare_level_nodes`) iterates a `HashMap`, so the order of its
//! requests, and with it the trace, differed between the first CRDT run of a process and every
//! other run of the same seed. Made here, on a throwaway thread, the lazies exist before any
//! simulation thread starts, and every run — first or not, in any process — sees the same.

use std::sync::Once;

use calimero_primitives::identity::PublicKey;

use super::{context_id, CollectionKind, CrdtOp, Layout, Verb};
use crate::store::SimStorage;

static WARM: Once = Once::new();

/// Makes calimero-storage's process-wide lazies (idempotent; the first call does the work).
pub fn warm_up() {
    WARM.call_once(|| {
        let _ = std::thread::Builder::new().name("merosim-warm-up".into()).spawn(touch).map(|t| t.join());
    });
}

/// Every driven collection made, written, merged into a second store and written back.
fn touch() {
    // What the WASM runtime does as it loads an app: the app's root-state merge registered, here
    // once for the process, so every run sees the same registry (`rooted::register`).
    super::rooted::register();
    let context = context_id();
    let (Ok(a), Ok(b)) =
        (SimStorage::new(context, PublicKey::from([1; 32])), SimStorage::new(context, PublicKey::from([2; 32])))
    else {
        return;
    };
    let others = |k: &&CollectionKind| k.in_this_release() && **k != CollectionKind::Rooted;
    let declared: Vec<(String, CollectionKind)> =
        CollectionKind::ALL.iter().filter(others).map(|k| (k.name().to_owned(), *k)).collect();
    let Ok(layout) = Layout::new(context, &declared) else { return };
    let ops = |kind: CollectionKind| -> Vec<Verb> {
        let (key, value) = ("k".to_owned(), "v".to_owned());
        match kind {
            CollectionKind::Map
            | CollectionKind::Set
            | CollectionKind::Registers
            | CollectionKind::SortedMap
            | CollectionKind::SortedSet
            | CollectionKind::Nested
            | CollectionKind::MapOfMaps
            | CollectionKind::Rooted => {
                vec![Verb::Insert { key, value }]
            }
            CollectionKind::Vector => vec![Verb::Push { key: None, value }],
            CollectionKind::Counter | CollectionKind::PnCounter => vec![Verb::Increment],
            CollectionKind::MapOfVectors => vec![Verb::Push { key: Some(key), value }],
            CollectionKind::Frozen => vec![Verb::Freeze { value }],
            CollectionKind::Text => vec![Verb::Type { at: 0, text: value }, Verb::Erase { at: 0, len: 1 }],
            // Their writes verify only once signed, which takes a node's keys (cluster/apps.rs).
            CollectionKind::User | CollectionKind::Authored => vec![],
        }
    };
    for (from, to) in [(&a, &b), (&b, &a)] {
        for kind in CollectionKind::ALL.iter().filter(others).copied() {
            for verb in ops(kind) {
                if let Ok(applied) = layout.apply(from, &CrdtOp::new(kind.name(), kind, verb)) {
                    for action in applied.actions {
                        let _ = to.apply_remote(action);
                    }
                }
            }
        }
    }
}
