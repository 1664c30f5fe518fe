//! Repository-wide rules checked as tests: every Rust file opens with a `//!` doc saying what it is for,
//! and the crates depend on each other only in the documented direction (docs/ARCHITECTURE.md).

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
        ("rlm-core", &["rlm-client", "rlm-repl", "rlm-prompts"]),
        ("rlm-cli", &["rlm", "rlm-sim"]),
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
