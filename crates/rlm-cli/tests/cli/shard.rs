//! `rlm eval run --shard I/N`: four shards of one task file run every task exactly once, and
//! `rlm eval report` merges their result files.

use std::collections::BTreeSet;

use crate::support::{SimServerProcess, assert_success, rlm, scratch_dir};

#[test]
fn four_shards_cover_every_task_once_and_merge_in_the_report() {
    let dir = scratch_dir("eval-shards");
    let tasks = dir.join("tasks.jsonl");
    let generated = rlm()
        .args(["eval", "gen", "niah", "-n", "12", "--size", "4000", "-o"])
        .arg(&tasks)
        .output()
        .unwrap();
    assert_success(&generated);
    let all: BTreeSet<String> = std::fs::read_to_string(&tasks)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    let server = SimServerProcess::start(&["--latency-ms", "1"]);
    let mut seen = BTreeSet::new();
    let mut outputs = Vec::new();
    for shard in 1..=4 {
        let out = dir.join(format!("shard-{shard}.jsonl"));
        let run = rlm()
            .args(["eval", "run"])
            .arg(&tasks)
            .arg("-o")
            .arg(&out)
            .args([
                "--model",
                "sim-root-c8",
                "--sub-model",
                "sim-sub",
                "--base-url",
            ])
            .arg(&server.url)
            .args(["--shard", &format!("{shard}/4"), "--quiet"])
            .output()
            .unwrap();
        assert_success(&run);
        for line in std::fs::read_to_string(&out).unwrap_or_default().lines() {
            let id = serde_json::from_str::<serde_json::Value>(line).unwrap()["id"].to_string();
            assert!(seen.insert(id.clone()), "{id} ran in two shards");
        }
        outputs.push(out);
    }
    assert_eq!(seen, all);
    let report = rlm()
        .args(["eval", "report", "--json"])
        .args(&outputs)
        .output()
        .unwrap();
    assert_success(&report);
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let groups = report["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "the shards merge into one group: {report}");
    assert_eq!(groups[0]["suite"], "niah");
    assert_eq!(groups[0]["n"], 12, "{report}");
    assert_eq!(groups[0]["accuracy"], 1.0, "{report}");
    assert_eq!(report["duplicates"], serde_json::json!([]), "{report}");
    assert_eq!(report["warnings"], serde_json::json!([]), "{report}");
    let refused = rlm()
        .args(["eval", "run"])
        .arg(&tasks)
        .args(["-o", "x.jsonl", "--model", "m", "--shard", "5/4"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("1 <= I <= N"));
}
