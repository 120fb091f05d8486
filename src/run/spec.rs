//! A run described once: the seed and four parts, each owned by the layer that acts on it —
//! the scenario ([`WorkloadArgs`]), the faults ([`FaultArgs`]: the router's), the nodes'
//! settings ([`NodeSettings`]: the World's) and the limits ([`Limits`]: the engine's). Each part
//! parses itself through clap (feature `cli`) and writes itself back, so the repro line, a
//! sweep's JSON flags and its shard header are one writer's output and the binary's own grammar.

use std::time::Duration;

use crate::args::ArgWriter;
use crate::cluster::{Injected, Limits, NodeSettings, SimConfig};
use crate::faults::{FaultArgs, FaultPreset};
use crate::repro::Repro;
use crate::scenario::{ScenarioSpec, WorkloadArgs};

/// Everything one seeded run depends on, as the CLI and sweeps name it.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct RunSpec {
    #[cfg_attr(feature = "cli", arg(skip))]
    pub seed: u64,
    #[cfg_attr(feature = "cli", command(flatten))]
    pub workload: WorkloadArgs,
    #[cfg_attr(feature = "cli", command(flatten))]
    pub faults: FaultArgs,
    #[cfg_attr(feature = "cli", command(flatten))]
    pub node: NodeSettings,
    #[cfg_attr(feature = "cli", command(flatten))]
    pub limits: Limits,
}

impl RunSpec {
    /// A run of `seed` with the command line's defaults for everything else (a certain verdict
    /// ends it, as on the command line).
    pub fn new(seed: u64, scenario: ScenarioSpec, faults: FaultPreset) -> Self {
        RunSpec {
            seed,
            workload: WorkloadArgs::new(scenario),
            faults: FaultArgs::new(faults),
            node: NodeSettings::default(),
            limits: Limits { stop_on_violation: true, ..Limits::default() },
        }
    }

    /// The same run of another seed.
    pub fn with_seed(&self, seed: u64) -> Self {
        RunSpec { seed, ..self.clone() }
    }

    /// `nodes` × `entities`, when the scenario's name carries no size.
    pub fn with_size(mut self, nodes: usize, entities: usize) -> Self {
        (self.workload.nodes, self.workload.entities) = (nodes, entities);
        self
    }

    pub fn max_time(mut self, max: Duration) -> Self {
        self.limits.max_time = max;
        self
    }

    pub fn with_recv_timeout(mut self, timeout: Duration) -> Self {
        self.node.session.recv_timeout = timeout;
        self
    }

    /// A chaos phase of `length` (zero: none) instead of the preset's.
    pub fn with_chaos(mut self, length: Duration) -> Self {
        self.faults.chaos = Some(length);
        self
    }

    /// Keeps running after a certain verdict (see [`Limits::stop_on_violation`]).
    /// Settings that cannot run together, refused before anything runs: production's tick needs
    /// production's node path (its manager serves and initiates through it).
    pub fn check(&self) -> Result<(), String> {
        use crate::protocols::{NodePath, Tick};
        if self.node.tick == Tick::Production && self.node.node_path != NodePath::Production {
            return Err("--tick production needs --node-path production (its manager runs on that path)".to_owned());
        }
        if self.node.app_events && self.node.node_path != NodePath::Production {
            return Err(
                "--app-events needs --node-path production (only calimero's delta store reads events)".to_owned()
            );
        }
        if self.node.concurrent_deltas && (self.node.node_path != NodePath::Production || !NodePath::handles_gossip()) {
            return Err("--concurrent-deltas needs production's gossip handler: --node-path production, on a release \
                 whose contexts decrypt deltas with a sender key (up to the rc.25 + 19 tree)"
                .to_owned());
        }
        let byzantine = self.faults.resolve(self.seed).nodes.byzantine as usize;
        if byzantine > 0 && self.node.node_path != NodePath::Production {
            return Err(
                "Byzantine members need --node-path production (they lie in calimero's own messages)".to_owned()
            );
        }
        let scenario = self.plan().scenario;
        let mut collections = scenario.app.iter().flat_map(|app| app.collections.iter());
        if let Some((name, kind, why)) = collections.find_map(|(n, k)| k.unavailable().map(|why| (n, k, why))) {
            return Err(format!(
                "scenario {}: collection '{name}' is a {} ({kind}), which this build does not drive: {why}",
                scenario.name,
                kind.calimero_type()
            ));
        }
        if self.node.hold_deltas_through_sessions && self.node.node_path != NodePath::Production {
            return Err(
                "--hold-deltas-through-sessions is for --node-path production (the model path always does)".to_owned()
            );
        }
        Ok(())
    }

    pub fn run_on(mut self) -> Self {
        self.limits.stop_on_violation = false;
        self
    }

    /// Plants `bug` in merosim's own World (tests of the checkers only).
    pub fn with_injected(mut self, bug: Injected) -> Self {
        self.node.inject = Some(bug);
        self
    }

    /// The one spelling of this run: what its arguments parse back to.
    pub fn canonical(self) -> Self {
        RunSpec { workload: self.workload.canonical(), faults: self.faults.canonical(), ..self }
    }

    /// The config the run's World, router and engine start from.
    pub fn config(&self) -> SimConfig {
        SimConfig {
            seed: self.seed,
            faults: self.faults.resolve(self.seed),
            node: NodeSettings { chaos: self.faults.chaos(), ..self.node.clone() },
            limits: self.limits.clone(),
        }
    }

    /// The arguments that reproduce this run, after `merosim <verb>`: the seed, then each part.
    pub fn args(&self) -> ArgWriter {
        let mut out = ArgWriter::default();
        out.positional(self.seed);
        self.workload.write_args(&mut out);
        self.faults.write_args(&mut out);
        self.node.write_args(&mut out);
        self.limits.write_args(&mut out);
        out
    }

    /// [`args`](Self::args) as one line.
    pub fn flags(&self) -> String {
        self.args().to_string()
    }

    /// `merosim repro …` for this run.
    pub fn repro(&self) -> Repro {
        Repro::cli("repro", self.flags())
    }
}

impl std::fmt::Display for RunSpec {
    /// The plan: what the seed resolves the spec to.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.plan().fmt(f)
    }
}

#[cfg(all(test, feature = "cli"))]
mod tests {
    use clap::Parser;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use strum::VariantArray;

    use super::*;
    use crate::faults::FaultKind;
    use crate::protocols::{Handshakes, HcResponder, NodePath};
    use crate::scenario::ScenarioKind;

    /// A command line as the binary reads one: the seed, then the spec's flags.
    #[derive(Parser)]
    struct Line {
        seed: u64,
        #[command(flatten)]
        spec: RunSpec,
    }

    fn parse(words: &[String]) -> Result<RunSpec, clap::Error> {
        let line = Line::try_parse_from(std::iter::once("merosim".to_owned()).chain(words.iter().cloned()))?;
        Ok(RunSpec { seed: line.seed, ..line.spec })
    }

    /// Debug covers every field, the ones clap never sees included.
    fn same(a: &RunSpec, b: &RunSpec) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    /// Any spec the command line can express, drawn from `rng`.
    fn draw(rng: &mut impl Rng) -> RunSpec {
        let kind = *ScenarioKind::VARIANTS.choose(rng).unwrap();
        let scenario = match rng.gen_bool(0.3) {
            true => ScenarioSpec { kind, nodes: Some(rng.gen_range(1..6)), entities: Some(rng.gen_range(0..50)) },
            false => ScenarioSpec::new(kind),
        };
        let mut spec = RunSpec::new(rng.gen(), scenario, *FaultPreset::VARIANTS.choose(rng).unwrap())
            .with_size(rng.gen_range(1..8), rng.gen_range(0..40))
            .max_time(Duration::from_secs(rng.gen_range(1..10_000)))
            .with_recv_timeout(Duration::from_secs(rng.gen_range(1..100)));
        spec.faults.without =
            FaultKind::VARIANTS.iter().copied().filter(|_| rng.gen_bool(0.2)).rev().chain([FaultKind::Loss]).collect();
        if rng.gen_bool(0.5) {
            spec.faults.chaos = Some(Duration::from_secs(rng.gen_range(0..3) * 15));
        }
        spec.node.handshakes = *Handshakes::VARIANTS.choose(rng).unwrap();
        let responders: Vec<HcResponder> = HcResponder::VARIANTS.iter().copied().filter(|h| h.available()).collect();
        spec.node.hc_responder = *responders.choose(rng).unwrap();
        let paths: Vec<NodePath> = NodePath::VARIANTS.iter().copied().filter(|p| p.available()).collect();
        spec.node.node_path = *paths.choose(rng).unwrap();
        if rng.gen_bool(0.2) {
            let min = rng.gen_range(2..200);
            let every = Duration::from_secs(rng.gen_range(1..100));
            spec.node.dag_compaction = crate::protocols::DagCompaction { min, retain: rng.gen_range(1..min), every };
        }
        if rng.gen_bool(0.3) {
            let kind = crate::cluster::Injected::KINDS.choose(rng).unwrap();
            spec.node.inject = Some(format!("{kind}:{}:{}", rng.gen_range(0..4), rng.gen_range(1..9)).parse().unwrap());
        }
        spec.limits.stop_on_violation = rng.gen_bool(0.5);
        spec
    }

    /// What a repro line says is what the binary runs: every drawn spec, written and parsed
    /// back, is the spec in its one spelling — and writing that again gives the same line.
    #[test]
    fn specs_round_trip_through_the_command_line() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(31);
        for _ in 0..500 {
            let spec = draw(&mut rng);
            let words = spec.args().words().to_vec();
            let parsed = parse(&words).unwrap_or_else(|e| panic!("{} does not parse: {e}", spec.flags()));
            let canonical = spec.clone().canonical();
            assert!(same(&parsed, &canonical), "{}\nparsed    {parsed:?}\ncanonical {canonical:?}", spec.flags());
            assert_eq!(parsed.flags(), spec.flags(), "one spelling");
            assert!(same(&canonical.clone().canonical(), &canonical), "canonical twice is canonical once");
            assert_eq!(parsed.plan().to_string(), spec.plan().to_string(), "the same run: {}", spec.flags());
        }
    }

    /// The command line's defaults are the spec's own (`RunSpec::new`): one set of defaults.
    #[test]
    fn an_empty_command_line_is_the_default_spec() {
        let parsed = parse(&["7".to_owned()]).unwrap();
        let default = RunSpec::new(7, ScenarioSpec::new(ScenarioKind::Diverged), FaultPreset::Lan);
        assert!(same(&parsed, &default), "{parsed:?}\n{default:?}");
        // A build with both HashComparison responders names the one it runs (`worth_naming`).
        let responder = if HcResponder::Manager.available() { " --hc-responder manager" } else { "" };
        // ... and so does one with both node paths.
        let path = if NodePath::Production.available() { " --node-path production" } else { "" };
        assert_eq!(
            parsed.flags(),
            format!(
                "7 --scenario diverged --nodes 3 --entities 20 --faults lan --recv-timeout 30{responder}{path} --max-time 600"
            )
        );
    }
}

#[cfg(test)]
mod collections_here {
    use super::*;

    /// A scenario whose collections this build cannot drive is refused before it runs, in one line
    /// that says why (the plain build has no production signer for `UserStorage`; the pinned
    /// release with the visibility patch drives it).
    #[test]
    fn a_scenario_this_build_cannot_drive_is_refused_with_the_reason() {
        let spec = RunSpec::new(1, "crdt-user".parse().unwrap(), crate::faults::FaultPreset::Lan);
        match crate::crdt::USER_STORAGE {
            true => assert_eq!(spec.check(), Ok(())),
            false => {
                let err = spec.check().unwrap_err();
                assert!(
                    err.starts_with("scenario crdt-user-3x20: collection 'profiles' is a UserStorage<String>"),
                    "{err}"
                );
                assert!(err.contains("which this build does not drive: "), "{err}");
            }
        }
        assert_eq!(RunSpec::new(1, "crdt-text".parse().unwrap(), crate::faults::FaultPreset::Lan).check(), Ok(()));
    }
}
