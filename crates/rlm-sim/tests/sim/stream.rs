//! Streamed replies of the simulated server over real HTTP: chunk format, pieces that join to the
//! non-streamed reply, usage, the delay between events, faults before any event, the counters.

use std::time::{Duration, Instant};

use rlm_sim::SimError;
use rlm_sim::server::{SimServer, SimServerConfig, SimServerHandle};
use serde_json::{Value, json};

const PROMPT: &str = "filler\nThe magic number is 48213907.\nfiller";

async fn server(chars: usize, delay: Duration) -> SimServerHandle {
    SimServer::start(SimServerConfig {
        root_latency: Duration::ZERO,
        sub_latency: Duration::ZERO,
        stream_chunk_chars: chars,
        stream_chunk_delay: delay,
        ..SimServerConfig::default()
    })
    .await
    .unwrap()
}

fn body(stream: bool, include_usage: bool) -> Value {
    let mut body = json!({"model": "sim-sub", "messages": [{"role": "user", "content": PROMPT}]});
    if stream {
        body["stream"] = json!(true);
        body["stream_options"] = json!({"include_usage": include_usage});
    }
    body
}

/// The `data:` payloads of a streamed reply, and how many pieces of body arrived.
async fn stream(base: &str, body: &Value) -> (u16, String, Vec<String>, usize) {
    let mut response = reqwest::Client::new()
        .post(format!("{base}/chat/completions"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let mut text = String::new();
    let mut pieces = 0;
    while let Some(chunk) = response.chunk().await.unwrap() {
        pieces += 1;
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    if status != 200 {
        return (status, content_type, vec![text], pieces);
    }
    assert!(text.ends_with("\n\n"), "{text:?}");
    let events = text
        .split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| e.strip_prefix("data: ").unwrap().to_owned())
        .collect();
    (status, content_type, events, pieces)
}

#[tokio::test]
async fn a_streamed_reply_is_chunks_that_join_to_the_whole_reply_with_its_usage() {
    let server = server(4, Duration::ZERO).await;
    let whole: Value = reqwest::Client::new()
        .post(format!("{}/chat/completions", server.base_url()))
        .json(&body(false, false))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reply = whole["choices"][0]["message"]["content"].as_str().unwrap();
    assert_eq!(reply, "MAGIC: 48213907");

    let (status, content_type, events, _) = stream(&server.base_url(), &body(true, true)).await;
    assert_eq!((status, content_type.as_str()), (200, "text/event-stream"));
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    for chunk in &chunks {
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert_eq!(chunk["model"], "sim-sub");
        assert!(chunk["id"].as_str().unwrap().starts_with("chatcmpl-sim-"));
    }
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let deltas: Vec<&str> = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(deltas, ["MAGI", "C: 4", "8213", "907"]);
    assert_eq!(deltas.concat(), reply);
    let finish = &chunks[chunks.len() - 2];
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    let usage = &chunks[chunks.len() - 1];
    assert_eq!(usage["choices"], json!([]));
    // The same request a second time: the simulated prompt cache serves all of its input.
    let mut streamed = usage["usage"].clone();
    let cached = &streamed["prompt_tokens_details"]["cached_tokens"];
    assert_eq!(cached, &whole["usage"]["prompt_tokens"]);
    assert_eq!(whole["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
    streamed["prompt_tokens_details"] = whole["usage"]["prompt_tokens_details"].clone();
    assert_eq!(streamed, whole["usage"]);
    let stats = server.stats();
    assert_eq!((stats.requests_served, stats.sub_requests), (2, 2));
    server.shutdown().await;
}

#[tokio::test]
async fn the_chunk_delay_spaces_the_events_and_usage_is_sent_only_when_asked() {
    let delay = Duration::from_millis(40);
    let server = server(4, delay).await;
    let start = Instant::now();
    let (status, _, events, pieces) = stream(&server.base_url(), &body(true, false)).await;
    let took = start.elapsed();
    assert_eq!(status, 200);
    // role, 4 pieces of text, finish, [DONE]: 6 pauses.
    assert_eq!(events.len(), 7, "{events:?}");
    assert!(
        events.iter().all(|e| !e.contains("\"usage\"")),
        "{events:?}"
    );
    assert!(took >= delay * 6, "took {took:?}");
    assert!(
        pieces > 1,
        "the body came in {pieces} piece(s), not as a stream"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn streamed_sub_requests_stay_in_progress_until_their_last_event() {
    let server = server(2, Duration::from_millis(50)).await;
    let (base, request) = (server.base_url(), body(true, true));
    let (a, b) = tokio::join!(stream(&base, &request), stream(&base, &request));
    assert_eq!((a.0, b.0), (200, 200));
    assert_eq!(server.peak_concurrent_sub(), 2);
    assert_eq!(server.stats().sub_requests, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn a_fault_answers_a_streamed_request_before_any_event() {
    let server = SimServer::start(SimServerConfig {
        sub_latency: Duration::ZERO,
        faults: vec!["1:429:1".parse().unwrap()],
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let (status, content_type, body, _) = stream(&server.base_url(), &body(true, true)).await;
    assert_eq!(status, 429);
    assert_eq!(content_type, "application/json");
    let error: Value = serde_json::from_str(&body[0]).unwrap();
    assert_eq!(error["error"]["code"], "simulated_fault");
    let stats = server.stats();
    assert_eq!((stats.faults, stats.sub_requests), (1, 0));
    server.shutdown().await;
}

#[tokio::test]
async fn stream_settings_out_of_range_are_refused() {
    for config in [
        SimServerConfig {
            stream_chunk_chars: 0,
            ..SimServerConfig::default()
        },
        SimServerConfig {
            stream_chunk_delay: Duration::from_hours(1),
            ..SimServerConfig::default()
        },
    ] {
        let err = SimServer::start(config).await.unwrap_err();
        assert!(matches!(err, SimError::Config(_)), "{err}");
    }
}
