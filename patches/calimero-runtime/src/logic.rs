//! What a module's execution produces, and the limits it runs under.

use serde::Serialize;

use crate::errors::FunctionCallError;

pub type VMLogicResult<T, E = VMLogicError> = Result<T, E>;

/// A host call's failure inside a module; none happens without a module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VMLogicError {}

/// Per-execution resource limits. Nodes built from config carry one; nothing reads it here.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct VMLimits {}

#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome {
    pub returns: VMLogicResult<Option<Vec<u8>>, FunctionCallError>,
    pub logs: Vec<String>,
    pub events: Vec<Event>,
    pub xcalls: Vec<XCall>,
    pub root_hash: Option<[u8; 32]>,
    pub artifact: Vec<u8>,
    pub migration_witness: Option<Vec<u8>>,
}

#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct Event {
    pub kind: String,
    pub data: Vec<u8>,
    pub handler: Option<String>,
}

#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct XCall {
    pub context_id: [u8; 32],
    pub function: String,
    pub params: Vec<u8>,
}
