//! `rlm demo`: offline, no key, both answers correct, trajectories written where asked.

use std::io::BufRead;

use crate::support::{rlm, scratch_dir};

#[test]
fn demo_is_correct_offline_and_writes_trajectories() {
    let dir = scratch_dir("demo");
    let output = rlm()
        .args([
            "demo",
            "--size",
            "1MiB",
            "--latency-ms",
            "20",
            "--quiet",
            "--out-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(stdout.matches("correct:    yes").count(), 2, "{stdout}");
    assert!(!stdout.contains("correct:    NO"), "{stdout}");
    assert!(stdout.contains("NOT a language model"), "{stdout}");
    assert!(stdout.contains("speedup:"), "{stdout}");
    assert!(stdout.contains("speedup check"), "{stdout}");
    for name in ["sequential", "batch"] {
        let path = dir.join(format!("{name}.jsonl"));
        assert!(stdout.contains(&path.display().to_string()), "{stdout}");
        let file = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
        let lines: Vec<String> = file.lines().map(Result::unwrap).collect();
        assert!(lines.len() >= 2, "{name}: {} lines", lines.len());
        for line in &lines {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }
    // The batch run's code really used llm_batch, the sequential run's code did not.
    assert!(code_of(&dir.join("batch.jsonl")).contains("llm_batch("));
    let sequential = code_of(&dir.join("sequential.jsonl"));
    assert!(sequential.contains("llm_query(") && !sequential.contains("llm_batch("));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Every code block the root model wrote in a trajectory file.
fn code_of(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut code = String::new();
    for line in text.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(blocks) = record["code_blocks"].as_array() {
            for block in blocks {
                code.push_str(block.as_str().unwrap());
                code.push('\n');
            }
        }
    }
    code
}

#[test]
fn demo_stopped_by_its_timeout_exits_5_and_keeps_the_trajectory() {
    let dir = scratch_dir("demo-timeout");
    // Sub replies take 30 s; each run may take 3 s: the sequential run stops at its first sub-call.
    let output = rlm()
        .args([
            "demo",
            "--size",
            "64KiB",
            "--latency-ms",
            "30000",
            "--timeout",
            "3s",
            "--quiet",
            "--out-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(5),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = crate::support::assert_one_error_line(&output.stderr);
    assert!(line.contains("timeout"), "{line}");
    let path = dir.join("sequential.jsonl");
    assert!(stdout.contains("sequential stopped after"), "{stdout}");
    assert!(
        stdout.contains(&format!("trajectory so far: {}", path.display())),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records[0]["type"], "run", "{text:.300}");
    assert_eq!(records[0]["root_model"], "sim-root-sequential");
    assert!(
        records.iter().any(|r| r["type"] == "iteration"),
        "{text:.300}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn demo_with_a_real_provider_needs_its_key() {
    let output = rlm()
        .args(["demo", "--provider", "anthropic", "--model", "claude-x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let line = crate::support::assert_one_error_line(&output.stderr);
    assert!(line.contains("ANTHROPIC_API_KEY"), "{line}");
}
