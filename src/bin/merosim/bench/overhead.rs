//! Item 1: the same protocol session on real tokio over channels (a) and on merosim with no
//! faults (b), same store contents, same code path (`protocols::initiate` / the protocol's trait
//! responder on both sides: production's needs the simulation's context manager, which real
//! tokio has not); the ratio of the session's CPU time is what merosim costs on top of the
//! protocol.

use std::time::Duration;

use super::channel::ChannelStream;
use super::cpu::thread_cpu;
use merosim::prelude::{simulate, Session, SimNode, SimStorage, World};
use merosim::FaultConfig;
use merosim::NodeId;
use merosim::{diverge_pair, PairLayout};
use merosim::{initiate, respond_with, HcResponder, Protocol};

/// One row of the overhead table: every run of each side, paired run by run.
#[derive(Clone, Debug)]
pub struct OverheadRow {
    pub protocol: &'static str,
    pub entities: usize,
    pub tokio_cpu: Vec<Duration>,
    pub merosim_cpu: Vec<Duration>,
    pub frames: usize,
}

impl OverheadRow {
    /// Best against best: the least-disturbed run of each side.
    pub fn best(&self) -> (Duration, Duration) {
        let best = |v: &[Duration]| v.iter().copied().min().unwrap_or_default();
        (best(&self.tokio_cpu), best(&self.merosim_cpu))
    }

    pub fn ratio(&self) -> f64 {
        let (tokio, merosim) = self.best();
        merosim.as_secs_f64() / tokio.as_secs_f64().max(1e-9)
    }

    /// merosim over tokio for each run pair, for the spread.
    pub fn run_ratios(&self) -> Vec<f64> {
        self.tokio_cpu.iter().zip(&self.merosim_cpu).map(|(a, b)| b.as_secs_f64() / a.as_secs_f64().max(1e-9)).collect()
    }
}

fn protocol(level_wise: bool, a: &SimStorage, b: &SimStorage) -> Protocol {
    if level_wise {
        let depth = a.max_depth().unwrap_or(0).max(b.max_depth().unwrap_or(0)) as u32;
        Protocol::LevelWise { max_depth: depth + 1 }
    } else {
        Protocol::HashComparison
    }
}

/// (a): a fresh thread, a current-thread tokio runtime, initiator and responder as local tasks.
fn on_tokio(seed: u64, entities: usize, level_wise: bool) -> Duration {
    std::thread::spawn(move || {
        let runtime = real_tokio::runtime::Builder::new_current_thread().enable_time().build().expect("tokio runtime");
        let local = real_tokio::task::LocalSet::new();
        local.block_on(&runtime, async move {
            let context = calimero_primitives::context::ContextId::from([7; 32]);
            let alice = SimNode::new(NodeId::new(0), "alice", context).expect("alice");
            let bob = SimNode::new(NodeId::new(1), "bob", context).expect("bob");
            diverge_pair(alice.storage(), bob.storage(), entities, seed, &PairLayout::default()).expect("diverge");
            let protocol = protocol(level_wise, alice.storage(), bob.storage());
            let remote_root = bob.storage().root_hash().expect("root");
            let (mut near, mut far) = ChannelStream::pair();
            let serving = bob.storage().clone();
            let start = thread_cpu();
            let responder = real_tokio::task::spawn_local(async move {
                let _ = respond_with(&mut far, &serving, HcResponder::Protocol).await;
            });
            let outcome = initiate(&mut near, alice.storage(), protocol, remote_root).await;
            use calimero_node_primitives::sync::SyncTransport;
            let _ = near.close().await;
            let _ = responder.await;
            let spent = thread_cpu() - start;
            assert!(outcome.is_ok(), "tokio baseline session failed: {outcome:?}");
            spent
        })
    })
    .join()
    .expect("tokio baseline thread")
}

/// (b): the same session through merosim (SimStream, router, madsim) with no faults.
fn on_merosim(seed: u64, entities: usize, level_wise: bool) -> (Duration, usize) {
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::none());
        let alice = world.add_node("alice").expect("alice");
        let bob = world.add_node("bob").expect("bob");
        diverge_pair(alice.storage(), bob.storage(), entities, seed, &PairLayout::default()).expect("diverge");
        let protocol = protocol(level_wise, alice.storage(), bob.storage());
        let start = thread_cpu();
        let session = Session::new(protocol).with_hc_responder(HcResponder::Protocol);
        let report = world.run_session(&session, &alice, &bob).await;
        let spent = thread_cpu() - start;
        assert!(report.succeeded(), "merosim session failed: {report:?}");
        (spent, world.frames().len())
    })
}

/// Both sides for every protocol and size, `repeat` runs each, alternating.
pub fn overhead(sizes: &[usize], repeat: usize) -> Vec<OverheadRow> {
    let mut rows = Vec::new();
    for level_wise in [false, true] {
        for &entities in sizes {
            let runs = repeat.max(1);
            let (mut tokio_cpu, mut merosim_cpu, mut frames) = (Vec::new(), Vec::new(), 0);
            for _ in 0..runs {
                tokio_cpu.push(on_tokio(1, entities, level_wise));
                let (cpu, f) = on_merosim(1, entities, level_wise);
                merosim_cpu.push(cpu);
                frames = f;
            }
            rows.push(OverheadRow {
                protocol: if level_wise { "level-wise" } else { "hash-comparison" },
                entities,
                tokio_cpu,
                merosim_cpu,
                frames,
            });
        }
    }
    rows
}
