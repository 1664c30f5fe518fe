//! Host tools through a whole completion: parsed results, typed tools, the system prompt, failures as
//! `Error:` strings (handler errors, bad arguments, results over the cap, the per-call timeout, the
//! per-run cap shared with child runs), cancellation with the cell, events and trajectory records,
//! and the names and timeouts `build()` refuses.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rlm_core::{Event, Limits, Rlm, RlmError, Tool, ToolError, Trajectory};
use rlm_repl::SandboxLimits;
use serde_json::{Value, json};

use crate::support::{Scripted, is_root_turn, repl};

/// `search(query, limit)`: `limit` hits `{id, text}` for the query.
fn search() -> Tool {
    Tool::typed(
        "search",
        "finds passages of the manual",
        |(query, limit): (String, usize)| async move {
            let hits: Vec<Value> = (0..limit)
                .map(|id| json!({ "id": id, "text": format!("{query} #{id}") }))
                .collect();
            Ok::<_, ToolError>(hits)
        },
    )
    .with_arguments("(query: string, limit: number) -> [{id, text}]")
}

fn echo() -> Tool {
    Tool::new("echo", "returns its arguments", |args: Value| async move {
        Ok::<_, ToolError>(json!({ "got": args }))
    })
}

fn tool_calls(trajectory: &Trajectory) -> Vec<rlm_core::ToolCallDetail> {
    trajectory
        .iterations()
        .flat_map(|it| it.cells.iter().flat_map(|c| c.tool_calls.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_gets_parsed_results_and_calls_show_in_the_prompt_events_and_trajectory() {
    let code = repl(
        "const hits = search('alpha', 2);\n\
         print(hits.length, hits[1].id);\n\
         FINAL(hits[1].text)",
    );
    let root = Arc::new(Scripted::replies("root", &[&code]));
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let rlm = Rlm::builder()
        .root(root.clone())
        .with_tool(search())
        .on_event(move |e| {
            if matches!(
                e,
                Event::ToolCallStarted { .. } | Event::ToolCallFinished { .. }
            ) {
                sink.lock().unwrap().push(e.clone());
            }
        })
        .build()
        .unwrap();
    let answer = rlm.completion("ctx", "q").await.unwrap();
    assert_eq!(answer.answer, "alpha #1");

    let system = &root.requests()[0].messages[0].content;
    assert!(system.contains("## Tools"), "{system}");
    assert!(
        system.contains(
            "- `search(query: string, limit: number) -> [{id, text}]`: finds passages of the manual"
        ),
        "{system}"
    );

    let events = events.lock().unwrap().clone();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        matches!(&events[0], Event::ToolCallStarted { name, depth: 0, .. } if name == "search")
    );
    let Event::ToolCallFinished {
        name,
        arguments_excerpt,
        error,
        ..
    } = &events[1]
    else {
        panic!("{events:?}");
    };
    assert_eq!(
        (name.as_str(), arguments_excerpt.as_str(), error),
        ("search", r#"["alpha",2]"#, &None)
    );

    let calls = tool_calls(&answer.trajectory);
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.name, "search");
    assert_eq!(call.arguments, r#"["alpha",2]"#);
    assert_eq!(call.error, None);
    let result = call.result.as_deref().unwrap();
    assert!(
        result.starts_with(r#"[{"id":0,"text":"alpha #0"}"#),
        "{result}"
    );
    assert_eq!(call.result_chars, result.chars().count());
    assert_eq!(answer.trajectory.metadata.tools, ["search"]);
    // The record survives a trip through JSON Lines.
    let mut text = Vec::new();
    answer.trajectory.write_jsonl(&mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains(r#""tool_calls":[{"name":"search""#), "{text}");
    let back = Trajectory::read_jsonl(text.as_bytes()).unwrap();
    assert_eq!(tool_calls(&back), calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_errors_bad_arguments_and_large_results_are_error_strings() {
    let code = repl(
        "const r = [fail(), search(5), big(), search('ok', 1)[0].text];\n\
         FINAL(JSON.stringify(r))",
    );
    let root = Arc::new(Scripted::replies("root", &[&code]));
    let rlm = Rlm::builder()
        .root(root)
        .with_tool(search())
        .tool("fail", "always fails", |_| async {
            Err::<Value, _>(ToolError::new("the index is offline"))
        })
        .tool("big", "too much", |_| async {
            Ok::<_, ToolError>(json!("x".repeat(200)))
        })
        .sandbox_limits(SandboxLimits::default().with_max_tool_result_bytes(100))
        .build()
        .unwrap();
    let answer = rlm.completion("ctx", "q").await.unwrap();
    let results: Vec<String> = serde_json::from_str(&answer.answer).unwrap();
    assert_eq!(results[0], "Error: the index is offline");
    assert!(
        results[1].starts_with("Error: search: wrong arguments: invalid type: integer `5`"),
        "{}",
        results[1]
    );
    assert!(
        results[2].starts_with("Error: the result of big is 202 bytes of JSON, more than the 100"),
        "{}",
        results[2]
    );
    assert_eq!(results[3], "ok #0");
    let calls = tool_calls(&answer.trajectory);
    let errors: Vec<bool> = calls.iter().map(|c| c.error.is_some()).collect();
    assert_eq!(errors, [true, true, true, false]);
}

/// A tool that never answers; counts the calls whose future was dropped.
fn stuck(dropped: &Arc<AtomicUsize>) -> Tool {
    struct Guard(Arc<AtomicUsize>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = dropped.clone();
    Tool::new("stuck", "never answers", move |_| {
        let guard = Guard(dropped.clone());
        async move {
            let _guard = guard;
            std::future::pending::<Result<Value, ToolError>>().await
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_past_its_timeout_is_an_error_and_the_cell_goes_on() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let code = repl("const r = stuck(); FINAL(r + ' | went on')");
    let root = Arc::new(Scripted::replies("root", &[&code]));
    let rlm = Rlm::builder()
        .root(root)
        .with_tool(stuck(&dropped).with_timeout(Duration::from_millis(200)))
        .build()
        .unwrap();
    let answer = rlm.completion("ctx", "q").await.unwrap();
    assert_eq!(
        answer.answer,
        "Error: the tool stuck did not answer within its time limit of 0.2 s | went on"
    );
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_cell_drops_its_blocked_tool_call() {
    let dropped = Arc::new(AtomicUsize::new(0));
    // The first call times out (0.6 s); the second is still blocked when the 1 s cell limit fires.
    let root = Arc::new(Scripted::replies(
        "root",
        &[&repl("stuck(); stuck();"), "FINAL(done)"],
    ));
    let rlm = Rlm::builder()
        .root(root)
        .with_tool(stuck(&dropped))
        .tool_timeout(Duration::from_millis(600))
        .cell_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_mins(2), rlm.completion("ctx", "q"))
        .await
        .expect("the cell limit ends the cell")
        .unwrap();
    assert_eq!(answer.answer, "done");
    let first = answer.trajectory.iterations().next().unwrap();
    let error = first.cells[0].error.as_deref().unwrap();
    assert!(error.contains("wall-clock limit"), "{error}");
    // The cancelled call is reported as soon as its future is dropped: with this cell, or with the
    // next cell of the run when the drop came after the cell's record was taken.
    for _ in 0..1000 {
        if dropped.load(Ordering::SeqCst) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cap_on_tool_calls_is_per_run_shared_with_child_runs_and_the_run_goes_on() {
    let root_code = repl(
        "const a = echo('root'); const b = rlm_query('go'); const c = echo('again');\n\
         FINAL(JSON.stringify([a.got[0], b, c]))",
    );
    let root = Arc::new(Scripted::replies("root", &[&root_code]));
    let child_code = repl("FINAL(String(echo('child')))");
    let sub = Arc::new(Scripted::new("sub", move |request, _| {
        assert!(
            is_root_turn(request),
            "only child runs call the sub-model here"
        );
        Ok(child_code.clone())
    }));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .max_depth(2)
        .with_tool(echo())
        .limits(Limits::default().with_max_tool_calls(Some(1)))
        .build()
        .unwrap();
    let answer = rlm.completion("ctx", "q").await.unwrap();
    let refusal =
        "Error: the limit of 1 tool calls per run is reached; no more tool calls in this run";
    assert_eq!(
        serde_json::from_str::<Value>(&answer.answer).unwrap(),
        json!(["root", refusal, refusal])
    );
    // The child's system prompt lists the tool too.
    let child_system = &sub.requests()[0].messages[0].content;
    assert!(child_system.contains("- `echo(...)`: returns its arguments"));
    let child_calls: Vec<_> = answer
        .trajectory
        .iterations()
        .filter(|it| it.depth == 1)
        .flat_map(|it| it.cells.iter().flat_map(|c| c.tool_calls.clone()))
        .collect();
    assert_eq!(child_calls.len(), 1);
    assert_eq!(
        child_calls[0].error.as_deref(),
        Some(&refusal["Error: ".len()..])
    );
}

#[test]
fn build_refuses_bad_names_and_timeouts_out_of_order() {
    let builder = || Rlm::builder().root(Arc::new(Scripted::replies("root", &[])));
    let cases = [
        (builder().with_tool(echo()).with_tool(echo()), "given twice"),
        (builder().tool("JSON", "", |v| async { Ok(v) }), "built-in"),
        (
            builder().tool("llm_query", "", |v| async { Ok(v) }),
            "sandbox",
        ),
        (
            builder().tool("my-tool", "", |v| async { Ok(v) }),
            "identifier",
        ),
        (
            builder()
                .with_tool(echo())
                .tool_timeout(Duration::from_mins(9)),
            "shorter than SandboxLimits::host_call_timeout",
        ),
        (
            builder()
                .with_tool(echo())
                .cell_timeout(Duration::from_secs(30)),
            "shorter than RlmBuilder::cell_timeout",
        ),
        (
            builder().with_tool(echo().with_timeout(Duration::ZERO)),
            "timeout of tool \"echo\"",
        ),
    ];
    for (builder, why) in cases {
        match builder.build() {
            Err(RlmError::Config(message)) => assert!(message.contains(why), "{message}"),
            other => panic!("{why}: {other:?}"),
        }
    }
}
