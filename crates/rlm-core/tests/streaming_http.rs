//! A run streamed end to end over real HTTP, for both provider formats: the OpenAI-compatible
//! provider against the loopback simulator (Chat Completions SSE), and the Anthropic provider against
//! wiremock serving Messages event streams. The root model's text arrives in many deltas that join to
//! the reply recorded in the trajectory.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rlm_client::{Anthropic, LlmClient, OpenAiCompatible};
use rlm_core::{Event, Finish, Rlm, RlmAnswer, RunUpdate};
use rlm_sim::haystack::{HaystackConfig, check_answer, generate};
use rlm_sim::{SimServer, SimServerConfig};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Runs `rlm` streamed; returns the answer and the root deltas of each iteration.
async fn streamed(rlm: &Rlm, context: String) -> (RlmAnswer, Vec<Vec<String>>) {
    let mut deltas: Vec<Vec<String>> = Vec::new();
    let mut run = rlm.stream(context, "Find every magic number.");
    while let Some(update) = run.next().await {
        match update {
            RunUpdate::Event(Event::RootDelta {
                depth: 0,
                iteration,
                text,
                ..
            }) => {
                deltas.resize_with(deltas.len().max(iteration), Vec::new);
                deltas[iteration - 1].push(text);
            }
            RunUpdate::Answer(answer) => return (*answer, deltas),
            RunUpdate::Failed(error) => panic!("{error}"),
            _ => {}
        }
    }
    panic!("the stream ended without an outcome");
}

fn assert_deltas_join_to_the_replies(answer: &RlmAnswer, deltas: &[Vec<String>]) {
    let replies: Vec<&str> = answer
        .trajectory
        .iterations()
        .filter(|it| it.run_id == 0)
        .map(|it| it.reply.as_str())
        .collect();
    assert_eq!(deltas.len(), replies.len());
    for (pieces, reply) in deltas.iter().zip(replies) {
        assert!(pieces.len() > 1, "a reply in one piece: {reply:.80}");
        assert_eq!(pieces.concat(), reply);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_streams_over_the_openai_format() {
    let server = SimServer::start(SimServerConfig {
        root_latency: Duration::from_millis(2),
        sub_latency: Duration::from_millis(2),
        stream_chunk_chars: 24,
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let http = |model: &str| -> Arc<dyn LlmClient> {
        Arc::new(
            OpenAiCompatible::builder(model)
                .base_url(server.base_url())
                .build()
                .unwrap(),
        )
    };
    let hay = generate(&HaystackConfig {
        size_bytes: 32 * 1024,
        needles: 3,
        seed: 5,
    });
    let rlm = Rlm::builder()
        .root(http("sim-root-batch-c4"))
        .sub_client(http("sim-sub"))
        .build()
        .unwrap();
    let (answer, deltas) = streamed(&rlm, hay.text.clone()).await;
    assert!(
        check_answer(&answer.answer, &hay.magic_numbers),
        "{}",
        answer.answer
    );
    assert_deltas_join_to_the_replies(&answer, &deltas);
    let root = &answer.usage.per_depth[0].per_model["sim-root-batch-c4"];
    assert!(root.usage.prompt_tokens > 0, "the usage chunk was read");
    server.shutdown().await;
}

/// A Messages event stream of `text` in pieces of `chunk` characters.
fn messages_stream(text: &str, chunk: usize) -> String {
    let mut body = String::from(concat!(
        "event: message_start\n",
        r#"data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-test","usage":{"input_tokens":40,"output_tokens":1}}}"#,
        "\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n",
        "event: content_block_start\n",
        r#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        "\n\n"
    ));
    let chars: Vec<char> = text.chars().collect();
    for piece in chars.chunks(chunk) {
        let piece: String = piece.iter().collect();
        let delta = serde_json::json!({
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": piece}
        });
        let _ = write!(body, "event: content_block_delta\ndata: {delta}\n\n");
    }
    body += concat!(
        "event: content_block_stop\n",
        r#"data: {"type":"content_block_stop","index":0}"#,
        "\n\nevent: message_delta\n",
        r#"data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":30}}"#,
        "\n\nevent: message_stop\n",
        r#"data: {"type":"message_stop"}"#,
        "\n\n"
    );
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_streams_over_the_anthropic_format() {
    let server = MockServer::start().await;
    let turns = [
        "Let me look.\n```repl\nconst n = context.split(' ').length;\nprint(n)\n```\n",
        "The context has 3 words.\nFINAL(3 words)",
    ];
    for reply in turns {
        Mock::given(method("POST"))
            .and(path("/v1/messages"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(messages_stream(reply, 5).into_bytes(), "text/event-stream"),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    let root = Anthropic::builder("claude-test", "sk-ant-test-key")
        .base_url(server.uri())
        .build()
        .unwrap();
    let rlm = Rlm::builder().root(root).max_depth(0).build().unwrap();
    let (answer, deltas) = streamed(&rlm, "one two three".to_owned()).await;
    assert_eq!(
        (answer.answer.as_str(), answer.finished),
        ("3 words", Finish::Final)
    );
    assert_deltas_join_to_the_replies(&answer, &deltas);
    let cell = &answer.trajectory.iterations().next().unwrap().cells[0];
    assert_eq!(cell.stdout.trim(), "3");
    let usage = answer.usage.per_depth[0].total().usage;
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (80, 60));
    let sent: Vec<serde_json::Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert!(sent.iter().all(|body| body["stream"] == true), "{sent:?}");
}
