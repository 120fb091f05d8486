//! calimero-runtime's API as calimero-context and calimero-node 0.11.0-rc.4 use it, without a
//! WASM engine. A simulated node applies operations through calimero's collections directly, so
//! no module is ever compiled or run; if one were, `Engine::compile` and `Module::run` panic
//! naming the call (Cargo.toml says why the stand-in exists). The error and outcome types keep
//! the real names and fields because calimero-context matches on them and reads them.

use calimero_node_primitives::client::NodeClient;
use calimero_primitives::context::ContextId;
use calimero_primitives::identity::PublicKey;

pub mod errors;
pub mod logic;
pub mod store;

use errors::{FunctionCallError, VMRuntimeError};
use logic::{Outcome, VMLimits};
use store::Storage;

pub type RuntimeResult<T, E = VMRuntimeError> = Result<T, E>;

#[track_caller]
fn absent(what: &str) -> ! {
    panic!(
        "calimero_runtime::{what}: merosim builds calimero without its WASM runtime \
         (patches/calimero-runtime); simulated nodes run no app modules"
    )
}

/// The compiler; there is none to configure.
#[derive(Debug, Clone, Default)]
pub struct Engine;

impl Engine {
    #[must_use]
    pub fn with_limits(_limits: VMLimits) -> Self {
        Self
    }

    pub fn compile(&self, _bytes: &[u8]) -> Result<Module, FunctionCallError> {
        absent("Engine::compile")
    }
}

/// A compiled app; none is ever made.
#[derive(Debug, Clone)]
pub struct Module {
    _never: (),
}

impl Module {
    #[allow(clippy::too_many_arguments, reason = "the real signature")]
    pub fn run<'a>(
        &'a self,
        _context: ContextId,
        _executor: PublicKey,
        _method: &str,
        _input: &'a [u8],
        _storage: &'a mut dyn Storage,
        _private_storage: Option<&'a mut dyn Storage>,
        _node_client: Option<NodeClient>,
    ) -> RuntimeResult<Outcome> {
        absent("Module::run")
    }
}
