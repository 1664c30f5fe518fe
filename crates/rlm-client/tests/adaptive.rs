//! Adaptive concurrency through `Resilient`: rate-limit headers read from real HTTP replies (both
//! providers, successes, 429s and streams), a fake provider with a hidden concurrency limit that the
//! limiter settles near, holds before a 429, and limit-change events.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rlm_client::{
    AdaptiveLimiter, Anthropic, BatchOptions, CallEvent, CallObserver, ClientError, Completion,
    CompletionRequest, LlmClient, OpenAiCompatible, RateLimitInfo, ResiliencePolicy, Resilient,
    batch, collect_stream,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn openai(server: &MockServer) -> OpenAiCompatible {
    OpenAiCompatible::builder("gpt-test")
        .base_url(format!("{}/v1", server.uri()))
        .api_key("sk-test-key")
        .build()
        .unwrap()
}

fn openai_headers(template: ResponseTemplate) -> ResponseTemplate {
    template
        .insert_header("x-ratelimit-limit-requests", "60")
        .insert_header("x-ratelimit-remaining-requests", "7")
        .insert_header("x-ratelimit-reset-requests", "6m0s")
        .insert_header("x-ratelimit-remaining-tokens", "1000")
        .insert_header("x-ratelimit-reset-tokens", "20ms")
}

#[tokio::test]
async fn openai_replies_and_429s_carry_their_rate_limit_headers() {
    let server = MockServer::start().await;
    let ok = json!({"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]});
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(openai_headers(ResponseTemplate::new(200).set_body_json(ok)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let refusal = json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}});
    Mock::given(method("POST"))
        .respond_with(openai_headers(
            ResponseTemplate::new(429).set_body_json(refusal),
        ))
        .mount(&server)
        .await;
    let client = openai(&server);
    let completion = client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    let want = RateLimitInfo::new()
        .with_limit_requests(60)
        .with_remaining_requests(7)
        .with_reset_requests(Duration::from_mins(6))
        .with_remaining_tokens(1000)
        .with_reset_tokens(Duration::from_millis(20));
    assert_eq!(completion.rate_limit, Some(want));
    let error = client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert!(error.is_overload(), "{error}");
    assert_eq!(error.rate_limit(), Some(&want));
}

#[tokio::test]
async fn anthropic_replies_carry_their_rate_limit_headers() {
    let server = MockServer::start().await;
    let body = json!({"content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn"});
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(body)
                .insert_header("anthropic-ratelimit-requests-limit", "50")
                .insert_header("anthropic-ratelimit-requests-remaining", "49")
                .insert_header("anthropic-ratelimit-requests-reset", "2001-01-01T00:00:00Z")
                .insert_header("anthropic-ratelimit-tokens-remaining", "not a number"),
        )
        .mount(&server)
        .await;
    let client = Anthropic::builder("claude-test", "sk-ant-test")
        .base_url(server.uri())
        .build()
        .unwrap();
    let completion = client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    let want = RateLimitInfo::new()
        .with_limit_requests(50)
        .with_remaining_requests(49)
        .with_reset_requests(Duration::ZERO);
    assert_eq!(completion.rate_limit, Some(want));
}

#[tokio::test]
async fn a_stream_carries_the_headers_on_its_final_completion() {
    let server = MockServer::start().await;
    let events = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n\
                  data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n\
                  data: [DONE]\n\n";
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .insert_header("x-ratelimit-remaining-requests", "3")
                .set_body_string(events),
        )
        .mount(&server)
        .await;
    let limiter = AdaptiveLimiter::new(8);
    let client = Resilient::new(Arc::new(openai(&server)), ResiliencePolicy::default())
        .unwrap()
        .with_concurrency_gate(limiter.clone().into());
    let stream = client
        .complete_stream(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    let completion = collect_stream(stream, |_| {}).await.unwrap();
    assert_eq!(completion.text, "hi");
    assert_eq!(
        completion.rate_limit.and_then(|i| i.remaining_requests),
        Some(3)
    );
    assert_eq!(limiter.limit(), 3, "the stream's headers capped the limit");
}

/// A provider that accepts `k` calls at once, refuses more with a 429 at once, and counts refusals.
struct HiddenLimit {
    k: usize,
    latency: Duration,
    in_flight: AtomicUsize,
    refused: AtomicUsize,
    rate_limit: Option<RateLimitInfo>,
}

impl HiddenLimit {
    fn new(k: usize, latency: Duration) -> Arc<Self> {
        Arc::new(Self {
            k,
            latency,
            in_flight: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            rate_limit: None,
        })
    }
}

#[async_trait]
impl LlmClient for HiddenLimit {
    async fn complete(&self, _: CompletionRequest) -> Result<Completion, ClientError> {
        let admitted = self
            .in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.k).then_some(n + 1)
            });
        if admitted.is_err() {
            self.refused.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(1)).await;
            return Err(ClientError::RateLimited {
                provider: "hidden".into(),
                message: "too many requests in flight".into(),
                retry_after: Some(Duration::ZERO),
                rate_limit: None,
            });
        }
        tokio::time::sleep(self.latency).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let completion = Completion::new("ok", "hidden");
        Ok(match self.rate_limit {
            Some(info) => completion.with_rate_limit(info),
            None => completion,
        })
    }

    fn model(&self) -> &'static str {
        "hidden"
    }
}

#[tokio::test(start_paused = true)]
async fn the_limiter_settles_near_a_hidden_limit_with_few_refusals() {
    let provider = HiddenLimit::new(6, Duration::from_millis(100));
    let limiter = AdaptiveLimiter::new(32);
    let changes = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&changes);
    let observer = CallObserver::new(move |event| {
        if let CallEvent::ConcurrencyLimitChanged { limit, .. } = event {
            seen.lock().unwrap().push(*limit);
        }
    });
    let client = Resilient::new(provider.clone(), ResiliencePolicy::default())
        .unwrap()
        .with_concurrency_gate(limiter.clone().into())
        .with_observer(observer);
    let prompts = (0..200)
        .map(|i| CompletionRequest::prompt(i.to_string()))
        .collect();
    let started = tokio::time::Instant::now();
    let results = batch(&client, prompts, BatchOptions::new(32))
        .await
        .unwrap();
    // The ideal at 6 at a time: 34 rounds of 100 ms.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(results.iter().all(Result::is_ok));
    let refused = provider.refused.load(Ordering::SeqCst);
    let limit = limiter.limit();
    assert!(
        (4..=8).contains(&limit),
        "settled at {limit}, the provider takes 6"
    );
    assert!(refused < 40, "{refused} refusals for 200 calls");
    assert!(
        !changes.lock().unwrap().is_empty(),
        "no limit change was reported"
    );
}

#[tokio::test(start_paused = true)]
async fn spent_quota_headers_hold_the_next_attempt_instead_of_a_429() {
    let mut provider = HiddenLimit::new(100, Duration::from_millis(10));
    Arc::get_mut(&mut provider).unwrap().rate_limit = Some(
        RateLimitInfo::new()
            .with_remaining_requests(0)
            .with_reset_requests(Duration::from_secs(3)),
    );
    let limiter = AdaptiveLimiter::new(8);
    let waits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&waits);
    let observer = CallObserver::new(move |event| {
        if matches!(event, CallEvent::RateLimitWait { .. }) {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    let client = Resilient::new(provider, ResiliencePolicy::default())
        .unwrap()
        .with_concurrency_gate(limiter.into())
        .with_observer(observer);
    let started = tokio::time::Instant::now();
    client
        .complete(CompletionRequest::prompt("a"))
        .await
        .unwrap();
    client
        .complete(CompletionRequest::prompt("b"))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(waits.load(Ordering::SeqCst), 1);
    // The call's deadline bounds the hold: it fails at its deadline, not after the 30 s reset.
    let mut provider = HiddenLimit::new(100, Duration::from_millis(10));
    Arc::get_mut(&mut provider).unwrap().rate_limit = Some(
        RateLimitInfo::new()
            .with_remaining_requests(0)
            .with_reset_requests(Duration::from_secs(30)),
    );
    let client = Resilient::new(
        provider,
        ResiliencePolicy::default().with_deadline(Duration::from_secs(2)),
    )
    .unwrap()
    .with_concurrency_gate(AdaptiveLimiter::new(8).into());
    client
        .complete(CompletionRequest::prompt("a"))
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let second = client.complete(CompletionRequest::prompt("b")).await;
    assert!(
        matches!(second, Err(ClientError::DeadlineExceeded { .. })),
        "{second:?}"
    );
    assert!(started.elapsed() <= Duration::from_secs(2));
}
