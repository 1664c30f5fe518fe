//! Driving a headless Chromium for the viewer tests: find it (or skip, loudly failing when
//! `RLM_BROWSER_TESTS` is set), load a page and dump its DOM with the console messages, take a
//! screenshot; and the trajectories the tests view (a run against `sim-server`, a big synthetic one).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{SimServerProcess, rlm};

/// The browsers tried, in order (or the one named by `RLM_BROWSER`).
const BROWSERS: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// The headless browser, or `None` (the test is skipped with a printed reason) when none is
/// installed and `RLM_BROWSER_TESTS` is unset; with `RLM_BROWSER_TESTS` set (as `.ci/run` does) a
/// missing browser fails the test.
pub(crate) fn browser(test: &str) -> Option<PathBuf> {
    let named = std::env::var("RLM_BROWSER").ok();
    let candidates: Vec<String> = match &named {
        Some(name) => vec![name.clone()],
        None => BROWSERS.iter().map(|s| (*s).to_owned()).collect(),
    };
    let found = candidates.iter().find_map(|name| which(name));
    if found.is_none() {
        let required = std::env::var_os("RLM_BROWSER_TESTS").is_some_and(|v| !v.is_empty());
        assert!(
            !required,
            "RLM_BROWSER_TESTS is set but no headless browser was found (tried {candidates:?}); \
             install chromium or set RLM_BROWSER"
        );
        eprintln!(
            "SKIPPED {test}: no headless browser found (tried {candidates:?}); install chromium, \
             or set RLM_BROWSER_TESTS=1 to make this a failure"
        );
    }
    found
}

/// `name` as found on `PATH` (or itself when it is a path to a file).
fn which(name: &str) -> Option<PathBuf> {
    let direct = Path::new(name);
    if direct.is_absolute() {
        return direct.is_file().then(|| direct.to_owned());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// What the browser made of a page.
pub(crate) struct Loaded {
    /// The DOM after the page's scripts ran.
    pub(crate) dom: String,
    /// The page's console messages (the viewer writes none unless something fails).
    pub(crate) console: Vec<String>,
}

impl Loaded {
    /// The value of attribute `name` of the `#app` element.
    pub(crate) fn app_attr(&self, name: &str) -> Option<String> {
        let start = self.dom.find("<div id=\"app\"")?;
        let tag = &self.dom[start..start + self.dom[start..].find('>')?];
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        Some(tag[at..at + tag[at..].find('"')?].to_owned())
    }

    /// The attribute as a number.
    pub(crate) fn app_number(&self, name: &str) -> u64 {
        let value = self.app_attr(name);
        value
            .as_deref()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("#app has no number {name}: {value:?}"))
    }

    /// The text inside the element with id `id` (tags stripped, entities of `<`, `>`, `&` undone).
    pub(crate) fn text_of(&self, id: &str) -> Option<String> {
        let open = self.dom.find(&format!("id=\"{id}\""))?;
        let start = open + self.dom[open..].find('>')? + 1;
        let tag_start = self.dom[..open].rfind('<')?;
        let name: String = self.dom[tag_start + 1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let end = start + self.dom[start..].find(&format!("</{name}>"))?;
        let mut text = String::new();
        let mut in_tag = false;
        for c in self.dom[start..end].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        Some(
            text.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        )
    }
}

/// Arguments every headless run gets (`--no-sandbox`: CI runs as root).
fn headless(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--hide-scrollbars",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// Loads `page` (with `fragment`, e.g. `expand=all`) and dumps its DOM and console.
pub(crate) fn load(browser: &Path, page: &Path, fragment: &str) -> Loaded {
    let profile = page.with_extension("profile");
    let url = format!(
        "file://{}#{fragment}",
        page.canonicalize().unwrap().display()
    );
    let output = StdCommand::new(browser)
        .args(headless(&profile))
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom", &url])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser failed on {url}:\n{stderr}"
    );
    Loaded {
        dom: String::from_utf8_lossy(&output.stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
            .map(str::to_owned)
            .collect(),
    }
}

/// Saves a screenshot of `page` (with `fragment`) at `out`, `width` × `height` pixels.
pub(crate) fn screenshot(
    browser: &Path,
    page: &Path,
    fragment: &str,
    out: &Path,
    size: (u32, u32),
) {
    let profile = page.with_extension("shot-profile");
    let url = format!(
        "file://{}#{fragment}",
        page.canonicalize().unwrap().display()
    );
    let status = StdCommand::new(browser)
        .args(headless(&profile))
        .arg(format!("--screenshot={}", out.display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(&url)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let bytes = std::fs::read(out).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "a real screenshot"
    );
}

/// Runs `rlm run` against `server` on `context` with `extra` flags; returns the trajectory path.
pub(crate) fn sim_run(
    dir: &Path,
    server: &SimServerProcess,
    model: &str,
    extra: &[&str],
) -> PathBuf {
    let context = dir.join("context.txt");
    let mut text = String::new();
    for i in 0..3000 {
        let _ = writeln!(text, "filler line {i} of the haystack");
    }
    text.push_str("The magic number is 48213907.\n");
    std::fs::write(&context, text).unwrap();
    let trajectory = dir.join(format!("{model}.jsonl"));
    let output = rlm()
        .args([
            "run",
            "--model",
            model,
            "--sub-model",
            "sim-sub",
            "--base-url",
            &server.url,
        ])
        .args([
            "--query",
            "What are the magic numbers?",
            "--quiet",
            "--context",
        ])
        .arg(&context)
        .arg("--trajectory")
        .arg(&trajectory)
        .args(extra)
        .timeout(Duration::from_mins(3))
        .output()
        .unwrap();
    assert!(
        trajectory.exists(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    trajectory
}

/// The lines of a trajectory file that parse (a cut last line is left out; no file: none).
pub(crate) fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// A synthetic trajectory of `iterations` root turns sharing `subcalls` sub-calls (2,000-character
/// prompt and reply excerpts, one in 97 failed, one in 50 retried), written to `path`; returns its
/// size in bytes.
pub(crate) fn synthetic(path: &Path, iterations: usize, subcalls: usize) -> usize {
    let usage = json!({"prompt_tokens": 500, "completion_tokens": 50, "cached_tokens": 0, "reasoning_tokens": 0});
    let mut lines = vec![
        json!({"type": "run", "rlm_version": "0.1.0", "root_model": "big-root",
        "sub_model": "big-sub", "max_iterations": iterations, "max_depth": 1, "max_concurrent": 16,
        "limits": {}, "context_kind": "text", "context_chars": 50_000_000, "context_index": 0,
        "started_unix_ms": 1_700_000_000_000_u64}),
    ];
    let filler = |seed: usize, n: usize| -> String {
        (0..n)
            .map(|i| char::from(b'a' + u8::try_from((seed * 7 + i) % 26).unwrap()))
            .collect()
    };
    let mut t = 0;
    for it in 1..=iterations {
        let per_cell = subcalls / iterations + usize::from(it <= subcalls % iterations);
        let failed = (0..per_cell).filter(|k| k % 97 == 5).count();
        let details: Vec<Value> = (0..per_cell)
            .map(|k| json!({"function": "llm_batch", "batch": it, "index": k, "of": per_cell,
                "model": "big-sub", "prompt": filler(k, 2000), "prompt_chars": 40_000,
                "response": filler(k + 1, 2000), "response_chars": 2000,
                "error": if k % 97 == 5 { json!("provider failed: HTTP 500") } else { Value::Null },
                "started_ms": t + 100 + (k / 16) * 900, "duration_ms": 800 + k % 200, "usage": usage,
                "retries": if k % 50 == 3 { json!([{"at_ms": t + 150, "attempt": 1, "wait_ms": 500, "error": "HTTP 429"}]) } else { json!([]) }}))
            .collect();
        let cells_ms = 100 + (per_cell / 16 + 1) * 900;
        let code =
            format!("const answers = llm_batch(prompts_{it}, 16);\nprint(answers.length); // {it}");
        lines.push(json!({"type": "iteration", "run_id": 0, "parent_run_id": null, "depth": 0,
            "iteration": it, "final_request": false,
            "messages": [{"role": "user", "content": filler(it, 20_000)}],
            "reply": format!("Turn {it}.\n```repl\n{code}\n```\n"), "code_blocks": [code],
            "cells": [{"stdout": filler(it, 20_000), "error": null, "value": null, "final_answer": null,
                "duration_ms": cells_ms, "subcalls": per_cell, "failed_subcalls": failed, "started_ms": t + 90,
                "subcall_details": details}],
            "answer": if it == iterations { json!("the synthetic answer") } else { Value::Null },
            "model_ms": 80, "cells_ms": cells_ms, "usage": usage, "started_ms": t}));
        t += 90 + cells_ms;
    }
    lines.push(json!({"type": "outcome", "answer": "the synthetic answer", "finished": "final",
        "error": null, "iterations": iterations, "usage": {"per_model": {}, "per_depth": [],
        "total": {"calls": 0, "failures": 0, "retries": 0, "usage": usage, "elapsed": {"secs": 0, "nanos": 0}}},
        "cost_usd": null, "duration_ms": t}));
    let mut text = String::new();
    for line in &lines {
        text.push_str(&line.to_string());
        text.push('\n');
    }
    std::fs::write(path, &text).unwrap();
    text.len()
}
