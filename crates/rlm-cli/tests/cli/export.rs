//! `rlm trajectory export --format rlms` on real trajectories of runs against `sim-server`: every
//! line holds the fields the reference visualizer reads (alexzhang13/rlm,
//! `visualizer/src/lib/types.ts`), with their JSON types, and the values match the trajectory.

use std::path::Path;

use serde_json::Value;

use crate::browser_support::{records, sim_run};
use crate::support::{SimServerProcess, assert_one_error_line, assert_success, rlm, scratch_dir};

fn export(trajectory: &Path, out: &Path) -> Vec<Value> {
    let output = rlm()
        .args(["trajectory", "export"])
        .arg(trajectory)
        .args(["--format", "rlms", "-o"])
        .arg(out)
        .output()
        .unwrap();
    assert_success(&output);
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn has(value: &Value, key: &str, is: fn(&Value) -> bool) {
    assert!(value.get(key).is_some_and(is), "{key} in {value:.300}");
}

/// `RLMConfigMetadata` of types.ts.
fn check_metadata(line: &Value) {
    assert_eq!(line["type"], "metadata");
    has(line, "root_model", Value::is_string);
    has(line, "max_depth", Value::is_u64);
    has(line, "max_iterations", Value::is_u64);
    has(line, "backend", Value::is_string);
    has(line, "backend_kwargs", Value::is_object);
    has(line, "environment_type", Value::is_string);
    has(line, "environment_kwargs", Value::is_object);
    has(line, "other_backends", |v| {
        v.is_null() || v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
    });
}

/// `RLMIteration`, `CodeBlock`, `REPLResult` and `RLMChatCompletion` of types.ts; returns the calls.
fn check_iteration(line: &Value) -> Vec<Value> {
    assert_eq!(line["type"], "iteration");
    has(line, "iteration", Value::is_u64);
    has(line, "timestamp", |v| {
        v.as_str()
            .is_some_and(|s| s.len() == 32 && s.ends_with("+00:00"))
    });
    has(line, "response", Value::is_string);
    has(line, "iteration_time", |v| v.is_null() || v.is_f64());
    has(line, "final_answer", |v| {
        v.is_null()
            || v.is_string()
            || v.as_array()
                .is_some_and(|a| a.len() == 2 && a.iter().all(Value::is_string))
    });
    has(line, "prompt", |v| {
        v.as_array().is_some_and(|m| {
            !m.is_empty()
                && m.iter()
                    .all(|m| m["role"].is_string() && m["content"].is_string())
        })
    });
    has(line, "code_blocks", Value::is_array);
    let mut calls = Vec::new();
    for block in line["code_blocks"].as_array().unwrap() {
        has(block, "code", Value::is_string);
        let result = &block["result"];
        has(result, "stdout", Value::is_string);
        has(result, "stderr", Value::is_string);
        has(result, "locals", Value::is_object);
        has(result, "execution_time", Value::is_f64);
        has(result, "rlm_calls", Value::is_array);
        for call in result["rlm_calls"].as_array().unwrap() {
            has(call, "prompt", |v| v.is_string() || v.is_object());
            has(call, "response", Value::is_string);
            has(call, "prompt_tokens", Value::is_u64);
            has(call, "completion_tokens", Value::is_u64);
            has(call, "execution_time", Value::is_f64);
            calls.push(call.clone());
        }
    }
    calls
}

#[test]
fn a_batch_run_exports_every_turn_block_and_sub_call() {
    let dir = scratch_dir("export-batch");
    let server =
        SimServerProcess::start(&["--latency-ms", "2", "--chunks", "5", "--fault", "3:400"]);
    let trajectory = sim_run(&dir, &server, "sim-root-batch", &[]);
    let lines = export(&trajectory, &dir.join("rlms.jsonl"));
    let ours = records(&trajectory);
    check_metadata(&lines[0]);
    assert_eq!(lines[0]["root_model"], ours[0]["root_model"]);
    assert_eq!(lines[0]["max_iterations"], ours[0]["max_iterations"]);
    let iterations: Vec<&Value> = ours.iter().filter(|l| l["type"] == "iteration").collect();
    assert_eq!(lines.len(), 1 + iterations.len());
    let mut calls = Vec::new();
    for (line, ours) in lines[1..].iter().zip(&iterations) {
        calls.extend(check_iteration(line));
        assert_eq!(line["response"], ours["reply"]);
        assert_eq!(line["iteration"], ours["iteration"]);
        assert_eq!(
            line["code_blocks"].as_array().unwrap().len(),
            ours["code_blocks"].as_array().unwrap().len()
        );
    }
    assert_eq!(calls.len(), 5, "every sub-call of the batch");
    assert!(
        calls
            .iter()
            .any(|c| c.get("error").is_some_and(Value::is_string)),
        "the refused one carries its error"
    );
    assert!(
        calls
            .iter()
            .any(|c| c["completion_tokens"].as_u64() > Some(0))
    );
    let last = lines.last().unwrap();
    assert_eq!(last["final_answer"], ours.last().unwrap()["answer"]);
    // The prompt of turn 2 is the whole history sent: turn 1's messages, its reply and the outputs.
    assert_eq!(lines[2]["prompt"].as_array().unwrap().len(), 4);
    assert_eq!(lines[2]["prompt"][2]["content"], lines[1]["response"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn child_runs_nest_under_their_sub_call_and_stdout_works() {
    let dir = scratch_dir("export-children");
    let cells = dir.join("cells.js");
    std::fs::write(&cells, "var a = rlm_query('child task'); print(a)\n").unwrap();
    let server =
        SimServerProcess::start(&["--latency-ms", "2", "--cells", cells.to_str().unwrap()]);
    let trajectory = sim_run(&dir, &server, "sim-root", &["--max-depth", "2"]);
    let output = rlm()
        .args(["trajectory", "export"])
        .arg(&trajectory)
        .args(["--format", "rlms", "-o", "-"])
        .output()
        .unwrap();
    assert_success(&output);
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    check_metadata(&lines[0]);
    assert_eq!(lines[0]["max_depth"], 2);
    assert_eq!(
        lines.len(),
        3,
        "only the top-level run's two turns are lines"
    );
    let calls = check_iteration(&lines[1]);
    assert_eq!(calls.len(), 1);
    let nested = &calls[0]["metadata"];
    let mut run_metadata = nested["run_metadata"].clone();
    run_metadata["type"] = "metadata".into();
    check_metadata(&run_metadata);
    let child_turns = nested["iterations"].as_array().unwrap();
    assert!(
        !child_turns.is_empty(),
        "the child's turns are attached to its sub-call"
    );
    for turn in child_turns {
        check_iteration(turn);
    }
    assert_eq!(
        child_turns.last().unwrap()["final_answer"],
        calls[0]["response"]
    );

    let output = rlm()
        .args(["trajectory", "export"])
        .arg(dir.join("missing.jsonl"))
        .args(["--format", "rlms", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert_one_error_line(&output.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}
