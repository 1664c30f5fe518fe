//! `rlm run --adaptive-concurrency` against `rlm sim-server --max-in-flight K`: the sub-calls over the
//! hidden limit are refused with 429, the adaptive cap backs off (reported as
//! `concurrency_limit_changed` events) and the run still answers correctly.

use rlm_sim::haystack::{HaystackConfig, check_answer, generate};
use serde_json::Value;

use crate::support::{SimServerProcess, rlm, scratch_dir};

#[test]
fn the_adaptive_cap_backs_off_to_the_servers_hidden_limit() {
    let dir = scratch_dir("adaptive");
    let hay = generate(&HaystackConfig {
        size_bytes: 64 * 1024,
        needles: 3,
        seed: 5,
    });
    let context = dir.join("haystack.txt");
    std::fs::write(&context, &hay.text).unwrap();
    let server = SimServerProcess::start(&[
        "--latency-ms",
        "30",
        "--chunks",
        "24",
        "--max-in-flight",
        "3",
    ]);
    let output = rlm()
        .args([
            "run",
            "--model",
            "sim-root-batch",
            "--sub-model",
            "sim-sub",
            "--base-url",
        ])
        .arg(&server.url)
        .args(["--query", "What are the magic numbers?", "--context"])
        .arg(&context)
        .args([
            "--adaptive-concurrency",
            "--max-concurrent",
            "32",
            "--events",
            "-",
            "--quiet",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let Some(last) = events.last() else {
        panic!("no events");
    };
    assert!(
        check_answer(
            last["answer"].as_str().unwrap_or_default(),
            &hay.magic_numbers
        ),
        "{last}"
    );
    let limits: Vec<u64> = events
        .iter()
        .filter(|e| e["event"] == "concurrency_limit_changed")
        .filter_map(|e| e["limit"].as_u64())
        .collect();
    assert!(
        limits.iter().any(|&limit| limit <= 4),
        "the limit never came down to the hidden 3: {limits:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
