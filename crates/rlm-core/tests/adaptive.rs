//! Adaptive concurrency in a run: `RlmBuilder::adaptive_concurrency` puts one AIMD limiter under
//! `max_concurrent`, shared by every sub-call; against a sub model that accepts only a few calls at
//! once it backs off, reports the changes as events, and every sub-call still gets its answer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rlm_client::{ClientError, Completion, CompletionRequest, LlmClient};
use rlm_core::{Event, Rlm};

use crate::support::{Scripted, repl};

/// Accepts `k` calls at once; refuses more at once with a 429 (`Retry-After: 0`).
struct HiddenLimit {
    k: usize,
    in_flight: AtomicUsize,
    refused: AtomicUsize,
}

#[async_trait]
impl LlmClient for HiddenLimit {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let admitted = self
            .in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.k).then_some(n + 1)
            });
        if admitted.is_err() {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(ClientError::RateLimited {
                provider: "hidden".into(),
                message: "too many requests in flight".into(),
                retry_after: Some(Duration::ZERO),
                rate_limit: None,
            });
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let prompt = request.messages.last().map(|m| m.content.clone());
        Ok(Completion::new(
            format!("ok {}", prompt.unwrap_or_default()),
            "hidden",
        ))
    }

    fn model(&self) -> &'static str {
        "hidden"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_limiter_backs_off_to_what_the_sub_model_accepts() {
    let code = repl(
        "var prompts = []; for (var i = 0; i < 40; i++) prompts.push('p' + i); \
         var r = llm_batch(prompts, 16); \
         var bad = r.filter(function (a) { return a.indexOf('ok ') !== 0; }).length;",
    );
    let root = Arc::new(Scripted::replies(
        "root",
        &[&format!("{code}FINAL_VAR(bad)")],
    ));
    let sub = Arc::new(HiddenLimit {
        k: 4,
        in_flight: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
    });
    let changes = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&changes);
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .max_concurrent(16)
        .adaptive_concurrency(true)
        .on_event(move |event| {
            if let Event::ConcurrencyLimitChanged { depth, limit, .. } = event {
                seen.lock().unwrap().push((*depth, *limit));
            }
        })
        .build()
        .unwrap();
    let answer = rlm.completion("c", "q").await.unwrap();
    assert_eq!(answer.answer, "0", "every sub-call got its answer");
    let Some(limiter) = rlm.adaptive_limiter() else {
        panic!("adaptive concurrency is on but there is no limiter");
    };
    let snapshot = limiter.snapshot();
    assert_eq!(snapshot.max_limit, 16);
    assert!(
        snapshot.overloads >= 1 && !snapshot.slow_start,
        "{snapshot:?}"
    );
    assert!(snapshot.limit <= 8, "the provider takes 4: {snapshot:?}");
    let changes = changes.lock().unwrap();
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|&(depth, _)| depth == 1), "{changes:?}");
    let refused = sub.refused.load(Ordering::SeqCst);
    assert!(refused < 40, "{refused} refusals for 40 sub-calls");
}

#[test]
fn a_fixed_cap_is_the_default() {
    let rlm = Rlm::builder()
        .root(Arc::new(Scripted::echo("root")))
        .build()
        .unwrap();
    assert!(rlm.adaptive_limiter().is_none());
}
