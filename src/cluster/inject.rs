//! The bugs merosim plants in its own World to show a checker fires: how `--inject` names them.

use std::fmt;

/// Bugs merosim can plant in its own World — never in calimero — so a test can show that a
/// checker fires on exactly the failure it exists for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injected {
    /// Node `node`'s `nth` application write (1-based) is acknowledged and recorded in the
    /// history, but neither stored nor gossiped: a lost write.
    LoseWrite { node: u32, nth: u32 },
    /// Node `node`'s `nth` app operation (1-based, the running app's) runs through calimero and
    /// is recorded with the entities and timestamps calimero gave it, then undone in the store
    /// and not gossiped: a lost collection operation.
    LoseAppOp { node: u32, nth: u32 },
    /// Node `node`'s `nth` application write (1-based) is acknowledged and recorded with the
    /// bytes the app wrote, but stored and gossiped with its last byte flipped: damage between
    /// the app and the store.
    FlipByte { node: u32, nth: u32 },
}

impl Injected {
    /// The plant kinds, as `--inject` names them.
    pub const KINDS: [&'static str; 3] = ["lose-write", "lose-op", "flip-byte"];

    /// Its kind, one of [`KINDS`](Self::KINDS).
    pub fn kind(&self) -> &'static str {
        match self {
            Injected::LoseWrite { .. } => Self::KINDS[0],
            Injected::LoseAppOp { .. } => Self::KINDS[1],
            Injected::FlipByte { .. } => Self::KINDS[2],
        }
    }
}

impl fmt::Display for Injected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (Injected::LoseWrite { node, nth } | Injected::LoseAppOp { node, nth } | Injected::FlipByte { node, nth }) =
            self;
        write!(f, "{}:{node}:{nth}", self.kind())
    }
}

impl std::str::FromStr for Injected {
    type Err = String;

    /// `KIND:NODE:NTH`, KIND one of [`Injected::KINDS`].
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "bad injection '{s}': expected KIND:NODE:NTH, KIND one of {} (e.g. lose-write:0:1)",
                Injected::KINDS.join(", ")
            )
        };
        let mut parts = s.split(':');
        let (kind, node, nth) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(kind), Some(node), Some(nth), None) => (kind, node, nth),
            _ => return Err(bad()),
        };
        let node = node.parse().map_err(|_| bad())?;
        let nth = nth.parse().ok().filter(|n| *n >= 1).ok_or_else(bad)?;
        match kind {
            "lose-write" => Ok(Injected::LoseWrite { node, nth }),
            "lose-op" => Ok(Injected::LoseAppOp { node, nth }),
            "flip-byte" => Ok(Injected::FlipByte { node, nth }),
            _ => Err(bad()),
        }
    }
}
