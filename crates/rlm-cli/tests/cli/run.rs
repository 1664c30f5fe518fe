//! `rlm run` against `rlm sim-server` (a child process on a free loopback port) over a generated
//! haystack file: human output, `--json`, stdin, trajectory file, and a budget limit (exit 5).

use std::path::{Path, PathBuf};

use rlm_sim::haystack::{HaystackConfig, check_answer, generate};

use crate::support::{SimServerProcess, assert_one_error_line, rlm, scratch_dir};

const QUERY: &str = "What are the magic numbers?";

fn haystack_file(dir: &Path) -> (PathBuf, Vec<u64>) {
    let hay = generate(&HaystackConfig {
        size_bytes: 256 * 1024,
        needles: 5,
        seed: 7,
    });
    let path = dir.join("haystack.txt");
    std::fs::write(&path, &hay.text).unwrap();
    (path, hay.magic_numbers)
}

fn sim_args<'a>(url: &'a str, model: &'a str) -> Vec<&'a str> {
    vec![
        "--model",
        model,
        "--sub-model",
        "sim-sub",
        "--base-url",
        url,
        "--query",
        QUERY,
    ]
}

#[test]
fn run_answers_over_a_haystack_file() {
    let dir = scratch_dir("run-human");
    let (context, expected) = haystack_file(&dir);
    let server = SimServerProcess::start(&["--latency-ms", "5", "--chunks", "8"]);
    let trajectory = dir.join("t.jsonl");
    let output = rlm()
        .arg("run")
        .arg("--context")
        .arg(&context)
        .args(sim_args(&server.url, "sim-root-batch"))
        .arg("--trajectory")
        .arg(&trajectory)
        .args(["--price-in", "1", "--price-out", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(check_answer(stdout.trim(), &expected), "{stdout}");
    assert!(
        stderr.contains("usage:") && stderr.contains("sim-sub:"),
        "{stderr}"
    );
    assert!(stderr.contains("cost: $"), "{stderr}");
    // Progress lines (stderr is not a terminal): iterations, then the batch's sub-calls done/total.
    assert!(stderr.contains("[rlm] iteration 1/30"), "{stderr}");
    assert!(
        stderr.contains("[rlm] depth 0: batch of 8 sub-calls started"),
        "{stderr}"
    );
    assert!(
        stderr.lines().any(|l| l.starts_with("[rlm] iteration ")
            && l.contains(" done: ")
            && l.contains("8/8 sub-calls (0 failed)")),
        "{stderr}"
    );
    let first = std::fs::read_to_string(&trajectory).unwrap();
    assert!(first.starts_with("{\"type\":\"run\""), "{first:.200}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn run_json_from_stdin_is_one_object() {
    let dir = scratch_dir("run-json");
    let (context, expected) = haystack_file(&dir);
    let server = SimServerProcess::start(&["--latency-ms", "5", "--chunks", "4"]);
    let output = rlm()
        .args(["run", "--context", "-", "--json"])
        .args(sim_args(&server.url, "sim-root-sequential"))
        .pipe_stdin(&context)
        .unwrap()
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "--json prints no progress: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.trim().lines().count(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(
        check_answer(v["answer"].as_str().unwrap(), &expected),
        "{v}"
    );
    assert_eq!(v["iterations"], 3);
    assert!(v["usage"]["total"]["calls"].as_u64().unwrap() >= 3 + 4);
    assert!(
        v["usage"]["per_model"]["sim-root-sequential"].is_object(),
        "{v}"
    );
    assert!(v["cost_usd"].is_null() && v["trajectory"].is_null(), "{v}");
    assert!(v["duration_ms"].is_u64());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn budget_reached_exits_5() {
    let dir = scratch_dir("run-budget");
    let (context, _) = haystack_file(&dir);
    let server = SimServerProcess::start(&["--latency-ms", "1"]);
    let trajectory = dir.join("partial.jsonl");
    let output = rlm()
        .arg("run")
        .arg("--context")
        .arg(&context)
        .args(sim_args(&server.url, "sim-root-batch"))
        .args([
            "--token-budget",
            "50",
            "--price-in",
            "1",
            "--price-out",
            "2",
        ])
        .arg("--trajectory")
        .arg(&trajectory)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    let line = assert_one_error_line(&output.stderr);
    assert!(line.contains("token budget"), "{line}");
    // The stopped run still reports its usage and cost, and names its trajectory.
    assert!(
        stderr.contains("usage:") && stderr.contains("sim-root-batch: 1 calls"),
        "{stderr}"
    );
    assert!(stderr.contains("cost: $"), "{stderr}");
    assert!(
        stderr.contains(&format!("trajectory: {}", trajectory.display())),
        "{stderr}"
    );
    // The partial trajectory: run metadata first, then the iteration that finished before the stop.
    let text = std::fs::read_to_string(&trajectory).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records[0]["type"], "run", "{text:.300}");
    assert_eq!(records[0]["root_model"], "sim-root-batch");
    assert_eq!(records[0]["limits"]["token_budget"], 50);
    let iterations = records.iter().filter(|r| r["type"] == "iteration").count();
    assert!(iterations >= 1, "{text:.300}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn timeout_reached_exits_5_with_json_error() {
    let dir = scratch_dir("run-timeout");
    let (context, _) = haystack_file(&dir);
    // Sub replies take 30 s; the run may take 2 s.
    let server = SimServerProcess::start(&["--latency-ms", "30000"]);
    let output = rlm()
        .arg("run")
        .arg("--context")
        .arg(&context)
        .args(sim_args(&server.url, "sim-root-batch"))
        .args(["--timeout", "2s", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = assert_one_error_line(&output.stderr);
    assert!(line.contains("timeout"), "{line}");
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (v["class"].as_str(), v["exit_code"].as_u64()),
        (Some("limit"), Some(5))
    );
    // What the run did before the timeout: the first root turn, at least.
    assert!(v["iterations"].as_u64().unwrap() >= 1, "{v}");
    assert!(
        v["usage"]["per_model"]["sim-root-batch"]["calls"]
            .as_u64()
            .unwrap()
            >= 1,
        "{v}"
    );
    assert!(v["duration_ms"].as_u64().unwrap() >= 1000, "{v}");
    assert!(v["cost_usd"].is_null() && v["trajectory"].is_null(), "{v}");
    // The first cell (inspecting the context) succeeded before the timeout: it is the partial answer.
    assert!(
        v["partial_answer"]
            .as_str()
            .unwrap_or_default()
            .contains("context"),
        "{v}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn json_context_is_passed_as_json() {
    let dir = scratch_dir("run-json-context");
    let hay = generate(&HaystackConfig {
        size_bytes: 64 * 1024,
        needles: 3,
        seed: 11,
    });
    let records: Vec<&str> = hay.text.lines().collect();
    let context = dir.join("records.json");
    std::fs::write(&context, serde_json::to_string_pretty(&records).unwrap()).unwrap();
    let trajectory = dir.join("t.jsonl");
    let server = SimServerProcess::start(&["--latency-ms", "1", "--chunks", "4"]);
    let output = rlm()
        .arg("run")
        .arg("--context")
        .arg(&context)
        .args(sim_args(&server.url, "sim-root-batch"))
        .arg("--trajectory")
        .arg(&trajectory)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        check_answer(v["answer"].as_str().unwrap(), &hay.magic_numbers),
        "{v}"
    );
    assert_eq!(v["trajectory"].as_str(), Some(trajectory.to_str().unwrap()));
    let text = std::fs::read_to_string(&trajectory).unwrap();
    let run: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(run["context_kind"], "json_array", "{run}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn api_key_never_appears_in_output_logs_or_trajectory() {
    let dir = scratch_dir("run-secret");
    let (context, expected) = haystack_file(&dir);
    let secret = "sk-live-test-SECRET-5f3a9c1e7b";
    let server = SimServerProcess::start(&["--latency-ms", "1", "--chunks", "4"]);
    // A finished run and a run stopped by its token budget (error path, partial trajectory, --json).
    for (name, extra) in [
        ("ok.jsonl", &[][..]),
        ("stopped.jsonl", &["--token-budget", "50", "--json"][..]),
    ] {
        let trajectory = dir.join(name);
        let output = rlm()
            .arg("run")
            .arg("--context")
            .arg(&context)
            .args(sim_args(&server.url, "sim-root-batch"))
            .args(["--api-key-env", "RLM_TEST_SECRET_KEY"])
            .args(extra)
            .arg("--trajectory")
            .arg(&trajectory)
            .env("RLM_TEST_SECRET_KEY", secret)
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if extra.is_empty() {
            assert!(output.status.success(), "{stderr}");
            assert!(check_answer(stdout.trim(), &expected), "{stdout}");
        } else {
            assert_eq!(output.status.code(), Some(5), "{stderr}");
        }
        // Trace logging really ran (HTTP client internals included), so the check below means something.
        assert!(stderr.contains("TRACE"), "{stderr:.500}");
        let saved = std::fs::read_to_string(&trajectory).unwrap();
        for (what, text) in [("stdout", &*stdout), ("stderr", &*stderr), (name, &*saved)] {
            assert!(!text.contains(secret), "the key leaked into {what}");
            assert!(
                !text.contains("SECRET-5f3a"),
                "part of the key leaked into {what}"
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
