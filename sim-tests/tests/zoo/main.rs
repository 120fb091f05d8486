//! The bug zoo: one test per published Calimero sync bug (shared/reference/known-bugs.md), each
//! asserting the *fixed* behaviour. On the pinned calimero every one passes; built against the
//! release that shipped a bug (`scripts/against VERSION test -p sim-tests --test zoo`), its test
//! fails — `scripts/zoo` runs them over many releases and prints which reproduced where, checked
//! against the expectations in `bugs.tsv`.

mod deletes;
mod handshake;
mod hashing;
mod leaves;

use merosim::prelude::*;
use merosim::{Oracle, Violation};

/// Two nodes in a hand-driven world, every session judged by the oracles.
pub struct Zoo {
    pub world: World,
    pub alice: SimNode,
    pub bob: SimNode,
}

impl Zoo {
    pub fn new(seed: u64) -> Zoo {
        let world = World::new(seed, FaultConfig::lan());
        let alice = world.add_node("alice").unwrap();
        let bob = world.add_node("bob").unwrap();
        Zoo { world, alice, bob }
    }

    pub async fn sync(&self, protocol: Protocol, initiator: &SimNode, responder: &SimNode) -> SessionReport {
        self.world.run_session(&Session::new(protocol), initiator, responder).await
    }

    /// The oracles' violations so far (session and run level).
    pub fn violations(&self, oracle: Oracle) -> Vec<Violation> {
        merosim::judge(&self.world, StopCondition::Converged)
            .violations
            .into_iter()
            .filter(|v| v.oracle == oracle)
            .collect()
    }
}

/// A condition the test's setup needs, as opposed to the fixed behaviour it asserts: when it does
/// not hold (another bug of the release got in the way), the test fails with a message
/// `scripts/zoo` reports as "n/a" rather than as the bug reproduced.
pub fn precondition(holds: bool, what: &str) {
    assert!(holds, "{}zoo precondition failed: {what}", on());
}

/// "calimero-node X: " — failures say which release they ran against.
pub fn on() -> String {
    format!("calimero-node {}: ", merosim::CALIMERO_VERSION)
}
