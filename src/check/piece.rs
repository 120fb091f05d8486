//! One piece of a failed run's evidence, and the finding mechanisms at work on it: the unit
//! triage attributes (`evidence.rs` gathers them, `app_losses.rs` adds what the app lost).

use std::collections::BTreeSet;
use std::fmt;

use super::mechanism::Mechanism as M;

/// One piece of evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// What was seen, in a report's words: the oracle or difference, the entity, the node.
    pub what: String,
    /// The mechanisms at work on it; empty when nothing merosim knows explains it.
    pub by: BTreeSet<M>,
}

impl Piece {
    pub(super) fn new(what: String, by: impl IntoIterator<Item = (bool, M)>) -> Piece {
        Piece { what, by: by.into_iter().filter(|(at_work, _)| *at_work).map(|(_, m)| m).collect() }
    }
}

impl fmt::Display for Piece {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        if !self.by.is_empty() {
            let by: Vec<String> = self.by.iter().map(ToString::to_string).collect();
            write!(f, " [{}]", by.join(", "))?;
        }
        Ok(())
    }
}
