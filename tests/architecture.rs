//! The architecture's rules, checked on the source (docs/ARCHITECTURE.md explains them):
//! which layer may import which, no import cycle between files, the `worker` crate only at the
//! edge, SQL text only where storage is planned. Test code (`src/testing`, `src/tests`, and the
//! trailing `#[cfg(test)]` module of a file) is exempt: it may reach anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module, and the top-level modules it may import. Anything not listed is
/// forbidden: the engine never sees a protocol, a protocol never sees another, and only the
/// edge sees them all.
const LAYERS: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("platform", &["error"]),
    ("store", &["error"]),
    ("auth", &["error", "platform"]),
    ("engine", &["error", "platform", "store"]),
    ("abuse", &["error", "platform"]),
    ("marketplace", &["engine", "error", "platform", "store"]),
    (
        "service",
        &[
            "abuse",
            "auth",
            "engine",
            "marketplace",
            "error",
            "platform",
            "store",
        ],
    ),
    (
        "live",
        &["service", "auth", "engine", "error", "platform", "store"],
    ),
    (
        "api",
        &[
            "service",
            "auth",
            "engine",
            "marketplace",
            "error",
            "platform",
            "store",
        ],
    ),
    (
        "edge",
        &[
            "api",
            "live",
            "service",
            "abuse",
            "auth",
            "engine",
            "marketplace",
            "error",
            "platform",
            "store",
        ],
    ),
];

/// Where SQL text may be written: the engine and the template plan statements, the storage
/// port and the D1 adapter run them.
const SQL_HOMES: &[&str] = &["engine/", "marketplace/", "store.rs", "edge/d1.rs"];

const SQL_STARTS: &[&str] = &[
    "SELECT ",
    "INSERT INTO",
    "UPDATE \\\"",
    "DELETE FROM",
    "WITH RECURSIVE",
    "CREATE TABLE",
    "CREATE INDEX",
    "ALTER TABLE",
    "DROP TABLE",
    "DROP INDEX",
];

struct Module {
    /// `api::router`, `engine`, `` (the crate root).
    path: String,
    /// The file relative to `src/`.
    file: String,
    /// The production part of the file: everything before its `#[cfg(test)]` module.
    code: String,
}

fn modules() -> Vec<Module> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let relative = file
                .strip_prefix(&src)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            if relative.starts_with("testing/") || relative.starts_with("tests/") {
                return None;
            }
            let text = std::fs::read_to_string(&file).ok()?;
            let code = match text.find("\n#[cfg(test)]") {
                Some(end) => text[..end].to_string(),
                None => text,
            };
            let mut parts: Vec<&str> = relative.trim_end_matches(".rs").split('/').collect();
            if matches!(parts.last(), Some(&"mod") | Some(&"lib")) {
                parts.pop();
            }
            Some(Module {
                path: parts.join("::"),
                file: relative,
                code,
            })
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules `module` names through `crate::…` and `super::…` paths (grouped imports
/// included), resolved to the longest module path that exists.
fn imports(module: &Module, known: &BTreeSet<String>) -> BTreeSet<String> {
    let parent = module
        .path
        .rsplit_once("::")
        .map_or(String::new(), |(p, _)| p.to_string());
    let mut found = BTreeSet::new();
    for (prefix, base) in [("crate::", String::new()), ("super::", parent)] {
        for (at, _) in module.code.match_indices(prefix) {
            let before = module.code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &module.code[at + prefix.len()..];
            for path in expand(rest) {
                let full = if base.is_empty() {
                    path
                } else {
                    format!("{base}::{path}")
                };
                let mut segments: Vec<&str> = full.split("::").collect();
                while !segments.is_empty() {
                    let candidate = segments.join("::");
                    if known.contains(&candidate) {
                        if candidate != module.path {
                            found.insert(candidate);
                        }
                        break;
                    }
                    segments.pop();
                }
            }
        }
    }
    found
}

/// `a::b::C` → [`a::b::C`]; `{a::b, c}` → [`a::b`, `c`] (one level of grouping is enough here).
fn expand(rest: &str) -> Vec<String> {
    let path = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect::<String>()
            .trim_end_matches(':')
            .to_string()
    };
    if let Some(group) = rest.strip_prefix('{') {
        let inner = &group[..group.find('}').unwrap_or(group.len())];
        inner
            .split(',')
            .map(|s| path(s.trim()))
            .filter(|s| !s.is_empty())
            .collect()
    } else {
        vec![path(rest)]
    }
}

fn top(path: &str) -> &str {
    path.split("::").next().unwrap_or_default()
}

fn layer_violations(modules: &[Module]) -> Vec<String> {
    let known: BTreeSet<String> = modules.iter().map(|m| m.path.clone()).collect();
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut violations = Vec::new();
    for module in modules {
        let layer = top(&module.path);
        if layer.is_empty() {
            continue; // the crate root declares the modules
        }
        let Some(may) = allowed.get(layer) else {
            violations.push(format!(
                "{}: a top-level module missing from LAYERS",
                module.file
            ));
            continue;
        };
        for import in imports(module, &known) {
            let target = top(&import);
            if target != layer && !may.contains(&target) {
                violations.push(format!("{} imports {import}", module.file));
            }
        }
    }
    violations
}

fn cycles(modules: &[Module]) -> Vec<String> {
    let known: BTreeSet<String> = modules.iter().map(|m| m.path.clone()).collect();
    let graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|m| (m.path.clone(), imports(m, &known)))
        .collect();
    // A module's `mod.rs` declares its children: that is containment, not an import.
    let depends = |from: &str, to: &str| !to.starts_with(&format!("{from}::")) && !from.is_empty();
    let mut cycles = Vec::new();
    for start in graph.keys() {
        // Depth-first from `start`: reaching `start` again is a cycle through it.
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in graph.get(&at).into_iter().flatten() {
                if !depends(&at, next) {
                    continue;
                }
                if next == start {
                    cycles.push(format!("{} -> {start}", trail.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    let mut longer = trail.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    cycles
}

#[test]
fn each_layer_imports_only_the_layers_beneath_it() {
    let violations = layer_violations(&modules());
    assert!(
        violations.is_empty(),
        "layer rules broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_two_files_import_each_other_through_any_path() {
    let cycles = cycles(&modules());
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn only_the_edge_touches_the_worker_crate() {
    let offenders: Vec<String> = modules()
        .iter()
        .filter(|m| top(&m.path) != "edge")
        .filter(|m| m.code.contains("worker::") || m.code.contains("use worker"))
        .map(|m| m.file.clone())
        .collect();
    assert!(offenders.is_empty(), "outside src/edge: {offenders:?}");
}

#[test]
fn sql_is_written_only_where_storage_is_planned() {
    let mut offenders = Vec::new();
    for module in modules() {
        if SQL_HOMES.iter().any(|home| module.file.starts_with(home)) {
            continue;
        }
        for start in SQL_STARTS {
            if module.code.contains(&format!("\"{start}")) {
                offenders.push(format!("{}: \"{start}…\"", module.file));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "SQL text outside the engine:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_checker_sees_a_forbidden_import_and_a_cycle() {
    let module = |path: &str, code: &str| Module {
        path: path.into(),
        file: format!("{}.rs", path.replace("::", "/")),
        code: code.into(),
    };
    let modules = [
        module("engine", ""),
        module(
            "engine::find",
            "use crate::api::router::handle;\nuse super::{find, schema};",
        ),
        module("api", ""),
        module("api::router", "use super::dispatch::dispatch;"),
        module("api::dispatch", "fn f() { crate::api::router::handle() }"),
    ];
    assert_eq!(
        layer_violations(&modules),
        ["engine/find.rs imports api::router"]
    );
    let found = cycles(&modules);
    assert!(
        found
            .iter()
            .any(|c| c == "api::dispatch -> api::router -> api::dispatch"),
        "{found:?}"
    );
}

#[test]
fn the_file_registry_is_written_in_one_place() {
    // `_File` and `_FileRef` stay true only if every statement on them is one of
    // `engine::files`' (ARCHITECTURE: "A file is unreferenced when no `_FileRef` row names it").
    let offenders: Vec<String> = modules()
        .iter()
        .filter(|m| m.file != "engine/files.rs")
        .filter(|m| m.code.contains("\\\"_File\\\"") || m.code.contains("\\\"_FileRef\\\""))
        .map(|m| m.file.clone())
        .collect();
    assert!(
        offenders.is_empty(),
        "the file registry's tables named outside engine/files.rs: {offenders:?}"
    );
}
