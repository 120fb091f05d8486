//! The trace as Chrome/Perfetto trace-event JSON (load it at ui.perfetto.dev or
//! chrome://tracing): one track per node, sessions as slices on the initiator's track, frames as
//! flow arrows from sender to receiver, drops, deltas and faults as instants.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{TraceEvent, TraceKind};
use crate::ids::NodeId;
use crate::net::NetEvent;

const PID: u64 = 1;

fn tid(node: NodeId) -> u64 {
    u64::from(node.get()) + 1
}

fn micros(event: &TraceEvent) -> f64 {
    event.at.as_nanos() as f64 / 1_000.0
}

/// Renders `events`; `names[i]` names node `i` (falls back to `n{i}`).
pub fn to_perfetto(events: &[TraceEvent], names: &[String]) -> Value {
    let name = |node: NodeId| names.get(node.index()).cloned().unwrap_or_else(|| node.to_string());
    let mut out = vec![json!({"ph": "M", "name": "process_name", "pid": PID, "tid": 0, "args": {"name": "merosim"}})];
    let mut nodes = std::collections::BTreeSet::new();
    let mut open: BTreeMap<u64, (&TraceEvent, NodeId, NodeId, &'static str)> = BTreeMap::new();
    let end = events.last().map_or(0.0, micros);
    for event in events {
        let ts = micros(event);
        match &event.kind {
            TraceKind::Net(NetEvent::Sent { frame, from, to, message, protocol, size, .. }) => {
                nodes.extend([*from, *to]);
                out.push(json!({"ph": "s", "id": frame, "cat": "frame", "name": message, "ts": ts, "pid": PID,
                    "tid": tid(*from), "args": {"protocol": protocol, "bytes": size, "to": name(*to)}}));
            }
            TraceKind::Net(NetEvent::Delivered { frame, to }) => {
                out.push(json!({"ph": "f", "bp": "e", "id": frame, "cat": "frame", "name": "deliver", "ts": ts,
                    "pid": PID, "tid": tid(*to)}));
            }
            TraceKind::Net(NetEvent::Dropped { frame, to, reason }) => {
                out.push(json!({"ph": "i", "s": "t", "name": format!("drop #{frame} ({reason:?})"), "cat": "drop",
                    "ts": ts, "pid": PID, "tid": tid(*to)}));
            }
            TraceKind::SessionStart { stream, initiator, responder, protocol } => {
                open.insert(*stream, (event, *initiator, *responder, protocol));
            }
            TraceKind::SessionEnd { stream, outcome, .. } => {
                if let Some((start, initiator, responder, protocol)) = open.remove(stream) {
                    out.push(session(start, ts, initiator, &name(responder), protocol, outcome));
                }
            }
            TraceKind::DeltaReceived { node, origin, buffered } => {
                out.push(json!({"ph": "i", "s": "t", "cat": "delta", "ts": ts, "pid": PID, "tid": tid(*node),
                    "name": format!("delta from {} ({})", name(*origin), if *buffered { "buffered" } else { "applied" })}));
            }
            TraceKind::Write { node, entity } | TraceKind::Delete { node, entity } => {
                let what = if matches!(event.kind, TraceKind::Write { .. }) { "write" } else { "delete" };
                out.push(json!({"ph": "i", "s": "t", "cat": what, "ts": ts, "pid": PID, "tid": tid(*node),
                    "name": format!("{what} {}", hex::encode(entity))}));
            }
            TraceKind::AppOp { node, op } => {
                out.push(
                    json!({"ph": "i", "s": "t", "cat": "op", "ts": ts, "pid": PID, "tid": tid(*node), "name": op}),
                );
            }
            TraceKind::Net(fault) => {
                let line = fault.to_string();
                let name = line.strip_prefix("fault ").unwrap_or(&line);
                out.push(json!({"ph": "i", "s": "g", "cat": "fault", "name": name, "ts": ts, "pid": PID, "tid": 0}));
            }
            TraceKind::Crash { node }
            | TraceKind::Restart { node }
            | TraceKind::Pause { node, .. }
            | TraceKind::Resume { node }
            | TraceKind::Buggify { node, .. } => {
                let what = match &event.kind {
                    TraceKind::Crash { .. } => "crash".to_owned(),
                    TraceKind::Restart { .. } => "restart".to_owned(),
                    TraceKind::Pause { length, .. } => format!("pause {length:?}"),
                    TraceKind::Resume { .. } => "resume".to_owned(),
                    TraceKind::Buggify { point, .. } => format!("buggify {point}"),
                    _ => unreachable!("matched above"),
                };
                out.push(json!({"ph": "i", "s": "p", "cat": "fault", "name": format!("{what} {}", name(*node)),
                    "ts": ts, "pid": PID, "tid": tid(*node)}));
            }
            TraceKind::Heal => {
                out.push(json!({"ph": "i", "s": "g", "cat": "fault", "name": "heal", "ts": ts, "pid": PID, "tid": 0}));
            }
            TraceKind::SyncTick { node, .. } => {
                nodes.insert(*node);
            }
        }
    }
    for (start, initiator, responder, protocol) in open.into_values() {
        out.push(session(start, end, initiator, &name(responder), protocol, "unfinished"));
    }
    for node in nodes {
        out.push(json!({"ph": "M", "name": "thread_name", "pid": PID, "tid": tid(node), "args": {"name": name(node)}}));
    }
    json!({"traceEvents": out, "displayTimeUnit": "ms"})
}

fn session(
    start: &TraceEvent,
    end_us: f64,
    initiator: NodeId,
    responder: &str,
    protocol: &str,
    outcome: &str,
) -> Value {
    let ts = micros(start);
    json!({"ph": "X", "cat": "session", "name": format!("{protocol} → {responder}"), "ts": ts,
        "dur": (end_us - ts).max(0.0), "pid": PID, "tid": tid(initiator), "args": {"outcome": outcome}})
}
