//! Tests of the export to the reference library's log format: every field its visualizer reads
//! (`visualizer/src/lib/types.ts`), with its JSON type, on a trajectory with a batch, a failed item,
//! a child run, a compaction and an answer.

use serde_json::{Value, json};

use super::*;

fn line(value: &Value) -> String {
    format!("{value}\n")
}

fn detail(index: usize, error: Option<&str>, child: Option<u64>) -> Value {
    json!({
        "function": if child.is_some() { "rlm_query" } else { "llm_batch" },
        "batch": if child.is_some() { Value::Null } else { json!(1) },
        "index": index, "of": 2, "model": "sub", "prompt": format!("prompt {index}"),
        "prompt_chars": 8, "response": if error.is_some() { Value::Null } else { json!("reply") },
        "response_chars": 5, "error": error, "started_ms": 10, "duration_ms": 1500,
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "cached_tokens": 0, "reasoning_tokens": 0},
        "child_run_id": child,
    })
}

fn iteration(
    run_id: u64,
    n: usize,
    messages: &Value,
    cells: &Value,
    answer: Option<&str>,
) -> Value {
    json!({
        "type": "iteration", "run_id": run_id, "parent_run_id": if run_id == 0 { Value::Null } else { json!(0) },
        "depth": usize::from(run_id != 0), "iteration": n, "final_request": false,
        "messages": messages, "reply": format!("reply {n}\n```repl\nx\n```\n```repl\ny\n```"),
        "code_blocks": ["x", "y"], "cells": cells, "answer": answer, "model_ms": 250,
        "cells_ms": 1750, "usage": {"prompt_tokens": 1, "completion_tokens": 1, "cached_tokens": 0,
        "reasoning_tokens": 0}, "started_ms": 1000 * n,
    })
}

fn cell(details: &[Value], error: Option<&str>) -> Value {
    json!({
        "stdout": "printed", "error": error, "value": "42", "final_answer": null,
        "duration_ms": 1750, "subcalls": details.len(), "failed_subcalls": 1,
        "subcall_details": details,
    })
}

fn sample() -> Trajectory {
    let metadata = json!({
        "type": "run", "rlm_version": "0.1.0", "root_model": "root", "sub_model": "sub",
        "max_iterations": 5, "max_depth": 2, "max_concurrent": 4,
        "limits": {"token_budget": null, "cost_budget_usd": null, "timeout_ms": null,
            "max_consecutive_errors": null, "max_subcalls": null},
        "context_kind": "text", "context_chars": 100, "context_index": 0,
        "started_unix_ms": 1_700_000_000_123_u64,
    });
    let first = iteration(
        0,
        1,
        &json!([{"role": "system", "content": "sys"}, {"role": "user", "content": "first"}]),
        &json!([cell(
            &[
                detail(0, None, None),
                detail(1, Some("boom"), None),
                detail(0, None, Some(1))
            ],
            None
        )]),
        None,
    );
    let child = iteration(
        1,
        1,
        &json!([{"role": "system", "content": "child sys"}, {"role": "user", "content": "child q"}]),
        &json!([]),
        Some("child answer"),
    );
    let compaction = json!({
        "type": "compaction", "run_id": 0, "depth": 0, "iteration": 2, "messages_before": 4,
        "tokens_before": 900, "tokens_after": 100, "summary": "SUMMARY",
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "cached_tokens": 0, "reasoning_tokens": 0},
    });
    let second = iteration(
        0,
        2,
        &json!([{"role": "assistant", "content": "reply 1"}, {"role": "user", "content": "outputs"}]),
        &json!([cell(&[], Some("TypeError: y"))]),
        Some("the answer"),
    );
    let text: String = [metadata, first, child, compaction, second]
        .iter()
        .map(line)
        .collect();
    let Ok(trajectory) = Trajectory::read_jsonl(text.as_bytes()) else {
        panic!("the sample reads");
    };
    trajectory
}

/// Asserts that `value[key]` exists and passes `is`.
fn has(value: &Value, key: &str, is: fn(&Value) -> bool) {
    assert!(value.get(key).is_some_and(is), "{key} in {value}");
}

fn nullable_number(v: &Value) -> bool {
    v.is_null() || v.is_number()
}

/// Checks one line against `RLMIteration` / `RLMConfigMetadata` of types.ts.
fn check_types(line: &Value) {
    match line["type"].as_str() {
        Some("metadata") => {
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
        Some("iteration") => {
            has(line, "iteration", Value::is_u64);
            has(line, "timestamp", Value::is_string);
            has(line, "response", Value::is_string);
            has(line, "iteration_time", nullable_number);
            has(line, "final_answer", |v| v.is_null() || v.is_string());
            has(line, "prompt", |v| {
                v.as_array().is_some_and(|messages| {
                    messages
                        .iter()
                        .all(|m| m["role"].is_string() && m["content"].is_string())
                })
            });
            has(line, "code_blocks", Value::is_array);
            for block in line["code_blocks"].as_array().into_iter().flatten() {
                has(block, "code", Value::is_string);
                let result = &block["result"];
                has(result, "stdout", Value::is_string);
                has(result, "stderr", Value::is_string);
                has(result, "locals", Value::is_object);
                has(result, "execution_time", Value::is_number);
                has(result, "rlm_calls", Value::is_array);
                for call in result["rlm_calls"].as_array().into_iter().flatten() {
                    has(call, "prompt", |v| v.is_string() || v.is_object());
                    has(call, "response", Value::is_string);
                    has(call, "prompt_tokens", Value::is_u64);
                    has(call, "completion_tokens", Value::is_u64);
                    has(call, "execution_time", Value::is_number);
                }
            }
        }
        other => panic!("unexpected line type {other:?}"),
    }
}

#[test]
fn every_line_has_the_fields_and_types_the_visualizer_reads() {
    let lines = sample().to_rlms_lines();
    assert_eq!(
        lines.len(),
        3,
        "metadata and the two root turns (the child's are nested)"
    );
    assert_eq!(lines[0]["type"], "metadata");
    lines.iter().for_each(check_types);
    let nested = &lines[1]["code_blocks"][0]["result"]["rlm_calls"][2]["metadata"];
    let mut run_metadata = nested["run_metadata"].clone();
    run_metadata["type"] = json!("metadata");
    check_types(&run_metadata);
    let child_turns = nested["iterations"].as_array().map_or(0, Vec::len);
    assert_eq!(child_turns, 1);
    check_types(&nested["iterations"][0]);
}

#[test]
fn values_map_as_documented() {
    let lines = sample().to_rlms_lines();
    let meta = &lines[0];
    assert_eq!(
        (meta["root_model"].as_str(), meta["max_depth"].as_u64()),
        (Some("root"), Some(2))
    );
    assert_eq!(meta["other_backends"], json!(["sub"]));
    assert_eq!(meta["timestamp"], "2023-11-14T22:13:20.123000+00:00");
    let first = &lines[1];
    assert_eq!(first["timestamp"], "2023-11-14T22:13:21.123000+00:00");
    assert_eq!(first["iteration_time"], 2.0);
    assert_eq!(first["prompt"].as_array().map(Vec::len), Some(2));
    let result = &first["code_blocks"][0]["result"];
    assert_eq!(result["stdout"], "printed\n42");
    assert_eq!(result["execution_time"], 1.75);
    let calls = result["rlm_calls"].as_array().cloned().unwrap_or_default();
    assert_eq!(calls.len(), 3);
    assert_eq!(
        (
            calls[0]["response"].as_str(),
            calls[0]["prompt_tokens"].as_u64()
        ),
        (Some("reply"), Some(7))
    );
    assert_eq!(calls[0]["execution_time"], 1.5);
    assert_eq!(
        calls[0]["usage_summary"]["model_usage_summaries"]["sub"]["total_output_tokens"],
        3
    );
    assert_eq!(
        (calls[1]["response"].as_str(), calls[1]["error"].as_str()),
        (Some(""), Some("boom"))
    );
    assert_eq!(
        calls[2]["metadata"]["iterations"][0]["final_answer"],
        "child answer"
    );
    // The second block did not run: an empty result.
    assert_eq!(first["code_blocks"][1]["result"]["rlm_calls"], json!([]));
    let second = &lines[2];
    assert_eq!(second["final_answer"], "the answer");
    assert_eq!(second["code_blocks"][0]["result"]["stderr"], "TypeError: y");
    // After the compaction: the system prompt, the first turn with the summary, then the new turns.
    let prompt = second["prompt"].as_array().cloned().unwrap_or_default();
    assert_eq!(prompt.len(), 4);
    let first_user = prompt[1]["content"].as_str().unwrap_or_default();
    assert!(
        first_user.starts_with("first\n\n") && first_user.ends_with("SUMMARY"),
        "{first_user}"
    );
    assert_eq!(prompt[2]["role"], "assistant");
}

#[test]
fn timestamps_are_iso_utc() {
    assert_eq!(iso_utc(0), "1970-01-01T00:00:00.000000+00:00");
    assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00.000000+00:00");
    assert_eq!(
        iso_utc(4_107_542_399_999),
        "2100-02-28T23:59:59.999000+00:00"
    );
    let mut old = sample();
    old.metadata.started_unix_ms = None;
    assert_eq!(old.to_rlms_lines()[1]["timestamp"], "");
}
