//! The detail of each sub-call in the trajectory's cell records (prompt and reply excerpts, model,
//! batch, timing, tokens, error, retries, child run), and the outcome record that ends a trajectory.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rlm_client::{ClientError, Price, PriceTable, ResiliencePolicy, RetryPolicy};
use rlm_core::{
    Finish, PROMPT_EXCERPT_CHARS, RESPONSE_EXCERPT_CHARS, Rlm, SubcallDetail, Trajectory,
    TrajectoryRecord,
};

use crate::support::{Scripted, is_root_turn, last_user, repl};

/// A sub-model that fails `broken` for good, fails `flaky` once with a transient error, answers a
/// long reply to `long`, and echoes the rest.
fn sub_model() -> Scripted {
    let flaked = AtomicBool::new(false);
    Scripted::new("sub", move |request, _| {
        let prompt = last_user(request);
        match prompt.as_str() {
            "broken" => Err(ClientError::Other {
                message: "broken for good".into(),
                retryable: false,
            }),
            "flaky" if !flaked.swap(true, Ordering::SeqCst) => Err(ClientError::Other {
                message: "try again".into(),
                retryable: true,
            }),
            p if p.starts_with("long") => Ok("r".repeat(RESPONSE_EXCERPT_CHARS + 100)),
            _ => Ok(format!("echo:{prompt}")),
        }
    })
}

fn quick_retries() -> ResiliencePolicy {
    ResiliencePolicy::default().with_retry(
        RetryPolicy::default()
            .with_initial_delay(Duration::from_millis(20))
            .with_max_delay(Duration::from_millis(20)),
    )
}

fn details(trajectory: &Trajectory) -> Vec<(u64, SubcallDetail)> {
    trajectory
        .iterations()
        .flat_map(|it| {
            it.cells.iter().flat_map(move |c| {
                c.subcall_details
                    .iter()
                    .map(move |d| (it.run_id, d.clone()))
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_batch_item_and_query_is_recorded_with_its_excerpts_timing_and_retries() {
    let long_prompt = format!("long {}", "p".repeat(PROMPT_EXCERPT_CHARS));
    let code = repl(&format!(
        "var a = llm_batch(['one', 'broken', 'flaky', '{long_prompt}'], 2); \
         var b = llm_query('two'); print(a.length, b);"
    ));
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(done)"]));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub_model())
        .resilience(quick_retries())
        .build()
        .unwrap();
    let answer = rlm.completion("ctx", "q").await.unwrap();
    let trajectory = &answer.trajectory;
    let cell = &trajectory.iterations().next().unwrap().cells[0];
    assert_eq!(cell.subcalls, 5);
    assert_eq!(cell.subcall_details.len(), 5, "one detail per sub-call");
    assert_eq!(cell.failed_subcalls, 1);
    let batch: Vec<&SubcallDetail> = cell
        .subcall_details
        .iter()
        .filter(|d| d.function == "llm_batch")
        .collect();
    assert_eq!(batch.len(), 4);
    assert!(batch.iter().all(|d| d.of == 4 && d.batch == batch[0].batch));
    assert!(batch[0].batch.is_some());
    let by_index = |i: usize| batch.iter().find(|d| d.index == i).unwrap();
    assert_eq!(by_index(0).response.as_deref(), Some("echo:one"));
    assert_eq!(by_index(0).usage.total_tokens(), 15);
    assert_eq!(
        by_index(1)
            .error
            .as_deref()
            .map(|e| e.contains("broken for good")),
        Some(true)
    );
    assert_eq!(by_index(1).response, None);
    let flaky = by_index(2);
    assert_eq!(flaky.retries.len(), 1, "{flaky:?}");
    assert_eq!(flaky.retries[0].attempt, 1);
    assert!(flaky.retries[0].error.contains("try again"));
    assert!(
        flaky.duration_ms >= 15,
        "the retry wait is in the item's time: {flaky:?}"
    );
    let long = by_index(3);
    assert_eq!(long.prompt.chars().count(), PROMPT_EXCERPT_CHARS);
    assert_eq!(long.prompt_chars, long_prompt.chars().count());
    assert_eq!(
        long.response.as_ref().map(String::len),
        Some(RESPONSE_EXCERPT_CHARS)
    );
    assert_eq!(long.response_chars, RESPONSE_EXCERPT_CHARS + 100);
    let single = cell
        .subcall_details
        .iter()
        .find(|d| d.function == "llm_query")
        .unwrap();
    assert_eq!(
        (single.batch, single.of, single.model.as_str()),
        (None, 1, "sub")
    );
    // Offsets: inside the cell, which is inside the run.
    let cell_start = cell.started_ms.unwrap();
    let total = u64::try_from(answer.duration.as_millis()).unwrap();
    for d in &cell.subcall_details {
        assert!(
            d.started_ms >= cell_start && d.started_ms + d.duration_ms <= total + 1,
            "{d:?}"
        );
    }
    assert!(single.started_ms >= batch.iter().map(|d| d.started_ms).max().unwrap());
    assert!(trajectory.metadata.started_unix_ms.is_some());
    // The detail survives the JSON Lines round trip.
    let mut buffer = Vec::new();
    trajectory.write_jsonl(&mut buffer).unwrap();
    assert_eq!(
        &Trajectory::read_jsonl(buffer.as_slice()).unwrap(),
        trajectory
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_run_is_linked_from_the_sub_call_that_started_it() {
    let root = Arc::new(Scripted::replies(
        "root",
        &[&repl("var x = rlm_query('child task');"), "FINAL_VAR(x)"],
    ));
    // The child's loop runs on the sub-model: a code turn, then its answer; its own sub-call echoes.
    let sub = Scripted::new("sub", |request, _| {
        let replied = request
            .messages
            .iter()
            .any(|m| m.role == rlm_client::Role::Assistant);
        Ok(match (is_root_turn(request), replied) {
            (true, false) => repl("var x = 'child says ' + llm_query('deep');"),
            (true, true) => "FINAL_VAR(x)".to_owned(),
            (false, _) => format!("echo:{}", last_user(request)),
        })
    });
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub)
        .max_depth(2)
        .build()
        .unwrap();
    let answer = rlm.completion("ctx", "q").await.unwrap();
    assert_eq!(answer.answer, "child says echo:deep");
    let all = details(&answer.trajectory);
    let (run, started) = all.iter().find(|(_, d)| d.function == "rlm_query").unwrap();
    assert_eq!(*run, 0);
    let child = started.child_run_id.expect("the child's run id");
    assert_eq!(started.response.as_deref(), Some("child says echo:deep"));
    let child_record = answer.trajectory.records.iter().find_map(|r| match r {
        TrajectoryRecord::ChildRun(c) if c.run_id == child => Some(c.clone()),
        _ => None,
    });
    let child_record = child_record.expect("a child_run record");
    assert_eq!(
        (child_record.model.as_str(), child_record.depth),
        ("sub", 1)
    );
    assert!(child_record.started_ms.unwrap() >= started.started_ms);
    let deep = all
        .iter()
        .find(|(run, _)| *run == child)
        .map(|(_, d)| d)
        .unwrap();
    assert_eq!(
        (deep.function.as_str(), deep.response.as_deref()),
        ("llm_query", Some("echo:deep"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trajectory_ends_with_its_outcome_answered_or_not() {
    let root = Arc::new(Scripted::replies("root", &["FINAL(42)"]));
    let rlm = Rlm::builder()
        .root(root)
        .prices(PriceTable::new().with("root", Price::new(1_000_000.0, 1_000_000.0)))
        .build()
        .unwrap();
    let answer = rlm.completion("ctx", "q").await.unwrap();
    let Some(TrajectoryRecord::Outcome(outcome)) = answer.trajectory.records.last() else {
        panic!(
            "the last record is the outcome: {:?}",
            answer.trajectory.records
        );
    };
    assert_eq!(outcome.answer.as_deref(), Some("42"));
    assert_eq!(
        (
            outcome.finished,
            outcome.iterations,
            outcome.error.as_deref()
        ),
        (Some(Finish::Final), 1, None)
    );
    assert_eq!(outcome.usage.total.calls, answer.usage.total.calls);
    assert_eq!(answer.trajectory.outcome(), Some(outcome));
    // 10 + 5 tokens at $1 a token, in all, for the model, and at depth 0.
    assert_eq!(outcome.cost_usd, Some(15.0));
    assert_eq!(outcome.cost_per_model.get("root"), Some(&15.0));
    assert_eq!(outcome.cost_per_depth.first(), Some(&Some(15.0)));

    let limited = Rlm::builder()
        .root(Arc::new(Scripted::replies(
            "root",
            &[&repl("print(1)"), &repl("print(2)")],
        )))
        .limits(rlm_core::Limits::default().with_token_budget(20))
        .build()
        .unwrap();
    let error = limited.completion("ctx", "q").await.unwrap_err();
    let partial = error.partial_run().unwrap();
    let outcome = partial
        .trajectory
        .outcome()
        .expect("a stopped run has its outcome too");
    assert_eq!((outcome.answer.as_deref(), outcome.finished), (None, None));
    assert!(
        outcome.error.as_deref().unwrap().contains("token"),
        "{outcome:?}"
    );
    assert_eq!(outcome.iterations, partial.iterations);
}
