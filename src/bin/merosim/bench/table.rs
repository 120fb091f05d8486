//! One table per bench section, rendered twice from the same cells: aligned text for the
//! terminal and a markdown table for docs/performance.md, so the doc can only ever show what a
//! bench run printed.

use crate::out::outln;

/// A section's result: its key (the marker name in the doc), a one-line description, the cells
/// and any derived lines (fitted exponents, caveats) that belong under the table.
pub struct Table {
    pub key: String,
    pub title: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

impl Table {
    pub fn new(key: impl Into<String>, title: impl Into<String>, headers: &[&'static str]) -> Self {
        Table { key: key.into(), title: title.into(), headers: headers.to_vec(), rows: Vec::new(), notes: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    /// Aligned text; the first column is left-aligned, the rest right-aligned (numbers).
    pub fn print(&self) {
        outln!("\n{}", self.title);
        let width = |col: usize| {
            self.rows
                .iter()
                .map(|r| r.get(col).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
                .max(self.headers[col].len())
        };
        let widths: Vec<usize> = (0..self.headers.len()).map(width).collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(
                    |(i, c)| if i == 0 { format!("{c:<w$}", w = widths[i]) } else { format!("{c:>w$}", w = widths[i]) },
                )
                .collect();
            outln!("   {}", parts.join("  ").trim_end());
        };
        line(&self.headers.iter().map(|h| h.to_string()).collect::<Vec<_>>());
        for row in &self.rows {
            line(row);
        }
        for note in &self.notes {
            outln!("   {note}");
        }
    }

    /// The markdown block the doc holds between this table's markers.
    pub fn markdown(&self, stamp: &str) -> String {
        let mut out = format!("_{stamp}_\n\n");
        out.push_str(&format!("| {} |\n", self.headers.join(" | ")));
        let align: Vec<&str> = (0..self.headers.len()).map(|i| if i == 0 { "---" } else { "---:" }).collect();
        out.push_str(&format!("|{}|\n", align.join("|")));
        for row in &self.rows {
            out.push_str(&format!("| {} |\n", row.join(" | ")));
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                out.push_str(&format!("{note}\n"));
            }
        }
        out
    }
}

/// Repeated measurements of one number: the median is what the doc quotes, the range is how far
/// the runs on a shared machine fell apart.
#[derive(Clone, Debug)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for no samples (a section that did not run).
    pub fn of(samples: &[f64]) -> Option<Spread> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|s| s.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let median = if !sorted.len().is_multiple_of(2) { sorted[mid] } else { (sorted[mid - 1] + sorted[mid]) / 2.0 };
        Some(Spread { median, min: sorted[0], max: sorted[sorted.len() - 1] })
    }

    /// `1.51× (1.40–1.62)`, or just `1.51×` for a single run.
    pub fn ratio(&self) -> String {
        self.with(|v| format!("{v:.2}"), "×")
    }

    /// `0.43 (0.40–0.47)` in the given unit.
    pub fn value(&self, decimals: usize, unit: &str) -> String {
        self.with(|v| format!("{v:.decimals$}"), unit)
    }

    fn with(&self, f: impl Fn(f64) -> String, unit: &str) -> String {
        if self.min == self.max {
            format!("{}{unit}", f(self.median))
        } else {
            format!("{}{unit} ({}–{})", f(self.median), f(self.min), f(self.max))
        }
    }
}

/// Formats a count with thousands separators, as the doc's tables do.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{thousands, Spread, Table};

    #[test]
    fn spread_quotes_the_median_and_the_range() {
        let s = Spread::of(&[1.4, 1.62, 1.51]).unwrap();
        assert_eq!(s.ratio(), "1.51× (1.40–1.62)");
        assert_eq!(Spread::of(&[2.0, 4.0]).unwrap().median, 3.0);
        assert_eq!(Spread::of(&[0.5]).unwrap().value(2, " s"), "0.50 s");
        assert!(Spread::of(&[]).is_none());
    }

    #[test]
    fn markdown_has_one_row_per_measurement_under_an_aligned_header() {
        let mut t = Table::new("x", "9. demo", &["name", "value"]);
        t.row(vec!["a".into(), "1".into()]);
        t.note("k = 2");
        let md = t.markdown("stamp");
        assert!(md.starts_with("_stamp_\n\n| name | value |\n|---|---:|\n| a | 1 |\n"), "{md}");
        assert!(md.ends_with("\nk = 2\n"));
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
