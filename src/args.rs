//! How a setting is spelled on merosim's command line, in both directions. Each part of a run's
//! spec writes itself back through [`ArgWriter`] and parses through clap behind the `cli`
//! feature; the helpers here are what both sides share, so the repro line a run prints is the
//! grammar the binary reads (a test round-trips the two).

use std::fmt;
use std::time::Duration;

/// Arguments being written back, in order: `--name value` pairs and bare flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArgWriter(Vec<String>);

impl ArgWriter {
    /// `--name` alone (a switch that is on).
    pub fn flag(&mut self, name: &str) {
        self.0.push(format!("--{name}"));
    }

    /// `--name value`.
    pub fn value(&mut self, name: &str, value: impl fmt::Display) {
        self.flag(name);
        self.0.push(value.to_string());
    }

    /// `--name SECS`: durations travel in whole seconds, as [`parse_secs`] reads them.
    pub fn secs(&mut self, name: &str, value: Duration) {
        self.value(name, value.as_secs());
    }

    /// A bare positional value (the seed).
    pub fn positional(&mut self, value: impl fmt::Display) {
        self.0.push(value.to_string());
    }

    /// The words, as a process receives them.
    pub fn words(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for ArgWriter {
    /// Space-separated: every value merosim writes is a name or a number, so nothing needs quoting.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// Whole seconds, as `--max-time` and friends take them.
#[cfg(feature = "cli")]
pub fn parse_secs(s: &str) -> Result<Duration, String> {
    s.parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| format!("bad duration '{s}': expected whole seconds, e.g. 30"))
}

/// Whole seconds, at least one.
#[cfg(feature = "cli")]
pub fn parse_positive_secs(s: &str) -> Result<Duration, String> {
    match parse_secs(s)? {
        d if d.is_zero() => Err(format!("bad duration '{s}': must be at least 1 second")),
        d => Ok(d),
    }
}

/// Whole mebibytes, as `--max-memory` takes them.
#[cfg(feature = "cli")]
pub fn parse_mib(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| format!("bad size '{s}': expected whole MiB, e.g. 4096"))
}

/// A name merosim does not know, with the names it does: the one error every enum the command
/// line parses gives (scenarios, presets, fault kinds, handshakes, responders, plants).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{name}' (known: {known})")]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
    pub known: String,
}

/// The variant of `T` whose `Display` is `name`.
pub fn by_name<T: strum::VariantArray + fmt::Display + Clone>(
    name: &str,
    what: &'static str,
) -> Result<T, UnknownName> {
    T::VARIANTS.iter().find(|v| v.to_string() == name).cloned().ok_or_else(|| UnknownName {
        what,
        name: name.to_owned(),
        known: T::VARIANTS.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
    })
}

/// [`by_name`] for a choice this build may lack: a variant it cannot run is refused as "this
/// build has no `NAME` NOUN: it needs NEEDS", the way to get it.
pub fn by_name_built<T: strum::VariantArray + fmt::Display + Clone>(
    name: &str,
    what: &'static str,
    noun: &str,
    available: impl Fn(&T) -> bool,
    needs: &str,
) -> Result<T, String> {
    let value: T = by_name(name, what).map_err(|e| e.to_string())?;
    if !available(&value) {
        return Err(format!("this build has no `{value}` {noun}: it needs {needs}"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "cli")]
    fn seconds_parse_and_refuse_clearly() {
        assert_eq!(parse_secs("0"), Ok(Duration::ZERO));
        assert_eq!(parse_positive_secs("30"), Ok(Duration::from_secs(30)));
        assert!(parse_positive_secs("0").unwrap_err().contains("at least 1"));
        assert!(parse_secs("1.5").unwrap_err().contains("whole seconds"));
    }

    #[test]
    fn the_writer_spells_what_it_is_given() {
        let mut w = ArgWriter::default();
        w.positional(7);
        w.value("faults", "lan");
        w.secs("chaos", Duration::from_secs(30));
        w.flag("run-on");
        assert_eq!(w.to_string(), "7 --faults lan --chaos 30 --run-on");
    }
}
