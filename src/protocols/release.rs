// Shared with build.rs through `include!`, so it stands alone: no imports, no crate paths.

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
