//! The crate's layering, checked from its source: the layer list in docs/architecture.md is the
//! rule, and this test holds the code to it.
//!
//! - Module level: a top-level module of `src/` may name (`crate::m…`) only modules of lower
//!   layers, or its own layer without a cycle.
//! - File level: inside one module folder, the files' `use super::…` imports form no cycle.
//!
//! `cargo test --test layers -- --nocapture` prints the module graph it checked.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The layers, bottom first, from the ```layers block of docs/architecture.md (written top-down,
/// one line each: `module module … | what the layer is`).
fn layers() -> Vec<Vec<String>> {
    let doc = fs::read_to_string(root().join("docs/architecture.md")).expect("docs/architecture.md");
    let block = doc.split("```layers\n").nth(1).and_then(|rest| rest.split("```").next()).expect("a ```layers block");
    let mut layers: Vec<Vec<String>> = block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('|').next().unwrap().split_whitespace().map(str::to_owned).collect())
        .collect();
    layers.reverse();
    layers
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The code of a file without its comments (doc links are not imports).
fn code(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(text: &str) -> String {
    text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// The top-level module a file of `src/` belongs to (`src/net/router.rs` → `net`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy().into_owned();
    match first.strip_suffix(".rs") {
        Some("lib") => None,
        Some(name) => Some(name.to_owned()),
        None if first == "bin" => None,
        None => Some(first),
    }
}

/// module → modules it names.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(&src) {
        let Some(module) = module_of(&src, &file) else { continue };
        let text = code(&file);
        let deps = graph.entry(module.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            // `$crate::Name` in an exported macro must go through the root re-exports (it expands
            // in the user's crate, where the modules are private): not an import of a layer.
            if text[..i].ends_with('$') {
                continue;
            }
            let target = ident_at(&text[i + "crate::".len()..]);
            if !target.is_empty() && target != module {
                deps.insert(target);
            }
        }
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn modules_import_only_lower_layers() {
    let layers = layers();
    let rank: BTreeMap<&str, usize> =
        layers.iter().enumerate().flat_map(|(i, mods)| mods.iter().map(move |m| (m.as_str(), i))).collect();
    let graph = module_graph();
    let mut problems = Vec::new();
    for (module, deps) in &graph {
        let Some(&mine) = rank.get(module.as_str()) else {
            problems.push(format!("module `{module}` is in no layer of docs/architecture.md"));
            continue;
        };
        println!("{module:<12} (layer {:>2}) -> {}", mine + 1, deps.iter().cloned().collect::<Vec<_>>().join(", "));
        for dep in deps {
            match rank.get(dep.as_str()) {
                None => problems.push(format!("`{module}` names `crate::{dep}`, which is in no layer")),
                Some(&theirs) if theirs > mine => problems.push(format!(
                    "`{module}` (layer {}) imports `{dep}` (layer {}) above it",
                    mine + 1,
                    theirs + 1
                )),
                Some(_) => {}
            }
        }
    }
    for listed in rank.keys() {
        if !graph.contains_key(*listed) {
            problems.push(format!("docs/architecture.md lists `{listed}`, which is not a module of src/"));
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        problems.push(format!("import cycle: {}", cycle.join(" -> ")));
    }
    assert!(problems.is_empty(), "layering broken:\n  {}", problems.join("\n  "));
}

/// Names a file defines at its top level (`pub struct X`, `pub(crate) fn y`, …).
fn definitions(text: &str) -> BTreeSet<String> {
    const KINDS: [&str; 8] = ["struct ", "enum ", "fn ", "trait ", "type ", "const ", "async fn ", "mod "];
    let mut names = BTreeSet::new();
    for line in text.lines().filter(|l| !l.starts_with(' ')) {
        let rest = line.trim_start_matches("pub(crate) ").trim_start_matches("pub ");
        for kind in KINDS {
            if let Some(after) = rest.strip_prefix(kind) {
                names.insert(ident_at(after));
            }
        }
    }
    names
}

/// The identifiers a `use super::…;` statement brings in, with the sibling file named first
/// when the path goes through one (`super::gossip::Delta` → `gossip`).
fn super_imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("use super::") {
        let stmt = &text[i + "use super::".len()..];
        let stmt = &stmt[..stmt.find(';').unwrap_or(stmt.len())];
        if let Some(inner) = stmt.strip_prefix('{') {
            out.extend(inner.split(',').map(|part| ident_at(part.trim())).filter(|s| !s.is_empty()));
        } else {
            out.push(ident_at(stmt));
        }
    }
    out
}

#[test]
fn files_inside_a_module_import_without_cycles() {
    let src = root().join("src");
    let mut folders: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for file in sources(&src) {
        if !file.starts_with(src.join("bin")) {
            folders.entry(file.parent().unwrap().to_owned()).or_default().push(file);
        }
    }
    let mut problems = Vec::new();
    for (folder, files) in folders {
        if folder == src || !folder.join("mod.rs").exists() {
            continue;
        }
        let stem = |f: &PathBuf| f.file_stem().unwrap().to_string_lossy().into_owned();
        let mod_text = code(&folder.join("mod.rs"));
        // Who defines what: each file's own items, plus what mod.rs re-exports from a file.
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        for file in &files {
            for name in definitions(&code(file)) {
                owner.entry(name).or_insert_with(|| stem(file));
            }
            owner.insert(stem(file), stem(file));
        }
        for (i, _) in mod_text.match_indices("use ") {
            let stmt = &mod_text[i + 4..];
            let stmt = &stmt[..stmt.find(';').unwrap_or(stmt.len())];
            if let Some((file, items)) = stmt.split_once("::{") {
                let file = ident_at(file);
                for item in items.trim_end_matches('}').split(',') {
                    owner.insert(ident_at(item.trim()), file.clone());
                }
            }
        }
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in files.iter().filter(|f| stem(f) != "mod") {
            let deps = graph.entry(stem(file)).or_default();
            for name in super_imports(&code(file)) {
                if let Some(target) = owner.get(&name).filter(|t| **t != stem(file)) {
                    deps.insert(target.clone());
                }
            }
        }
        if let Some(cycle) = find_cycle(&graph) {
            problems.push(format!("{}: {}", folder.strip_prefix(&src).unwrap().display(), cycle.join(" -> ")));
        }
    }
    assert!(problems.is_empty(), "file-level import cycles:\n  {}", problems.join("\n  "));
}

/// The public API is what `src/lib.rs` re-exports: every module stays private (a type's home can
/// move without breaking a test), the only public module is the prelude, and no name is
/// re-exported twice at the root — one path per type.
#[test]
fn the_public_api_is_curated() {
    let lib = code(&root().join("src/lib.rs"));
    let public_modules: Vec<&str> =
        lib.lines().filter(|l| l.trim_start().starts_with("pub mod ")).map(str::trim).collect();
    assert_eq!(public_modules, ["pub mod prelude {"], "only the prelude is a public module");
    let root_exports = lib.split("pub mod prelude").next().unwrap();
    let mut seen = BTreeSet::new();
    for (i, _) in root_exports.match_indices("pub use ") {
        let stmt = &root_exports[i + "pub use ".len()..];
        let stmt = &stmt[..stmt.find(';').unwrap()];
        let items = stmt.split_once("::{").map_or(stmt.rsplit("::").next().unwrap(), |(_, items)| items);
        for item in items.trim_end_matches('}').split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let name = item.rsplit(" as ").next().unwrap();
            assert!(seen.insert(name.to_owned()), "`{name}` is re-exported twice at the crate root");
        }
    }
    assert!(seen.len() > 20, "found only {} root re-exports: is the parser still right?", seen.len());
}
