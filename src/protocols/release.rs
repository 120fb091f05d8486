// The one definition of calimero's release order, shared through `include!` with build.rs and
// the xtask crate (scripts/against, scripts/zoo), so it stands alone: no imports, no crate paths.

/// A sortable key for a calimero release: "0.10.1-rc.40" → (0, 10, 1, 0, 40); a release sorts
/// after its candidates.
pub fn release_key(version: &str) -> (u64, u64, u64, u64, u64) {
    let (base, pre) = version.split_once('-').unwrap_or((version, ""));
    let mut parts = base.split('.').map(|p| p.parse().unwrap_or(0));
    let (a, b, c) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    match pre.rsplit('.').next().and_then(|n| n.parse().ok()) {
        Some(rc) if !pre.is_empty() => (a, b, c, 0, rc),
        _ => (a, b, c, 1, 0),
    }
}

/// Whether `version` lies in `first..=last`, "-" leaving that end open: how a finding's or a
/// bug's row says which releases have it (triage, the zoo test and the zoo table all ask this).
pub fn release_in(version: &str, first: &str, last: &str) -> bool {
    let key = release_key(version);
    (first == "-" || key >= release_key(first)) && (last == "-" || key <= release_key(last))
}

/// Every `(name, version)` package of a Cargo.lock's text, in file order.
#[allow(dead_code)] // build.rs and xtask read lockfiles; the library does not
pub fn locked_packages(lock: &str) -> Vec<(String, String)> {
    let field = |line: &str, key: &str| {
        line.trim().strip_prefix(key)?.trim_start().strip_prefix("= \"")?.strip_suffix('"').map(str::to_owned)
    };
    let mut out = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if line.trim() == "[[package]]" {
            name = None;
        } else if let Some(n) = field(line, "name") {
            name = Some(n);
        } else if let (Some(v), Some(n)) = (field(line, "version"), name.take()) {
            out.push((n, v));
        }
    }
    out
}
