//! The trace's sessions as a Mermaid sequence diagram: who synced with whom, which protocol,
//! how it ended, with crashes, restarts and faults as notes.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{TraceEvent, TraceKind};
use crate::ids::NodeId;
use crate::net::NetEvent;

/// Renders the sessions of `events`; `names[i]` names node `i`.
pub fn to_mermaid(events: &[TraceEvent], names: &[String]) -> String {
    let name = |node: NodeId| names.get(node.index()).cloned().unwrap_or_else(|| node.to_string());
    let mut out = String::from("sequenceDiagram\n");
    for (i, n) in names.iter().enumerate() {
        let _ = writeln!(out, "    participant {n} as {n} (n{i})");
    }
    let mut frames: BTreeMap<u64, u64> = BTreeMap::new();
    for event in events {
        if let TraceKind::Net(NetEvent::Sent { stream, .. }) = event.kind {
            *frames.entry(stream).or_default() += 1;
        }
    }
    for event in events {
        let t = event.at.as_secs_f64();
        match &event.kind {
            TraceKind::SessionStart { stream, initiator, responder, protocol } => {
                let _ =
                    writeln!(out, "    {}->>+{}: {protocol} s{stream} @{t:.3}s", name(*initiator), name(*responder));
            }
            TraceKind::SessionEnd { stream, initiator, responder, outcome } => {
                let count = frames.get(stream).copied().unwrap_or(0);
                let outcome = outcome.replace([';', '#'], ",");
                let _ = writeln!(
                    out,
                    "    {}-->>-{}: s{stream} {outcome} ({count} frames) @{t:.3}s",
                    name(*responder),
                    name(*initiator)
                );
            }
            TraceKind::Crash { node } => {
                let _ = writeln!(out, "    Note over {}: crash @{t:.3}s", name(*node));
            }
            TraceKind::Restart { node } => {
                let _ = writeln!(out, "    Note over {}: restart @{t:.3}s", name(*node));
            }
            TraceKind::Pause { node, length } => {
                let _ = writeln!(out, "    Note over {}: pause {length:?} @{t:.3}s", name(*node));
            }
            TraceKind::Heal => {
                let first = names.first().cloned().unwrap_or_else(|| "n0".into());
                let last = names.last().cloned().unwrap_or_else(|| first.clone());
                let _ = writeln!(out, "    Note over {first},{last}: heal @{t:.3}s");
            }
            TraceKind::Net(
                fault @ (NetEvent::Partition { .. }
                | NetEvent::Repair { .. }
                | NetEvent::FaultsChanged { .. }
                | NetEvent::StreamReset { .. }),
            ) => {
                let first = names.first().cloned().unwrap_or_else(|| "n0".into());
                let last = names.last().cloned().unwrap_or_else(|| first.clone());
                let description = fault.to_string();
                let description = description.strip_prefix("fault ").unwrap_or(&description);
                let _ =
                    writeln!(out, "    Note over {first},{last}: {} @{t:.3}s", description.replace([';', '#'], ","));
            }
            _ => {}
        }
    }
    out
}
