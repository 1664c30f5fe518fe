//! The simulated prompt cache over loopback: a request that repeats an earlier request's messages
//! reports their tokens as `prompt_tokens_details.cached_tokens` (whole and streamed), per model
//! and `prompt_cache_key`; the setting turns it off.

use std::time::Duration;

use rlm_sim::server::{SimServer, SimServerConfig, SimServerHandle};
use serde_json::{Value, json};

async fn server(entries: usize) -> SimServerHandle {
    SimServer::start(SimServerConfig {
        root_latency: Duration::ZERO,
        sub_latency: Duration::ZERO,
        prompt_cache_entries: entries,
        ..SimServerConfig::default()
    })
    .await
    .unwrap()
}

/// A root history of `turns` exchanges (system prompt of 800 characters: 200 tokens).
fn history(turns: usize) -> Vec<Value> {
    let mut messages = vec![
        json!({"role": "system", "content": format!("You have a REPL; end with FINAL. {}", "x".repeat(767))}),
        json!({"role": "user", "content": "Query: q"}),
    ];
    for i in 0..turns {
        messages.push(json!({"role": "assistant", "content": format!("```repl\nprint({i})\n```")}));
        messages.push(json!({"role": "user", "content": format!("{i}")}));
    }
    messages
}

/// The `usage` of one request (the streamed usage chunk when `stream`).
async fn usage(base: &str, mut body: Value, stream: bool) -> Value {
    if stream {
        body["stream"] = json!(true);
        body["stream_options"] = json!({"include_usage": true});
    }
    let response = reqwest::Client::new()
        .post(format!("{base}/chat/completions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    if !stream {
        let body: Value = response.json().await.unwrap();
        return body["usage"].clone();
    }
    let text = response.text().await.unwrap();
    let last = text
        .split("\n\n")
        .filter_map(|event| event.strip_prefix("data: "))
        .filter(|data| *data != "[DONE]")
        .last()
        .unwrap()
        .to_owned();
    serde_json::from_str::<Value>(&last).unwrap()["usage"].clone()
}

fn cached(usage: &Value) -> u64 {
    usage["prompt_tokens_details"]["cached_tokens"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn each_turn_reads_the_previous_turns_from_the_cache() {
    for stream in [false, true] {
        let server = server(64).await;
        let base = server.base_url();
        let request = |turns: usize| json!({"model": "sim-root-never", "messages": history(turns)});
        let first = usage(&base, request(0), stream).await;
        assert_eq!(
            (cached(&first), first["prompt_tokens"].as_u64()),
            (0, Some(202))
        );
        let mut uncached = Vec::new();
        for turns in 1..=5 {
            let u = usage(&base, request(turns), stream).await;
            let prompt = u["prompt_tokens"].as_u64().unwrap();
            assert!(cached(&u) < prompt && cached(&u) > 200, "{u}");
            uncached.push(prompt - cached(&u));
        }
        // Flat: only the newest exchange is new each turn.
        assert!(uncached.iter().all(|&n| n == uncached[0]), "{uncached:?}");
        // Another model or another key has seen nothing; the same key sees its own requests.
        let other = json!({"model": "sim-other", "messages": history(1)});
        assert_eq!(cached(&usage(&base, other, stream).await), 0);
        let keyed =
            json!({"model": "sim-root-never", "messages": history(1), "prompt_cache_key": "run-1"});
        assert_eq!(cached(&usage(&base, keyed.clone(), stream).await), 0);
        let again = usage(&base, keyed, stream).await;
        assert_eq!(cached(&again), again["prompt_tokens"].as_u64().unwrap());
        server.shutdown().await;
    }
}

#[tokio::test]
async fn zero_entries_turn_the_simulated_cache_off() {
    let server = server(0).await;
    let body = json!({"model": "sim-root", "messages": history(2)});
    for stream in [false, true] {
        let usage = usage(&server.base_url(), body.clone(), stream).await;
        assert!(usage.get("prompt_tokens_details").is_none(), "{usage}");
        assert!(usage["prompt_tokens"].as_u64().unwrap() > 200);
    }
    server.shutdown().await;
}
