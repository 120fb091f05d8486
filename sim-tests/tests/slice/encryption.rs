//! Encryption through calimero's `EncryptionState`: with one key on both ends the session
//! converges and the wire carries ciphertext; with different keys it fails cleanly. From
//! 0.11.0-rc.14 on, `EncryptionState::encrypt` draws a random nonce and drops it while `decrypt`
//! still uses the stored one, so no encrypted frame decrypts: upstream made sync-level encryption
//! a dead path (production never turns it on; the transport is Noise). There the same-key session
//! fails, still with ciphertext on the wire — what these tests assert on such a release.

use std::time::Duration;

use borsh::BorshDeserialize;
use calimero_crypto::SharedKey;
use calimero_node_primitives::sync::StreamMessage;
use calimero_primitives::identity::PrivateKey;
use merosim::prelude::*;
use sim_tests::{assert_sessions_ok, repro, Pair};

fn key(byte: u8) -> SharedKey {
    SharedKey::from_sk(&PrivateKey::from([byte; 32]))
}

fn decodable_frames(world: &World) -> (usize, usize) {
    let frames: Vec<_> = world.frames().into_iter().filter(|f| f.kind == FrameKind::Data).collect();
    let plain = frames
        .iter()
        .filter(|f| {
            let bytes = f.payload.as_deref().expect("payload capture is on");
            StreamMessage::try_from_slice(bytes).is_ok()
        })
        .count();
    (plain, frames.len())
}

#[test]
fn same_key_converges_and_wire_is_ciphertext() {
    let seed = seed_or(31);
    let context = format!("seed {seed}; {}", repro("encryption::same_key_converges_and_wire_is_ciphertext", seed));
    simulate(seed, move || async move {
        // Control run: without keys the frames *are* plaintext StreamMessages, so the check below
        // can tell the difference.
        let clear = Pair::new(seed, FaultConfig::none(), 100);
        clear.world.router().capture_payloads(true);
        assert_sessions_ok(&clear.sync(Protocol::HashComparison, &SessionOptions::default()).await, &context);
        let (plain, total) = decodable_frames(&clear.world);
        assert!(total > 0 && plain == total, "{context}: unencrypted frames should decode ({plain}/{total})");

        let pair = Pair::new(seed, FaultConfig::none(), 100);
        pair.world.router().capture_payloads(true);
        let options = SessionOptions::default().with_encryption(key(7), [3; 12]);
        let reports = pair.sync(Protocol::HashComparison, &options).await;
        if merosim::calimero_since("0.11.0-rc.14") {
            assert!(
                reports.iter().all(|r| !r.succeeded()),
                "{context}: sync-level encryption is a dead path since 0.11.0-rc.14, yet a session succeeded"
            );
        } else {
            assert_sessions_ok(&reports, &context);
            pair.assert_converged(&context);
        }
        let (plain, total) = decodable_frames(&pair.world);
        assert!(total > 0, "{context}: no frames routed");
        assert_eq!(plain, 0, "{context}: {plain} of {total} encrypted frames decoded as plaintext");
    });
}

#[test]
fn mismatched_keys_fail_cleanly() {
    let seed = seed_or(32);
    let context = format!("seed {seed}; {}", repro("encryption::mismatched_keys_fail_cleanly", seed));
    simulate(seed, move || async move {
        let pair = Pair::new(seed, FaultConfig::none(), 100);
        let before = (pair.alice.storage().digest().unwrap(), pair.bob.storage().digest().unwrap());
        let mut options = SessionOptions::default().with_budget(Duration::from_secs(120));
        options.initiator_key = Some((key(7), [3; 12]));
        options.responder_key = Some((key(8), [3; 12]));
        let report = run_session(&pair.world, &pair.alice, &pair.bob, Protocol::HashComparison, &options).await;
        assert_eq!(
            report.responder,
            Err(SessionError::Transport(TransportError::Decrypt)),
            "{context}: the responder cannot read the initiator's first frame"
        );
        assert!(report.initiator.is_err(), "{context}: initiator must not report success: {:?}", report.initiator);
        assert!(report.ended_at - report.started_at <= options.budget, "{context}: session overran its budget");
        let after = (pair.alice.storage().digest().unwrap(), pair.bob.storage().digest().unwrap());
        assert_eq!(before, after, "{context}: a failed session changed a store");
    });
}
