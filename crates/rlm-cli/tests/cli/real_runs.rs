//! What a real run needs from the command line: no answer is never printed as one (exit 5), a
//! forced answer says so, retries are one line each and silent under `-q`, waits on `--rpm` show,
//! endless or empty contexts, a bad `--trajectory` before any call, and a 401 from a server that was
//! sent no key says how to send one.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{CaptureServer, SimServerProcess, assert_one_error_line, rlm, scratch_dir};

fn context_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("context.txt");
    std::fs::write(&path, text).unwrap();
    path
}

fn sim_run(url: &str, root: &str, context: &Path, extra: &[&str]) -> std::process::Output {
    rlm()
        .arg("run")
        .arg("--context")
        .arg(context)
        .args(["--model", root, "--sub-model", "sim-sub", "--base-url", url])
        .args(["--query", "What are the magic numbers?"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_run_that_never_answers_exits_5_and_prints_no_answer() {
    let dir = scratch_dir("never");
    let context = context_file(&dir, "The magic number is 1234567.\n");
    let server = SimServerProcess::start(&["--latency-ms", "1"]);
    let output = sim_run(
        &server.url,
        "sim-root-never",
        &context,
        &["--max-iterations", "2"],
    );
    assert_eq!(output.status.code(), Some(5));
    assert!(
        output.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let line = assert_one_error_line(&output.stderr);
    assert!(
        line.starts_with("rlm: error: no answer after 2 iterations")
            && line.contains("--max-iterations"),
        "{line}"
    );
    let json = sim_run(
        &server.url,
        "sim-root-never",
        &context,
        &["--max-iterations", "2", "--json"],
    );
    assert_eq!(json.status.code(), Some(5));
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        (v["class"].as_str(), v["iterations"].as_u64()),
        (Some("limit"), Some(2))
    );
    assert!(v.get("answer").is_none(), "{v}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_forced_answer_is_marked_as_forced() {
    let dir = scratch_dir("forced");
    let context = context_file(&dir, "filler\nThe magic number is 1234567.\nfiller\n");
    let server = SimServerProcess::start(&["--latency-ms", "1", "--chunks", "2"]);
    // The script answers on its third turn: with two turns, that is the final-answer request.
    let output = sim_run(
        &server.url,
        "sim-root-batch",
        &context,
        &["--max-iterations", "2"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "1234567");
    assert!(
        stderr.contains("rlm: note: the model did not finish on its own"),
        "{stderr}"
    );
    let json = sim_run(
        &server.url,
        "sim-root-batch",
        &context,
        &["--max-iterations", "2", "--json"],
    );
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["finished"], "forced");
    let json = sim_run(&server.url, "sim-root-batch", &context, &["--json"]);
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["finished"], "final");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn retries_are_one_line_each_and_silent_under_quiet() {
    let dir = scratch_dir("retries");
    let context = context_file(
        &dir,
        &format!(
            "{}The magic number is 1234567.\n",
            "filler line\n".repeat(100)
        ),
    );
    let server =
        SimServerProcess::start(&["--latency-ms", "1", "--chunks", "4", "--fault", "2:500"]);
    let output = sim_run(&server.url, "sim-root-batch", &context, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let retries: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("[rlm] retrying sim-sub in "))
        .collect();
    assert!(!retries.is_empty(), "{stderr}");
    for line in &retries {
        assert!(
            line.contains(" failed: ") && line.contains("HTTP 500"),
            "{line}"
        );
    }
    assert!(!stderr.contains("WARN"), "{stderr}");
    let quiet = sim_run(&server.url, "sim-root-batch", &context, &["-q"]);
    assert!(quiet.status.success());
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn waiting_for_the_rate_limit_shows_in_the_progress() {
    let dir = scratch_dir("rpm");
    let context = context_file(&dir, "The magic number is 1234567.\n");
    let server = SimServerProcess::start(&["--latency-ms", "1", "--chunks", "1"]);
    // 60 requests per minute is one per second: the root's second and third turns wait.
    let output = sim_run(&server.url, "sim-root-batch", &context, &["--rpm", "60"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("[rlm] waiting for the --rpm/--tpm limit (sim-root-batch)"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn an_endless_context_fails_fast_and_an_empty_one_is_warned_about() {
    let started = Instant::now();
    let output = rlm()
        .args([
            "run",
            "--context",
            "/dev/zero",
            "--query",
            "q",
            "--model",
            "m",
        ])
        .args(["--base-url", "http://127.0.0.1:1/v1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let line = assert_one_error_line(&output.stderr);
    assert!(line.contains("larger than --max-context-size"), "{line}");
    assert!(
        started.elapsed() < Duration::from_mins(1),
        "{:?}",
        started.elapsed()
    );

    let dir = scratch_dir("empty");
    let context = context_file(&dir, "");
    let server = SimServerProcess::start(&["--latency-ms", "1"]);
    let output = sim_run(&server.url, "sim-root-batch", &context, &["-q"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("rlm: warning: the context is empty"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_trajectory_in_a_missing_folder_fails_before_any_model_call() {
    let dir = scratch_dir("bad-trajectory");
    let context = context_file(&dir, "text");
    // Nothing listens on port 1: a model call would be a provider error (exit 4) after retries.
    let started = Instant::now();
    let output = rlm()
        .arg("run")
        .arg("--context")
        .arg(&context)
        .args([
            "--query",
            "q",
            "--model",
            "m",
            "--base-url",
            "http://127.0.0.1:1/v1",
        ])
        .args(["--trajectory", "/no/such/folder/run.jsonl"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let line = assert_one_error_line(&output.stderr);
    assert!(
        line.starts_with("rlm: error: --trajectory /no/such/folder/run.jsonl"),
        "{line}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_401_from_a_server_sent_no_key_says_how_to_send_one() {
    let dir = scratch_dir("no-key-401");
    let context = context_file(&dir, "text");
    let server = CaptureServer::answering(401, "Unauthorized");
    let output = rlm()
        .env("OPENAI_API_KEY", "sk-test-not-sent-0123456789")
        .arg("run")
        .arg("--context")
        .arg(&context)
        .args([
            "--query",
            "q",
            "--model",
            "m",
            "--base-url",
            &server.url,
            "--retries",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let line = assert_one_error_line(&output.stderr);
    assert!(line.contains("no API key was sent to it"), "{line}");
    assert!(line.contains("--api-key-env OPENAI_API_KEY"), "{line}");
    assert!(
        !line.contains("check the API key") && !line.contains("sk-test"),
        "{line}"
    );
    let head = server.request_head().to_lowercase();
    assert!(!head.contains("authorization"), "{head}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn named_sub_models_reach_the_trajectory() {
    let dir = scratch_dir("named");
    let context = context_file(&dir, "The magic number is 1234567.\n");
    let trajectory = dir.join("t.jsonl");
    let server = SimServerProcess::start(&["--latency-ms", "1", "--chunks", "1"]);
    let output = sim_run(
        &server.url,
        "sim-root-batch",
        &context,
        &[
            "--sub-model",
            "fast=sim-sub=the same simulator, named",
            "--trajectory",
            trajectory.to_str().unwrap(),
            "-q",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let first = std::fs::read_to_string(&trajectory).unwrap();
    let metadata: Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(metadata["named_sub_models"], serde_json::json!(["fast"]));
    // The system prompt listed it for the model.
    assert!(
        first.contains("the same simulator, named"),
        "the prompt lists the description"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn loading_a_large_context_shows_progress() {
    let dir = scratch_dir("large");
    let context = context_file(
        &dir,
        &"a line of filler text for the loading test\n".repeat(400_000),
    );
    let server = SimServerProcess::start(&["--latency-ms", "1", "--chunks", "2"]);
    let output = sim_run(
        &server.url,
        "sim-root-never",
        &context,
        &["--max-iterations", "1"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[rlm] loading the context (16.4 MiB of text)..."),
        "{stderr}"
    );
    assert!(stderr.contains("[rlm] context loaded in "), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}
