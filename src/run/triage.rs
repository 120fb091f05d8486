//! Triage: a failing seed's signature against what merosim already knows fails on the running
//! calimero-node (`known.tsv`, one row per finding and verdict). A nightly sweep on a buggy
//! release then reads "known F8 (214 seeds)" instead of 214 red lines, and what no known row
//! explains stands out as NEW — never filed under a finding that only explains part of it.

use std::sync::OnceLock;

use super::signature::Signature;
use crate::protocols::{calimero_since, CALIMERO_VERSION};

/// Tags that describe a failure without being one: no row has to explain them, a row may name
/// them to say where it applies.
const CONTEXT_TAGS: [&str; 2] = ["roots equal", "roots apart"];

/// One row of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownFailure {
    /// `F8`, `#3251`, … (docs/findings.md, known-bugs.md).
    pub finding: &'static str,
    /// The release range that has it (`None`: open-ended).
    pub first: Option<&'static str>,
    pub last: Option<&'static str>,
    /// The verdict it produces (`*`: any).
    pub verdict: &'static str,
    /// The signature tags it explains.
    pub tags: Vec<&'static str>,
    /// Text the run's repro flags must contain (e.g. `--faults heavy`), if any.
    pub condition: Option<&'static str>,
    /// The test that pins it.
    pub test: &'static str,
    pub what: &'static str,
}

impl KnownFailure {
    /// Whether the running calimero-node is in the row's range.
    pub fn applies_here(&self) -> bool {
        let from = self.first.is_none_or(calimero_since);
        let after_last = self.last.is_some_and(|last| calimero_since(last) && CALIMERO_VERSION != last);
        from && !after_last
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
        let [finding, first, last, verdict, tags, condition, test, what] = f[..] else {
            return Err(format!("line {}: {} fields, expected 8", n + 1, f.len()));
        };
        rows.push(KnownFailure {
            finding,
            first: dash(first),
            last: dash(last),
            verdict,
            tags: dash(tags).map(|t| t.split(", ").collect()).unwrap_or_default(),
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
    /// Explained by these findings, together.
    Known(Vec<&'static str>),
    /// Nothing known explains all of it.
    New,
}

impl Triage {
    pub fn is_known(&self) -> bool {
        matches!(self, Triage::Known(_))
    }
}

/// Files a signature (of a run whose repro flags are `flags`) under the fewest known findings
/// that explain it on this release: rows of its own verdict, of an oracle that also fired, or of
/// any verdict (`*`), each of whose tags the signature shows, together covering every tag but
/// the context ones — with its verdict and every oracle that also fired named by a chosen row,
/// unless it only says the state diverged.
pub fn triage(signature: &Signature, flags: &str) -> Triage {
    triage_with(catalogue(), signature, flags)
}

fn triage_with(rows: &'static [KnownFailure], signature: &Signature, flags: &str) -> Triage {
    const STATE_VERDICTS: [&str; 4] = ["liveness", "diverged", "max-time", "app-divergence"];
    let problems: Vec<&str> = signature.shape.iter().copied().filter(|t| !CONTEXT_TAGS.contains(t)).collect();
    // A row of an oracle that also fired explains tags too: its bug is in the run as well. A row
    // applies only where every tag it names is in the signature: a row of two tags is a finding
    // that shows as both, and claims neither alone (a context tag in a row narrows where it
    // applies without being something to explain: F6 is an entity missing under equal roots).
    let candidates: Vec<&KnownFailure> = rows
        .iter()
        .filter(|r| r.verdict == "*" || r.verdict == signature.verdict || signature.also.contains(r.verdict))
        .filter(|r| r.condition.is_none_or(|c| flags.contains(c)))
        .filter(|r| r.applies_here())
        .filter(|r| r.tags.iter().all(|t| signature.shape.contains(t)))
        .collect();
    // The fewest findings that explain every tag: the row that explains most of what is left,
    // first, until nothing is left or nothing explains the rest.
    let mut chosen: Vec<&KnownFailure> = Vec::new();
    let mut left: Vec<&str> = problems.clone();
    while !left.is_empty() {
        // `min_by_key` keeps the first of equals: on a tie, the row written first wins.
        let best = candidates
            .iter()
            .copied()
            .min_by_key(|r| std::cmp::Reverse(r.tags.iter().filter(|t| left.contains(t)).count()));
        let Some(best) = best.filter(|r| r.tags.iter().any(|t| left.contains(t))) else { return Triage::New };
        left.retain(|t| !best.tags.contains(t));
        chosen.push(best);
    }
    // The verdict, and every oracle that also fired, must be one a chosen row names (or only say
    // that the state diverged); a row of that verdict that fits the signature names it.
    for verdict in std::iter::once(signature.verdict).chain(signature.also.iter().copied()) {
        if STATE_VERDICTS.contains(&verdict) || chosen.iter().any(|r| r.verdict == verdict) {
            continue;
        }
        match candidates.iter().copied().filter(|r| r.verdict == verdict).max_by_key(|r| r.tags.len()) {
            Some(row) => chosen.push(row),
            None => return Triage::New,
        }
    }
    if chosen.is_empty() {
        return Triage::New;
    }
    let mut findings: Vec<&'static str> = chosen.iter().map(|r| r.finding).collect();
    findings.sort_unstable();
    findings.dedup();
    Triage::Known(findings)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn sig(verdict: &'static str, tags: &[&'static str]) -> Signature {
        Signature {
            verdict,
            culprit: None,
            also: BTreeSet::new(),
            shape: tags.iter().copied().collect::<BTreeSet<_>>(),
        }
    }

    fn rows() -> &'static [KnownFailure] {
        static ROWS: OnceLock<Vec<KnownFailure>> = OnceLock::new();
        ROWS.get_or_init(|| {
            parse(concat!(
                "A\t-\t-\tlost-after-remove\t-\t-\tt\tw\n",
                "B\t-\t-\t*\town bytes missing\t-\tt\tw\n",
                "C\t-\t-\tapp-divergence\tentity missing\t-\tt\tw\n",
                "D\t-\t-\tphantom\t-\t--faults heavy\tt\tw\n",
                "E\t-\t0.10.1-rc.37\troot-mismatch\tchildren differ\t-\tt\tw\n",
                "G\t-\t-\t*\tentity missing, a wide parent\t-\tt\tw\n",
                "H\t-\t-\tdata-loss\tentity missing, roots equal\t-\tt\tw\n",
            ))
            .unwrap()
        })
    }

    /// The test rows and an open-ended root-mismatch row `F`.
    fn with_an_open_f(s: &Signature) -> Triage {
        static ROWS: OnceLock<Vec<KnownFailure>> = OnceLock::new();
        let rows = ROWS.get_or_init(|| {
            let mut rows = rows().to_vec();
            rows.extend(parse("F\t-\t-\troot-mismatch\tchildren differ\t-\tt\tw\n").unwrap());
            rows
        });
        triage_with(rows, s, "")
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
    }

    #[test]
    fn known_rows_explain_a_signature_together() {
        let t = |s: &Signature, flags: &str| triage_with(rows(), s, flags);
        assert_eq!(t(&sig("lost-after-remove", &[]), ""), Triage::Known(vec!["A"]));
        assert_eq!(t(&sig("lost-after-remove", &["own bytes missing"]), ""), Triage::Known(vec!["A", "B"]));
        assert_eq!(t(&sig("liveness", &["own bytes missing", "roots apart"]), ""), Triage::Known(vec!["B"]));
        assert_eq!(
            t(&sig("app-divergence", &["entity missing", "own bytes missing", "roots equal"]), ""),
            Triage::Known(vec!["B", "C"])
        );
    }

    #[test]
    fn a_row_of_two_tags_claims_them_together_and_only_together() {
        let t = |s: &Signature| triage_with(rows(), s, "");
        // G explains both tags at once, so C is not needed for the missing entity.
        assert_eq!(t(&sig("app-divergence", &["entity missing", "a wide parent"])), Triage::Known(vec!["G"]));
        assert_eq!(t(&sig("app-divergence", &["entity missing"])), Triage::Known(vec!["C"]));
        assert_eq!(t(&sig("app-divergence", &["a wide parent"])), Triage::New, "G's other tag is absent");
        // A context tag narrows where a row applies.
        assert_eq!(t(&sig("data-loss", &["entity missing", "roots equal"])), Triage::Known(vec!["H"]));
        assert_eq!(t(&sig("data-loss", &["entity missing", "roots apart"])), Triage::New);
    }

    #[test]
    fn what_no_row_covers_is_new() {
        let t = |s: &Signature, flags: &str| triage_with(rows(), s, flags);
        // A tag nothing explains, though the verdict is known.
        assert_eq!(t(&sig("app-divergence", &["entity missing", "parent differs"]), ""), Triage::New);
        // A verdict nothing explains, though its tag is known.
        assert_eq!(t(&sig("data-loss", &["own bytes missing"]), ""), Triage::New);
        // A condition the run does not meet.
        assert_eq!(t(&sig("phantom", &[]), "--faults lan"), Triage::New);
        assert_eq!(t(&sig("phantom", &[]), "--faults heavy"), Triage::Known(vec!["D"]));
        // A second oracle's row explains its tag; an oracle no row names makes it NEW.
        let mut both = sig("root-mismatch", &["children differ", "entity missing"]);
        both.also.insert("app-divergence");
        assert_eq!(with_an_open_f(&both), Triage::Known(vec!["C", "F"]));
        both.also.insert("data-loss");
        assert_eq!(with_an_open_f(&both), Triage::New);
        // A row whose release range ended before the running release.
        assert_eq!(t(&sig("root-mismatch", &["children differ"]), ""), Triage::New);
    }
}
