//! The `merosim` binary as a user meets it: exit codes, one-line errors, repro lines, exports,
//! and the same trace hashes from separate processes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use merosim::FaultPreset;
use merosim::{run_one, RunSpec};

fn merosim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_merosim")).args(args).output().expect("run merosim")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn list_names_scenarios_and_presets() {
    let out = merosim(&["list"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for name in ["diverged", "synced", "overlap", "random", "snapshot", "none", "lan", "light", "heavy"] {
        assert!(stdout.contains(name), "{name} missing from:\n{stdout}");
    }
}

#[test]
fn bad_arguments_get_one_clear_error_and_exit_2() {
    for args in [
        &["run", "--scenario", "bogus"][..],
        &["run", "--scenario", "diverged-3"],
        &["run", "--faults", "stormy"],
        &["run", "--hc-responder", "sideways"],
        &["run", "--node-path", "sideways"],
        &["run", "--tick", "production", "--node-path", "model"],
        &["run", "--hold-deltas-through-sessions", "--node-path", "model"],
        &["run", "--faults", "byzantine", "--node-path", "model"],
        &["run", "--byzantine", "many"],
        &["sweep", "--seeds", "9..3"],
        &["sweep", "--shard", "0/2"],
        &["sweep", "--jobs", "0"],
        &["trace", "1"],
        &["trace", "1", "--perfetto", "/nonexistent-dir/x.json"],
        &["frobnicate"],
    ] {
        let out = merosim(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.lines().next().unwrap_or_default().starts_with("error:"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    }
}

#[test]
fn run_prints_options_outcome_metrics_trace_and_repro() {
    let out = merosim(&["run", "--seed", "3", "--scenario", "diverged-3x10"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for needle in [
        "scenario  diverged-3x10",
        "config    seed=3",
        "outcome   Converged",
        "metrics   sessions",
        "store     read ",
        "trace     ",
        "repro: merosim repro 3 --scenario diverged --nodes 3 --entities 10 --faults lan",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
}

/// A Byzantine member is a setting like any other: its run names her, the repro line gives the
/// knob only where it differs from the preset's, and the line replays the run it came from.
#[test]
fn a_byzantine_member_joins_and_her_repro_line_replays_the_run() {
    if !merosim::NodePath::Production.available() {
        return; // Byzantine members need production's node path (refused above elsewhere).
    }
    let out =
        merosim(&["run", "--seed", "2", "--scenario", "diverged-3x10", "--faults", "prod-lan", "--byzantine", "1"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("byzantine 1") && stdout.contains("mallory"), "{stdout}");
    let repro = stdout.lines().find_map(|l| l.strip_prefix("repro: merosim ")).expect("a repro line");
    assert!(repro.contains("--faults prod-lan") && repro.contains("--byzantine 1"), "{repro}");
    let again = merosim(&repro.split_whitespace().collect::<Vec<_>>());
    let trace = |out: &str| out.lines().find(|l| l.starts_with("  trace")).map(str::to_owned);
    assert_eq!(trace(&text(&again.stdout)), trace(&stdout), "the repro line replays another run");

    let preset =
        merosim(&["run", "--seed", "2", "--scenario", "diverged-3x10", "--faults", "byzantine", "--byzantine", "1"]);
    let repro = text(&preset.stdout).lines().find(|l| l.starts_with("repro: ")).unwrap_or_default().to_owned();
    assert!(repro.contains("--faults byzantine") && !repro.contains("--byzantine"), "{repro}");
}

#[test]
fn repro_logs_carry_virtual_time_and_the_node_they_ran_on() {
    let out = Command::new(env!("CARGO_BIN_EXE_merosim"))
        .args(["repro", "3", "--scenario", "diverged-3x10", "--log"])
        .env_remove("RUST_LOG")
        .output()
        .expect("run merosim");
    let stderr = text(&out.stderr);
    let calimero: Vec<&str> = stderr.lines().filter(|l| l.contains("calimero_node::")).collect();
    assert!(!calimero.is_empty(), "no calimero_node log lines in:\n{stderr}");
    for line in &calimero {
        assert!(line.starts_with("t="), "not stamped with virtual time: {line}");
        assert!(line.contains("node{id="), "not attributed to a node: {line}");
    }
    for name in ["alice", "bob"] {
        assert!(calimero.iter().any(|l| l.contains(&format!("name=\"{name}\""))), "nothing logged on {name}");
    }
}

#[test]
fn sweep_with_failures_lists_them_and_exits_1() {
    let out = merosim(&[
        "sweep",
        "--seeds",
        "0..4",
        "--scenario",
        "diverged-3x20",
        "--faults",
        "heavy",
        "--max-time",
        "1",
        "--quiet",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("failing seeds"), "{stdout}");
    assert!(stdout.contains("store      calimero read "), "{stdout}");
    assert!(
        stdout.contains("repro: merosim repro 0 --scenario diverged --nodes 3 --entities 20 --faults heavy"),
        "{stdout}"
    );
}

/// On the pinned release `crdt-conflict` under `lan` fails almost every seed, every one a known
/// finding (F8, F9, F10): the sweep groups them, names the findings and exits 0 — 1 under
/// `--strict`. A bug planted in merosim (an app operation one node never applies) is NEW: exit 1.
#[test]
fn a_sweep_names_known_findings_and_fails_only_on_new_ones() {
    let args = ["sweep", "--seeds", "0..6", "--scenario", "crdt-conflict", "--faults", "lan", "--quiet"];
    let out = merosim(&args);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("known F8 — "), "{stdout}");
    assert!(stdout.contains("      lost-after-remove ("), "{stdout}");
    assert!(stdout.contains(" known, 0 new"), "{stdout}");
    assert!(stdout.contains("every failure is known on calimero-node"), "{stdout}");

    let strict = merosim(&[&args[..], &["--strict"]].concat());
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict.stdout));

    let planted = merosim(&[&args[..], &["--inject", "lose-op:0:1"]].concat());
    let stdout = text(&planted.stdout);
    assert_eq!(planted.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("NEW crdt-semantics"), "{stdout}");
    assert!(stdout.contains("      unexplained: "), "a NEW group names what nothing explains:\n{stdout}");
}

/// stdout is the report alone: what calimero-storage prints there natively (on 0.11.0-rc.4 a line
/// for every write a member makes to its own User slot, which production's node log holds) is left
/// out, and `repro --log` puts it on stderr beside calimero's other logs.
#[test]
fn calimero_s_own_prints_stay_off_the_report() {
    if !merosim::USER_STORAGE {
        return;
    }
    let world = ["--seed", "0", "--scenario", "crdt-user-2x6", "--faults", "lan"];
    let run = merosim(&[&["run"][..], &world].concat());
    let stdout = text(&run.stdout);
    assert!(stdout.contains("  verdict   ") && stdout.contains("repro: merosim repro 0"), "{stdout}");
    assert!(!stdout.contains("owner-driven convert"), "{stdout}");
    let repro = merosim(&["repro", "0", "--scenario", "crdt-user-2x6", "--faults", "lan", "--log", "error"]);
    let trace = |out: &str| out.lines().find(|l| l.starts_with("  trace ")).map(str::to_owned);
    let repro_stdout = text(&repro.stdout);
    assert_eq!(trace(&repro_stdout), trace(&stdout), "{repro_stdout}");
    assert!(trace(&stdout).is_some() && !repro_stdout.contains("owner-driven convert"), "{repro_stdout}");
    if merosim::calimero_since("0.11.0-rc.4") && !merosim::calimero_since("0.11.0-rc.5") {
        let stderr = text(&repro.stderr);
        assert!(stderr.contains("owner-driven convert: re-stamped identity-gated entry"), "{stderr}");
    }
}

/// The triage issue's acceptance command: a lost write on default seed 23 exits 1 with a NEW
/// group, and `repro` shows the evidence piece by piece, the unexplained one marked.
#[test]
fn a_planted_lost_write_on_a_default_seed_is_new() {
    let out = merosim(&["sweep", "--seeds", "23..24", "--inject", "lose-write:0:1", "--quiet"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("    NEW "), "{stdout}");
    let repro = merosim(&["repro", "23", "--scenario", "any", "--faults", "any", "--inject", "lose-write:0:1"]);
    let stdout = text(&repro.stdout);
    assert!(stdout.contains("  triage    NEW: "), "{stdout}");
    assert!(stdout.contains("    unexplained: data-loss: write of 7700000000000000 by alice"), "{stdout}");
}

/// `merosim plants` scores triage with planted bugs: here one F6 seed and one lost write, which
/// comes out NEW (exit 0); a bad plant is one clear error (exit 2).
#[test]
fn plants_score_triage_and_refuse_bad_plants() {
    let args = ["plants", "--seeds", "23..24", "--scenario", "alike-4x20", "--faults", "prod-lan", "--quiet"];
    let out = merosim(&[&args[..], &["--plants", "lose-write", "--at", "0:1"]].concat());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("seed   23 (known F6): lose-write:0:1 NEW"), "{stdout}");
    assert!(stdout.contains("score        1 of 1 plants that changed the final state came out NEW (100%)"), "{stdout}");
    let bad = merosim(&[&args[..], &["--plants", "lose-all"]].concat());
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).starts_with("error: bad injection 'lose-all:0:1'"), "{}", text(&bad.stderr));
}

#[test]
fn sweep_shards_partition_the_seeds() {
    let seeds = |shard: &str| -> Vec<u64> {
        let out = merosim(&[
            "sweep",
            "--seeds",
            "0..10",
            "--shard",
            shard,
            "--hashes",
            "--quiet",
            "--scenario",
            "synced-2x1",
        ]);
        assert!(out.status.success(), "{}", text(&out.stdout));
        text(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("seed "))
            .map(|l| l.split(' ').next().unwrap().parse().unwrap())
            .collect()
    };
    let (a, b) = (seeds("1/2"), seeds("2/2"));
    assert_eq!(a, vec![0, 2, 4, 6, 8]);
    assert_eq!(b, vec![1, 3, 5, 7, 9]);
}

#[test]
fn trace_exports_load() {
    let dir = std::env::temp_dir().join(format!("merosim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json, md) = (dir.join("t.json"), dir.join("t.md"));
    let out = merosim(&[
        "trace",
        "5",
        "--scenario",
        "overlap-3x10",
        "--faults",
        "light",
        "--perfetto",
        json.to_str().unwrap(),
        "--mermaid",
        md.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let parsed: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).expect("valid JSON");
    assert!(parsed["traceEvents"].as_array().is_some_and(|e| !e.is_empty()));
    let diagram = std::fs::read_to_string(&md).unwrap();
    assert!(diagram.starts_with("```mermaid\nsequenceDiagram\n"), "{diagram}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `merosim` alone is `merosim sweep` alone, and both are the README's main job: 100 seeds of
/// seed-drawn workloads (`any`) under seed-drawn production-faithful faults (`any`), a 30-s chaos
/// phase, then the heal. Both print the
/// same header and expanded options (they are stopped there: the full sweep takes minutes); given
/// the same few seeds, they print the same verdicts and trace hashes.
#[test]
fn no_command_is_the_default_sweep() {
    let header = |args: &[&str]| -> String {
        let mut child = Command::new(env!("CARGO_BIN_EXE_merosim"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start merosim");
        let mut header = String::new();
        // The options end with the phases line (or, were there no chaos phase, the sweep's end).
        for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
            let line = line.expect("utf-8 output");
            header += &line;
            header.push('\n');
            if line.starts_with("  phases") {
                break;
            }
        }
        child.kill().ok();
        child.wait().ok();
        header
    };
    let alone = header(&[]);
    assert_eq!(alone, header(&["sweep"]), "`merosim` and `merosim sweep` start different sweeps");
    for needle in [
        "merosim sweep seeds 0..100 shard 1/1 jobs 2 ",
        "scenario  any → ",
        "recv_timeout=30s",
        "max_time=600s",
        "faults    any → ",
        "chaos=30s",
        "phases    chaos 30s, then heal",
    ] {
        assert!(alone.contains(needle), "missing {needle:?} in:\n{alone}");
    }

    let few = |verb: &[&str]| -> (Option<i32>, Vec<String>) {
        let out = merosim(&[verb, &["--seeds", "0..2", "--hashes", "--quiet"]].concat());
        // Everything but the wall-clock lines (the sweep's wall time, the CPU-seconds until each
        // finding was first seen, the process's memory) must agree.
        let lines = text(&out.stdout)
            .lines()
            .filter(|l| !l.contains("s wall with") && !l.starts_with("  first seen") && !l.starts_with("  memory"))
            .map(str::to_owned)
            .collect();
        (out.status.code(), lines)
    };
    let (code, lines) = few(&[]);
    assert_eq!(lines.iter().filter(|l| l.starts_with("seed ")).count(), 2, "{lines:#?}");
    assert_eq!((code, lines), few(&["sweep"]), "`merosim` and `merosim sweep` ran different seeds");
}

/// Two separate processes, and this one, agree on every seed's trace hash under heavy chaos.
/// `MEROSIM_DETERMINISM_SEEDS` (default 0..50), `MEROSIM_DETERMINISM_FAULTS` (default heavy) and
/// `MEROSIM_DETERMINISM_TICK` (default merosim) widen it: scripts/check-determinism passes its
/// arguments through them.
#[test]
fn trace_hashes_match_across_processes() {
    let seeds = std::env::var("MEROSIM_DETERMINISM_SEEDS").unwrap_or_else(|_| "0..50".to_owned());
    let faults = std::env::var("MEROSIM_DETERMINISM_FAULTS").unwrap_or_else(|_| "heavy".to_owned());
    let tick = std::env::var("MEROSIM_DETERMINISM_TICK").unwrap_or_else(|_| "merosim".to_owned());
    let args = [
        "sweep",
        "--seeds",
        &seeds,
        "--tick",
        &tick,
        "--hashes",
        "--quiet",
        "--scenario",
        "random",
        "--faults",
        &faults,
        "--max-time",
        "60",
        "--recv-timeout",
        "3",
    ];
    let hashes = || -> Vec<String> {
        let out = merosim(&args);
        text(&out.stdout).lines().filter(|l| l.starts_with("seed ")).map(str::to_owned).collect()
    };
    let (first, second) = (hashes(), hashes());
    let (start, end) =
        seeds.split_once("..").map(|(a, b)| (a.parse::<u64>().unwrap(), b.parse::<u64>().unwrap())).unwrap();
    assert_eq!(first.len() as u64, end - start, "{first:?}");
    assert_eq!(first, second, "two processes disagree");
    for seed in [start, (start + end) / 2, end - 1] {
        let mut options = RunSpec::new(seed, "random".parse().unwrap(), faults.parse().unwrap())
            .max_time(Duration::from_secs(60))
            .with_recv_timeout(Duration::from_secs(3));
        options.node.tick = tick.parse().unwrap();
        let outcome = run_one(&options, false).outcome;
        let line = format!("seed {seed} {} {}", outcome.label(), hex::encode(outcome.trace_hash));
        assert_eq!(first[(seed - start) as usize], line, "this process disagrees with the others");
    }
}

/// `merosim bench` runs all five sections end to end (tiny sizes; no timing is asserted) and
/// writes each table into its block of the doc, leaving the prose around the blocks alone.
#[test]
fn bench_runs_every_section_and_writes_the_doc() {
    let sections = ["overhead", "compression", "throughput", "scaling", "growth"];
    let doc = std::env::temp_dir().join(format!("merosim-bench-doc-{}.md", std::process::id()));
    let mut before = String::from("# prose stays\n");
    for s in sections {
        before.push_str(&format!("text about {s}\n<!-- bench:{s} -->\nold numbers\n<!-- /bench:{s} -->\n"));
    }
    std::fs::write(&doc, &before).unwrap();
    let out = merosim(&[
        "bench",
        "--sizes",
        "20",
        "--repeat",
        "1",
        "--runs",
        "2",
        "--span",
        "60",
        "--seeds",
        "1",
        "--scaling-nodes",
        "3",
        "--scaling-entities",
        "30",
        "--scaling-max-time",
        "30",
        "--presets",
        "lan",
        "--growth-leaves",
        "10,20",
        "--write-doc",
        doc.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for needle in [
        "1. overhead",
        "hash-comparison",
        "level-wise",
        "2. time compression",
        "3. throughput",
        "4. scaling",
        "converged@",
        "5. growth",
        "CPU k = ",
        "wrote 5 table(s)",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("child failed"), "{stdout}");
    let after = std::fs::read_to_string(&doc).unwrap();
    let _ = std::fs::remove_file(&doc);
    assert!(after.starts_with("# prose stays\n"), "{after}");
    assert!(!after.contains("old numbers"), "{after}");
    for s in sections {
        let block = after.split(&format!("<!-- bench:{s} -->\n")).nth(1).unwrap().split("<!-- /bench:").next().unwrap();
        assert!(block.starts_with("_measured "), "{s}: no stamp in {block}");
        assert!(block.contains(" cores, ") && block.contains(" profile, "), "{s}: {block}");
        assert!(block.lines().filter(|l| l.starts_with("| ")).count() >= 2, "{s}: no table in {block}");
        assert!(after.contains(&format!("text about {s}\n")), "prose around {s} lost");
    }
}

/// A doc without the block a section writes is refused before anything is measured.
#[test]
fn bench_refuses_a_doc_without_its_blocks_up_front() {
    let doc = std::env::temp_dir().join(format!("merosim-bench-noblock-{}.md", std::process::id()));
    std::fs::write(&doc, "<!-- bench:growth -->\n<!-- /bench:growth -->\n").unwrap();
    let out =
        merosim(&["bench", "--skip", "overhead,compression,throughput,growth", "--write-doc", doc.to_str().unwrap()]);
    let _ = std::fs::remove_file(&doc);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no `<!-- bench:KEY -->`") && stderr.contains("scaling"), "{stderr}");
    assert!(!text(&out.stdout).contains("4. scaling"), "it measured before checking the doc");
}

/// An app on calimero's collections replays across processes too: the first run of a process
/// (which used to make calimero-storage's process-wide registries on its own thread, and so drew
/// other `HashMap` keys than later runs — see `crdt::warm_up`) matches every later one.
#[test]
fn app_runs_replay_across_processes() {
    // crdt-sorted too: its nodes' ordered indexes are swapped through a thread-local.
    for scenario in ["crdt-mixed-3x12", "crdt-sorted-3x12"] {
        replays_across_processes(scenario);
    }
}

fn replays_across_processes(scenario: &str) {
    let args = ["sweep", "--seeds", "0..6", "--hashes", "--quiet", "--scenario", scenario, "--faults", "prod-chaos"];
    let hashes = || -> Vec<String> {
        let out = merosim(&args);
        text(&out.stdout).lines().filter(|l| l.starts_with("seed ")).map(str::to_owned).collect()
    };
    let (first, second) = (hashes(), hashes());
    assert_eq!(first.len(), 6, "{scenario}: {first:?}");
    assert_eq!(first, second, "{scenario}: two processes disagree");
    for seed in [0_u64, 5] {
        let options = RunSpec::new(seed, scenario.parse().unwrap(), FaultPreset::ProdChaos);
        let outcome = run_one(&options, false).outcome;
        let line = format!("seed {seed} {} {}", outcome.label(), hex::encode(outcome.trace_hash));
        assert_eq!(first[seed as usize], line, "{scenario}: this process disagrees with the others");
    }
    // A lone first run in a fresh process gives the sweep's hash.
    let single = merosim(&["run", "--seed", "5", "--scenario", scenario, "--faults", "prod-chaos"]);
    let hash = first[5].rsplit(' ').next().unwrap().to_owned();
    assert!(text(&single.stdout).contains(&hash), "{scenario}: a first run in its own process differs");
}

/// A step's `run:` script in the CI workflow (docs/ci/merosim-sweep.yml).
fn workflow_step(workflow: &serde_yaml::Value, job: &str, name: &str) -> String {
    let steps = workflow["jobs"][job]["steps"].as_sequence().unwrap_or_else(|| panic!("job {job} has no steps"));
    let step = steps.iter().find(|s| s["name"].as_str() == Some(name)).unwrap_or_else(|| panic!("no step '{name}'"));
    step["run"].as_str().expect("a run script").to_owned()
}

/// Runs a workflow script with bash in `dir`, `merosim` standing for the built binary.
fn run_step(script: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> Output {
    Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("MEROSIM", env!("CARGO_BIN_EXE_merosim"))
        .envs(env.iter().copied())
        .output()
        .expect("run bash")
}

/// The CI workflow parses, and its own shard and merge steps — run here as separate processes,
/// four shards then the merge — print byte for byte the report, and give the exit code, of one
/// unsharded sweep of the same 200 seeds.
#[test]
fn the_workflow_s_shards_merge_into_the_unsharded_sweep() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ci/merosim-sweep.yml");
    let workflow: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let matrix: Vec<u64> = serde_yaml::from_value(workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"].clone())
        .expect("a matrix of shard numbers");
    assert_eq!(matrix, (1..=matrix.len() as u64).collect::<Vec<_>>(), "shards 1..=N, each once");
    let (shard, merge) =
        (workflow_step(&workflow, "shard", "Sweep one shard"), workflow_step(&workflow, "merge", "Merge the shards"));

    let dir = std::env::temp_dir().join(format!("merosim-workflow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A world that fails on known findings and on nothing new, quick to run.
    let flags = "--scenario crdt-conflict-2x3 --faults lan --no-wall-clock";
    for k in 1..=4 {
        let out = run_step(&shard, &dir, &[("SEEDS", "0..200"), ("SHARD", &format!("{k}/4")), ("SWEEP_FLAGS", flags)]);
        assert!(out.status.success(), "shard {k}/4: {}{}", text(&out.stdout), text(&out.stderr));
    }
    let merged = run_step(&merge, &dir, &[("MERGE_FLAGS", "--no-wall-clock")]);
    let args: Vec<&str> = ["sweep", "--seeds", "0..200", "--quiet"].into_iter().chain(flags.split(' ')).collect();
    let whole = merosim(&args);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(text(&merged.stdout), text(&whole.stdout), "{}", text(&merged.stderr));
    assert_eq!(merged.status.code(), whole.status.code());
    assert!(text(&whole.stdout).contains("failing seeds ("), "the comparison covers failure groups");
}

/// Shard files of different sweeps, a shard given twice or missing: one clear error, exit 2.
#[test]
fn merge_refuses_shards_that_are_not_one_sweep() {
    let dir = std::env::temp_dir().join(format!("merosim-merge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str| dir.join(name).display().to_string();
    let sweep = |shard: &str, scenario: &str, out: &str| {
        let run = merosim(&[
            "sweep",
            "--seeds",
            "0..4",
            "--shard",
            shard,
            "--scenario",
            scenario,
            "--faults",
            "lan",
            "--quiet",
            "--json",
            &file(out),
        ]);
        assert!(run.status.code().is_some_and(|c| c <= 1), "{}", text(&run.stderr));
    };
    sweep("1/2", "diverged", "a1.json");
    sweep("2/2", "diverged", "a2.json");
    sweep("2/2", "overlap", "b2.json");
    std::fs::write(dir.join("junk.json"), "not json\n").unwrap();
    for (files, says) in [
        (vec!["a1.json", "b2.json"], "is from another sweep (flags: "),
        (vec!["a1.json", "a1.json"], "holds shard 1/2, which"),
        (vec!["a1.json"], "shard 2/2 is missing"),
        (vec!["junk.json"], "not a `merosim sweep --json` header"),
        (vec!["nonexistent.json"], "cannot read"),
    ] {
        let paths: Vec<String> = files.iter().map(|f| file(f)).collect();
        let out = merosim(&[&["merge"][..], &paths.iter().map(String::as_str).collect::<Vec<_>>()].concat());
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{files:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(says) && stderr.lines().count() == 1,
            "{files:?}: {stderr}"
        );
    }
    let both = merosim(&["merge", &file("a1.json"), &file("a2.json")]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(both.status.code(), Some(0), "{}", text(&both.stderr));
    assert!(text(&both.stdout).starts_with("merosim sweep seeds 0..4 shard 1/1 jobs 4"), "{}", text(&both.stdout));
}

/// Every repro line a sweep prints replays its seed: the sweep's JSON records carry the lines,
/// and each, run as the command it is, gives the trace hash the sweep recorded — with settings
/// off their defaults (sizes in the name, kinds turned off, a chaos phase, full-tree handshakes,
/// `--run-on`), where a writer and a parser that drifted apart would show.
#[test]
fn every_repro_line_a_sweep_prints_replays_its_trace_hash() {
    let dir = std::env::temp_dir().join(format!("merosim-repro-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("sweep.json");
    let cases: [&[&str]; 3] = [
        &["--scenario", "any-3x6", "--faults", "swarm", "--chaos", "4", "--without", "stall,reset"],
        &[
            "--scenario",
            "mixed",
            "--nodes",
            "3",
            "--entities",
            "6",
            "--faults",
            "prod-lan",
            "--handshakes",
            "full-tree",
        ],
        &["--scenario", "random-3x8", "--faults", "heavy", "--run-on", "--max-time", "40", "--recv-timeout", "3"],
    ];
    for case in cases {
        let mut args = vec!["sweep", "--seeds", "0..3", "--quiet", "--json", json.to_str().unwrap()];
        args.extend_from_slice(case);
        let out = merosim(&args);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}{}", text(&out.stdout), text(&out.stderr));
        let records: Vec<serde_json::Value> =
            std::fs::read_to_string(&json).unwrap().lines().skip(1).map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(records.len(), 3, "{case:?}");
        for record in records {
            let line = record["repro"].as_str().unwrap().strip_prefix("repro: merosim ").unwrap().to_owned();
            let words: Vec<&str> = line.split(' ').collect();
            let out = merosim(&words);
            let hash = record["trace_hash"].as_str().unwrap();
            assert!(
                text(&out.stdout).contains(&format!("trace     {hash}")),
                "`merosim {line}` does not replay {hash}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// docs/cli.md's flag tables are the binary's own flag definitions: `flags-doc --check` passes on
/// the doc as committed and fails on a doc whose table says something else.
#[test]
fn the_flag_tables_in_the_docs_are_the_flags() {
    let doc = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md");
    let out = merosim(&["flags-doc", "--check", doc]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let drifted = std::env::temp_dir().join(format!("merosim-cli-doc-{}.md", std::process::id()));
    std::fs::write(&drifted, std::fs::read_to_string(doc).unwrap().replace("| `600` |", "| `300` |")).unwrap();
    let out = merosim(&["flags-doc", "--check", drifted.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "a drifted table passed");
    assert!(text(&out.stderr).contains("flags-doc --write"), "{}", text(&out.stderr));
    let _ = std::fs::remove_file(drifted);
}

/// A sweep killed part-way keeps every seed it finished (each line is flushed as its seed
/// ends), and a line it was writing when it died counts for nothing; its file does not merge
/// until the sweep is finished; `--resume` runs only the seeds
/// the file lacks, and the finished file merges into the very report an uninterrupted sweep gives.
#[test]
fn a_killed_sweep_resumes_to_the_uninterrupted_report() {
    let dir = std::env::temp_dir().join(format!("merosim-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (whole, killed) = (dir.join("whole.json"), dir.join("killed.json"));
    let (whole, killed) = (whole.to_str().unwrap(), killed.to_str().unwrap());
    let sweep = |file: (&str, &str)| -> Vec<String> {
        let args = ["sweep", "--seeds", "0..16", "--scenario", "crdt-mixed", "--jobs", "1", "--quiet"];
        args.iter().map(|a| a.to_string()).chain([file.0.to_owned(), file.1.to_owned()]).collect()
    };
    let out = Command::new(env!("CARGO_BIN_EXE_merosim")).args(sweep(("--json", whole))).output().unwrap();
    assert!(out.status.code().is_some_and(|c| c < 2), "{}{}", text(&out.stdout), text(&out.stderr));

    let records = || std::fs::read_to_string(killed).map_or(0, |t| t.lines().count().saturating_sub(1));
    let mut child = Command::new(env!("CARGO_BIN_EXE_merosim"))
        .args(sweep(("--json", killed)))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start merosim");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while records() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill the sweep");
    child.wait().ok();
    // A kill can land while a record is being appended: the file then ends in a cut-short line
    // (the kill above may or may not have made one; this one always is). The seeds kept are the
    // whole lines before it.
    let cut_short = std::fs::read_to_string(killed).unwrap();
    let cut_short = &cut_short[..cut_short.rfind('\n').unwrap() + 1];
    let kept = cut_short.lines().count().saturating_sub(1);
    assert!((2..16).contains(&kept), "the sweep was killed part-way, with its finished seeds kept: {kept}");
    std::fs::write(killed, format!("{cut_short}{{\"seed\":15,\"verd")).unwrap();
    let early = merosim(&["merge", killed]);
    assert_eq!(early.status.code(), Some(2));
    assert!(text(&early.stderr).contains("--resume"), "{}", text(&early.stderr));

    let resumed = Command::new(env!("CARGO_BIN_EXE_merosim")).args(sweep(("--resume", killed))).output().unwrap();
    assert!(resumed.status.code().is_some_and(|c| c < 2), "{}{}", text(&resumed.stdout), text(&resumed.stderr));
    assert!(text(&resumed.stdout).contains(&format!("resumed    {kept} seeds")), "{}", text(&resumed.stdout));
    let merged = |file| text(&merosim(&["merge", file, "--no-wall-clock"]).stdout);
    assert_eq!(merged(killed), merged(whole), "the resumed sweep's report is the uninterrupted one's");
    std::fs::remove_dir_all(&dir).ok();
}

/// A seed whose heap passes `--max-memory` ends there with its own verdict, filed NEW, with the
/// line that replays it (limit included), and replays to the same stop and trace; every seed's
/// record carries its heap peak and the process's peak RSS, and the same seeds under the default
/// limit converge.
#[test]
fn a_runaway_seed_ends_with_its_own_verdict_and_repro() {
    let file = std::env::temp_dir().join(format!("merosim-memory-{}.json", std::process::id()));
    let sweep = |limit: &str| {
        merosim(&[
            "sweep",
            "--seeds",
            "0..2",
            "--scenario",
            "diverged-3x20",
            "--max-memory",
            limit,
            "--json",
            file.to_str().unwrap(),
            "--quiet",
        ])
    };
    let out = sweep("1");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("memory-limit"), "{stdout}");
    assert!(stdout.contains("unexplained: the run held more heap than its limit"), "{stdout}");
    assert!(stdout.contains("repro: merosim repro 0 --scenario diverged --nodes 3 --entities 20"), "{stdout}");
    assert!(stdout.contains("--max-memory 1\n"), "{stdout}");
    let records = |text: String| -> Vec<serde_json::Value> {
        text.lines().skip(1).map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    for r in records(std::fs::read_to_string(&file).unwrap()) {
        assert_eq!(r["verdict"], "memory-limit", "{r}");
        assert!(r["heap_peak"].as_u64().unwrap() > 1 << 20, "{r}");
        assert!(r["rss_peak_kib"].as_u64().unwrap() > 0, "{r}");
    }
    // The stop is the run's own: two processes stop the same seed at the same step, same bytes.
    let replay = || {
        let out = merosim(&["repro", "0", "--scenario", "diverged-3x20", "--max-memory", "1"]);
        let keep = |l: &&str| l.starts_with("  outcome") || l.starts_with("  trace") || l.starts_with("  verdict");
        text(&out.stdout).lines().filter(keep).map(str::to_owned).collect::<Vec<_>>()
    };
    let first = replay();
    assert!(first.iter().any(|l| l.contains("MemoryLimit at")), "{first:?}");
    assert_eq!(first, replay(), "a memory-limit stop replays byte for byte");
    let out = sweep("4096");
    assert!(out.status.success(), "{}", text(&out.stdout));
    for r in records(std::fs::read_to_string(&file).unwrap()) {
        assert_eq!(r["verdict"], "converged", "{r}");
        assert!(r["heap_peak"].as_u64().unwrap() > 0, "{r}");
    }
    std::fs::remove_file(file).ok();
}
