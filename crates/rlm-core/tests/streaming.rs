//! `Rlm::stream`: the updates of a run in order (events, trajectory lines, then the outcome), the root
//! model's text as deltas, cancelling cleanly with the partial run, and dropping the stream.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rlm_core::{Event, Finish, Rlm, RlmError, RunStream, RunUpdate, Trajectory};

use crate::support::{Scripted, repl};

fn batch_then_final() -> (Arc<Scripted>, Arc<Scripted>) {
    let code = repl("const parts = llm_batch(['a', 'b', 'c']);\nprint(parts.length)");
    let root = Scripted::replies("root", &[&code, "FINAL(three)"]).with_chunks(7);
    (Arc::new(root), Arc::new(Scripted::echo("sub")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_run_reports_every_step_in_order_then_its_answer() {
    let (root, sub) = batch_then_final();
    let rlm = Rlm::builder().root(root).sub_client(sub).build().unwrap();
    let updates: Vec<RunUpdate> = rlm.stream("some context", "how many?").collect().await;
    let Some(RunUpdate::Answer(answer)) = updates.last() else {
        panic!("the last update is the answer: {:?}", updates.last());
    };
    assert_eq!(
        (answer.answer.as_str(), answer.finished),
        ("three", Finish::Final)
    );
    let events: Vec<&Event> = updates
        .iter()
        .filter_map(|u| match u {
            RunUpdate::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    let position = |wanted: &dyn Fn(&Event) -> bool| {
        events
            .iter()
            .position(|e| wanted(e))
            .unwrap_or_else(|| panic!("missing event in {events:#?}"))
    };
    let started = position(&|e| {
        matches!(
            e,
            Event::RunStarted {
                depth: 0,
                run_id: 0,
                ..
            }
        )
    });
    let first_delta = position(&|e| matches!(e, Event::RootDelta { iteration: 1, .. }));
    let block = position(&|e| {
        matches!(
            e,
            Event::CodeBlockReady {
                iteration: 1,
                index: 0,
                of: 1,
                ..
            }
        )
    });
    let first_item = position(&|e| {
        matches!(
            e,
            Event::SubcallFinished {
                done: 1,
                total: 3,
                ..
            }
        )
    });
    let cell = position(
        &|e| matches!(e, Event::CellFinished { iteration: 1, output, error: None, .. } if output.trim() == "3"),
    );
    let finished = position(&|e| {
        matches!(
            e,
            Event::RunFinished {
                depth: 0,
                answered: true,
                ..
            }
        )
    });
    assert!(
        started < first_delta
            && first_delta < block
            && block < first_item
            && first_item < cell
            && cell < finished,
        "{events:#?}"
    );
    let first_reply: String = events
        .iter()
        .filter_map(|e| match e {
            Event::RootDelta {
                iteration: 1, text, ..
            } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        first_reply,
        answer.trajectory.iterations().next().unwrap().reply
    );
    let deltas = events
        .iter()
        .filter(|e| matches!(e, Event::RootDelta { iteration: 1, .. }))
        .count();
    assert!(
        deltas > 5,
        "the reply came in {deltas} deltas of 7 characters"
    );
    let last_usage = events.iter().rev().find_map(|e| match e {
        Event::UsageUpdated { usage, .. } => Some(*usage),
        _ => None,
    });
    assert_eq!(
        last_usage,
        Some(answer.usage.total.usage),
        "usage updates add up to the report"
    );

    // The trajectory lines rebuild the trajectory of the answer.
    let mut metadata = None;
    let mut records = Vec::new();
    for update in &updates {
        match update {
            RunUpdate::Metadata(m) => {
                assert!(records.is_empty(), "the metadata comes first");
                metadata = Some(m.clone());
            }
            RunUpdate::Record(r) => records.push(r.clone()),
            _ => {}
        }
    }
    let streamed = Trajectory {
        metadata: metadata.expect("a metadata line"),
        records,
    };
    assert_eq!(streamed, answer.trajectory);
}

/// Reads `run` up to the first event that `wanted` accepts.
async fn until(run: &mut RunStream, wanted: impl Fn(&Event) -> bool) {
    while let Some(update) = run.next().await {
        if matches!(&update, RunUpdate::Event(e) if wanted(e)) {
            return;
        }
    }
    panic!("the run ended before the event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_the_run_and_keeps_what_it_did() {
    let code = repl("print('started'); const slow = llm_query('take your time');");
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(never)"]));
    let sub = Arc::new(Scripted::echo("sub").with_delay(Duration::from_hours(1)));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .build()
        .unwrap();
    let mut run = rlm.stream("c", "q");
    until(&mut run, |e| matches!(e, Event::SubcallStarted { .. })).await;
    run.cancel();
    let rest: Vec<RunUpdate> = tokio::time::timeout(Duration::from_secs(10), run.collect())
        .await
        .expect("a cancelled run ends promptly");
    let Some(RunUpdate::Failed(error)) = rest.last() else {
        panic!("the last update is the failure: {:?}", rest.last());
    };
    let RlmError::Cancelled { partial } = error.as_ref() else {
        panic!("{error}");
    };
    assert_eq!(
        partial.usage.per_depth[0].total().calls,
        1,
        "the root call is counted"
    );
    assert_eq!(partial.trajectory.metadata.root_model, "root");
    assert!(sub.calls() <= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_stream_cancels_the_run() {
    let code = repl("const all = llm_batch(['1', '2', '3', '4', '5', '6'], 1);");
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(x)"]));
    let sub = Arc::new(Scripted::echo("sub").with_delay(Duration::from_millis(200)));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .build()
        .unwrap();
    let mut run = rlm.stream("c", "q");
    until(&mut run, |e| {
        matches!(e, Event::SubcallFinished { done: 1, .. })
    })
    .await;
    drop(run);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        sub.calls() <= 2,
        "no sub-call starts after the drop: {}",
        sub.calls()
    );
}
