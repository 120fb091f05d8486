//! The no-data-loss checker holds the final stores to the recorded history: it fires on a write
//! merosim itself loses on purpose (a test-only injected bug), names it, and stays quiet on 500
//! clean seeds with concurrent writes and skewed clocks.

use std::time::Duration;

use merosim::prelude::*;
use merosim::Verdict;
use merosim::{run_one, RunSpec};
use merosim::{Injected, Oracle};

/// Alice's second write is acknowledged and recorded but kept nowhere: the run converges — on
/// a state without it — and the verdict is data-loss, naming the write and where it is missing.
#[test]
fn data_loss_fires_on_an_injected_lost_write() {
    let seed = seed_or(41);
    let config = super::config(seed, FaultConfig::lan()).with_injected(Injected::LoseWrite { node: 0, nth: 2 });
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(Scenario::n_nodes_diverged(3, 5));
    for i in 0..3_u8 {
        rt.write("alice", [0xd0 + i; 32], &[i; 6]);
    }
    let stop = rt.run();
    assert_eq!(stop, StopCondition::Converged, "a lost write does not stop convergence");
    let judgement = rt.judge(stop);
    assert_eq!(judgement.verdict, Verdict::DataLoss, "{judgement}");
    let loss = judgement.violations.iter().find(|v| v.oracle == Oracle::DataLoss).expect("a data-loss violation");
    let text = loss.to_string();
    assert!(
        text.contains("write of d1d1d1d1d1d1d1d1 by alice") && text.contains("missing on alice,bob,carol"),
        "{text}"
    );
    assert!(!rt.has_entity("alice", [0xd1; 32]) && rt.has_entity("bob", [0xd2; 32]));
}

/// 500 seeds, each with writes racing sync on every node under prod-lan (clocks within ±5 ms,
/// lossy gossip, stream resets) or mixed bug-class scenarios: neither the no-data-loss nor the
/// phantom check fires.
#[test]
fn data_loss_stays_quiet_on_500_clean_seeds() {
    let kinds = ["race-3x8", "mixed-3x8", "race-2x6", "conflict-3x8", "deletes-3x8"];
    let runs: Vec<RunSpec> = (0..500_u64)
        .map(|seed| {
            RunSpec::new(seed, kinds[(seed % 5) as usize].parse().unwrap(), FaultPreset::ProdLan)
                .max_time(Duration::from_secs(120))
                .with_recv_timeout(Duration::from_secs(5))
                .with_chaos(Duration::from_secs(5))
        })
        .collect();
    let fired: Vec<String> = merosim::sweep(&runs, 2, |spec, run| {
        let outcome = run.outcome;
        let judgement = outcome.judgement.as_ref()?;
        let fired = |oracle| judgement.counts.get(&oracle).is_some_and(|c| c.fired > 0);
        let loss = fired(Oracle::DataLoss) || fired(Oracle::Phantom);
        loss.then(|| format!("{}\n{}\n{}", spec.seed, outcome, spec.repro()))
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(fired.is_empty(), "data-loss fired on {} clean seeds:\n{}", fired.len(), fired.join("\n\n"));
}

/// F4 at cluster level (docs/findings.md): heavy chaos delivers damaged bytes on unchecked links,
/// and at this seed every node ends up agreeing on an entity nobody wrote — a converged run only
/// the phantom check calls out. (Since loss on streams became retransmission, 2026-12-06: seeds
/// 0..40 under production's node path give 12 and 34 on rc.4, seeds 0..60 under merosim's node
/// model 28. Before it, with every lost stream frame dropped: 6, 21, 27 and 101 of 0..120, and
/// 8, 26, 67, … of 0..300 under the model. `cluster/sessions.rs` shows seed 26 clean on
/// authenticated links.)
#[test]
fn phantom_fires_on_damage_that_reached_every_store() {
    let production = merosim::NodePath::default() == merosim::NodePath::Production;
    let seed = seed_or(if production { 12 } else { 28 });
    let options = RunSpec::new(seed, "random".parse().unwrap(), FaultPreset::Heavy)
        .max_time(Duration::from_secs(120))
        .with_recv_timeout(Duration::from_secs(5))
        .run_on();
    let outcome = run_one(&options, false).outcome;
    assert_eq!(outcome.verdict(), Verdict::Phantom, "{outcome}");
    assert!(outcome.converged(), "the nodes agree on the phantom: {outcome}");
    let phantom = outcome.judgement.as_ref().unwrap().violations.iter().find(|v| v.oracle == Oracle::Phantom).cloned();
    assert!(phantom.unwrap().detail.contains("entities nobody wrote are live"), "{outcome}");
}
