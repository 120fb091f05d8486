//! `xtask zoo`: the bug zoo across releases. For each target (a calimero-node release or a source
//! tree, as `against` takes them) build merosim against it, run the zoo tests
//! (sim-tests/tests/zoo: one per published bug, each asserting the fixed behaviour in three
//! phases — setup, action, symptom), then an untargeted sweep over the bug-class scenarios, and
//! print a bug × release table judged against sim-tests/tests/zoo/bugs.tsv, and each sweep's
//! verdict counts (read from its `--json` records). Opt-in: a first build of a release takes
//! about ten CPU-minutes, so this is never part of CI.
//!
//! `--report` prints the table again from the last run's logs; `--hunt` runs the default sweep
//! (`merosim` alone) per target and prints, per known finding, the first seed that showed it and
//! the CPU-seconds spent until then. Env: SEEDS (0..100), SCENARIO (mixed), FAULTS (lan),
//! MAX_TIME (120). Exit 1 if any cell contradicts bugs.tsv or is an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use serde_json::Value;

use crate::against;
use crate::paths::{cache, repo};
use crate::release::release_in;
use crate::Failure;

/// The markers zoo/main.rs's phase helpers put in a failing test's message.
const SYMPTOM: &str = "zoo symptom:";
const PRECONDITION: &str = "zoo precondition failed";
const NOT_OBSERVABLE: &str = "zoo not observable";

struct Settings {
    seeds: String,
    scenario: String,
    faults: String,
    max_time: String,
    out: PathBuf,
}

impl Settings {
    fn from_env() -> Settings {
        let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        Settings {
            seeds: var("SEEDS", "0..100"),
            scenario: var("SCENARIO", "mixed"),
            // Healthy links, so what the untargeted sweep finds is the protocol.
            faults: var("FAULTS", "lan"),
            max_time: var("MAX_TIME", "120"),
            out: cache().join("zoo"),
        }
    }
}

pub fn main(args: &[String]) -> Result<ExitCode, Failure> {
    let (report_only, hunt) =
        (args.first().is_some_and(|a| a == "--report"), args.first().is_some_and(|a| a == "--hunt"));
    let targets = if report_only || hunt { &args[1..] } else { args };
    if targets.is_empty() || targets.iter().any(|t| t.starts_with('-')) {
        return Err(Failure::usage(
            "usage: scripts/zoo [--report | --hunt] VERSION|TREE… (e.g. 0.10.1-rc.40 0.11.0-rc.4 core-0.11.0-rc.10.tar.gz)",
        ));
    }
    let settings = Settings::from_env();
    std::fs::create_dir_all(&settings.out)
        .map_err(|e| Failure::failed(format!("cannot create {}: {e}", settings.out.display())))?;
    let labels: Vec<String> = targets.iter().map(|t| label(t)).collect::<Result<_, _>>()?;
    if hunt {
        for (target, version) in targets.iter().zip(&labels) {
            run_hunt(target, version, &settings);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !report_only {
        for (target, version) in targets.iter().zip(&labels) {
            run_target(target, version, &settings);
        }
    }
    Ok(report(&labels, &settings))
}

/// A target's label: a release names itself; a source tree is the release `against` reads for it.
fn label(target: &str) -> Result<String, Failure> {
    if !Path::new(target).exists() {
        return Ok(target.to_owned());
    }
    let resolved = against::resolve(target, None)
        .map_err(|e| Failure::usage(format!("cannot prepare {target}: {}", e.message)))?;
    Ok(resolved.version)
}

/// `scripts/against TARGET ARGS…`, its output into `log`.
fn run_against(target: &str, args: &[&str], log: &Path, env: &[(&str, &str)]) {
    let file = std::fs::File::create(log);
    let mut command = Command::new(repo().join("scripts/against"));
    command.arg(target).args(args).envs(env.iter().copied());
    if let Ok(file) = file {
        let err = file.try_clone().map(Stdio::from).unwrap_or_else(|_| Stdio::null());
        command.stdout(file).stderr(err);
    }
    // Failures show in the logs and the cells; a target that cannot build is a row of "no result".
    let _ = command.status();
}

fn run_target(target: &str, version: &str, s: &Settings) {
    let shown = if target == version { String::new() } else { format!(" ({target})") };
    eprintln!("== calimero-node {version}{shown}");
    let start = std::time::Instant::now();
    let log = |what: &str| s.out.join(format!("{version}.{what}"));
    run_against(target, &["build"], &log("build.log"), &[]);
    eprintln!("   built in {}s (log: {})", start.elapsed().as_secs(), log("build.log").display());
    run_against(
        target,
        &["test", "-p", "sim-tests", "--test", "zoo", "--", "--test-threads=1"],
        &log("zoo.log"),
        &[("MEROSIM_ZOO_RAW", "1")],
    );
    let json = log("sweep.json");
    let _ = std::fs::remove_file(&json);
    let sweep = [
        "sweep",
        "--seeds",
        &s.seeds,
        "--scenario",
        &s.scenario,
        "--faults",
        &s.faults,
        "--max-time",
        &s.max_time,
        "--quiet",
        "--jobs",
        "2",
        "--json",
        json.to_str().unwrap_or_default(),
    ];
    run_against(target, &sweep, &log("sweep.log"), &[]);
}

fn run_hunt(target: &str, version: &str, s: &Settings) {
    let log = |what: &str| s.out.join(format!("{version}.{what}"));
    run_against(target, &["build"], &log("build.log"), &[]);
    let json = log("hunt.json");
    let _ = std::fs::remove_file(&json);
    run_against(
        target,
        &["sweep", "--seeds", &s.seeds, "--quiet", "--jobs", "2", "--json", json.to_str().unwrap_or_default()],
        &log("hunt.log"),
        &[],
    );
    let line = match records(&json) {
        Some(records) => hunt_line(&records),
        None => format!("no sweep result; see {}", log("hunt.log").display()),
    };
    println!("{version:<16} {line}");
}

/// A sweep's per-seed records (its `--json` file without the header).
fn records(json: &Path) -> Option<Vec<Value>> {
    let text = std::fs::read_to_string(json).ok()?;
    let records: Vec<Value> = text.lines().skip(1).filter_map(|l| serde_json::from_str(l).ok()).collect();
    (!records.is_empty()).then_some(records)
}

/// `N failing, M new · F1 seed 5 (3.2 CPU-s) · …`: per finding (and NEW), the first seed that
/// showed it and the CPU-seconds the sweep spent until then.
fn hunt_line(records: &[Value]) -> String {
    let failing: Vec<&Value> = records.iter().filter(|r| r["passed"] == false).collect();
    let new = failing.iter().filter(|r| r["known"].is_null()).count();
    let mut first: BTreeMap<String, u64> = BTreeMap::new();
    for r in &failing {
        let seed = r["seed"].as_u64().unwrap_or(0);
        let names: Vec<String> = match r["known"].as_array() {
            Some(known) => known.iter().filter_map(|k| k.as_str().map(str::to_owned)).collect(),
            None => vec!["NEW".to_owned()],
        };
        for name in names {
            let at = first.entry(name).or_insert(seed);
            *at = (*at).min(seed);
        }
    }
    let cpu_until = |seed: u64| -> f64 {
        let ns: u64 =
            records.iter().filter(|r| r["seed"].as_u64() <= Some(seed)).filter_map(|r| r["wall_ns"].as_u64()).sum();
        ns as f64 / 1e9
    };
    let mut seen: Vec<(u64, String)> = first.into_iter().map(|(name, seed)| (seed, name)).collect();
    seen.sort();
    let seen: Vec<String> =
        seen.iter().map(|(seed, name)| format!("{name} seed {seed} ({:.1} CPU-s)", cpu_until(*seed))).collect();
    let mut line = format!("{} failing, {new} new", failing.len());
    if !seen.is_empty() {
        line += &format!(" · {}", seen.join(" · "));
    }
    line
}

/// One cell: what the zoo log says `test` did on this release.
fn result(log: &str, test: &str) -> &'static str {
    if log.contains(&format!("\ntest {test} ... ok")) {
        return "clean";
    }
    // Ignored by its own cfg: this build lacks what the test drives (production's responder or
    // node path, which scripts/visibility-patch gives releases from 0.11.0-rc.4 on).
    if log.contains(&format!("\ntest {test} ... ignored")) {
        return "not-observable";
    }
    if !log.contains(&format!("\ntest {test} ... FAILED")) {
        return "no result";
    }
    let start = format!("---- {test} stdout ----");
    let failure = log.split_once(&start).map_or("", |(_, rest)| rest.split("\n---- ").next().unwrap_or(rest));
    if failure.contains(SYMPTOM) {
        "reproduced"
    } else if failure.contains(PRECONDITION) {
        "n/a"
    } else if failure.contains(NOT_OBSERVABLE) {
        "not-observable"
    } else {
        "error"
    }
}

/// The bug × release table, then the untargeted sweeps; exit 1 on an error or a contradiction.
fn report(versions: &[String], s: &Settings) -> ExitCode {
    let bugs = std::fs::read_to_string(repo().join("sim-tests/tests/zoo/bugs.tsv")).unwrap_or_default();
    let (mut errors, mut unexpected) = (false, false);
    println!();
    print!("{:<16}", "bug");
    for version in versions {
        print!(" {version:<24}");
    }
    println!();
    let logs: Vec<String> = versions
        .iter()
        .map(|v| std::fs::read_to_string(s.out.join(format!("{v}.zoo.log"))).unwrap_or_default())
        .collect();
    // Comment lines start with "# " or are the "#id" header; bug ids themselves may start with '#'.
    let rows = bugs.lines().filter(|l| !(l.is_empty() || l.starts_with("# ") || l == &"#" || l.starts_with("#id")));
    for row in rows {
        let fields: Vec<&str> = row.split('\t').collect();
        let [id, test, first, last, ..] = fields[..] else { continue };
        print!("{id:<16}");
        for (version, log) in versions.iter().zip(&logs) {
            let got = result(log, test);
            let expected = if release_in(version, first, last) { "reproduced" } else { "clean" };
            errors |= got == "error";
            let fits = got == expected || ["n/a", "not-observable", "error"].contains(&got);
            unexpected |= !fits;
            let cell = if fits { got.to_owned() } else { format!("{got} (unexpected)") };
            print!(" {cell:<24}");
        }
        println!();
    }
    println!();
    println!(
        "untargeted: merosim sweep --seeds {} --scenario {} --faults {} --max-time {}",
        s.seeds, s.scenario, s.faults, s.max_time
    );
    for version in versions {
        println!("  {version}");
        match records(&s.out.join(format!("{version}.sweep.json"))) {
            Some(records) => println!("    {}", verdicts(&records)),
            None => println!("    (no sweep result; see {})", s.out.join(format!("{version}.sweep.log")).display()),
        }
    }
    if errors {
        eprintln!(
            "error: a zoo test failed outside its symptom (its action, or a panic elsewhere); see {}/VERSION.zoo.log",
            s.out.display()
        );
    }
    ExitCode::from(u8::from(errors || unexpected))
}

/// `converged 96 · lost-delete 4 (first 7)`: verdict counts, with each failing verdict's first seed.
fn verdicts(records: &[Value]) -> String {
    let mut counts: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    for r in records {
        let seed = r["seed"].as_u64().unwrap_or(0);
        let entry = counts.entry(r["verdict"].as_str().unwrap_or("?")).or_insert((0, seed));
        entry.0 += 1;
        entry.1 = entry.1.min(seed);
    }
    let cells: Vec<String> = counts
        .iter()
        .map(|(verdict, (n, first))| match *verdict {
            "converged" => format!("{verdict} {n}"),
            _ => format!("{verdict} {n} (first {first})"),
        })
        .collect();
    cells.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_the_zoo_log_by_phase() {
        let log = "\ntest a::x ... ok\ntest a::v ... ignored, no node path\ntest a::y ... FAILED\ntest a::z ... FAILED\n\nfailures:\n\n---- a::y stdout ----\npanicked: on 0.10.1-rc.40: zoo symptom: lost\n\n---- a::z stdout ----\npanicked: zoo precondition failed: setup\n";
        assert_eq!(result(log, "a::x"), "clean");
        assert_eq!(result(log, "a::y"), "reproduced");
        assert_eq!(result(log, "a::z"), "n/a");
        assert_eq!(result(log, "a::w"), "no result");
        assert_eq!(result(log, "a::v"), "not-observable", "a test its build cannot run");
    }

    #[test]
    fn the_hunt_line_names_each_finding_s_first_seed() {
        let records: Vec<Value> = [
            r#"{"seed":0,"passed":true,"known":null,"wall_ns":1000000000}"#,
            r#"{"seed":1,"passed":false,"known":["F6"],"wall_ns":1000000000}"#,
            r#"{"seed":2,"passed":false,"known":null,"wall_ns":500000000}"#,
        ]
        .iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect();
        assert_eq!(hunt_line(&records), "2 failing, 1 new · F6 seed 1 (2.0 CPU-s) · NEW seed 2 (2.5 CPU-s)");
    }
}
