//! Buggify points (FoundationDB's term): places in merosim's own node processes where, when a run
//! turns buggify on, a seeded coin makes the node behave in an unusual but legal way — the
//! timings and orders production sees on a bad day, which a well-behaved simulation never visits.
//! Off by default (tests see the plain behaviour); on in swarm sweeps. Each firing is a trace
//! annotation, so a failing seed shows which points it hit.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::NodeCtx;
use crate::trace::TraceKind;

/// Where a buggify coin is tossed. Its name, in the trace, is the variant's in kebab case
/// (`SlowApply` is `slow-apply`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum BuggifyPoint {
    /// A session end's node is slow to apply what it receives: each frame waits up to 200 ms.
    SlowApply,
    /// A responder closes its stream after a few frames, mid-protocol.
    EarlyClose,
    /// A received delta waits up to a second before it is applied.
    DelayedGossip,
    /// A sync tick does nothing.
    SkipTick,
}

impl BuggifyPoint {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

impl NodeCtx<'_> {
    /// Tosses `point`'s coin on node `id`: a seeded generator for whatever the firing needs, or
    /// `None` (always `None` when buggify is off or the run has healed — no draw is made then).
    pub(crate) fn buggify(&self, point: BuggifyPoint) -> Option<ChaCha8Rng> {
        let id = self.id;
        let p = self.world.options().faults.buggify;
        if p <= 0.0 || self.world.is_healed() {
            return None;
        }
        let seed = self.world.options().seed;
        let fired = self.world.with_node(id, |n| n.toss(seed, p)).flatten()?;
        self.world.trace().record(TraceKind::Buggify { node: id, point: point.name() });
        Some(ChaCha8Rng::seed_from_u64(fired))
    }
}
