//! `--write-doc`: the tables in docs/performance.md are the bench's own output, pasted between
//! `<!-- bench:KEY -->` and `<!-- /bench:KEY -->` markers by the bench itself, each under a stamp
//! saying when, on what machine and with which build they were measured. Prose around them is
//! the doc's; numbers inside them are never typed by hand.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::table::Table;

/// When, where and with what the numbers were measured.
pub fn stamp() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut parts = vec![format!("measured {}", today()), format!("{cores} cores")];
    if let Some(mem) = memory_gib() {
        parts.push(format!("{mem} GiB"));
    }
    if let Some(cpu) = cpu_model() {
        parts.push(cpu);
    }
    parts.push(format!("{} profile", profile()));
    parts.push(if cfg!(feature = "mimalloc") { "mimalloc" } else { "system allocator" }.to_owned());
    if let Ok(commit) = std::env::var("MEROSIM_BENCH_COMMIT") {
        parts.push(format!("merosim {commit}"));
    }
    parts.join(", ")
}

/// The cargo profile this binary was built with, read from its directory (`target/<dir>/merosim`).
pub fn profile() -> String {
    let dir =
        std::env::current_exe().ok().and_then(|exe| Some(exe.parent()?.file_name()?.to_string_lossy().into_owned()));
    match dir.as_deref() {
        Some("debug") => "dev".to_owned(),
        Some(name) => name.to_owned(),
        None => "unknown".to_owned(),
    }
}

/// Today's UTC date as YYYY-MM-DD (the civil-from-days algorithm; no date crate for one line).
fn today() -> String {
    let days = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400) as i64;
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn memory_gib() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = info.lines().find(|l| l.starts_with("MemTotal:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib as f64 / 1024.0 / 1024.0).round() as u64)
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("model name"))?;
    Some(line.split_once(':')?.1.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Fails before any measuring when `path` cannot take every table that will be written: a
/// twenty-minute bench should not end in "no such block".
pub fn check(path: &Path, keys: &[String]) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let missing: Vec<&str> =
        keys.iter().filter(|k| replace_block(&text, k, "").is_none()).map(String::as_str).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} has no `<!-- bench:KEY -->` … `<!-- /bench:KEY -->` block for {}",
            path.display(),
            missing.join(", ")
        ))
    }
}

/// Replaces each table's marked block in `path`. Every table must have its markers: a section
/// the doc does not show is an error, not a silently dropped result.
pub fn write(path: &Path, tables: &[Table], stamp: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut text = text;
    for table in tables {
        text = replace_block(&text, &table.key, &table.markdown(stamp)).ok_or_else(|| {
            format!("{} has no `<!-- bench:{} -->` … `<!-- /bench:{} -->` block", path.display(), table.key, table.key)
        })?;
    }
    let tmp = path.with_extension("md.tmp");
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot replace {}: {e}", path.display()))
}

fn replace_block(text: &str, key: &str, body: &str) -> Option<String> {
    replace_marked(text, &format!("bench:{key}"), body)
}

/// `text` with what lies between `<!-- MARK -->` and `<!-- /MARK -->` replaced by `body`.
pub fn replace_marked(text: &str, mark: &str, body: &str) -> Option<String> {
    let open = format!("<!-- {mark} -->\n");
    let close = format!("<!-- /{mark} -->");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&close)?;
    Some(format!("{}{body}{}", &text[..start], &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::{civil, replace_block};

    #[test]
    fn civil_dates_match_the_calendar() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(20_426), (2025, 12, 4));
        assert_eq!(civil(11_016), (2000, 2, 29));
    }

    #[test]
    fn a_block_is_replaced_between_its_own_markers_only() {
        let doc = "a\n<!-- bench:x -->\nold\n<!-- /bench:x -->\nb\n<!-- bench:y -->\nkeep\n<!-- /bench:y -->\n";
        let out = replace_block(doc, "x", "new\n").unwrap();
        assert_eq!(out, "a\n<!-- bench:x -->\nnew\n<!-- /bench:x -->\nb\n<!-- bench:y -->\nkeep\n<!-- /bench:y -->\n");
        assert!(replace_block(doc, "z", "new\n").is_none());
    }
}
