//! Every error class gives its exit code and a one-line message: usage (2), input (3), provider (4);
//! no panic, no backtrace, no secret in the output.

use std::time::{Duration, Instant};

use crate::support::{CaptureServer, assert_one_error_line, rlm, scratch_dir};

/// Runs `rlm` with `args` and returns (exit code, the error line, stdout).
fn fails(args: &[&str]) -> (Option<i32>, String, String) {
    let output = rlm().args(args).output().unwrap();
    let line = assert_one_error_line(&output.stderr);
    (
        output.status.code(),
        line,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// `rlm run --context CONTEXT --query q --model MODEL` followed by `extra`.
fn run_args<'a>(context: &'a str, model: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        "--context",
        context,
        "--query",
        "q",
        "--model",
        model,
    ];
    args.extend_from_slice(extra);
    args
}

fn context_file(name: &str, bytes: &[u8]) -> String {
    let path = scratch_dir(name).join("context.txt");
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn missing_key_names_the_variable() {
    let context = context_file("nokey", b"hello");
    let (code, line, _) = fails(&run_args(&context, "gpt-4o-mini", &[]));
    assert_eq!(code, Some(2));
    assert!(line.contains("OPENAI_API_KEY is not set"), "{line}");
    let (code, line, _) = fails(&run_args(&context, "claude", &["--provider", "anthropic"]));
    assert_eq!(code, Some(2));
    assert!(line.contains("ANTHROPIC_API_KEY is not set"), "{line}");
    let (code, line, _) = fails(&run_args(&context, "m", &["--api-key-env", "MY_RLM_KEY"]));
    assert_eq!(code, Some(2));
    assert!(line.contains("MY_RLM_KEY is not set"), "{line}");
}

#[test]
fn unreadable_file_is_an_input_error() {
    let (code, line, _) = fails(&run_args(
        "/no/such/dir/context.txt",
        "m",
        &["--base-url", "http://127.0.0.1:1/v1"],
    ));
    assert_eq!(code, Some(3));
    assert!(line.contains("/no/such/dir/context.txt"), "{line}");
}

#[test]
fn invalid_utf8_says_where() {
    let context = context_file("utf8", b"first line\nsecond \xe9t\xe9\n");
    let (code, line, _) = fails(&run_args(
        &context,
        "m",
        &["--base-url", "http://127.0.0.1:1/v1"],
    ));
    assert_eq!(code, Some(3));
    assert!(line.contains("not valid UTF-8"), "{line}");
    assert!(line.contains("byte offset 18 (line 2, column 8)"), "{line}");
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let base = ["run", "--context", "x", "--query", "q", "--model", "m"];
    let cases: [(&[&str], &str); 6] = [
        (&["--provider", "mistral"], "mistral"),
        (&["--max-concurrent", "0"], "--max-concurrent"),
        (&["--timeout", "0"], "--timeout"),
        (&["--timeout", "soon"], "--timeout"),
        (&["--budget-usd", "1"], "--price-in"),
        (&["--max-depth", "99"], "--max-depth"),
    ];
    for (extra, expected) in cases {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let (code, line, _) = fails(&args);
        assert_eq!(code, Some(2), "{extra:?}: {line}");
        assert!(line.contains(expected), "{extra:?}: {line}");
    }
    let (code, line, _) = fails(&[
        "run",
        "--context",
        "x",
        "--query",
        "q",
        "--provider",
        "mistral",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        line.contains("possible values: openai, anthropic"),
        "{line}"
    );
    let (code, _, _) = fails(&["frobnicate"]);
    assert_eq!(code, Some(2));
    let (code, _, _) = fails(&["demo", "--size", "0"]);
    assert_eq!(code, Some(2));
}

#[test]
fn empty_query_and_key_variable_are_usage_errors() {
    let (code, line, _) = fails(&["run", "--context", "x", "--model", "m", "--query", ""]);
    assert_eq!(code, Some(2), "{line}");
    assert!(
        line.contains("--query") && line.contains("the query is empty"),
        "{line}"
    );
    let (code, line, _) = fails(&run_args("x", "m", &["--api-key-env", ""]));
    assert_eq!(code, Some(2), "{line}");
    assert!(
        line.contains("--api-key-env") && line.contains("the variable name is empty"),
        "{line}"
    );
    assert!(!line.contains(" is not set"), "{line}");
}

#[test]
fn dead_server_is_a_provider_error_quickly_and_keeps_the_key_secret() {
    let context = context_file("dead", b"some context");
    let secret = "sk-test-DO-NOT-PRINT-0123456789";
    let started = Instant::now();
    let output = rlm()
        .args(run_args(
            &context,
            "m",
            &[
                "--base-url",
                "http://127.0.0.1:1/v1",
                "--timeout",
                "30s",
                "--retries",
                "1",
            ],
        ))
        .env("OPENAI_API_KEY", secret)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    // Connection refused at once, one retry after ~0.5 s: far below the 30 s run timeout.
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = assert_one_error_line(&output.stderr);
    assert!(line.contains("could not reach"), "{line}");
    for stream in [&output.stdout, &output.stderr] {
        assert!(
            !String::from_utf8_lossy(stream).contains(secret),
            "the key leaked"
        );
    }
}

/// Runs `rlm run` against a capture server with `OPENAI_API_KEY` set (plus `extra` flags and `env`);
/// returns the exit code and the head of the request the server received.
fn request_head_with(extra: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let context = context_file("capture", b"some context");
    let server = CaptureServer::start();
    let mut cmd = rlm();
    cmd.args(run_args(&context, "m", extra))
        .args([
            "--base-url",
            &server.url,
            "--retries",
            "0",
            "--timeout",
            "30s",
        ])
        .env("OPENAI_API_KEY", "sk-default-NOT-FOR-THIRD-PARTIES");
    for (name, value) in env {
        cmd.env(name, value);
    }
    let output = cmd.output().unwrap();
    (output.status.code(), server.request_head())
}

#[test]
fn custom_base_url_gets_no_default_key_unless_named() {
    let (code, head) = request_head_with(&[], &[]);
    assert_eq!(code, Some(4), "{head}");
    assert!(head.starts_with("POST /v1/chat/completions"), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("authorization"),
        "{head}"
    );
    assert!(!head.contains("sk-default"), "{head}");
    let (code, head) = request_head_with(
        &["--api-key-env", "ROUTER_KEY"],
        &[("ROUTER_KEY", "sk-router-named")],
    );
    assert_eq!(code, Some(4), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: bearer sk-router-named"),
        "{head}"
    );
    assert!(!head.contains("sk-default"), "{head}");
}

#[test]
fn help_documents_the_exit_codes() {
    let output = rlm().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for code in [
        "2  usage error",
        "3  input error",
        "4  provider error",
        "5  limit reached",
    ] {
        assert!(help.contains(code), "{help}");
    }
    assert!(help.contains("RUST_LOG"), "{help}");
}
