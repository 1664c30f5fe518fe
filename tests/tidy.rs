//! Repository-wide rules checked as tests: every Rust file opens with a `//!` doc saying what it is for,
//! no source file (nor web asset) passes 450 lines, every declared dependency is used, and the crates
//! depend on each other only in the documented direction (docs/ARCHITECTURE.md).

use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') && name != "snapshots" {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["src", "crates", "examples", "benches", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "found only {} Rust files", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = fs::read_to_string(path).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|path| {
            path.strip_prefix(&root)
                .unwrap_or(path)
                .display()
                .to_string()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` doc saying what they are for:\n{}",
        missing.join("\n")
    );
}

/// The names of the `rlm*` crates listed in the `[dependencies]` table of a manifest.
fn rlm_dependencies(manifest: &Path) -> Vec<String> {
    let text = fs::read_to_string(manifest).unwrap_or_default();
    let mut in_dependencies = false;
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
            continue;
        }
        if in_dependencies && let Some((name, _)) = line.split_once(['=', '.']) {
            let name = name.trim();
            if name == "rlm" || name.starts_with("rlm-") {
                found.push(name.to_owned());
            }
        }
    }
    found
}

#[test]
fn crates_depend_only_in_the_documented_direction() {
    let crates = workspace_root().join("crates");
    let allowed: &[(&str, &[&str])] = &[
        ("rlm-client", &[]),
        ("rlm-repl", &[]),
        ("rlm-prompts", &[]),
        ("rlm-sim", &[]),
        ("rlm-redis", &["rlm-client"]),
        ("rlm-core", &["rlm-client", "rlm-repl", "rlm-prompts"]),
        ("rlm-eval", &["rlm"]),
        ("rlm-cli", &["rlm", "rlm-sim", "rlm-eval", "rlm-redis"]),
        ("rlm-py", &["rlm"]),
    ];
    for (name, may_use) in allowed {
        let deps = rlm_dependencies(&crates.join(name).join("Cargo.toml"));
        for dep in &deps {
            assert!(
                may_use.contains(&dep.as_str()),
                "{name} depends on {dep}, which docs/ARCHITECTURE.md does not allow"
            );
        }
    }
    let client = rlm_dependencies(&crates.join("rlm-client/Cargo.toml"));
    assert!(client.is_empty(), "rlm-client must know no other rlm crate");
}

/// Longest a source file under `crates/*/src` or `src` (or a web asset under `crates/*/assets`) may
/// be: a longer file holds more than one idea.
const MAX_LINES: usize = 450;

/// The JavaScript, CSS and HTML files under `dir` (the viewer's assets), recursively.
fn asset_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            asset_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "js" || ext == "css" || ext == "html")
        {
            out.push(path);
        }
    }
}

#[test]
fn no_source_file_is_longer_than_450_lines() {
    let root = workspace_root();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for entry in fs::read_dir(root.join("crates"))
        .into_iter()
        .flatten()
        .flatten()
    {
        rust_files(&entry.path().join("src"), &mut files);
        asset_files(&entry.path().join("assets"), &mut files);
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "js")),
        "the viewer's scripts are checked too"
    );
    let long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let lines = fs::read_to_string(path).unwrap_or_default().lines().count();
            (lines > MAX_LINES).then(|| {
                format!(
                    "{} ({lines} lines)",
                    path.strip_prefix(&root).unwrap_or(path).display()
                )
            })
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these files (at most {MAX_LINES} lines each):\n{}",
        long.join("\n")
    );
}

/// The dependency names of a manifest table (`[dependencies]`, `[dev-dependencies]`, ...).
fn table_keys(manifest: &toml::Table, table: &str) -> Vec<String> {
    let keys = |t: Option<&toml::Value>| -> Vec<String> {
        t.and_then(toml::Value::as_table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default()
    };
    // `[table]` and every `[target.'cfg(..)'.table]`.
    let mut names = keys(manifest.get(table));
    for target in manifest
        .get("target")
        .and_then(toml::Value::as_table)
        .into_iter()
        .flat_map(|targets| targets.values())
    {
        names.extend(keys(target.get(table)));
    }
    names
}

/// Whether any Rust file under `dirs` names the crate `name` (as a path, a `use`, or a macro).
fn uses_crate(dirs: &[PathBuf], name: &str) -> bool {
    let ident = name.replace('-', "_");
    let needles = [
        format!("{ident}::"),
        format!("use {ident}"),
        format!("{ident}!"),
    ];
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(dir, &mut files);
    }
    files.iter().any(|file| {
        let text = fs::read_to_string(file).unwrap_or_default();
        needles.iter().any(|needle| text.contains(needle.as_str()))
    })
}

#[test]
fn the_workspace_has_no_unused_dependency() {
    let root = workspace_root();
    let read = |path: &Path| -> toml::Table {
        toml::from_str(&fs::read_to_string(path).unwrap_or_default()).unwrap_or_default()
    };
    let mut packages = vec![root.clone()];
    for entry in fs::read_dir(root.join("crates"))
        .into_iter()
        .flatten()
        .flatten()
    {
        packages.push(entry.path());
    }
    let mut unused = Vec::new();
    let mut declared = Vec::new();
    for package in &packages {
        let manifest = read(&package.join("Cargo.toml"));
        let code = [package.join("src")];
        let all_code = ["src", "tests", "benches", "examples"].map(|d| package.join(d));
        for (table, dirs) in [
            ("dependencies", &code[..]),
            ("dev-dependencies", &all_code[..]),
        ] {
            for name in table_keys(&manifest, table) {
                declared.push(name.clone());
                if !uses_crate(dirs, &name) {
                    unused.push(format!("{} [{table}] {name}", package.display()));
                }
            }
        }
    }
    assert!(
        unused.is_empty(),
        "declared but never used (remove them or use them):\n{}",
        unused.join("\n")
    );
    let workspace = read(&root.join("Cargo.toml"));
    let shared = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(toml::Value::as_table)
        .map(|t| t.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    assert!(shared.len() > 10, "{shared:?}");
    let orphans: Vec<&String> = shared.iter().filter(|d| !declared.contains(d)).collect();
    assert!(
        orphans.is_empty(),
        "[workspace.dependencies] entries no member uses: {orphans:?}"
    );
}
