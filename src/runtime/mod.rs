//! Running a simulation. Two entry points share one discipline — every run gets a fresh OS
//! thread with a seeded madsim runtime on it:
//!
//! - [`SimRuntime`]: a World of nodes with sync loops, scenarios, convergence checks, faults,
//!   crashes — the test API of the upstream sync-sim guide;
//! - [`simulate`]: run one async body in simulation, for tests that build a `World` and drive
//!   sessions by hand.
//!
//! The fresh thread is a determinism fence. calimero-storage keeps its HLC, ordered index and
//! root hash in thread-locals, and `rand::thread_rng()` keeps its state in one too; a second run
//! on a reused thread would start from the first run's leftovers.

mod engine;
pub mod memory;
mod sim;

use std::any::Any;
use std::future::Future;
use std::thread::JoinHandle;

pub use sim::{NodeRef, SimRuntime};

use crate::repro::Repro;

/// Stack size for simulation threads: the protocol futures are large and deeply nested.
const SIM_THREAD_STACK: usize = 64 * 1024 * 1024;

/// What must happen in this process before a simulation starts, outside it (madsim refuses OS
/// threads inside one): calimero's process-wide lazies, and the blob folder production's
/// `SyncManager` is built with. merosim's own runtimes do it; a test that builds a madsim runtime
/// itself (`Runtime::check_determinism`) calls this first. Without it production's responder
/// cannot be built, and a concurrent test that does warm up changes what a run meets halfway.
pub fn warm_up() {
    crate::crdt::warm_up();
    crate::protocols::warm_up();
}

pub(crate) use crate::protocols::seeded_runtime;

fn spawn_sim_thread(seed: u64, body: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    // Process-wide lazies first, off the simulation thread (see `crdt::warm_up`).
    crate::crdt::warm_up();
    std::thread::Builder::new()
        .name(format!("merosim-seed-{seed}"))
        .stack_size(SIM_THREAD_STACK)
        .spawn(body)
        .unwrap_or_else(|e| panic!("could not start the simulation thread for seed {seed}: {e}"))
}

pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "non-string panic".to_owned())
}

/// Runs `body` to completion on a madsim runtime seeded with `seed`, in virtual time.
///
/// A panic inside the simulation is re-raised on the caller's thread with the seed prepended and
/// the line that replays it.
pub fn simulate<F, Fut, T>(seed: u64, body: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T> + 'static,
    T: Send + 'static,
{
    let repro = Repro::test(seed);
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = spawn_sim_thread(seed, move || {
        let value = seeded_runtime(seed).block_on(async move { body().await });
        let _ = tx.send(value);
    });
    match thread.join() {
        Ok(()) => rx.recv().expect("the simulation thread sent its result"),
        Err(panic) => panic!("simulation with seed {seed} panicked: {}\n{repro}", panic_message(&*panic)),
    }
}
