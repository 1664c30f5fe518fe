//! `rlm eval` end to end against `rlm sim-server` (a scripted stand-in model, not an LLM): generated
//! suites, a 20-task run with `--jobs 4`, resume after a kill, a dead provider recorded per task,
//! `direct` cut to a small window, bad task lines, and the report in every format.

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{RLM, SimServerProcess, assert_success, rlm, scratch_dir};

/// `rlm eval gen SUITE` into `path` with `extra` flags.
fn gen_tasks(path: &Path, suite: &str, extra: &[&str]) {
    let output = rlm()
        .args(["eval", "gen", suite])
        .args(extra)
        .arg("-o")
        .arg(path)
        .output()
        .unwrap();
    assert_success(&output);
}

/// The flags that point `rlm eval run` at the simulated server.
fn sim_flags(url: &str) -> Vec<String> {
    [
        "--model",
        "sim-root-c8",
        "--sub-model",
        "sim-sub",
        "--base-url",
        url,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The result lines of a file.
fn results(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn run_eval(tasks: &Path, out: &Path, flags: &[String]) -> std::process::Output {
    rlm()
        .args(["eval", "run"])
        .arg(tasks)
        .arg("-o")
        .arg(out)
        .args(flags)
        .output()
        .unwrap()
}

#[test]
fn gen_is_deterministic_and_can_write_context_files() {
    let dir = scratch_dir("eval-gen");
    let (a, b, c) = (
        dir.join("a.jsonl"),
        dir.join("b.jsonl"),
        dir.join("c.jsonl"),
    );
    gen_tasks(&a, "pairs", &["-n", "3", "--size", "5000", "--seed", "9"]);
    gen_tasks(&b, "pairs", &["-n", "3", "--size", "5000", "--seed", "9"]);
    gen_tasks(&c, "pairs", &["-n", "3", "--size", "5000", "--seed", "10"]);
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(text, std::fs::read_to_string(&b).unwrap());
    assert_ne!(text, std::fs::read_to_string(&c).unwrap());
    assert_eq!(text.lines().count(), 3);
    let files = dir.join("files.jsonl");
    let contexts = dir.join("ctx");
    let output = rlm()
        .args([
            "eval",
            "gen",
            "niah",
            "-n",
            "2",
            "--size",
            "3000",
            "--context-dir",
        ])
        .arg(&contexts)
        .arg("-o")
        .arg(&files)
        .output()
        .unwrap();
    assert_success(&output);
    for line in results(&files) {
        assert!(line.get("context").is_none(), "{line}");
        let file = line["context_file"].as_str().unwrap();
        assert_eq!(file, format!("ctx/{}.txt", line["id"].as_str().unwrap()));
        assert!(dir.join(file).is_file());
    }
    // A filler corpus of the user's own.
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(
        corpus.join("a.txt"),
        "The owl watched the orchard at night. Rain came over the hills! Was the ferry late?",
    )
    .unwrap();
    let own = dir.join("own.jsonl");
    let output = rlm()
        .args([
            "eval", "gen", "niah", "-n", "1", "--size", "3000", "--filler",
        ])
        .arg(&corpus)
        .arg("-o")
        .arg(&own)
        .output()
        .unwrap();
    assert_success(&output);
    let context = results(&own)[0]["context"].as_str().unwrap().to_owned();
    assert!(
        context.contains("The owl watched the orchard at night."),
        "{context}"
    );
    let needle_start = context.find("The secret value").unwrap();
    let needle_end = needle_start + context[needle_start..].find("\".").unwrap() + 2;
    let mut rest = format!("{}{}", &context[..needle_start], &context[needle_end..]);
    for sentence in [
        "The owl watched the orchard at night.",
        "Rain came over the hills!",
        "Was the ferry late?",
    ] {
        rest = rest.replace(sentence, "");
    }
    assert!(rest.trim().is_empty(), "only corpus sentences: {rest:?}");
    let bad = rlm()
        .args(["eval", "gen", "nope", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn twenty_tasks_with_four_jobs_score_as_expected_and_report() {
    let dir = scratch_dir("eval-run");
    let tasks = dir.join("tasks.jsonl");
    let mut all = String::new();
    for suite in ["niah", "multi-niah", "aggregate", "pairs"] {
        let part = dir.join(format!("{suite}.jsonl"));
        gen_tasks(&part, suite, &["-n", "5", "--size", "12000", "--seed", "4"]);
        all.push_str(&std::fs::read_to_string(&part).unwrap());
    }
    std::fs::write(&tasks, all).unwrap();
    let server = SimServerProcess::start(&["--latency-ms", "5", "--root-latency-ms", "1"]);
    let out = dir.join("results.jsonl");
    let mut flags = sim_flags(&server.url);
    flags.extend(["--jobs", "4", "--trajectories"].map(str::to_owned));
    flags.push(dir.join("traj").display().to_string());
    let output = run_eval(&tasks, &out, &flags);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("20 job(s) to run, 0 already in"),
        "{stderr}"
    );
    let lines = results(&out);
    assert_eq!(lines.len(), 20);
    for line in &lines {
        assert_eq!(line["score"], 1.0, "{line}");
        assert_eq!(line["finished"], "final", "{line}");
        assert_eq!(line["method"], "rlm");
        assert_eq!(line["label"], "sim-root-c8");
        assert_eq!(line["iterations"], 3, "{line}");
        assert!(line["subcalls"].as_u64().unwrap() >= 1, "{line}");
        assert!(Path::new(line["trajectory"].as_str().unwrap()).is_file());
    }
    let report = rlm()
        .args(["eval", "report", "--json"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(report.status.success());
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    let groups = report["groups"].as_array().unwrap();
    let suites: Vec<&str> = groups
        .iter()
        .map(|g| g["suite"].as_str().unwrap())
        .collect();
    assert_eq!(suites, ["aggregate", "multi-niah", "niah", "pairs"]);
    for group in groups {
        assert_eq!(group["n"], 5, "{group}");
        assert_eq!(group["accuracy"], 1.0, "{group}");
    }
    let markdown = rlm()
        .args(["eval", "report", "--markdown"])
        .arg(&out)
        .output()
        .unwrap();
    let markdown = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        markdown.contains("| suite |") && markdown.contains("| pairs |"),
        "{markdown}"
    );
}

#[test]
fn ctrl_c_stops_at_once_and_keeps_finished_results() {
    let dir = scratch_dir("eval-sigint");
    let tasks = dir.join("tasks.jsonl");
    gen_tasks(&tasks, "niah", &["-n", "20", "--size", "4000"]);
    let server = SimServerProcess::start(&["--latency-ms", "400", "--root-latency-ms", "1"]);
    let out = dir.join("results.jsonl");
    let child = StdCommand::new(RLM)
        .args(["eval", "run"])
        .arg(&tasks)
        .arg("-o")
        .arg(&out)
        .args(sim_flags(&server.url))
        .args(["--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_mins(2);
    while results_so_far(&out) < 1 {
        assert!(Instant::now() < deadline, "no result within two minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let stopped = Instant::now();
    let output = child.wait_with_output().unwrap();
    assert!(
        stopped.elapsed() < Duration::from_secs(10),
        "{:?}",
        stopped.elapsed()
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("rerun the same command to resume"),
        "{stderr}"
    );
    let kept = results(&out);
    assert!((1..20).contains(&kept.len()), "{}", kept.len());
    assert!(kept.iter().all(|l| l["score"] == 1.0));
}

#[test]
fn a_killed_run_resumes_without_rerunning_finished_tasks() {
    let dir = scratch_dir("eval-resume");
    let tasks = dir.join("tasks.jsonl");
    gen_tasks(
        &tasks,
        "niah",
        &["-n", "8", "--size", "6000", "--seed", "2"],
    );
    let server = SimServerProcess::start(&["--latency-ms", "300", "--root-latency-ms", "1"]);
    let out = dir.join("results.jsonl");
    let mut child = StdCommand::new(RLM)
        .args(["eval", "run"])
        .arg(&tasks)
        .arg("-o")
        .arg(&out)
        .args(sim_flags(&server.url))
        .args(["--jobs", "2", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_mins(2);
    while results_so_far(&out) < 2 {
        assert!(Instant::now() < deadline, "no result within two minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = results(&out);
    let kept = before.len();
    assert!((2..8).contains(&kept), "{kept} results before the kill");
    let output = run_eval(&tasks, &out, &sim_flags(&server.url));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("{} job(s) to run, {kept} already in", 8 - kept)),
        "{stderr}"
    );
    let after = results(&out);
    assert_eq!(after.len(), 8);
    assert_eq!(
        &after[..kept],
        &before[..],
        "finished results are kept as they were"
    );
    let mut ids: Vec<&str> = after.iter().map(|l| l["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 8, "no task ran twice");
    assert!(after.iter().all(|l| l["score"] == 1.0));
}

fn results_so_far(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).is_ok())
        .count()
}

#[test]
fn a_dead_provider_is_recorded_per_task() {
    let dir = scratch_dir("eval-dead");
    let tasks = dir.join("tasks.jsonl");
    gen_tasks(&tasks, "aggregate", &["-n", "3", "--size", "3000"]);
    let out = dir.join("results.jsonl");
    let flags: Vec<String> = [
        "--model",
        "m",
        "--base-url",
        "http://127.0.0.1:1/v1",
        "--retries",
        "0",
        "--method",
        "rlm",
        "--method",
        "direct",
    ]
    .map(str::to_owned)
    .to_vec();
    let output = run_eval(&tasks, &out, &flags);
    assert_success(&output);
    let lines = results(&out);
    assert_eq!(lines.len(), 6);
    for line in &lines {
        assert_eq!(line["finished"], "error", "{line}");
        assert_eq!(line["error_class"], "provider", "{line}");
        assert_eq!(line["score"], 0.0);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("provider"),
        "the summary shows the errors: {stdout}"
    );
}

#[test]
fn direct_is_cut_to_a_small_window_and_scores_accordingly() {
    let dir = scratch_dir("eval-direct");
    let tasks = dir.join("tasks.jsonl");
    gen_tasks(
        &tasks,
        "niah",
        &["-n", "2", "--size", "20000", "--depth", "0.5"],
    );
    let server = SimServerProcess::start(&["--latency-ms", "1", "--root-latency-ms", "1"]);
    let cut = direct_run(&tasks, &dir.join("cut"), &server.url, "1000");
    let whole = direct_run(&tasks, &dir.join("whole"), &server.url, "100000");
    for line in &cut {
        assert_eq!(line["score"], 0.0, "{line}");
        assert_eq!(line["answer"], "NONE", "{line}");
        let trajectory = std::fs::read_to_string(line["trajectory"].as_str().unwrap()).unwrap();
        assert!(trajectory.contains("characters cut to fit the model's window"));
    }
    for line in &whole {
        assert_eq!(line["score"], 1.0, "{line}");
        assert_eq!(line["iterations"], 1, "{line}");
        assert_eq!(line["subcalls"], 0, "{line}");
    }
}

fn direct_run(tasks: &Path, dir: &Path, url: &str, window: &str) -> Vec<Value> {
    std::fs::create_dir_all(dir).unwrap();
    let out: PathBuf = dir.join("results.jsonl");
    let mut flags = sim_flags(url);
    flags.extend(["--method", "direct", "--window", window, "--trajectories"].map(str::to_owned));
    flags.push(dir.display().to_string());
    let output = run_eval(tasks, &out, &flags);
    assert_success(&output);
    results(&out)
}

#[test]
fn bad_task_lines_are_named_and_the_others_run() {
    let dir = scratch_dir("eval-bad");
    let tasks = dir.join("tasks.jsonl");
    let mut bytes = concat!(
        r#"{"id": "ok", "query": "What is the secret value for key \"a-b\"? Answer with the value only.", "context": "x The secret value for key \"a-b\" is \"v-1234\". y", "expected": "v-1234"}"#,
        "\n{not json\n",
        r#"{"id": "odd", "query": "q", "context": "c", "expected": 1, "scorer": "my_scorer"}"#,
        "\n",
        r#"{"id": "n", "query": "q", "context": "c", "expected": "lots", "scorer": "numeric"}"#,
        "\n",
    )
    .as_bytes()
    .to_vec();
    bytes.extend_from_slice(b"{\"id\": \"latin1\", \"query\": \"caf\xe9\"}\n");
    std::fs::write(&tasks, bytes).unwrap();
    let server = SimServerProcess::start(&["--latency-ms", "1", "--root-latency-ms", "1"]);
    let out = dir.join("results.jsonl");
    let output = run_eval(&tasks, &out, &sim_flags(&server.url));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    for want in [
        "line 2: not a valid task",
        "line 3: task \"odd\": unknown scorer \"my_scorer\"",
        "line 4: task \"n\": the numeric scorer cannot use the expected value \"lots\"",
        "line 5: not UTF-8 text",
    ] {
        assert!(stderr.contains(want), "{want:?} not in {stderr}");
    }
    let lines = results(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["score"], 1.0, "{}", lines[0]);
}
