//! Every frame that is not delivered is in the record with its reason: a frame dropped inside its
//! stream (the robustness fault), a cut link, or a receiver that no longer exists.

use std::time::Duration;

use merosim::prelude::*;
use sim_tests::{repro, Pair};

#[test]
fn every_undelivered_frame_has_a_reason() {
    let seed = seed_or(41);
    let context = format!("seed {seed}; {}", repro("drops::every_undelivered_frame_has_a_reason", seed));
    simulate(seed, move || async move {
        let faults = FaultConfig::none().with_latency(10, 10).with_stream_drop(0.3).with_duplicate(0.2);
        let pair = Pair::new(seed, faults, 200);
        let router = pair.world.router();
        let options =
            SessionOptions::default().with_recv_timeout(Duration::from_secs(2)).with_budget(Duration::from_secs(60));
        // Many short sessions so loss has plenty of frames to act on; then a cut link.
        for _ in 0..80 {
            let _ = run_session(&pair.world, &pair.alice, &pair.bob, Protocol::HashComparison, &options).await;
        }
        router.partition(pair.alice.id(), pair.bob.id(), None);
        let _ = run_session(&pair.world, &pair.alice, &pair.bob, Protocol::HashComparison, &options).await;
        pair.quiesce().await;

        let frames = pair.world.frames();
        assert_eq!(router.in_flight(), 0, "{context}: frames still in flight after quiescence");
        for f in &frames {
            assert!(
                matches!(f.fate, Fate::Delivered { .. } | Fate::Dropped { .. }),
                "{context}: frame without a final fate: {f}"
            );
        }
        let count = |reason| frames.iter().filter(|f| f.dropped() == Some(reason)).count();
        let originals = frames.iter().filter(|f| f.kind == FrameKind::Data && f.copy_of.is_none()).count();
        let lost = count(DropReason::StreamDrop);
        assert!(originals >= 100, "{context}: only {originals} frames sent");
        let rate = lost as f64 / originals as f64;
        assert!((0.2..0.4).contains(&rate), "{context}: drop rate {rate:.3} far from the configured 0.3");
        assert!(count(DropReason::Partition) > 0, "{context}: the cut link dropped nothing");
        assert!(frames.iter().any(|f| f.copy_of.is_some()), "{context}: no duplicates were made");
        assert_eq!(
            pair.world.drops().len(),
            frames.iter().filter(|f| !matches!(f.fate, Fate::Delivered { .. })).count(),
            "{context}: the drop record and the frame log disagree"
        );
    });
}
