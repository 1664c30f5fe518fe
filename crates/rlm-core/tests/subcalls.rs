//! Sub-calls from model code: llm_query / llm_batch reach the sub client, the global cap holds, and
//! rlm_query / rlm_batch start child runs at depth + 1.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rlm_core::{Event, Rlm, TrajectoryRecord};

use crate::support::{Scripted, is_root_turn, last_user, repl};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llm_batch_sends_exactly_the_prompts_built() {
    let code = repl(
        "var parts = context.split(','); \
         var prompts = parts.map(function (p, i) { return 'item ' + i + ': ' + p; }); \
         var answers = llm_batch(prompts, 4); \
         var joined = answers.join('|');",
    );
    let reply = format!("{code}FINAL_VAR(joined)");
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let sub = Arc::new(Scripted::echo("sub"));
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .on_event(move |e| sink.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    let answer = rlm.completion("a,b,c,d,e", "q").await.unwrap();
    let mut sent: Vec<String> = sub.requests().iter().map(last_user).collect();
    sent.sort();
    let expected: Vec<String> = (0..5)
        .map(|i| format!("item {i}: {}", ["a", "b", "c", "d", "e"][i]))
        .collect();
    assert_eq!(sent, expected);
    assert!(
        sub.requests().iter().all(|r| r.messages.len() == 1),
        "a sub-call is one user message"
    );
    let in_order: Vec<String> = expected.iter().map(|p| format!("echo:{p}")).collect();
    assert_eq!(answer.answer, in_order.join("|"));
    assert_eq!(answer.usage.per_depth[1].per_model["sub"].calls, 5);
    let events = events.lock().unwrap();
    assert!(events.contains(&Event::SubcallStarted {
        depth: 0,
        kind: rlm_core::SubcallKind::Llm,
        done: 0,
        total: 5
    }));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::SubcallFinished {
            depth: 0,
            done: 5,
            total: 5,
            failed: 0,
            model,
            error: None,
            ..
        } if model == "sub"
    )));
    let mut indexes: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            Event::SubcallFinished { index, usage, .. } => {
                assert!(usage.total_tokens() > 0, "each item carries its tokens");
                Some(*index)
            }
            _ => None,
        })
        .collect();
    indexes.sort_unstable();
    assert_eq!(indexes, [0, 1, 2, 3, 4], "one event per batch item");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llm_query_passes_options() {
    let code =
        repl("var a = llm_query('hello', {system: 'be brief', max_tokens: 7, temperature: 0.5});");
    let reply = format!("{code}FINAL_VAR(a)");
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let sub = Arc::new(Scripted::echo("sub"));
    let answer = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .build()
        .unwrap()
        .completion("c", "q")
        .await
        .unwrap();
    assert_eq!(answer.answer, "echo:hello");
    let request = &sub.requests()[0];
    assert_eq!(request.messages[0].content, "be brief");
    assert_eq!(request.max_tokens, Some(7));
    assert_eq!(request.temperature, Some(0.5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_global_cap_bounds_concurrent_sub_calls() {
    let code = repl(
        "var prompts = []; for (var i = 0; i < 12; i++) prompts.push('p' + i); var r = llm_batch(prompts, 16);",
    );
    let reply = format!("{code}FINAL(done)");
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let sub = Arc::new(Scripted::echo("sub").with_delay(Duration::from_millis(30)));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .max_concurrent(3)
        .build()
        .unwrap();
    rlm.completion("c", "q").await.unwrap();
    assert_eq!(sub.calls(), 12);
    assert!(
        sub.peak_concurrency() <= 3,
        "peak {}",
        sub.peak_concurrency()
    );
    assert!(
        sub.peak_concurrency() >= 2,
        "the batch ran concurrently: peak {}",
        sub.peak_concurrency()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_depth_zero_disables_sub_calls() {
    let code = repl("var r = llm_query('x')");
    let reply = format!("{code}FINAL_VAR(r)");
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let sub = Arc::new(Scripted::echo("sub"));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .max_depth(0)
        .build()
        .unwrap();
    let answer = rlm.completion("c", "q").await.unwrap();
    assert!(
        answer
            .answer
            .starts_with("Error: sub-calls are not available at depth 0"),
        "{}",
        answer.answer
    );
    assert_eq!(sub.calls(), 0);
}

/// A sub model that plays a child RLM when it gets a root turn and echoes plain sub-calls.
fn child_playing_sub() -> Scripted {
    Scripted::new("sub", |request, _| {
        if is_root_turn(request) {
            Ok(format!(
                "{}FINAL_VAR(out)",
                repl(
                    "var out = 'child saw ' + context.length + ' chars: ' + llm_query('inner ' + context)"
                )
            ))
        } else {
            Ok(format!("echo:{}", last_user(request)))
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_two_starts_a_child_run() {
    let code = repl("var c = rlm_query('abc');");
    let reply = format!("{code}FINAL_VAR(c)");
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let sub = Arc::new(child_playing_sub());
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .max_depth(2)
        .build()
        .unwrap();
    let answer = rlm.completion("c", "q").await.unwrap();
    assert_eq!(answer.answer, "child saw 3 chars: echo:inner abc");
    // One root turn of the child (depth 1) and one plain sub-call made by the child's code (depth 2).
    assert_eq!(answer.usage.per_depth.len(), 3);
    assert_eq!(answer.usage.per_depth[1].total().calls, 1);
    assert_eq!(answer.usage.per_depth[2].total().calls, 1);
    let child = answer
        .trajectory
        .records
        .iter()
        .find_map(|r| match r {
            TrajectoryRecord::ChildRun(c) => Some(c.clone()),
            _ => None,
        })
        .expect("a child run record");
    assert_eq!(
        (child.depth, child.parent_run_id, child.context_chars),
        (1, 0, 3)
    );
    let child_iteration = answer
        .trajectory
        .iterations()
        .find(|i| i.run_id == child.run_id)
        .unwrap();
    assert_eq!(child_iteration.depth, 1);
    assert_eq!(child_iteration.parent_run_id, Some(0));
}

/// "A query at depth >= max_depth is a plain LM call": with `max_depth` 1 the root's code may still call
/// `rlm_query` / `rlm_batch` (code written for recursion keeps working), and they reach the sub model as
/// plain calls; no child run starts. The prompt does not advertise them (recursion is not real).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rlm_query_at_the_depth_limit_is_a_plain_call() {
    let code = repl("var c = rlm_query('abc') + '|' + rlm_batch(['p', 'q']).join('|');");
    let reply = format!("{code}FINAL_VAR(c)");
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let sub = Arc::new(child_playing_sub());
    let answer = Rlm::builder()
        .root(root.clone())
        .sub_client(sub.clone())
        .max_depth(1)
        .build()
        .unwrap()
        .completion("c", "q")
        .await
        .unwrap();
    assert_eq!(answer.answer, "echo:abc|echo:p|echo:q");
    assert_eq!(sub.calls(), 3);
    assert!(
        sub.requests().iter().all(|r| !is_root_turn(r)),
        "plain calls, not child runs"
    );
    assert!(
        !answer
            .trajectory
            .records
            .iter()
            .any(|r| matches!(r, TrajectoryRecord::ChildRun(_))),
        "no child run starts at the depth limit"
    );
    let system = &root.requests()[0].messages[0].content;
    assert!(
        !system.contains("rlm_query"),
        "the prompt advertises rlm_query only when recursion is real"
    );
}

/// With `max_depth` 0 there are no sub-calls at all, so `rlm_query` is not defined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rlm_query_is_absent_without_sub_calls() {
    let code = repl("var c = typeof rlm_query === 'function' ? rlm_query('abc') : 'absent';");
    let reply = format!("{code}FINAL_VAR(c)");
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let answer = Rlm::builder()
        .root(root)
        .max_depth(0)
        .build()
        .unwrap()
        .completion("c", "q")
        .await
        .unwrap();
    assert_eq!(answer.answer, "absent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rlm_batch_of_more_children_than_permits_does_not_deadlock() {
    let code = repl(
        "var ps = []; for (var i = 0; i < 6; i++) ps.push('task' + i); var rs = rlm_batch(ps, 6); var all = rs.join('\\n');",
    );
    let reply = format!("{code}FINAL_VAR(all)");
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let sub = Arc::new(child_playing_sub().with_delay(Duration::from_millis(20)));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .max_depth(2)
        .max_concurrent(2)
        .build()
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_mins(2), rlm.completion("c", "q"))
        .await
        .expect("rlm_batch with more children than permits must finish")
        .unwrap();
    let lines: Vec<&str> = answer.answer.lines().collect();
    assert_eq!(lines.len(), 6);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(*line, format!("child saw 5 chars: echo:inner task{i}"));
    }
    assert!(
        sub.peak_concurrency() <= 2,
        "peak {}",
        sub.peak_concurrency()
    );
    assert_eq!(sub.calls(), 12);
}

#[tokio::test]
async fn sub_calls_work_on_a_current_thread_runtime() {
    let code = repl("var r = llm_batch(['a', 'b', 'c']).join(','); var s = llm_query('d');");
    let reply = format!("{code}FINAL_VAR(r)");
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let sub = Arc::new(Scripted::echo("sub").with_delay(Duration::from_millis(5)));
    let rlm = Rlm::builder().root(root).sub_client(sub).build().unwrap();
    let answer = tokio::time::timeout(Duration::from_mins(1), rlm.completion("c", "q"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.answer, "echo:a,echo:b,echo:c");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_runs_share_the_sub_call_limit() {
    let code = repl("var c = rlm_query('abc'); print(c)");
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(never)"]));
    // The child's own llm_query is the second sub-call of the completion: it is refused.
    let sub = Arc::new(child_playing_sub());
    let limits = rlm_core::Limits::default().with_max_subcalls(Some(1));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .max_depth(2)
        .limits(limits)
        .build()
        .unwrap();
    let err = rlm.completion("c", "q").await.unwrap_err();
    assert!(
        matches!(err, rlm_core::RlmError::SubcallLimit { limit: 1, .. }),
        "{err:?}"
    );
    assert!(
        sub.requests().iter().all(is_root_turn),
        "only the child's root turns reached the sub model"
    );
}
