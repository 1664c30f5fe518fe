//! `rlm eval report` comparing runs end to end, against `rlm sim-server` (a scripted stand-in
//! model, not an LLM): two labelled runs of one task file, the methods and runs comparisons in the
//! table, `--baseline` choosing the run the others are compared with, and a label that is not there.

use std::path::{Path, PathBuf};

use crate::support::{SimServerProcess, assert_success, rlm, scratch_dir};

/// `rlm eval run` of `tasks` into `dir/NAME.jsonl` with `flags`.
fn run(tasks: &Path, dir: &Path, name: &str, url: &str, flags: &[&str]) -> PathBuf {
    let out = dir.join(format!("{name}.jsonl"));
    let output = rlm()
        .args(["eval", "run"])
        .arg(tasks)
        .arg("-o")
        .arg(&out)
        .args([
            "--model",
            "sim-root-c8",
            "--sub-model",
            "sim-sub",
            "--base-url",
            url,
        ])
        .args(["--quiet", "--label", name])
        .args(flags)
        .output()
        .unwrap();
    assert_success(&output);
    out
}

/// The text report of `files` with `extra` flags: (exit code, stdout, stderr).
fn report(files: &[&Path], extra: &[&str]) -> (Option<i32>, String, String) {
    let output = rlm()
        .args(["eval", "report"])
        .args(files)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The row of the comparisons table that starts with `suite  kind` and names both groups.
fn comparison_row<'a>(text: &'a str, kind: &str, baseline: &str, compared: &str) -> &'a str {
    text.lines()
        .skip_while(|l| !l.starts_with("Comparisons"))
        .find(|l| {
            let cells: Vec<&str> = l
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            cells.get(1) == Some(&kind)
                && cells.get(2) == Some(&baseline)
                && cells.get(3) == Some(&compared)
        })
        .unwrap_or_else(|| panic!("no {kind} row {baseline} -> {compared} in {text}"))
}

#[test]
fn two_runs_are_compared_with_each_other_and_with_direct() {
    let dir = scratch_dir("eval-report-runs");
    let tasks = dir.join("tasks.jsonl");
    let generated = rlm()
        .args([
            "eval", "gen", "niah", "-n", "6", "--size", "8000", "--seed", "2", "-o",
        ])
        .arg(&tasks)
        .output()
        .unwrap();
    assert_success(&generated);
    let server = SimServerProcess::start(&["--latency-ms", "1", "--root-latency-ms", "1"]);
    // "full" answers every task; "short" has one iteration, too few for the scripted model.
    let full = run(
        &tasks,
        &dir,
        "full",
        &server.url,
        &["--method", "rlm", "--method", "direct"],
    );
    let short = run(
        &tasks,
        &dir,
        "short",
        &server.url,
        &["--max-iterations", "1"],
    );

    let (code, text, stderr) = report(&[&full, &short], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let methods = comparison_row(&text, "methods", "direct full", "rlm full");
    assert!(methods.contains("paired, n=6"), "{methods}");
    let runs = comparison_row(&text, "runs", "rlm full", "rlm short");
    assert!(
        runs.contains("-1.000 [-1.000, -0.363]") && runs.contains("paired, n=6"),
        "{runs}"
    );
    for header in [
        "tokens in mean / p50 / p95",
        "tokens out mean / p50 / p95",
        "time mean / p50 / p95",
    ] {
        assert!(text.contains(header), "{header} missing from {text}");
    }

    let (code, text, stderr) = report(&[&full, &short], &["--baseline", "short"]);
    assert_eq!(code, Some(0), "{stderr}");
    let runs = comparison_row(&text, "runs", "rlm short", "rlm full");
    assert!(runs.contains("+1.000"), "{runs}");

    let (code, _, stderr) = report(&[&full, &short], &["--baseline", "nope", "--markdown"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr
            .contains("--baseline nope: no result line has this label; the labels are full, short"),
        "{stderr}"
    );
}
