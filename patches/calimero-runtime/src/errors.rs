//! Execution errors, with the variants calimero-context tells apart (a missing method, a trap).

use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum VMRuntimeError {}

#[derive(Debug, Serialize, Error)]
#[serde(tag = "type", content = "data")]
#[non_exhaustive]
pub enum FunctionCallError {
    #[error(transparent)]
    MethodResolutionError(MethodResolutionError),
    #[error(transparent)]
    WasmTrap(WasmTrap),
    #[error("the method call returned an error: {0:?}")]
    ExecutionError(Vec<u8>),
}

#[derive(Debug, Serialize, Error)]
#[serde(tag = "type", content = "data")]
#[non_exhaustive]
pub enum MethodResolutionError {
    #[error("method {name:?} not found")]
    MethodNotFound { name: String },
}

#[derive(Copy, Clone, Debug, Serialize, Error)]
#[non_exhaustive]
pub enum WasmTrap {
    #[error("unreachable code reached")]
    Unreachable,
}
