//! Prompt caching against wiremock: the request bodies a cache hint produces (Anthropic's
//! `cache_control` breakpoints, OpenAI's `prompt_cache_key` only where it is wanted) and the cache
//! counts read back from whole and streamed replies.

use rlm_client::{
    Anthropic, CompletionRequest, LlmClient, Message, OpenAiCompatible, PromptCache, Usage,
    collect_stream,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A root history after two turns: system, query, then two (reply, output) exchanges.
fn history() -> Vec<Message> {
    vec![
        Message::system("You are the root model."),
        Message::user("Query: count the words"),
        Message::assistant("```repl\nprint(1)\n```"),
        Message::user("1"),
        Message::assistant("```repl\nprint(2)\n```"),
        Message::user("2\n\nBudget left: 9 of 10 sub-calls."),
    ]
}

/// The JSON body of the only request `server` received.
async fn only_body(server: &MockServer) -> Value {
    let received = server.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 1, "one request");
    serde_json::from_slice(&received[0].body).unwrap()
}

fn anthropic(server: &MockServer) -> Anthropic {
    Anthropic::builder("claude-test", "sk-ant-test")
        .base_url(server.uri())
        .build()
        .unwrap()
}

#[tokio::test]
async fn anthropic_gets_breakpoints_and_reports_cache_reads_and_writes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "claude-test", "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 7, "output_tokens": 2, "cache_read_input_tokens": 900, "cache_creation_input_tokens": 40}
        })))
        .mount(&server)
        .await;
    let request =
        CompletionRequest::new(history()).with_prompt_cache(PromptCache::new().with_key("k"));
    let c = anthropic(&server).complete(request).await.unwrap();
    let mark = |text: &str| json!([{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]);
    let body = only_body(&server).await;
    assert_eq!(body["system"], mark("You are the root model."));
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": "Query: count the words"},
            {"role": "assistant", "content": "```repl\nprint(1)\n```"},
            {"role": "user", "content": "1"},
            {"role": "assistant", "content": mark("```repl\nprint(2)\n```")},
            {"role": "user", "content": mark("2\n\nBudget left: 9 of 10 sub-calls.")},
        ])
    );
    assert!(body.get("prompt_cache_key").is_none(), "{body}");
    let expected = Usage::new(947, 2)
        .with_cached_tokens(900)
        .with_cache_write_tokens(40);
    assert_eq!(c.usage, expected);
    assert_eq!(c.usage.uncached_input_tokens(), 7);
}

#[tokio::test]
async fn anthropic_without_a_hint_sends_plain_strings() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"content": []})))
        .mount(&server)
        .await;
    anthropic(&server)
        .complete(CompletionRequest::new(history()))
        .await
        .unwrap();
    let body = only_body(&server).await;
    assert_eq!(body["system"], "You are the root model.");
    let messages = body["messages"].as_array().unwrap();
    assert!(messages.iter().all(|m| m["content"].is_string()), "{body}");
    assert!(!body.to_string().contains("cache_control"));
}

#[tokio::test]
async fn anthropic_streams_carry_cache_reads_and_writes() {
    let server = MockServer::start().await;
    let events = concat!(
        "event: message_start\n",
        r#"data: {"type":"message_start","message":{"model":"claude-test","usage":{"input_tokens":3,"cache_creation_input_tokens":50,"cache_read_input_tokens":600,"output_tokens":1}}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ok"}}"#,
        "\n\nevent: message_delta\n",
        r#"data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}}"#,
        "\n\nevent: message_stop\n",
        r#"data: {"type":"message_stop"}"#,
        "\n\n"
    );
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(events.as_bytes().to_vec(), "text/event-stream"),
        )
        .mount(&server)
        .await;
    let request = CompletionRequest::new(history()).with_prompt_cache(PromptCache::new());
    let stream = anthropic(&server).complete_stream(request).await.unwrap();
    let c = collect_stream(stream, |_| {}).await.unwrap();
    assert_eq!(
        c.usage,
        Usage::new(653, 4)
            .with_cached_tokens(600)
            .with_cache_write_tokens(50)
    );
    let body = only_body(&server).await;
    assert_eq!(
        (body["stream"].as_bool(), body["system"].is_array()),
        (Some(true), true)
    );
}

fn openai(server: &MockServer, send_key: Option<bool>) -> OpenAiCompatible {
    let builder = OpenAiCompatible::builder("gpt-test").base_url(format!("{}/v1", server.uri()));
    match send_key {
        Some(send) => builder.send_prompt_cache_key(send),
        None => builder,
    }
    .build()
    .unwrap()
}

/// The body sent by an OpenAI-compatible client (`send_key` as its setting) for a cached request,
/// and the usage it read back (streamed when `stream`).
async fn openai_exchange(send_key: Option<bool>, stream: bool) -> (Value, Usage) {
    let server = MockServer::start().await;
    let usage = json!({"prompt_tokens": 2000, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 1920}});
    let response = if stream {
        let chunk =
            json!({"choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}]});
        let last = json!({"choices": [], "usage": usage});
        let body = format!("data: {chunk}\n\ndata: {last}\n\ndata: [DONE]\n\n");
        ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "text/event-stream")
    } else {
        ResponseTemplate::new(200).set_body_json(json!({
            "model": "gpt-test", "usage": usage,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]
        }))
    };
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(response)
        .mount(&server)
        .await;
    let client = openai(&server, send_key);
    let request =
        CompletionRequest::new(history()).with_prompt_cache(PromptCache::new().with_key("rlm-1.0"));
    let completion = if stream {
        let items = client.complete_stream(request).await.unwrap();
        collect_stream(items, |_| {}).await.unwrap()
    } else {
        client.complete(request).await.unwrap()
    };
    (only_body(&server).await, completion.usage)
}

#[tokio::test]
async fn openai_compatible_servers_get_no_cache_key_unless_asked() {
    for stream in [false, true] {
        let (body, usage) = openai_exchange(None, stream).await;
        assert!(body.get("prompt_cache_key").is_none(), "{body}");
        // The messages go out as they are: plain strings, no cache markers.
        assert_eq!(
            body["messages"][0],
            json!({"role": "system", "content": "You are the root model."})
        );
        assert!(!body.to_string().contains("cache_control"));
        assert_eq!(
            (usage.prompt_tokens, usage.cached_tokens),
            (2000, 1920),
            "stream {stream}"
        );
        assert_eq!(usage.uncached_input_tokens(), 80);
        let (body, _) = openai_exchange(Some(true), stream).await;
        assert_eq!(body["prompt_cache_key"], "rlm-1.0");
        let (body, _) = openai_exchange(Some(false), stream).await;
        assert!(body.get("prompt_cache_key").is_none());
    }
}
