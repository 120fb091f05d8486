//! The bug zoo: one test per published Calimero sync bug (shared/reference/known-bugs.md), each
//! asserting the *fixed* behaviour. On the pinned calimero every one passes; built against the
//! release that shipped a bug (`scripts/against VERSION test -p sim-tests --test zoo`), its test
//! fails — `scripts/zoo` runs them over many releases and prints which reproduced where, checked
//! against the expectations in `bugs.tsv`.

mod byzantine;
mod deletes;
mod delta_store;
mod handshake;
mod hashing;
mod leaves;
mod responders;
mod sorted;
mod tombstones;
mod views;

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

// Every zoo test has three phases, and only the last can make its row "reproduced":
//
// 1. **setup** — the state the test needs (`setup`, `precondition`). When it does not hold,
//    another bug of the release got in the way: `scripts/zoo` prints "n/a".
// 2. **action** — what the bug needs done (`action`). Its failure is neither the bug nor the
//    setup: `scripts/zoo` prints "error" and flags it.
// 3. **symptom** — the bug's own observable effect (`symptom`): "reproduced" when it shows.
//
// A release on which merosim cannot see the symptom without computing the answer itself says
// so (`not_observable`), and any other failure (a panic elsewhere) is an "error" cell too.

/// Phase 1: a condition the setup needs.
pub fn precondition(holds: bool, what: &str) {
    assert!(holds, "{}zoo precondition failed: {what}", on());
}

/// Phase 1: a setup step that must succeed.
pub fn setup<T, E: std::fmt::Debug>(result: Result<T, E>, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("{}zoo precondition failed: {what}: {e:?}", on()))
}

/// Phase 2: the action the bug needs; a failure here is an error, not the bug.
pub fn action<T, E: std::fmt::Debug>(result: Result<T, E>, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("{}zoo action failed: {what}: {e:?}", on()))
}

/// Phase 3: the bug's symptom, `shows` when the release has the bug.
pub fn symptom(shows: bool, what: impl std::fmt::Display) {
    assert!(!shows, "{}zoo symptom: {what}", on());
}

/// Phase 3 for a bug the running release is listed with in bugs.tsv (the rows whose fix came
/// after the pinned release). `scripts/zoo` runs with `MEROSIM_ZOO_RAW=1` and gets the plain
/// symptom, so the cell reads "reproduced". A plain `cargo test` (CI, on the pinned release)
/// checks the row instead: the symptom must show where bugs.tsv says the release has the bug, and
/// must not show elsewhere — so the suite stays green on a buggy release and turns red the day the
/// bug stops reproducing there.
pub fn symptom_of(bug: &str, shows: bool, what: impl std::fmt::Display) {
    if std::env::var_os("MEROSIM_ZOO_RAW").is_some() || !listed_here(bug) {
        return symptom(shows, what);
    }
    assert!(shows, "{}{bug} is listed for this release in bugs.tsv but did not show: {what}", on());
}

/// Whether bugs.tsv lists `bug` for the running release (first_buggy ≤ release ≤ last_buggy).
fn listed_here(bug: &str) -> bool {
    let row = include_str!("bugs.tsv")
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&bug))
        .unwrap_or_else(|| panic!("{bug} has no row in bugs.tsv"));
    merosim::calimero_in(row[2], row[3])
}

/// This release gives merosim no way to see the symptom (`why`) other than computing the answer
/// itself, which would test merosim rather than calimero.
pub fn not_observable(why: &str) -> ! {
    panic!("{}zoo not observable: {why}", on())
}

/// Whether this release's HashComparison reports `root_hash_verified` itself (0.10.1-rc.41 on);
/// before it merosim fills the field from the roots, and no zoo test may grade that.
pub fn protocol_verifies(stats: &SessionStats) -> bool {
    stats.verified_by == merosim::Verifier::Protocol
}

/// "calimero-node X: " — failures say which release they ran against.
pub fn on() -> String {
    format!("calimero-node {}: ", merosim::CALIMERO_VERSION)
}
