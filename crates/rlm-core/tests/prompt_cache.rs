//! Prompt caching: every root request of a run starts with the previous root request's messages,
//! byte for byte (until a compaction replaces the history), even with a budget line that changes
//! every turn; root and child runs' own calls carry a cache hint with a key per run, sub-calls none,
//! and `prompt_cache(false)` sends no hint at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rlm_client::{CompletionRequest, ContextWindows};
use rlm_core::{Limits, Rlm};

use crate::support::{Scripted, is_root_turn, last_user, repl};

const SUMMARY_REQUEST: &str = "about to be shortened";

/// A root that makes one sub-call and prints 1,500 characters per turn for `turns` turns (so the
/// budget line changes every turn), summarises when asked, then answers.
fn busy_root(turns: usize) -> Scripted {
    let done = AtomicUsize::new(0);
    Scripted::new("root", move |request, _| {
        if !is_root_turn(request) {
            return Ok(format!("echo:{}", last_user(request).len()));
        }
        if last_user(request).contains(SUMMARY_REQUEST) {
            return Ok("Summary: `n` counts the turns.".to_owned());
        }
        if done.fetch_add(1, Ordering::SeqCst) < turns {
            Ok(repl(
                "var n = (typeof n === 'number' ? n : 0) + 1; llm_query('turn ' + n); print('y'.repeat(1500))",
            ))
        } else {
            Ok("FINAL_VAR(n)".to_owned())
        }
    })
}

/// Whether `next`'s messages begin with every message of `previous`, unchanged.
fn extends(previous: &CompletionRequest, next: &CompletionRequest) -> bool {
    next.messages.len() > previous.messages.len()
        && next.messages[..previous.messages.len()] == previous.messages[..]
}

fn root_requests(client: &Scripted) -> Vec<CompletionRequest> {
    client.requests().into_iter().filter(is_root_turn).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_root_request_starts_with_the_previous_one() {
    let root = Arc::new(busy_root(6));
    let rlm = Rlm::builder()
        .root(root.clone())
        .limits(Limits::default().with_max_subcalls(Some(100)))
        .build()
        .unwrap();
    let answer = rlm.completion("ctx", "How many turns?").await.unwrap();
    assert_eq!(answer.answer, "6");
    let requests = root_requests(&root);
    assert_eq!(requests.len(), 7);
    for (n, pair) in requests.windows(2).enumerate() {
        assert!(
            extends(&pair[0], &pair[1]),
            "root request {} does not start with request {n}",
            n + 1
        );
    }
    // The budget line is in the newest message only, and it did change.
    assert!(last_user(&requests[1]).contains("Budget left: 99 of 100 sub-calls"));
    assert!(last_user(&requests[2]).contains("Budget left: 98 of 100 sub-calls"));
    // One key for the whole run, on every root request; none on the sub-calls.
    let key = requests[0]
        .cache
        .as_ref()
        .and_then(|c| c.key.clone())
        .unwrap();
    assert!(key.starts_with("rlm-") && key.ends_with(".0"), "{key}");
    assert!(
        requests
            .iter()
            .all(|r| r.cache.as_ref().and_then(|c| c.key.as_ref()) == Some(&key))
    );
    let subs: Vec<_> = root
        .requests()
        .into_iter()
        .filter(|r| !is_root_turn(r))
        .collect();
    assert_eq!(subs.len(), 6);
    assert!(subs.iter().all(|r| r.cache.is_none()));
    // A second completion gets a key of its own (the script has finished: it gives no answer now).
    let once = Rlm::builder()
        .root(root.clone())
        .max_iterations(1)
        .build()
        .unwrap();
    once.completion("ctx", "again").await.unwrap_err();
    let again = root_requests(&root).pop().unwrap();
    assert_ne!(again.cache.and_then(|c| c.key), Some(key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_compaction_breaks_the_prefix() {
    let root = Arc::new(busy_root(6));
    let rlm = Rlm::builder()
        .root(root.clone())
        .context_windows(ContextWindows::none().with("root", 5_000))
        .build()
        .unwrap();
    let answer = rlm.completion("ctx", "How many turns?").await.unwrap();
    assert_eq!(answer.answer, "6");
    let requests = root_requests(&root);
    let mut breaks = 0;
    for pair in requests.windows(2) {
        if extends(&pair[0], &pair[1]) {
            continue;
        }
        breaks += 1;
        assert!(
            last_user(&pair[0]).contains(SUMMARY_REQUEST),
            "the prefix changed without a compaction"
        );
        // The system prompt and the first user message's start stay.
        assert_eq!(pair[1].messages[0], pair[0].messages[0]);
    }
    assert!(breaks >= 1, "the history was compacted");
    assert!(requests.iter().all(|r| r.cache.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_runs_get_keys_of_their_own_and_the_setting_turns_it_off() {
    let code = repl("var c = rlm_query('abc');");
    let reply = format!("{code}FINAL_VAR(c)");
    let child = || {
        Scripted::new("sub", |request, _| {
            if is_root_turn(request) {
                Ok("FINAL(child done)".to_owned())
            } else {
                Ok("plain".to_owned())
            }
        })
    };
    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let sub = Arc::new(child());
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_client(sub.clone())
        .max_depth(2)
        .build()
        .unwrap();
    assert_eq!(rlm.completion("c", "q").await.unwrap().answer, "child done");
    let key = |r: &CompletionRequest| r.cache.as_ref().and_then(|c| c.key.clone());
    let root_key = key(&root.requests()[0]).unwrap();
    let child_key = key(&sub.requests()[0]).unwrap();
    assert!(child_key.ends_with(".1"), "{child_key}");
    assert_eq!(
        root_key.trim_end_matches(".0"),
        child_key.trim_end_matches(".1"),
        "one completion id"
    );

    let root = Arc::new(Scripted::replies("root", &[&reply]));
    let sub = Arc::new(child());
    let off = Rlm::builder()
        .root(root.clone())
        .sub_client(sub.clone())
        .max_depth(2)
        .prompt_cache(false)
        .build()
        .unwrap();
    assert_eq!(off.completion("c", "q").await.unwrap().answer, "child done");
    assert!(
        root.requests()
            .iter()
            .chain(&sub.requests())
            .all(|r| r.cache.is_none())
    );
}
