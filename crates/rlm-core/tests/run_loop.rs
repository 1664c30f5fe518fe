//! The iteration loop: answering, FINAL / FINAL_VAR, no-code replies, the max-iterations fallback.

use std::sync::Arc;

use rlm_client::Role;
use rlm_core::{Event, Rlm};

use crate::support::{Scripted, last_user, repl};

fn rlm_with(root: &Arc<Scripted>) -> Rlm {
    Rlm::builder().root(root.clone()).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_turn_run_answers_and_keeps_the_history() {
    let turn1 = repl("print('length', context.length)");
    let turn2 = repl("var words = context.split(' ').length; print('words', words)");
    let root = Arc::new(Scripted::replies(
        "root",
        &[&turn1, &turn2, "The count is known.\nFINAL(3 words)"],
    ));
    let answer = rlm_with(&root)
        .completion("alpha beta gamma", "How many words?")
        .await
        .unwrap();
    assert_eq!(answer.answer, "3 words");
    assert_eq!(answer.iterations, 3);

    let requests = root.requests();
    assert_eq!(requests.len(), 3);
    let first = &requests[0].messages;
    assert_eq!(first[0].role, Role::System);
    assert!(
        first[1].content.contains("How many words?"),
        "query missing: {}",
        first[1].content
    );
    assert!(
        !first.iter().any(|m| m.content.contains("alpha beta")),
        "the context must not be sent"
    );
    // The third request holds both earlier replies and the outputs of their cells.
    let third = &requests[2].messages;
    let assistant: Vec<_> = third
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .map(|m| m.content.clone())
        .collect();
    assert_eq!(assistant, vec![turn1, turn2]);
    assert!(
        third[3].content.contains("length 16"),
        "{}",
        third[3].content
    );
    assert!(
        third[3].content.contains("print('length'"),
        "the code is echoed: {}",
        third[3].content
    );
    assert!(last_user(&requests[2]).contains("words 3"));
    assert_eq!(answer.usage.per_depth[0].total().calls, 3);
    assert_eq!(answer.usage.total.usage.total_tokens(), 45);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn final_in_the_first_reply_ends_the_run() {
    let root = Arc::new(Scripted::replies(
        "root",
        &["Easy.\nFINAL(f(a, b))\nFINAL(other)"],
    ));
    let answer = rlm_with(&root).completion("ctx", "q").await.unwrap();
    assert_eq!(answer.answer, "f(a, b)");
    assert_eq!(answer.iterations, 1);
    assert_eq!(root.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn final_var_after_code_in_the_same_reply() {
    let reply = format!(
        "{}FINAL_VAR(result)",
        repl("var result = 'n=' + context.length")
    );
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let answer = rlm_with(&root).completion("12345", "q").await.unwrap();
    assert_eq!(answer.answer, "n=5");
    assert_eq!(answer.iterations, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn final_called_from_code_ends_the_run_and_skips_later_blocks() {
    let reply = format!("{}{}", repl("FINAL('from code')"), repl("print('never')"));
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let answer = rlm_with(&root).completion("c", "q").await.unwrap();
    assert_eq!(answer.answer, "from code");
    let it = answer.trajectory.iterations().next().unwrap();
    assert_eq!(it.cells.len(), 1);
    assert_eq!(it.code_blocks.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undefined_final_var_lists_variables_and_continues() {
    let first = format!("{}FINAL_VAR(missing)", repl("var present = 1"));
    let root = Arc::new(Scripted::replies("root", &[&first, "FINAL(done)"]));
    let answer = rlm_with(&root).completion("c", "q").await.unwrap();
    assert_eq!(answer.answer, "done");
    assert_eq!(answer.iterations, 2);
    let note = last_user(&root.requests()[1]);
    assert!(note.contains("missing"), "{note}");
    assert!(
        note.contains("present"),
        "the defined variables are listed: {note}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_code_reply_is_kept_with_a_nudge() {
    let root = Arc::new(Scripted::replies(
        "root",
        &["I will think about it first.", "FINAL(ok)"],
    ));
    let answer = rlm_with(&root).completion("c", "q").await.unwrap();
    assert_eq!(answer.answer, "ok");
    let second = &root.requests()[1].messages;
    let n = second.len();
    assert_eq!(second[n - 2].role, Role::Assistant);
    assert_eq!(second[n - 2].content, "I will think about it first.");
    assert_eq!(second[n - 1].role, Role::User);
    let nudge = rlm_prompts::PromptSet::default().no_code_nudge();
    assert!(
        second[n - 1].content.contains(&nudge),
        "{}",
        second[n - 1].content
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_iterations_fallback_is_parsed_for_final() {
    let code = repl("var x = 40 + 2");
    let root = Arc::new(Scripted::replies(
        "root",
        &[&code, &code, "Here it is.\nFINAL_VAR(x)"],
    ));
    let rlm = Rlm::builder()
        .root(root.clone())
        .max_iterations(2)
        .build()
        .unwrap();
    let answer = rlm.completion("c", "the question").await.unwrap();
    assert_eq!(answer.answer, "42");
    assert_eq!(answer.iterations, 2);
    let last = last_user(&root.requests()[2]);
    assert!(last.contains("the question"), "{last}");
    let fallback = answer.trajectory.iterations().last().unwrap();
    assert!(fallback.final_request);
    assert_eq!(fallback.iteration, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_final_request_reply_without_final_is_no_answer() {
    // Prose, a code block, and FINAL_VAR naming an empty variable: none of them is an answer.
    for last in [
        "  The answer is probably 7.  ",
        "```repl\nprint(42)\n```",
        "FINAL_VAR(empty)",
    ] {
        let code = repl("var empty = ''; print(1)");
        let root = Arc::new(Scripted::replies("root", &[&code, last]));
        let rlm = Rlm::builder()
            .root(root.clone())
            .max_iterations(1)
            .build()
            .unwrap();
        let error = rlm.completion("c", "q").await.unwrap_err();
        match &error {
            rlm_core::RlmError::NoAnswer { iterations, .. } => assert_eq!(*iterations, 1),
            other => panic!("{last:?}: expected NoAnswer, got {other:?}"),
        }
        assert!(
            error
                .to_string()
                .starts_with("no answer after 1 iterations"),
            "{error}"
        );
        // What the run did is kept: the partial answer (the cell's output) and the trajectory.
        let partial = error.partial_run().unwrap();
        assert_eq!(partial.answer.as_deref(), Some("1"));
        assert_eq!(partial.trajectory.iterations().count(), 2, "{last:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_say_whether_they_were_final_or_forced() {
    let root = Arc::new(Scripted::replies("root", &["FINAL(7)"]));
    let answer = Rlm::builder()
        .root(root)
        .build()
        .unwrap()
        .completion("c", "q")
        .await
        .unwrap();
    assert_eq!(answer.finished, rlm_core::Finish::Final);
    let root = Arc::new(Scripted::replies("root", &[&repl("print(1)"), "FINAL(8)"]));
    let rlm = Rlm::builder().root(root).max_iterations(1).build().unwrap();
    let answer = rlm.completion("c", "q").await.unwrap();
    assert_eq!(
        (answer.answer.as_str(), answer.finished),
        ("8", rlm_core::Finish::Forced)
    );
    assert_eq!(answer.finished.as_str(), "forced");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_context_is_loaded_as_a_value() {
    let reply = format!(
        "{}FINAL_VAR(r)",
        repl("var r = context.items.length + ':' + context.items[1]")
    );
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let answer = rlm_with(&root)
        .completion(serde_json::json!({"items": ["a", "b", "c"]}), "q")
        .await
        .unwrap();
    assert_eq!(answer.answer, "3:b");
    assert_eq!(answer.trajectory.metadata.context_kind, "json_object");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_report_iterations_and_the_end_of_the_run() {
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = events.clone();
    let root = Arc::new(Scripted::replies("root", &[&repl("print(1)"), "FINAL(x)"]));
    let rlm = Rlm::builder()
        .root(root)
        .on_event(move |e| sink.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    rlm.completion("c", "q").await.unwrap();
    let events = events.lock().unwrap();
    let started = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::IterationStarted {
                    depth: 0,
                    max: 30,
                    ..
                }
            )
        })
        .count();
    assert_eq!(started, 2);
    assert!(matches!(
        events.last(),
        Some(Event::RunFinished {
            depth: 0,
            iterations: 2,
            answered: true,
            ..
        })
    ));
}

#[tokio::test]
async fn builder_rejects_invalid_configurations() {
    let root: Arc<Scripted> = Arc::new(Scripted::echo("root"));
    assert!(Rlm::builder().build().is_err(), "a root client is required");
    assert!(
        Rlm::builder()
            .root(root.clone())
            .max_iterations(0)
            .build()
            .is_err()
    );
    assert!(
        Rlm::builder()
            .root(root.clone())
            .max_concurrent(0)
            .build()
            .is_err()
    );
    assert!(
        Rlm::builder()
            .root(root.clone())
            .max_depth(99)
            .build()
            .is_err()
    );
    assert!(
        Rlm::builder()
            .root(root.clone())
            .output_cap(0)
            .build()
            .is_err()
    );
    let cost = rlm_core::Limits::default().with_cost_budget_usd(1.0);
    let err = Rlm::builder().root(root).limits(cost).build().unwrap_err();
    assert!(err.to_string().contains("no price"), "{err}");
}

/// The model sees long cell output cut from the middle: head and tail kept, a marker between, and the
/// output part of the next turn no longer than the cap plus the marker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_output_is_cut_head_and_tail_for_the_model() {
    let code = repl("print('H'.repeat(40) + 'm'.repeat(920) + 'T'.repeat(40))");
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(ok)"]));
    let answer = Rlm::builder()
        .root(root.clone())
        .output_cap(100)
        .build()
        .unwrap()
        .completion("c", "q")
        .await
        .unwrap();
    assert_eq!(answer.answer, "ok");
    let seen = last_user(&root.requests()[1]);
    let output = seen
        .split_once("Output:\n")
        .map(|(_, rest)| rest.split_once("\n\n").map_or(rest, |(o, _)| o))
        .expect("an output section");
    assert!(output.starts_with(&"H".repeat(40)), "head kept: {output}");
    assert!(
        output.trim_end().ends_with(&"T".repeat(40)),
        "tail kept: {output}"
    );
    assert!(
        output.contains("characters omitted ...]"),
        "marker: {output}"
    );
    // Cut once: one marker, counting the whole middle (not a second cut through the first marker).
    assert_eq!(output.matches("omitted").count(), 1, "{output}");
    assert!(
        output.contains("[... 900 characters omitted ...]")
            || output.contains("[... 901 characters omitted ...]"),
        "{output}"
    );
    assert!(!output.contains(&"m".repeat(30)), "middle cut: {output}");
    assert!(
        output.chars().count() <= 100 + 40,
        "{} chars: {output}",
        output.chars().count()
    );
    assert!(seen.chars().count() < 1_000, "the whole turn stays short");
}

/// An empty (or whitespace-only) answer is no answer: text `FINAL_VAR` of an empty variable, and
/// `FINAL` / `FINAL_VAR` called from code with an empty value, tell the model and the loop goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_final_values_are_not_answers() {
    let text_var = format!("{}FINAL_VAR(e)", repl("var e = '   ';"));
    let from_code = repl("var blank = ''; FINAL_VAR('blank')");
    let final_code = repl("FINAL('  ')");
    let root = Arc::new(Scripted::replies(
        "root",
        &[&text_var, &from_code, &final_code, "FINAL(real)"],
    ));
    let answer = rlm_with(&root).completion("c", "q").await.unwrap();
    assert_eq!(answer.answer, "real");
    assert_eq!(answer.iterations, 4);
    let requests = root.requests();
    let after_text = last_user(&requests[1]);
    assert!(
        after_text.contains("FINAL_VAR(e) names a variable whose value is empty"),
        "{after_text}"
    );
    for request in &requests[2..4] {
        let seen = last_user(request);
        assert!(
            seen.contains("called from code with an empty value"),
            "{seen}"
        );
    }
    assert!(
        answer
            .trajectory
            .iterations()
            .take(3)
            .all(|it| it.answer.is_none()),
        "no answer recorded for the empty ones"
    );
}
