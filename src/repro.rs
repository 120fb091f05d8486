//! Replay. Every failure merosim reports ends with one line that re-runs exactly what failed;
//! [`Repro`] is the only place such lines are built. [`seeds`] and [`seed_or`] are its other half:
//! they make a test honour `MADSIM_TEST_SEED`, so the line a seed loop prints replays that one
//! seed instead of the whole loop.
//!
//! This sits at the bottom of the crate because the simulation fence itself (a panic inside a
//! run) prints repro lines, not only the assertions on top.

use std::fmt;
use std::ops::Range;

/// The variable madsim's own test harness reads; merosim gives it the same meaning.
pub const SEED_VAR: &str = "MADSIM_TEST_SEED";

/// What re-runs a test of this build: `cargo test` for this repo's own, and in a build
/// scripts/against made, its command (`scripts/against pinned test`, …), so the test runs again
/// on the calimero it was built against — with production's responder, if that build has it.
pub const TEST_COMMAND: &str = env!("MEROSIM_TEST_COMMAND");

/// The seed `MADSIM_TEST_SEED` asks for, if it is set to a number.
fn env_seed() -> Option<u64> {
    parse_seed(std::env::var(SEED_VAR).ok().as_deref())
}

fn parse_seed(value: Option<&str>) -> Option<u64> {
    value.and_then(|v| v.trim().parse().ok())
}

/// `default`, unless `MADSIM_TEST_SEED` names another seed.
pub fn seed_or(default: u64) -> u64 {
    env_seed().unwrap_or(default)
}

/// The seeds a test loops over: all of `range`, or exactly the one `MADSIM_TEST_SEED` names (even
/// outside the range — asking for a seed is asking to run it).
pub fn seeds(range: Range<u64>) -> Vec<u64> {
    seeds_for(range, env_seed())
}

fn seeds_for(range: Range<u64>, chosen: Option<u64>) -> Vec<u64> {
    match chosen {
        Some(seed) => vec![seed],
        None => range.collect(),
    }
}

/// Which test target of a package a test lives in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The library's unit tests (`--lib`).
    Lib,
    /// An integration test binary (`--test NAME`).
    Test(String),
}

/// One line that re-runs a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repro {
    /// Re-run one test, with one seed.
    Test { seed: u64, package: Option<String>, target: Option<Target>, test: Option<String> },
    /// Re-run one seed with the `merosim` CLI: the verb and its arguments.
    Cli { command: String },
}

impl Repro {
    /// The test running in this process, as cargo and the test harness name it: the package from
    /// `CARGO_PKG_NAME` (cargo sets it for the tests it runs), the target from the executable's
    /// name, the test from the harness thread's name. Any of them can be overridden.
    pub fn test(seed: u64) -> Self {
        let package = std::env::var("CARGO_PKG_NAME").ok();
        let target = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .and_then(|stem| target_of(&stem, package.as_deref()));
        Repro::Test { seed, package, target, test: current_test_name() }
    }

    /// `merosim VERB ARGS`.
    pub fn cli(verb: &str, args: impl fmt::Display) -> Self {
        Repro::Cli { command: format!("merosim {verb} {args}") }
    }

    pub fn package(self, name: &str) -> Self {
        self.with_test_field(|package, _, _| *package = Some(name.to_owned()))
    }

    /// The integration test binary (`--test NAME`); the crate name `env!("CARGO_CRATE_NAME")`
    /// gives inside a test is accepted too.
    pub fn binary(self, name: &str) -> Self {
        self.with_test_field(|_, target, _| *target = Some(Target::Test(name.to_owned())))
    }

    pub fn named(self, test: &str) -> Self {
        self.with_test_field(|_, _, name| *name = Some(test.to_owned()))
    }

    fn with_test_field(
        mut self,
        set: impl FnOnce(&mut Option<String>, &mut Option<Target>, &mut Option<String>),
    ) -> Self {
        if let Repro::Test { package, target, test, .. } = &mut self {
            set(package, target, test);
        }
        self
    }

    /// The command alone, without the `repro: ` label.
    pub fn command(&self) -> String {
        match self {
            Repro::Cli { command } => command.clone(),
            Repro::Test { seed, package, target, test } => {
                let mut line = format!("{SEED_VAR}={seed} {TEST_COMMAND}");
                if let Some(package) = package {
                    line += &format!(" -p {package}");
                }
                match target {
                    Some(Target::Lib) => line += " --lib",
                    Some(Target::Test(name)) => line += &format!(" --test {name}"),
                    None => {}
                }
                if let Some(test) = test {
                    line += &format!(" -- {test} --exact");
                }
                line
            }
        }
    }
}

impl fmt::Display for Repro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "repro: {}", self.command())
    }
}

/// The name libtest gives the thread a test runs on, unless this is not a test thread.
pub(crate) fn current_test_name() -> Option<String> {
    let thread = std::thread::current();
    let name = thread.name()?;
    (name != "main" && !name.starts_with("merosim-")).then(|| name.to_owned())
}

/// `cluster-0123456789abcdef` → the `cluster` test binary; the package's own name → its unit tests.
fn target_of(stem: &str, package: Option<&str>) -> Option<Target> {
    let (name, hash) = stem.rsplit_once('-')?;
    if hash.len() != 16 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    if package.is_some_and(|p| p.replace('-', "_") == name) {
        Some(Target::Lib)
    } else {
        Some(Target::Test(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_seed_replaces_the_loop() {
        assert_eq!(seeds_for(0..5, None), vec![0, 1, 2, 3, 4]);
        assert_eq!(seeds_for(0..5, Some(3)), vec![3]);
        assert_eq!(seeds_for(0..5, Some(99)), vec![99], "an explicit seed runs even outside the loop");
        assert_eq!(parse_seed(Some(" 42 ")), Some(42));
        assert_eq!(parse_seed(Some("x")), None);
    }

    #[test]
    fn test_lines_name_package_target_and_test() {
        let line = Repro::test(34).package("sim-tests").binary("cluster").named("runtime::x").to_string();
        assert_eq!(
            line,
            format!("repro: MADSIM_TEST_SEED=34 {TEST_COMMAND} -p sim-tests --test cluster -- runtime::x --exact")
        );
        assert_eq!(Repro::cli("repro", "7 --faults heavy").to_string(), "repro: merosim repro 7 --faults heavy");
    }

    #[test]
    fn targets_come_from_the_executable_name() {
        assert_eq!(target_of("cluster-0123456789abcdef", Some("sim-tests")), Some(Target::Test("cluster".into())));
        assert_eq!(target_of("sim_tests-0123456789abcdef", Some("sim-tests")), Some(Target::Lib));
        assert_eq!(target_of("merosim", Some("merosim")), None);
    }

    #[test]
    fn the_current_test_is_found_from_its_thread() {
        let line = Repro::test(1).command();
        assert!(line.contains("-- repro::tests::the_current_test_is_found_from_its_thread --exact"), "{line}");
        assert!(line.contains(" --lib"), "{line}");
    }
}
