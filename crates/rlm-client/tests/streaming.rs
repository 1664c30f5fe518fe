//! Streams through the wrappers: `Resilient` retries a stream only before its first item, meters it
//! when it ends, holds its permit until then and bounds it by the deadline; `ConcurrencyLimit` holds
//! its permit for the whole stream; the one-delta default; `batch_stream` in completion order.
#![allow(clippy::unnecessary_wraps, clippy::unnecessary_literal_bound)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use rlm_client::testing::Simulated;
use rlm_client::{
    BatchOptions, ClientError, Completion, CompletionRequest, CompletionStream, ConcurrencyLimit,
    LlmClient, ResiliencePolicy, Resilient, RetryPolicy, StreamItem, Usage, UsageMeter,
    batch_stream, collect_stream,
};
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// One scripted stream: its items, then either the end or a stall that never ends.
#[derive(Clone)]
struct Script {
    items: Vec<Result<StreamItem, ClientError>>,
    stall: bool,
}

/// A client whose every call plays the next script (the last one again when they run out).
struct Scripted {
    scripts: Mutex<VecDeque<Script>>,
    calls: AtomicUsize,
}

impl Scripted {
    fn new(scripts: Vec<Script>) -> Arc<Self> {
        Arc::new(Self {
            scripts: Mutex::new(scripts.into()),
            calls: AtomicUsize::new(0),
        })
    }
}

#[async_trait]
impl LlmClient for Scripted {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        collect_stream(self.complete_stream(request).await?, |_| {}).await
    }

    async fn complete_stream(
        &self,
        _request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let script = {
            let mut scripts = self.scripts.lock().unwrap();
            if scripts.len() > 1 {
                scripts.pop_front().unwrap()
            } else {
                scripts.front().unwrap().clone()
            }
        };
        let items = futures::stream::iter(script.items);
        Ok(if script.stall {
            items.chain(futures::stream::pending()).boxed()
        } else {
            items.boxed()
        })
    }

    fn model(&self) -> &str {
        "scripted"
    }
}

fn delta(text: &str) -> Result<StreamItem, ClientError> {
    Ok(StreamItem::Delta(text.to_owned()))
}

fn done(text: &str) -> Result<StreamItem, ClientError> {
    Ok(StreamItem::Done(
        Completion::new(text, "scripted").with_usage(Usage::new(7, 3)),
    ))
}

fn broken() -> Result<StreamItem, ClientError> {
    Err(ClientError::Connection {
        message: "reset".into(),
    })
}

fn plays(items: Vec<Result<StreamItem, ClientError>>) -> Script {
    Script {
        items,
        stall: false,
    }
}

fn resilient(inner: Arc<dyn LlmClient>, meter: &UsageMeter) -> Resilient {
    let policy = ResiliencePolicy::default().with_retry(
        RetryPolicy::default()
            .with_max_retries(3)
            .with_initial_delay(Duration::from_millis(10)),
    );
    Resilient::new(inner, policy)
        .unwrap()
        .with_meter(meter.clone())
}

/// Every item of one streamed call of `prompt` through `client`.
async fn drain(client: &impl LlmClient, prompt: &str) -> Vec<Result<StreamItem, ClientError>> {
    let stream = client.complete_stream(CompletionRequest::prompt(prompt));
    stream.await.unwrap().collect().await
}

#[tokio::test(start_paused = true)]
async fn a_stream_failing_before_its_first_item_is_retried() {
    let inner = Scripted::new(vec![
        plays(vec![broken()]),
        plays(vec![delta("he"), delta("llo"), done("hello")]),
    ]);
    let meter = UsageMeter::new();
    let client = resilient(inner.clone(), &meter);
    let items = drain(&client, "x").await;
    assert_eq!(items, vec![delta("he"), delta("llo"), done("hello")]);
    assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    let m = meter.snapshot().per_model["scripted"];
    assert_eq!((m.calls, m.failures, m.retries), (1, 0, 1));
    assert_eq!((m.usage.prompt_tokens, m.usage.completion_tokens), (7, 3));
}

#[tokio::test(start_paused = true)]
async fn a_failure_after_delivered_text_is_returned_not_retried() {
    let inner = Scripted::new(vec![
        plays(vec![delta("partial "), broken()]),
        plays(vec![delta("again"), done("again")]),
    ]);
    let meter = UsageMeter::new();
    let client = resilient(inner.clone(), &meter);
    let items = drain(&client, "x").await;
    assert_eq!(items, vec![delta("partial "), broken()]);
    assert_eq!(inner.calls.load(Ordering::SeqCst), 1, "no silent restart");
    let m = meter.snapshot().per_model["scripted"];
    assert_eq!((m.calls, m.failures), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_ends_without_its_completion_is_interrupted() {
    let inner = Scripted::new(vec![plays(vec![delta("a")])]);
    let client = resilient(inner, &UsageMeter::new());
    let items = drain(&client, "x").await;
    assert_eq!(items[0], delta("a"));
    assert!(
        matches!(&items[1], Err(ClientError::StreamInterrupted { .. })),
        "{items:?}"
    );
    assert_eq!(items.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_before_the_stream_are_not_retried() {
    let bad = Err(ClientError::configuration("bad request"));
    let inner = Scripted::new(vec![plays(vec![bad])]);
    let meter = UsageMeter::new();
    let client = resilient(inner.clone(), &meter);
    let result = client.complete_stream(CompletionRequest::prompt("x")).await;
    assert!(matches!(result, Err(ClientError::Configuration { .. })));
    assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
    assert_eq!(meter.snapshot().per_model["scripted"].failures, 1);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_covers_the_stream_and_the_attempt_timeout_its_first_item() {
    let stalls_after_one = Script {
        items: vec![delta("a")],
        stall: true,
    };
    let policy = ResiliencePolicy::default().with_deadline(Duration::from_secs(5));
    let client = Resilient::new(Scripted::new(vec![stalls_after_one]), policy).unwrap();
    let start = Instant::now();
    let items = drain(&client, "x").await;
    assert_eq!(items[0], delta("a"));
    assert!(matches!(
        items[1],
        Err(ClientError::DeadlineExceeded { .. })
    ));
    assert_eq!(start.elapsed(), Duration::from_secs(5));

    let never_starts = Script {
        items: vec![],
        stall: true,
    };
    let policy = ResiliencePolicy::default()
        .with_retry(RetryPolicy::none())
        .with_attempt_timeout(Duration::from_secs(2));
    let client = Resilient::new(Scripted::new(vec![never_starts]), policy).unwrap();
    let result = client.complete_stream(CompletionRequest::prompt("x")).await;
    assert!(matches!(result, Err(ClientError::Timeout { .. })));
}

#[tokio::test(start_paused = true)]
async fn a_stream_holds_its_permit_until_it_ends_or_is_dropped() {
    let script = Script {
        items: vec![delta("a")],
        stall: true,
    };
    let permits = Arc::new(Semaphore::new(1));
    let meter = UsageMeter::new();
    let client =
        resilient(Scripted::new(vec![script]), &meter).with_concurrency_limit(Arc::clone(&permits));
    let mut stream = client
        .complete_stream(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    assert_eq!(stream.next().await, Some(delta("a")));
    assert_eq!(permits.available_permits(), 0);
    drop(stream);
    assert_eq!(permits.available_permits(), 1);
    assert_eq!(
        meter.snapshot().per_model["scripted"].failures,
        1,
        "a dropped stream is a failure"
    );

    let limited = ConcurrencyLimit::new(
        Scripted::new(vec![plays(vec![delta("b"), done("b")])]),
        Arc::clone(&permits),
    );
    let mut stream = limited
        .complete_stream(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    assert_eq!(stream.next().await, Some(delta("b")));
    assert_eq!(permits.available_permits(), 0);
    assert_eq!(stream.next().await, Some(done("b")));
    drop(stream);
    assert_eq!(permits.available_permits(), 1);
}

#[tokio::test]
async fn a_client_without_a_streaming_api_streams_one_delta() {
    let sim = Simulated::new("sim", |r: &CompletionRequest| {
        format!("{} words", r.messages[0].content.split(' ').count())
    });
    let client = Resilient::new(Arc::new(sim), ResiliencePolicy::default()).unwrap();
    let items = drain(&client, "a b c").await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0], delta("3 words"));
    assert!(matches!(&items[1], Ok(StreamItem::Done(c)) if c.text == "3 words"));
}

/// Sleeps for the number of milliseconds its prompt names, then echoes it.
struct Sleeper {
    finished: AtomicUsize,
}

#[async_trait]
impl LlmClient for Sleeper {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let ms: u64 = request.messages[0].content.parse().unwrap();
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.finished.fetch_add(1, Ordering::SeqCst);
        Ok(Completion::new(ms.to_string(), "sleeper"))
    }

    fn model(&self) -> &str {
        "sleeper"
    }
}

#[tokio::test(start_paused = true)]
async fn batch_stream_yields_in_completion_order_and_the_first_after_one_latency() {
    let client = Sleeper {
        finished: AtomicUsize::new(0),
    };
    let requests = ["300", "100", "200", "1000"]
        .map(CompletionRequest::prompt)
        .to_vec();
    let start = Instant::now();
    let mut results = batch_stream(&client, requests, BatchOptions::new(4)).unwrap();
    let (first, text) = results.next().await.unwrap();
    assert_eq!((first, text.unwrap().text.as_str()), (1, "100"));
    assert_eq!(start.elapsed(), Duration::from_millis(100));
    let mut order = vec![first];
    for _ in 0..2 {
        order.push(results.next().await.unwrap().0);
    }
    assert_eq!(order, [1, 2, 0]);
    drop(results);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        client.finished.load(Ordering::SeqCst),
        3,
        "dropping the stream cancelled the last request"
    );
    assert!(batch_stream(&client, Vec::new(), BatchOptions::new(0)).is_err());
}
