//! `--no-prompt-cache`: by default the root model's request asks Anthropic to cache the history
//! (`cache_control` breakpoints); with the flag the body has none. `rlm eval run` takes it too.

use crate::support::{CaptureServer, rlm, scratch_dir};

/// The body of the first request `rlm run --provider anthropic` sends (plus `extra` flags).
fn anthropic_body(extra: &[&str]) -> String {
    let context = scratch_dir("prompt-cache").join("context.txt");
    std::fs::write(&context, b"some context").unwrap();
    let server = CaptureServer::start();
    let base = server.url.trim_end_matches("/v1").to_owned();
    let context = context.display().to_string();
    let output = rlm()
        .args(["run", "--context", &context, "--query", "q"])
        .args(["--provider", "anthropic", "--model", "claude-x"])
        .args(["--base-url", &base, "--retries", "0", "--timeout", "30s"])
        .args(extra)
        .args(["--api-key-env", "CAPTURE_KEY"])
        .env("CAPTURE_KEY", "sk-ant-capture-test")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(4),
        "the capture server answers 400"
    );
    let (head, body) = server.request();
    assert!(head.starts_with("POST /v1/messages"), "{head}");
    body
}

#[test]
fn the_root_request_carries_breakpoints_unless_turned_off() {
    let body = anthropic_body(&[]);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json["system"][0]["cache_control"]["type"], "ephemeral",
        "{body}"
    );
    assert_eq!(
        json["messages"][0]["content"][0]["cache_control"]["type"], "ephemeral",
        "{body}"
    );
    let body = anthropic_body(&["--no-prompt-cache"]);
    assert!(!body.contains("cache_control"), "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(json["system"].is_string(), "{body}");
}

#[test]
fn eval_run_takes_the_flag() {
    let output = rlm().args(["eval", "run", "--help"]).output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("--no-prompt-cache"));
}
