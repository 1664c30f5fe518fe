//! Compaction: a run whose history outgrows its root model's window has its older turns replaced by
//! a summary the model writes; the REPL keeps its variables, the model is told, the trajectory
//! records it, and the run still answers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rlm_client::{ContextWindows, estimate_tokens};
use rlm_core::{Compaction, Event, Rlm, TrajectoryRecord};

use crate::support::{Scripted, last_user, repl};

const SUMMARY_REQUEST: &str = "about to be shortened";

/// A root that prints 2,000 characters per turn for five turns, answers a compaction request with a
/// summary, then finishes with a variable it set before the compaction.
fn wordy_root() -> Scripted {
    let turns = AtomicUsize::new(0);
    Scripted::new("root", move |request, _| {
        if last_user(request).contains(SUMMARY_REQUEST) {
            return Ok("Summary: `count` holds the number of blocks printed so far.".to_owned());
        }
        if turns.fetch_add(1, Ordering::SeqCst) < 5 {
            Ok(repl(
                "var count = (typeof count === 'number' ? count : 0) + 1; print('x'.repeat(2000))",
            ))
        } else {
            Ok("FINAL_VAR(count)".to_owned())
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_run_is_compacted_and_still_answers() {
    let root = Arc::new(wordy_root());
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let rlm = Rlm::builder()
        .root(root.clone())
        .context_windows(ContextWindows::none().with("root", 4_000))
        .on_event(move |e| {
            if let Event::Compacted { .. } = e {
                sink.lock().unwrap().push(e.clone());
            }
        })
        .build()
        .unwrap();
    let answer = rlm
        .completion("some context", "How many blocks?")
        .await
        .unwrap();
    assert_eq!(
        answer.answer, "5",
        "the variable set before compaction survived"
    );

    let compactions: Vec<_> = answer
        .trajectory
        .records
        .iter()
        .filter_map(|r| match r {
            TrajectoryRecord::Compaction(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert!(!compactions.is_empty());
    let first = &compactions[0];
    assert!(first.tokens_before > 3_400 && first.tokens_after < first.tokens_before);
    assert!(first.summary.starts_with("Summary:"));
    assert_eq!(events.lock().unwrap().len(), compactions.len());

    // Every request stayed within the window, and the one after the compaction carries the summary
    // and says the variables are still there.
    let requests = root.requests();
    for request in &requests {
        assert!(
            estimate_tokens(request) <= 4_000,
            "{}",
            estimate_tokens(request)
        );
    }
    let after = requests
        .iter()
        .skip_while(|r| !last_user(r).contains(SUMMARY_REQUEST))
        .nth(1)
        .unwrap();
    let notice = &after.messages[1].content;
    assert!(notice.contains("Summary: `count` holds"), "{notice}");
    assert!(
        notice.contains("every variable you defined is still there (`count`)"),
        "{notice}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_can_be_turned_off() {
    let root = Arc::new(wordy_root());
    let rlm = Rlm::builder()
        .root(root.clone())
        .context_windows(ContextWindows::none().with("root", 4_000))
        .compaction(Compaction::disabled())
        .build()
        .unwrap();
    let answer = rlm
        .completion("some context", "How many blocks?")
        .await
        .unwrap();
    assert_eq!(answer.answer, "5");
    assert!(
        !root
            .requests()
            .iter()
            .any(|r| last_user(r).contains(SUMMARY_REQUEST))
    );
}
