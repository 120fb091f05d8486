//! A spec resolved for its seed, once: the config the run starts from and the scenario as built
//! (the `any` draws made), printed as it is — what a failure report shows is what ran.

use std::fmt;
use std::time::Duration;

use crate::cluster::SimConfig;
use crate::faults::FaultPreset;
use crate::scenario::{Scenario, ScenarioKind, Workload};

use super::RunSpec;

/// How often each node writes during a chaos phase whose scenario has no workload.
const CHAOS_WRITES_EVERY: Duration = Duration::from_secs(1);

/// One run, resolved.
#[derive(Clone, Debug)]
pub struct Plan {
    pub spec: RunSpec,
    pub config: SimConfig,
    pub scenario: Scenario,
}

impl Plan {
    /// Resolves `spec`. A chaos phase is a phase of faults *and writes*: a scenario without a
    /// workload of its own gets one write per node per second for the length of the phase, so
    /// the faults have something to lose; an app's operations are spread over the phase instead.
    pub fn of(spec: &RunSpec) -> Plan {
        let config = spec.config();
        let mut scenario = spec.workload.build(spec.seed);
        if let Some(chaos) = config.node.chaos {
            if let Some(app) = &mut scenario.app {
                app.spread_over(chaos);
            } else if scenario.workload.is_none() {
                let count = chaos.as_secs().min(u64::from(u32::MAX)) as u32;
                if count > 0 {
                    let writers = (0..scenario.nodes.len()).collect();
                    scenario.workload = Some(Workload { writers, every: CHAOS_WRITES_EVERY, count });
                }
            }
        }
        Plan { spec: spec.clone(), config, scenario }
    }
}

impl RunSpec {
    /// The run resolved for its seed: config and scenario, every seed-drawn value included.
    pub fn plan(&self) -> Plan {
        Plan::of(self)
    }
}

impl fmt::Display for Plan {
    /// The expanded option set: scenario as built, every config value, every node's clock.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (spec, config, scenario) = (&self.spec, &self.config, &self.scenario);
        // `any` prints what this seed drew, after the name that replays the draw.
        let drawn = match spec.workload.scenario.kind {
            ScenarioKind::Any => "any → ",
            ScenarioKind::AnyStorage => "any-storage → ",
            _ => "",
        };
        writeln!(f, "  scenario  {drawn}{scenario}")?;
        let byzantine = config.faults.nodes.byzantine_names();
        if !byzantine.is_empty() {
            writeln!(
                f,
                "  byzantine {} (joining beside the scenario's nodes; the oracles judge the others)",
                byzantine.join(", ")
            )?;
        }
        if spec.faults.preset == FaultPreset::Any {
            writeln!(f, "  faults    any → {}", spec.faults.preset.drawn(spec.seed))?;
        }
        write!(f, "  config    {config}")?;
        let names = scenario.nodes.iter().map(|n| n.name.clone()).chain(byzantine);
        let clocks: Vec<String> = names
            .enumerate()
            .map(|(i, name)| (name, config.faults.nodes.clock(spec.seed, i as u32)))
            .filter(|(_, clock)| !clock.is_exact())
            .map(|(name, clock)| format!("{name} {clock}"))
            .collect();
        if !clocks.is_empty() {
            write!(f, "\n  clocks    {}", clocks.join(", "))?;
        }
        if let Some(chaos) = config.node.chaos {
            let entities = scenario.nodes.iter().map(|n| n.entities.len()).max().unwrap_or(0);
            let bound = config.liveness_bound(scenario.nodes.len(), entities);
            write!(f, "\n  phases    chaos {chaos:?}, then heal; converge within the liveness bound ({bound:?} at the starting size)")?;
        }
        Ok(())
    }
}
