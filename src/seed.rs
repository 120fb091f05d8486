//! Seed streams. Every random choice merosim makes is drawn from a ChaCha8 stream derived from the
//! run seed with a salt of its own, so the streams are independent: the router's fault decisions
//! do not shift when a scenario draws one more entity, and a node's timer does not shift when the
//! network drops one more frame. The salts are part of the replay contract — changing one changes
//! every trace hash.

use calimero_primitives::context::ContextId;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One independent stream of a run.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    /// Link faults: loss, duplication, delays, corruption, random partitions.
    Router,
    /// The context every node of a run shares.
    Context,
    /// `RandomScenario`'s shape.
    Scenario,
    /// `diverge_pair`'s layout.
    Diverge,
    /// One incarnation of one node's sync timer (jitter, peer choice).
    SyncTimer { node: u32, incarnation: u64 },
    /// One node's clock skew and drift.
    Clock { node: u32 },
    /// The fault mix `swarm` draws.
    Swarm,
    /// The chaos process: when nodes pause and crash, and for how long.
    Chaos,
    /// Which of one node incarnation's sessions lose a party mid-merge, and after how many frames.
    MidMerge { node: u32, incarnation: u64 },
    /// The buggify points of one node (each node draws its own, in its own order).
    Buggify { node: u32 },
    /// The workload family `any` draws.
    Family,
    /// Whether `any` gives a seed to a storage family: a stream of its own, so the seeds it does
    /// not give keep the family `Family` draws for them.
    StorageShare,
    /// Whether a storage seed goes to an app's root state (`crdt-rooted`): a stream of its own,
    /// so the storage seeds it does not take keep the family `Family` draws for them.
    RootShare,
    /// The fault preset `any` draws.
    Preset,
    /// What one Byzantine member lies about, and how.
    Byzantine { node: u32 },
}

impl Stream {
    fn salt(self) -> u64 {
        match self {
            Stream::Router => 0x6e65_7477_6f72_6b21,
            Stream::Context => 0x636f_6e74_6578_7421,
            Stream::Scenario => 0x7363_656e_6172_696f,
            Stream::Diverge => 0x6469_7665_7267_6521,
            Stream::SyncTimer { node, incarnation } => (u64::from(node) << 32) ^ incarnation ^ 0x7379_6e63,
            Stream::Clock { node } => (u64::from(node) << 32) ^ 0x636c_6f63_6b21,
            Stream::Swarm => 0x7377_6172_6d21_2121,
            Stream::Chaos => 0x6368_616f_7321_2121,
            Stream::MidMerge { node, incarnation } => (u64::from(node) << 32) ^ incarnation ^ 0x6d69_646d_6572_6765,
            Stream::Buggify { node } => (u64::from(node) << 32) ^ 0x0062_7567_6769_6679,
            Stream::Family => 0x6661_6d69_6c79_2121,
            Stream::StorageShare => 0x7374_6f72_6167_6521,
            Stream::RootShare => 0x726f_6f74_7368_6172,
            Stream::Preset => 0x7072_6573_6574_2121,
            Stream::Byzantine { node } => (u64::from(node) << 32) ^ 0x6279_7a61_6e74_696e,
        }
    }
}

/// The stream `stream` of the run seeded with `seed`.
pub(crate) fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ stream.salt())
}

/// The context id a run with `seed` uses unless its config names one.
pub fn context_id(seed: u64) -> ContextId {
    let mut context = [0_u8; 32];
    rng(seed, Stream::Context).fill_bytes(&mut context);
    ContextId::from(context)
}
