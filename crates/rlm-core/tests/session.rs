//! Sessions keep one sandbox: variables survive, contexts accumulate as context_0, context_1, ...

use std::sync::Arc;

use futures::StreamExt;
use rlm_core::{Event, Rlm, RunUpdate};

use crate::support::{Scripted, repl};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_keeps_variables_and_numbers_contexts() {
    let first = format!("{}FINAL_VAR(kept)", repl("var kept = 'first:' + context"));
    let second = format!(
        "{}FINAL_VAR(both)",
        repl("var both = kept + ' second:' + context + ' zero:' + context_0 + ' one:' + context_1")
    );
    let root = Arc::new(Scripted::replies("root", &[&first, &second]));
    let rlm = Rlm::builder().root(root.clone()).build().unwrap();
    let session = rlm.session();
    let a = session.completion("A", "q1").await.unwrap();
    assert_eq!(a.answer, "first:A");
    assert_eq!(a.trajectory.metadata.context_index, 0);
    let b = session.completion("B", "q2").await.unwrap();
    assert_eq!(b.answer, "first:A second:B zero:A one:B");
    assert_eq!(b.trajectory.metadata.context_index, 1);
    // Each completion starts a fresh history.
    let second_request = &root.requests()[1];
    assert_eq!(second_request.messages.len(), 2);
    assert!(
        !second_request
            .messages
            .iter()
            .any(|m| m.content.contains("first:"))
    );
    let vars = session.variables().await.unwrap();
    assert!(
        vars.contains(&"kept".to_owned()) && vars.contains(&"both".to_owned()),
        "{vars:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_completions_do_not_share_variables() {
    let first = format!("{}FINAL_VAR(kept)", repl("var kept = 'x'"));
    let second = format!("{}FINAL_VAR(seen)", repl("var seen = typeof kept"));
    let root = Arc::new(Scripted::replies("root", &[&first, &second]));
    let rlm = Rlm::builder().root(root).build().unwrap();
    rlm.completion("A", "q").await.unwrap();
    assert_eq!(rlm.completion("B", "q").await.unwrap().answer, "undefined");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_streams_its_completions_in_one_sandbox() {
    let first = format!("{}FINAL_VAR(kept)", repl("var kept = 'first:' + context"));
    let second = format!(
        "{}FINAL_VAR(both)",
        repl("var both = kept + ' then ' + context")
    );
    let root = Arc::new(Scripted::replies("root", &[&first, &second]));
    let rlm = Rlm::builder().root(root).build().unwrap();
    let session = rlm.session();
    let a = session.stream("A", "q1").finish().await.unwrap();
    assert_eq!(a.answer, "first:A");
    let updates: Vec<RunUpdate> = session.stream("B", "q2").collect().await;
    assert!(
        updates
            .iter()
            .any(|u| matches!(u, RunUpdate::Event(Event::CellFinished { .. })))
    );
    match updates.last() {
        Some(RunUpdate::Answer(b)) => assert_eq!(b.answer, "first:A then B"),
        other => panic!("{other:?}"),
    }
}
