//! Hostile cells through the real `rlm run`, as an attacker would send them: a scripted model
//! (`rlm sim-server --cells`) replays them one per turn into the default (process) sandbox. Every
//! cell ends within its CPU limit plus the kill grace, the run ends with the script's answer, and
//! the trajectory shows what the model was told.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::support::{SimServerProcess, rlm, scratch_dir};

/// Each hostile cell and a piece of what the model must be told for it (output, value, error or
/// restart note, as the trajectory records them). An entry starting `#reply` is a reply, not code
/// (`FINAL_VAR` written in the reply); what it is told appears in the next turn's messages.
const CELLS: &[(&str, &str)] = &[
    ("var kept = 1; context.length", "13"),
    (
        "Array.prototype.join.call({ length: 2 ** 53 - 1 }, '')",
        "TimeoutError: the cell ran past its CPU time limit of 1 s inside a built-in",
    ),
    (
        "[typeof kept, context.slice(2)]",
        r#"["undefined"," bar 🦀 baz"]"#,
    ),
    (
        "'a'.repeat(4e5).indexOf('a'.repeat(2e5) + 'b')",
        "so the sandbox process was killed",
    ),
    (
        "print.apply(null, new Array(1000).fill('x'.repeat(1e7)))",
        "characters omitted",
    ),
    (
        "llm_batch(new Array(1000).fill('x'.repeat(1e6)))",
        "RangeError: llm_batch",
    ),
    (
        "print('half:' + context.slice(0, 8) + '|')",
        "half:\u{1F980} bar \u{FFFD}|",
    ),
    (
        "Object.defineProperty(Object.prototype, 'log', { configurable: true, get() {}, set(v) { while (true) {} } }); 'trap set'",
        "trap set",
    ),
    (
        "console.log('console still works'); 1",
        "console still works",
    ),
    (
        "(async () => { await null; while (true) {} })(); 'started'",
        "background work",
    ),
    ("throw new Error('e'.repeat(5e7))", "Error: eeee"),
    (
        "Object.defineProperty(globalThis, 'slow', { get() { while (true) {} }, enumerable: true }); 0",
        "0",
    ),
    (
        "#reply\nFINAL_VAR(slow)",
        "took longer than the CPU time limit of 1 s",
    ),
    (
        "Object.defineProperty(globalThis, 'stuck', { get() { return Array.prototype.join.call({ length: 2 ** 53 - 1 }, '') }, enumerable: true }); 0",
        "0",
    ),
    (
        "#reply\nFINAL_VAR(stuck)",
        "ran past the CPU time limit of 1 s inside a built-in",
    ),
    ("Object.freeze(globalThis); 0", "froze the global object"),
];

/// Limit plus kill grace (2 s + a tenth), plus restarting and the turn around it.
const CELL_BOUND: Duration = Duration::from_secs(7);

fn cells_of(trajectory: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(trajectory).unwrap();
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter_map(|record| record["cells"].as_array().cloned())
        .flatten()
        .collect()
}

#[test]
fn hostile_cells_through_rlm_run_end_in_time_and_are_reported() {
    let dir = scratch_dir("hostile");
    let cells: Vec<&str> = CELLS.iter().map(|(cell, _)| *cell).collect();
    let cells_file = dir.join("cells.js");
    std::fs::write(&cells_file, cells.join("\n---\n")).unwrap();
    let context = dir.join("context.txt");
    std::fs::write(&context, "🦀 bar 🦀 baz").unwrap();
    let cells_arg = cells_file.to_str().unwrap();
    let server = SimServerProcess::start(&["--latency-ms", "1", "--cells", cells_arg]);
    let trajectory = dir.join("run.jsonl");
    let output = rlm()
        .arg("run")
        .arg("--context")
        .arg(&context)
        .args([
            "--model",
            "sim-root",
            "--sub-model",
            "sim-sub",
            "--base-url",
            &server.url,
        ])
        .args([
            "--query",
            "anything",
            "--cell-cpu-limit",
            "1s",
            "--max-iterations",
            "20",
        ])
        .arg("--trajectory")
        .arg(&trajectory)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("replayed {} cells", CELLS.len())
    );
    assert!(
        stderr.contains("The sandbox was restarted"),
        "progress shows restarts: {stderr}"
    );
    let records = cells_of(&trajectory);
    let (replies, code): (Vec<_>, Vec<_>) =
        CELLS.iter().partition(|(c, _)| c.starts_with("#reply"));
    assert_eq!(records.len(), code.len());
    let whole = std::fs::read_to_string(&trajectory).unwrap();
    for (reply, told) in replies {
        assert!(
            whole.contains(told),
            "{reply}: the model was not told {told:?}"
        );
    }
    // Both variables exist: the model is never told that they do not.
    assert!(
        !whole.contains("has no variable named"),
        "misleading FINAL_VAR message"
    );
    for ((cell, told), record) in code.iter().zip(&records) {
        let shown = ["stdout", "value", "error", "restart"]
            .iter()
            .filter_map(|field| record[field].as_str())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(shown.contains(told), "{cell}\nwas told:\n{shown}");
        assert!(
            shown.len() < 50_000,
            "{cell}: {} characters kept",
            shown.len()
        );
        let took = Duration::from_millis(record["duration_ms"].as_u64().unwrap());
        assert!(took < CELL_BOUND, "{cell} took {took:?}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
