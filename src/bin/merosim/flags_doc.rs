//! `merosim flags-doc`: docs/cli.md's flag tables, made from the clap definitions the binary
//! parses, so the doc cannot drift from the flags (tests/cli.rs runs `--check`). Each table sits
//! between `<!-- flags:KEY -->` markers; the prose around them is the doc's.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

use clap::{Arg, CommandFactory};

use crate::bench::doc::replace_marked;
use crate::out::outln;

/// The tables: `world` (the flags every verb that runs something takes, as `run` has them, with
/// the sweep's own defaults where they differ) and `sweep` (the sweep's other flags).
pub fn tables() -> Vec<(&'static str, String)> {
    let cli = crate::Cli::command();
    let sub = |name| cli.find_subcommand(name).unwrap_or_else(|| panic!("no `{name}` command")).clone();
    let (run, sweep) = (sub("run"), sub("sweep"));
    let shown = |a: &&Arg| !a.is_hide_set() && !["help", "version", "seed"].contains(&a.get_id().as_str());
    let world: Vec<&Arg> = run.get_arguments().filter(shown).collect();
    let ids: BTreeSet<&str> = world.iter().map(|a| a.get_id().as_str()).collect();
    let world_rows = world
        .iter()
        .map(|arg| {
            let swept = sweep.get_arguments().find(|s| s.get_id() == arg.get_id()).map(default);
            let default = match swept {
                Some(s) if s != default(arg) => format!("{} ({s} for `sweep`)", default(arg)),
                _ => default(arg),
            };
            row(arg, &default)
        })
        .collect();
    let sweep_rows = sweep.get_arguments().filter(shown).filter(|a| !ids.contains(a.get_id().as_str()));
    vec![("world", table(world_rows)), ("sweep", table(sweep_rows.map(|a| row(a, &default(a))).collect()))]
}

fn table(rows: Vec<String>) -> String {
    format!("| flag | default | meaning |\n|---|---|---|\n{}", rows.concat())
}

fn row(arg: &Arg, default: &str) -> String {
    let long = arg.get_long().unwrap_or_default();
    let value = arg.get_value_names().and_then(|v| v.first()).filter(|_| arg.get_action().takes_values());
    let flag = match value {
        Some(v) => format!("`--{long} {v}`"),
        None => format!("`--{long}`"),
    };
    let help = arg.get_help().map(|h| h.to_string().replace('|', "\\|")).unwrap_or_default();
    format!("| {flag} | {default} | {help} |\n")
}

fn default(arg: &Arg) -> String {
    if !arg.get_action().takes_values() {
        return "off".to_owned();
    }
    let values: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    let explained = arg.get_help().is_some_and(|h| h.to_string().contains("Default:"));
    // A default that differs between builds (its help says which) is not one table cell.
    if (values.is_empty() && explained) || arg.is_hide_default_value_set() {
        "see meaning".to_owned()
    } else if values.is_empty() {
        "none".to_owned()
    } else {
        format!("`{}`", values.join(","))
    }
}

/// Prints the tables, writes them into `write`, or checks `check` holds them (exit 1 if not).
pub fn run(write: Option<&Path>, check: Option<&Path>) -> ExitCode {
    let tables = tables();
    let Some(path) = write.or(check) else {
        for (key, body) in &tables {
            outln!("<!-- flags:{key} -->\n{body}<!-- /flags:{key} -->");
        }
        return ExitCode::SUCCESS;
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let mut updated = text.clone();
    for (key, body) in &tables {
        let Some(next) = replace_marked(&updated, &format!("flags:{key}"), body) else {
            eprintln!("error: {} has no `<!-- flags:{key} -->` … `<!-- /flags:{key} -->` block", path.display());
            return ExitCode::from(2);
        };
        updated = next;
    }
    if check.is_some() {
        if updated == text {
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "error: {}'s flag tables differ from the flags: run `scripts/run flags-doc --write {}`",
            path.display(),
            path.display()
        );
        return ExitCode::from(1);
    }
    if let Err(e) = std::fs::write(path, updated) {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
