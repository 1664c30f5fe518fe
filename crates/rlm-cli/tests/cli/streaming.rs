//! `rlm run` streamed, end to end against `rlm sim-server`: the live view on stderr, the `--events`
//! feed (to a file and to stdout), the trajectory written as the run goes, and Ctrl-C (SIGINT) stopping
//! a run cleanly with exit 130, its trajectory so far and its usage report.

use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use rlm_sim::haystack::{HaystackConfig, check_answer, generate};
use serde_json::Value;

use crate::support::{RLM, SimServerProcess, rlm, scratch_dir};

fn haystack(dir: &Path) -> (std::path::PathBuf, Vec<u64>) {
    let hay = generate(&HaystackConfig {
        size_bytes: 64 * 1024,
        needles: 3,
        seed: 11,
    });
    let path = dir.join("haystack.txt");
    std::fs::write(&path, &hay.text).unwrap();
    (path, hay.magic_numbers)
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn run_args(url: &str, context: &Path) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = [
        "run",
        "--model",
        "sim-root-batch",
        "--sub-model",
        "sim-sub",
        "--base-url",
        url,
        "--query",
        "What are the magic numbers?",
        "--context",
    ]
    .iter()
    .map(Into::into)
    .collect();
    args.push(context.into());
    args
}

#[test]
fn a_streamed_run_is_shown_live_and_its_events_are_written_as_json_lines() {
    let dir = scratch_dir("stream-live");
    let (context, expected) = haystack(&dir);
    let server = SimServerProcess::start(&["--latency-ms", "5", "--chunks", "8"]);
    let (events, trajectory) = (dir.join("events.jsonl"), dir.join("t.jsonl"));
    let output = rlm()
        .args(run_args(&server.url, &context))
        .arg("--stream")
        .arg("--events")
        .arg(&events)
        .arg("--trajectory")
        .arg(&trajectory)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(check_answer(stdout.trim(), &expected), "{stdout}");
    for shown in [
        "── iteration 1/30 ──",
        "```repl",
        "▶ running block 1/1",
        "── output of block 1 (",
        "sub-calls at depth 0: 8/8 done, 0 failed",
        "usage:",
    ] {
        assert!(stderr.contains(shown), "{shown:?} missing from:\n{stderr}");
    }
    let events = lines(&std::fs::read_to_string(&events).unwrap());
    assert!(events.iter().all(|e| e["v"] == 1 && e["t_ms"].is_u64()));
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"context_loading"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"answer"), "{kinds:?}");
    for kind in [
        "run_started",
        "iteration_started",
        "root_delta",
        "code_block_ready",
        "cell_finished",
        "usage_updated",
        "run_finished",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let deltas = events.iter().filter(|e| e["event"] == "root_delta").count();
    assert!(deltas > 20, "the root replies streamed in {deltas} pieces");
    let items = events
        .iter()
        .filter(|e| e["event"] == "subcall_finished")
        .count();
    assert_eq!(items, 8, "one event per sub-call");
    let last = events.last().unwrap();
    assert!(
        check_answer(last["answer"].as_str().unwrap(), &expected),
        "{last}"
    );
    assert_eq!(last["finished"], "final");
    let written =
        rlm::Trajectory::read_jsonl(std::fs::read(&trajectory).unwrap().as_slice()).unwrap();
    assert_eq!(
        written.iterations().count(),
        last["iterations"].as_u64().unwrap() as usize
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn events_on_stdout_leave_stdout_to_json_lines() {
    let dir = scratch_dir("stream-stdout");
    let (context, expected) = haystack(&dir);
    let server = SimServerProcess::start(&["--latency-ms", "1", "--chunks", "4"]);
    let output = rlm()
        .args(run_args(&server.url, &context))
        .args(["--events", "-", "--quiet"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let events = lines(&String::from_utf8_lossy(&output.stdout));
    let last = events.last().unwrap();
    assert_eq!(last["event"], "answer");
    assert!(
        check_answer(last["answer"].as_str().unwrap(), &expected),
        "{last}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn ctrl_c_stops_the_run_and_writes_its_trajectory_and_report() {
    let dir = scratch_dir("stream-sigint");
    let (context, _) = haystack(&dir);
    // Sub-calls take ten minutes: only Ctrl-C can end this run in time.
    let server = SimServerProcess::start(&["--latency-ms", "600000", "--chunks", "4"]);
    let (events, trajectory) = (dir.join("events.jsonl"), dir.join("t.jsonl"));
    let mut child = StdCommand::new(RLM)
        .args(run_args(&server.url, &context))
        .arg("--events")
        .arg(&events)
        .arg("--trajectory")
        .arg(&trajectory)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !std::fs::read_to_string(&events)
        .unwrap_or_default()
        .contains("\"subcall_started\"")
    {
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "the batch never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let written = std::fs::read_to_string(&trajectory).unwrap();
    assert!(
        written.starts_with("{\"type\":\"run\""),
        "the metadata line is written at once: {written:.100}"
    );
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let stopped = Instant::now();
    let output = loop {
        if child.try_wait().unwrap().is_some() {
            break child.wait_with_output().unwrap();
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(20),
            "Ctrl-C did not stop the run"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stderr.contains("usage:"), "{stderr}");
    let trajectory =
        rlm::Trajectory::read_jsonl(std::fs::read(&trajectory).unwrap().as_slice()).unwrap();
    assert_eq!(trajectory.metadata.root_model, "sim-root-batch");
    let events = lines(&std::fs::read_to_string(&events).unwrap());
    let last = events.last().unwrap();
    assert_eq!(
        (last["event"].as_str(), last["exit_code"].as_u64()),
        (Some("failed"), Some(130))
    );
    std::fs::remove_dir_all(dir).unwrap();
}
