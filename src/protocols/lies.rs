//! What a Byzantine member's answers say instead of the truth: its DAG-heads answer (the root and
//! heads a production initiator chooses a protocol by, upstream's lying handshake, #3121) and its
//! tree-node answers (a node's hash that does not match its children, a child that does not
//! exist). The member's calimero code answers honestly; the lie is written over the answer on
//! its way out, so the honest initiator meets it in calimero's own message types.

use calimero_node_primitives::sync::{MessagePayload, StreamMessage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::transport::Rewrite;

/// A liar drawing from `seed`: half of the DAG-heads answers and a quarter of the tree-node
/// answers it rewrites, telling `told` which lie each was.
pub fn liar(seed: u64, mut told: impl FnMut(&'static str) + Send + 'static) -> Rewrite {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Box::new(move |message| {
        let (bytes, what) = lie(&mut rng, message)?;
        told(what);
        Some(bytes)
    })
}

fn lie(rng: &mut ChaCha8Rng, message: &StreamMessage<'_>) -> Option<(Vec<u8>, &'static str)> {
    let StreamMessage::Message { payload, .. } = message else { return None };
    let lying = match payload {
        MessagePayload::DagHeadsResponse { .. } => rng.gen_bool(0.5),
        MessagePayload::TreeNodeResponse { nodes, .. } => !nodes.is_empty() && rng.gen_bool(0.25),
        _ => false,
    };
    if !lying {
        return None;
    }
    // calimero's messages are not `Clone`: a copy to rewrite is decoded from the encoding.
    let mut message: StreamMessage<'static> = borsh::from_slice(&borsh::to_vec(message).ok()?).ok()?;
    let StreamMessage::Message { payload, .. } = &mut message else { return None };
    let what = match payload {
        MessagePayload::DagHeadsResponse { dag_heads, root_hash, .. } => {
            // A zero root (a fresh node), a root nobody holds, no heads, heads nobody has.
            match rng.gen_range(0..4) {
                0 => *root_hash = [0; 32].into(),
                1 => *root_hash = rng.gen::<[u8; 32]>().into(),
                2 => dag_heads.clear(),
                _ => *dag_heads = (0..rng.gen_range(1..64)).map(|_| rng.gen()).collect(),
            }
            "lying heads answer"
        }
        MessagePayload::TreeNodeResponse { nodes, .. } => {
            let i = rng.gen_range(0..nodes.len());
            match rng.gen_bool(0.5) {
                true => nodes[i].hash = rng.gen(),
                false => nodes[i].children.push(rng.gen()),
            }
            "lying tree-node answer"
        }
        _ => return None,
    };
    Some((borsh::to_vec(&message).ok()?, what))
}

#[cfg(test)]
mod tests {
    use calimero_primitives::hash::Hash;

    use super::*;

    fn heads(root: [u8; 32]) -> StreamMessage<'static> {
        StreamMessage::Message {
            sequence_id: 0,
            payload: MessagePayload::DagHeadsResponse {
                dag_heads: vec![[1; 32]],
                root_hash: Hash::from(root),
                #[cfg(calimero_scope_root)]
                scope_root: None,
            },
            next_nonce: [0; calimero_crypto::NONCE_LEN],
        }
    }

    /// The liar rewrites some DAG-heads answers into well-formed ones that say something else,
    /// the same ones for the same seed, and leaves other messages alone.
    #[test]
    fn a_liar_rewrites_answers_into_other_well_formed_answers() {
        let answer = heads([7; 32]);
        let truth = borsh::to_vec(&answer).unwrap();
        let told = |seed| {
            let mut liar = liar(seed, |_| {});
            (0..40).map(|_| liar(&answer)).collect::<Vec<_>>()
        };
        let lies = told(3);
        assert_eq!(lies, told(3));
        let rewritten: Vec<_> = lies.iter().flatten().collect();
        assert!(rewritten.len() > 10 && rewritten.len() < 30, "{} of 40 rewritten", rewritten.len());
        for bytes in rewritten {
            let said: StreamMessage<'static> = borsh::from_slice(bytes).expect("a lie is well formed");
            assert!(matches!(said, StreamMessage::Message { payload: MessagePayload::DagHeadsResponse { .. }, .. }));
            assert_ne!(*bytes, truth);
        }
        let request = StreamMessage::OpaqueError;
        assert_eq!(liar(3, |_| {})(&request), None);
    }
}
