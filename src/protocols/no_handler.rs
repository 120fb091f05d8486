//! The gossip handler's test surface where the build has no handler (the rc.25 + 19 tree, whose
//! contexts all belong to a group: build.rs). The type cannot be made, so a test written against
//! it compiles everywhere and asks `NodePath::handles_gossip()` before it opens one.

use crate::error::SessionError;
use crate::store::SimStorage;

use super::context_store::Delta;

/// No gossip handler in this build: [`LoneHandler::open`] says so, and no value exists.
pub enum LoneHandler {}

impl LoneHandler {
    pub async fn open(_: &SimStorage) -> Result<LoneHandler, SessionError> {
        Err(SessionError::Protocol("this build has no gossip handler (NodePath::handles_gossip)".into()))
    }

    pub async fn deliver(&self, _: &Delta, _: &SimStorage, _: u32, _: Option<[u8; 64]>) -> Result<bool, SessionError> {
        match *self {}
    }
}
