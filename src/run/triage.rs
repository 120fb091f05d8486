//! Triage: a failing seed's evidence (`check::evidence`) against what merosim already knows fails
//! on the running calimero-node (`known.tsv`, one row per finding and mechanism). A nightly
//! sweep on a buggy release then reads "known F8 (214 seeds)" instead of 214 red lines.
//!
//! A seed is known only when every piece of its evidence — each differing entity, each item an
//! oracle reported — shows the mechanism of a finding present on this release. One piece that
//! none explains makes it NEW, whatever else it shows: a lost write on a seed that also fails as
//! F6 is NEW, because the lost entity has no look-alike. The signature stays the human summary;
//! the attribution decides.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::Outcome;
use crate::check::{Evidence, Mechanism};
use crate::protocols::{release_in, CALIMERO_VERSION};

/// One row of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownFailure {
    /// `F8`, `#3251`, … (docs/findings.md, known-bugs.md).
    pub finding: &'static str,
    /// The release range its pinning test reproduces on (`None`: open-ended).
    pub first: Option<&'static str>,
    pub last: Option<&'static str>,
    /// How it comes about: evidence showing one of these is this finding's.
    pub mechanisms: Vec<Mechanism>,
    /// Text the run's repro flags must contain (e.g. `--hc-responder manager`), if any.
    pub condition: Option<&'static str>,
    /// The test that pins it.
    pub test: &'static str,
    pub what: &'static str,
}

impl KnownFailure {
    /// Whether the running calimero-node is in the row's range.
    pub fn applies_here(&self) -> bool {
        self.applies_to(CALIMERO_VERSION)
    }

    /// Whether release `version` is in the row's range.
    pub fn applies_to(&self, version: &str) -> bool {
        release_in(version, self.first.unwrap_or("-"), self.last.unwrap_or("-"))
    }
}

/// The catalogue, parsed once.
pub fn catalogue() -> &'static [KnownFailure] {
    static ROWS: OnceLock<Vec<KnownFailure>> = OnceLock::new();
    ROWS.get_or_init(|| parse(include_str!("known.tsv")).unwrap_or_else(|e| panic!("src/run/known.tsv: {e}")))
}

fn parse(text: &'static str) -> Result<Vec<KnownFailure>, String> {
    let dash = |s: &'static str| (s != "-").then_some(s);
    let mut rows = Vec::new();
    // Findings may start with `#` (`#3251`): a comment is `# …`, or the header's `#finding`.
    let comment = |l: &str| l.starts_with("# ") || l == "#" || l.starts_with("#finding\t");
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !comment(l) && !l.trim().is_empty()) {
        let f: Vec<&'static str> = line.split('\t').collect();
        let [finding, first, last, mechanisms, condition, test, what] = f[..] else {
            return Err(format!("line {}: {} fields, expected 7", n + 1, f.len()));
        };
        let mechanisms = mechanisms
            .split(", ")
            .map(|m| m.parse().map_err(|_| format!("line {}: unknown mechanism '{m}'", n + 1)))
            .collect::<Result<Vec<Mechanism>, String>>()?;
        rows.push(KnownFailure {
            finding,
            first: dash(first),
            last: dash(last),
            mechanisms,
            condition: dash(condition),
            test,
            what,
        });
    }
    Ok(rows)
}

/// What a failing seed is, as far as merosim knows.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Triage {
    /// Every piece of its evidence is explained by these findings, together.
    Known(Vec<&'static str>),
    /// Some piece is explained by nothing known here: the first such piece, and how many.
    New { unexplained: String, count: usize },
}

impl Triage {
    pub fn is_known(&self) -> bool {
        matches!(self, Triage::Known(_))
    }
}

impl Outcome {
    /// How triage files this run on the running release (its repro flags `flags`): `None` for
    /// a run that passed; NEW for one that broke before it could be judged.
    pub fn triage(&self, flags: &str) -> Option<Triage> {
        if self.passed() {
            return None;
        }
        if self.stop == Ok(crate::oracle::StopCondition::MemoryLimit) {
            let unexplained = format!(
                "the run held more heap than its limit after {:.3}s virtual (a runaway)",
                self.virtual_time.since_start().as_secs_f64()
            );
            return Some(Triage::New { unexplained, count: 1 });
        }
        Some(match &self.evidence {
            Some(evidence) => triage(evidence, flags),
            None => {
                let stop = self.stop.as_ref().err().cloned().unwrap_or_default();
                Triage::New { unexplained: format!("the run broke: {stop}"), count: 1 }
            }
        })
    }
}

/// Files the evidence of a failing run (whose repro flags are `flags`) under the fewest known
/// findings of this release that explain every piece of it, or NEW.
pub fn triage(evidence: &Evidence, flags: &str) -> Triage {
    triage_with(catalogue(), evidence, flags)
}

fn triage_with(rows: &'static [KnownFailure], evidence: &Evidence, flags: &str) -> Triage {
    let rows: Vec<&KnownFailure> =
        rows.iter().filter(|r| r.applies_here() && r.condition.is_none_or(|c| flags.contains(c))).collect();
    // Per piece, the findings whose mechanism it shows.
    let explained: Vec<BTreeSet<&'static str>> = evidence
        .pieces
        .iter()
        .map(|item| {
            rows.iter().filter(|r| r.mechanisms.iter().any(|m| item.by.contains(m))).map(|r| r.finding).collect()
        })
        .collect();
    let unexplained: Vec<usize> = (0..explained.len()).filter(|i| explained[*i].is_empty()).collect();
    if let Some(first) = unexplained.first() {
        return Triage::New { unexplained: evidence.pieces[*first].to_string(), count: unexplained.len() };
    }
    if explained.is_empty() {
        let unexplained = "a failing run without evidence".to_owned();
        return Triage::New { unexplained, count: 1 };
    }
    // The fewest findings that explain every piece: the one that explains most of what is left
    // first; on a tie, the one whose row is written first.
    let order: Vec<&'static str> = rows.iter().map(|r| r.finding).collect();
    let mut left: Vec<&BTreeSet<&'static str>> = explained.iter().collect();
    let mut chosen: Vec<&'static str> = Vec::new();
    while !left.is_empty() {
        let Some(best) = order.iter().copied().max_by_key(|f| {
            let covers = left.iter().filter(|e| e.contains(f)).count();
            (covers, std::cmp::Reverse(order.iter().position(|o| o == f)))
        }) else {
            break;
        };
        left.retain(|e| !e.contains(best));
        chosen.push(best);
    }
    chosen.sort_unstable();
    chosen.dedup();
    Triage::Known(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Mechanism as M;
    use crate::check::Piece;

    fn evidence(items: &[&[M]]) -> Evidence {
        let items = items
            .iter()
            .enumerate()
            .map(|(i, by)| Piece { what: format!("piece {i}"), by: by.iter().copied().collect() })
            .collect();
        Evidence { pieces: items, plant: None, at_rest: None }
    }

    fn rows() -> &'static [KnownFailure] {
        static ROWS: OnceLock<Vec<KnownFailure>> = OnceLock::new();
        ROWS.get_or_init(|| {
            parse(concat!(
                "A\t-\t-\tlook-alike\t-\tt\tw\n",
                "B\t-\t-\tcrowded-parent, remove-crossed-update\t-\tt\tw\n",
                "C\t-\t-\tremove-crossed-update\t-\tt\tw\n",
                "D\t-\t-\tdelete-never-travelled\t--hc-responder manager\tt\tw\n",
                "E\t-\t0.10.1-rc.37\treinsert-over-tombstone\t-\tt\tw\n",
            ))
            .unwrap()
        })
    }

    fn t(items: &[&[M]], flags: &str) -> Triage {
        triage_with(rows(), &evidence(items), flags)
    }

    #[test]
    fn the_catalogue_parses() {
        assert!(catalogue().len() >= 10);
        // Published bugs are named by their issue numbers: a row is not a comment for that.
        for finding in ["#2407-B", "#3251", "tombstone-blind"] {
            assert!(catalogue().iter().any(|r| r.finding == finding), "{finding} missing");
        }
        assert!(catalogue().iter().all(|r| !r.finding.starts_with("# ")));
        assert!(parse("x\ty\n").is_err());
        let err = parse("F\t-\t-\tno-such-mechanism\t-\tt\tw\n").unwrap_err();
        assert!(err.contains("unknown mechanism 'no-such-mechanism'"), "{err}");
    }

    #[test]
    fn every_piece_must_show_a_known_mechanism() {
        assert_eq!(t(&[&[M::LookAlike], &[M::LookAlike]], ""), Triage::Known(vec!["A"]));
        // One piece nothing explains: NEW, however much of the rest is known.
        let planted = t(&[&[M::LookAlike], &[]], "");
        assert_eq!(planted, Triage::New { unexplained: "piece 1".into(), count: 1 });
        // A mechanism no row of this release names is no explanation.
        assert!(!t(&[&[M::ReinsertOverTombstone]], "").is_known(), "E ended at 0.10.1-rc.37");
        assert!(!t(&[&[M::WriteAfterRemove]], "").is_known());
    }

    #[test]
    fn the_fewest_findings_explain_the_pieces_together() {
        // B explains both pieces; C only one.
        assert_eq!(t(&[&[M::CrowdedParent], &[M::RemoveCrossedUpdate]], ""), Triage::Known(vec!["B"]));
        // On a tie the row written first wins.
        assert_eq!(t(&[&[M::RemoveCrossedUpdate]], ""), Triage::Known(vec!["B"]));
        assert_eq!(t(&[&[M::LookAlike], &[M::CrowdedParent]], ""), Triage::Known(vec!["A", "B"]));
    }

    #[test]
    fn a_condition_the_run_does_not_meet_explains_nothing() {
        assert!(!t(&[&[M::DeleteNeverTravelled]], "--faults lan").is_known());
        assert_eq!(t(&[&[M::DeleteNeverTravelled]], "--hc-responder manager"), Triage::Known(vec!["D"]));
    }

    #[test]
    fn a_range_holds_its_ends_and_nothing_past_them() {
        let row = &rows()[4];
        assert!(row.applies_to("0.10.1-rc.37") && row.applies_to("0.10.1-rc.1"));
        assert!(!row.applies_to("0.10.1-rc.41") && !row.applies_to("0.10.1"));
    }

    /// Each row lives where its pinning test reproduces its finding: the zoo's table for the
    /// published bugs (F8 is the zoo's #3085), the findings page's "Across releases" table for
    /// merosim's own findings (a cell that reproduces the symptom with a "new cause" is the other
    /// finding's, and "as rc.10" repeats rc.10's).
    #[test]
    fn every_row_lives_where_its_pinning_test_reproduces_it() {
        let dash = |s: &'static str| (s != "-").then_some(s);
        let zoo = include_str!("../../sim-tests/tests/zoo/bugs.tsv");
        let mut checked = 0;
        for line in zoo.lines().filter(|l| !l.starts_with("# ") && !l.starts_with("#id") && !l.trim().is_empty()) {
            let f: Vec<&'static str> = line.split('\t').collect();
            let (id, first, last) = (f[0], dash(f[2]), dash(f[3]));
            for row in catalogue().iter().filter(|r| r.finding == id || (r.finding == "F8" && id == "#3085")) {
                assert_eq!(
                    (row.first, row.last),
                    (first, last),
                    "{}: the zoo says {id} lives {first:?}..{last:?}",
                    row.finding
                );
                checked += 1;
            }
        }
        let page = include_str!("../../docs/findings.md");
        let across =
            page.split("## Across releases").nth(1).and_then(|rest| rest.split("\n## ").next()).unwrap_or_default();
        let present =
            |cell: &str| (cell.starts_with("reproduced") && !cell.contains("new cause")) || cell.contains("**new**");
        for line in across.lines().filter(|l| l.starts_with("| F")) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let finding = cells[1].split_whitespace().next().unwrap_or_default();
            let head = if cells[4].starts_with("as rc.10") { cells[3] } else { cells[4] };
            let releases = [("0.11.0-rc.4", cells[2]), ("0.11.0-rc.10", cells[3]), ("0.11.0-rc.25", head)];
            for row in catalogue().iter().filter(|r| r.finding == finding) {
                for (release, cell) in releases {
                    assert_eq!(
                        row.applies_to(release),
                        present(cell),
                        "{finding} on {release}: docs/findings.md says {cell:?}"
                    );
                }
                checked += 1;
            }
        }
        // The shapes the robustness faults make are no release's: they are filed on every one.
        let faults = include_str!("../../docs/fault-model.md");
        let theirs = faults.split("## What the robustness faults make").nth(1).unwrap_or_default();
        let theirs = theirs.split("\n## ").next().unwrap_or_default();
        for line in theirs.lines().filter(|l| l.starts_with("| `")) {
            let name = line.split('`').nth(1).unwrap_or_default();
            for row in catalogue().iter().filter(|r| r.finding == name) {
                assert_eq!((row.first, row.last), (None, None), "{name} is the faults', on every release");
                checked += 1;
            }
        }
        assert!(
            checked >= catalogue().len(),
            "only {checked} of {} rows have a table to agree with",
            catalogue().len()
        );
    }
}
