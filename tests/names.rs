//! The names users type and read — on the command line, in `merosim list`, sweep tables, trace
//! events and repro lines — pinned with their order and the errors a bad name gets. Most of them
//! are derived from the variants' identifiers, so without this a variant rename would silently
//! rename a word of the CLI (and break every saved repro line that uses it).

use std::fmt::{Debug, Display};
use std::str::FromStr;

use merosim::CollectionKind;
use merosim::Protocol;
use merosim::{AppMix, BugScenario, ScenarioKind, ScenarioSpec};
use merosim::{BuggifyPoint, Oracle};
use merosim::{FaultKind, FaultPreset};
use merosim::{StopCondition, Verdict};

/// Every value prints as its name and parses back from it.
fn round_trip<T>(all: &[T], name: fn(T) -> &'static str)
where
    T: Copy + Debug + PartialEq + Display + FromStr,
    T::Err: Debug,
{
    for &value in all {
        assert_eq!(value.to_string(), name(value));
        assert_eq!(name(value).parse::<T>().unwrap(), value);
    }
}

#[test]
fn fault_presets() {
    let names = FaultPreset::ALL.map(FaultPreset::name);
    assert_eq!(
        names,
        ["none", "lan", "light", "heavy", "prod-lan", "prod-wan", "prod-chaos", "swarm", "any", "byzantine"]
    );
    round_trip(&FaultPreset::ALL, FaultPreset::name);
    assert_eq!(
        "stormy".parse::<FaultPreset>().unwrap_err().to_string(),
        "unknown fault preset 'stormy' (known: none, lan, light, heavy, prod-lan, prod-wan, prod-chaos, swarm, any, \
         byzantine)"
    );
}

#[test]
fn fault_kinds() {
    let names = FaultKind::ALL.map(FaultKind::name);
    let expected = [
        "loss",
        "duplicate",
        "reorder",
        "corruption",
        "stream-drop",
        "reset",
        "stall",
        "connection-drop",
        "partition",
        "gossip",
        "clock",
        "pause",
        "crash",
        "crash-mid-merge",
        "buggify",
        "byzantine",
    ];
    assert_eq!(names, expected);
    round_trip(&FaultKind::ALL, FaultKind::name);
    assert_eq!(
        "nope".parse::<FaultKind>().unwrap_err().to_string(),
        format!("unknown fault kind 'nope' (known: {})", expected.join(", "))
    );
}

#[test]
fn scenarios() {
    let names = ScenarioKind::ALL.map(ScenarioKind::name);
    let expected = [
        "diverged",
        "synced",
        "overlap",
        "random",
        "snapshot",
        "none",
        "deletes",
        "conflict",
        "reorder",
        "race",
        "mixed",
        "alike",
        "crdt-kv",
        "crdt-mixed",
        "crdt-conflict",
        "crdt-fresh",
        "crdt-wide",
        "crdt-sorted",
        "crdt-frozen",
        "crdt-nested",
        "crdt-text",
        "crdt-user",
        "crdt-authored",
        "crdt-rooted",
        "any",
        "any-storage",
    ];
    assert_eq!(names, expected);
    for kind in ScenarioKind::ALL {
        assert_eq!(kind.to_string(), kind.name());
        assert_eq!(kind.name().parse::<ScenarioSpec>(), Ok(ScenarioSpec::new(kind)));
    }
    assert_eq!(
        "bogus-2x3".parse::<ScenarioSpec>().unwrap_err().to_string(),
        format!("unknown scenario 'bogus' (known: {}); `merosim list` describes them", expected.join(", "))
    );
    assert_eq!(
        "crdt-kv-3".parse::<ScenarioSpec>().unwrap_err().to_string(),
        "bad scenario size '3': expected NODESxENTITIES with at least one node, e.g. crdt-kv-3x200"
    );
    assert_eq!(BugScenario::Deletes.name(), "deletes");
    assert_eq!(BugScenario::Conflict.name(), "conflict");
    assert_eq!(BugScenario::Reorder.name(), "reorder");
    assert_eq!(BugScenario::Race.name(), "race");
    assert_eq!(BugScenario::Mixed.name(), "mixed");
    assert_eq!(AppMix::Kv.name(), "kv");
    assert_eq!(AppMix::Mixed.name(), "mixed");
    assert_eq!(AppMix::Conflict.name(), "conflict");
    assert_eq!(AppMix::Fresh.name(), "fresh");
    assert_eq!(AppMix::Frozen.name(), "frozen");
    assert_eq!(AppMix::Nested.name(), "nested");
    assert_eq!(AppMix::Text.name(), "text");
    assert_eq!(AppMix::User.name(), "user");
    assert_eq!(AppMix::Authored.name(), "authored");
    assert_eq!(AppMix::Rooted.name(), "rooted");
}

#[test]
fn collection_kinds() {
    let names = CollectionKind::ALL.map(CollectionKind::name);
    let expected = [
        "map",
        "set",
        "vector",
        "counter",
        "pn-counter",
        "registers",
        "map-of-vectors",
        "sorted-map",
        "sorted-set",
        "frozen",
        "nested",
        "map-of-maps",
        "text",
        "user",
        "authored",
        "rooted",
    ];
    assert_eq!(names, expected);
    round_trip(&CollectionKind::ALL, CollectionKind::name);
    assert_eq!(
        "heap".parse::<CollectionKind>().unwrap_err().to_string(),
        format!("unknown collection kind 'heap' (known: {})", expected.join(", "))
    );
    let not_driven = "authored-vector".parse::<CollectionKind>().unwrap_err().to_string();
    assert!(not_driven.starts_with("merosim does not drive AuthoredVector: not driven yet"), "{not_driven}");
}

#[test]
fn verdicts_and_oracles() {
    let verdicts = Verdict::ALL.map(Verdict::label);
    let expected = [
        "converged",
        "forgery",
        "hollow-success",
        "stale-after-ok",
        "root-mismatch",
        "lost-delete",
        "phantom",
        "app-divergence",
        "crdt-semantics",
        "lost-after-remove",
        "app-error",
        "ordered-read",
        "app-view",
        "type-tag",
        "data-loss",
        "index-rows",
        "liveness",
        "diverged",
        "deadlock",
        "max-time",
        "max-events",
        "memory-limit",
        "flagged-hollow-success",
        "flagged-stale-after-ok",
        "error",
    ];
    assert_eq!(verdicts, expected);
    assert!(Verdict::ALL.iter().all(|v| v.to_string() == v.label()));

    let oracles = Oracle::ALL.map(Oracle::name);
    let expected = [
        "hollow-success",
        "stale-after-ok",
        "root-mismatch",
        "lost-delete",
        "data-loss",
        "phantom",
        "app-divergence",
        "crdt-semantics",
        "lost-after-remove",
        "app-error",
        "ordered-read",
        "app-view",
        "type-tag",
        "index-rows",
        "forgery",
    ];
    assert_eq!(oracles, expected);
    assert!(Oracle::ALL.iter().all(|o| o.to_string() == o.name()));
}

#[test]
fn trace_and_report_words() {
    assert_eq!(BuggifyPoint::SlowApply.name(), "slow-apply");
    assert_eq!(BuggifyPoint::EarlyClose.name(), "early-close");
    assert_eq!(BuggifyPoint::DelayedGossip.name(), "delayed-gossip");
    assert_eq!(BuggifyPoint::SkipTick.name(), "skip-tick");

    assert_eq!(Protocol::HashComparison.name(), "hash-comparison");
    assert_eq!(Protocol::LevelWise { max_depth: 3 }.name(), "level-wise");
    assert_eq!(Protocol::HashComparison.to_string(), "hash-comparison");
    assert_eq!(Protocol::LevelWise { max_depth: 3 }.to_string(), "level-wise(max_depth=3)");

    let stops = [
        StopCondition::Converged,
        StopCondition::MaxTime,
        StopCondition::MaxEvents,
        StopCondition::Deadlock,
        StopCondition::Diverged,
        StopCondition::Manual,
        StopCondition::Violated,
        StopCondition::Liveness,
    ];
    let shown: Vec<String> = stops.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["Converged", "MaxTime", "MaxEvents", "Deadlock", "Diverged", "Manual", "Violated", "Liveness"]);
}
