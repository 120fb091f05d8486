//! Running a simulation: one seeded madsim runtime on a fresh OS thread per run.
//!
//! A fresh thread is a determinism fence. calimero-storage keeps its HLC, ordered index and root
//! hash in thread-locals, and `rand::thread_rng()` keeps its state in one too; a second run on a
//! reused thread would start from the first run's leftovers. A new thread starts them all empty,
//! so a run depends on its seed alone.

mod world;

use std::future::Future;

pub use world::World;

/// Stack size for simulation threads: the protocol futures are large and deeply nested.
const SIM_THREAD_STACK: usize = 64 * 1024 * 1024;

/// Runs `body` to completion on a madsim runtime seeded with `seed`, in virtual time.
///
/// A panic inside the simulation is re-raised on the caller's thread with the seed prepended.
pub fn simulate<F, Fut, T>(seed: u64, body: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T> + 'static,
    T: Send + 'static,
{
    let thread = std::thread::Builder::new()
        .name(format!("merosim-seed-{seed}"))
        .stack_size(SIM_THREAD_STACK)
        .spawn(move || {
            let runtime = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
            runtime.block_on(async move {
                // Re-derive calimero-storage's HLC (and its random node id) from this run's seed.
                calimero_storage::env::reset_environment();
                body().await
            })
        });
    match thread.map(std::thread::JoinHandle::join) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "non-string panic".to_owned());
            panic!("simulation with seed {seed} panicked: {message}\nrepro: MADSIM_TEST_SEED={seed}")
        }
        Err(spawn) => panic!("could not start the simulation thread for seed {seed}: {spawn}"),
    }
}
