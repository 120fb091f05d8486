//! What a link does with a damaged frame. Production's sync streams are authenticated (libp2p's
//! Noise AEAD): a damaged frame fails its stream and both ends see an error. The robustness
//! presets deliver the damaged bytes instead, so the protocols' decoders are exercised. Each
//! behaviour is pinned here.

use std::collections::BTreeSet;

use merosim::prelude::*;
use merosim::NetEvent;
use merosim::TraceKind;
use sim_tests::{repro, Pair};

const DAMAGE: f64 = 0.25;

fn written(pair: &Pair) -> BTreeSet<EntityId> {
    pair.divergence.expected_union().union(&pair.divergence.deleted()).copied().collect()
}

fn invented(pair: &Pair) -> usize {
    let written = written(pair);
    [&pair.alice, &pair.bob]
        .iter()
        .flat_map(|n| n.storage().entities().unwrap())
        .filter(|e| !written.contains(&e.id))
        .count()
}

#[test]
fn presets_say_which_links_are_authenticated() {
    assert_eq!(FaultConfig::lan().default_link.integrity, Integrity::Authenticated);
    for robustness in [FaultConfig::none(), FaultConfig::light_chaos(), FaultConfig::heavy_chaos()] {
        assert_eq!(robustness.default_link.integrity, Integrity::Unchecked, "{robustness}");
    }
}

/// Authenticated links: every damaged frame is dropped as `Damaged`, its stream is reset (in the
/// trace), both ends of every session on such a stream fail with `reset`, no session fails any
/// other way, and no store gains an entity nobody wrote.
#[test]
fn authenticated_links_fail_the_stream_on_damage() {
    let (mut damaged, mut reset_sessions) = (0, 0);
    for seed in seeds(0..12) {
        let context = repro("integrity::authenticated_links_fail_the_stream_on_damage", seed);
        let (d, r) = simulate(seed, move || async move {
            let pair = Pair::new(seed, FaultConfig::lan().with_corruption(DAMAGE), 60);
            let protocol = if seed % 2 == 0 { Protocol::HashComparison } else { pair.level_wise() };
            let reports = pair.sync(protocol, &SessionOptions::default()).await;
            pair.quiesce().await;
            let frames = pair.world.frames();
            let damaged_streams: BTreeSet<u64> =
                frames.iter().filter(|f| f.dropped() == Some(DropReason::Damaged)).map(|f| f.stream).collect();
            assert!(
                frames.iter().all(|f| f.corruption.is_none() || !matches!(f.fate, Fate::Delivered { .. })),
                "a damaged frame was delivered on an authenticated link; {context}"
            );
            let resets: BTreeSet<u64> = pair
                .world
                .trace()
                .events()
                .iter()
                .filter_map(|e| match &e.kind {
                    TraceKind::Net(NetEvent::StreamReset { stream, .. }) => Some(*stream),
                    _ => None,
                })
                .collect();
            assert_eq!(resets, damaged_streams, "every damaged stream and only those is reset; {context}");
            let mut reset = 0;
            for r in &reports {
                if damaged_streams.contains(&r.stream) {
                    let kinds = (
                        r.initiator.as_ref().map_err(SessionError::kind),
                        r.responder.as_ref().map_err(SessionError::kind),
                    );
                    assert!(matches!(kinds, (Err("reset"), Err("reset"))), "both ends see the reset: {r:?}; {context}");
                    reset += 1;
                } else {
                    assert!(r.succeeded(), "an undamaged session failed: {r:?}; {context}");
                }
            }
            assert_eq!(invented(&pair), 0, "an entity nobody wrote reached a store; {context}");
            (damaged_streams.len(), reset)
        });
        damaged += d;
        reset_sessions += r;
    }
    assert!(damaged > 0 && reset_sessions > 0, "damage never fired ({damaged} streams, {reset_sessions} sessions)");
}

/// Unchecked links (the robustness presets): damaged frames are delivered, so decoders see them —
/// failures are decode or protocol errors, never resets.
#[test]
fn unchecked_links_deliver_damaged_bytes() {
    let mut delivered_damaged = 0;
    for seed in seeds(0..12) {
        let context = repro("integrity::unchecked_links_deliver_damaged_bytes", seed);
        delivered_damaged += simulate(seed, move || async move {
            let pair = Pair::new(seed, FaultConfig::none().with_latency(5, 5).with_corruption(DAMAGE), 60);
            let reports = pair.sync(Protocol::HashComparison, &SessionOptions::default()).await;
            pair.quiesce().await;
            for r in &reports {
                for kind in [r.initiator.as_ref().err(), r.responder.as_ref().err()]
                    .into_iter()
                    .flatten()
                    .map(SessionError::kind)
                {
                    assert_ne!(kind, "reset", "unchecked links never reset a stream: {r:?}; {context}");
                }
            }
            let frames = pair.world.frames();
            assert!(frames.iter().all(|f| f.dropped() != Some(DropReason::Damaged)), "{context}");
            frames.iter().filter(|f| f.corruption.is_some() && matches!(f.fate, Fate::Delivered { .. })).count()
        });
    }
    assert!(delivered_damaged > 0, "no damaged frame was delivered over the sweep");
}
