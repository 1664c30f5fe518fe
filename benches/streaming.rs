//! Streaming measured (issue 11), over real HTTP against the simulated server on loopback:
//!
//! 1. the cost of streaming: one root-model reply of 1,000 characters, sent whole or as 1,000
//!    one-character SSE chunks, after the same 100 ms latency (target: streaming under 5 % slower);
//! 2. time to the first root token against time to the whole reply, for a slow stream (1,000
//!    characters in 4-character chunks, 2 ms apart, after 50 ms);
//! 3. `batch_stream` delivers its first result after one latency, `batch` after the slowest.
//!
//! Run with `cargo bench --bench streaming`. Prints medians; the figures go in docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use futures::StreamExt;
use rlm::client::{
    BatchOptions, ClientError, Completion, CompletionRequest, LlmClient, Message, OpenAiCompatible,
    StreamItem, batch, batch_stream, collect_stream,
};
use rlm_sim::script::REPLY_MARKER;
use rlm_sim::{ScriptConfig, SimServer, SimServerConfig, SimServerHandle};

const REPLY_CHARS: usize = 1_000;
const ROUNDS: usize = 30;

fn reply_text() -> String {
    (0..REPLY_CHARS)
        .map(|i| char::from(b'a' + u8::try_from(i % 26).unwrap()))
        .collect()
}

async fn server(latency: Duration, chunk_chars: usize, delay: Duration) -> SimServerHandle {
    SimServer::start(SimServerConfig {
        root_latency: latency,
        stream_chunk_chars: chunk_chars,
        stream_chunk_delay: delay,
        script: ScriptConfig {
            cells: vec![format!("{REPLY_MARKER}\n{}", reply_text())],
            ..ScriptConfig::default()
        },
        ..SimServerConfig::default()
    })
    .await
    .unwrap()
}

fn client(server: &SimServerHandle) -> OpenAiCompatible {
    OpenAiCompatible::builder("sim-root-replay")
        .base_url(server.base_url())
        .build()
        .unwrap()
}

/// A root turn as the simulated server recognises it (a system prompt first).
fn root_request() -> CompletionRequest {
    CompletionRequest::new(vec![
        Message::system("You answer about a context in a REPL."),
        Message::user("Go."),
    ])
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn streaming_overhead() {
    let server = server(Duration::from_millis(100), 1, Duration::ZERO).await;
    let client = client(&server);
    let (mut plain, mut streamed) = (Vec::new(), Vec::new());
    for round in 0..=ROUNDS {
        let started = Instant::now();
        let whole = client.complete(root_request()).await.unwrap();
        let plain_time = started.elapsed();
        let started = Instant::now();
        let mut deltas = 0;
        let stream = client.complete_stream(root_request()).await.unwrap();
        let done = collect_stream(stream, |_| deltas += 1).await.unwrap();
        let stream_time = started.elapsed();
        assert_eq!(done.text, whole.text);
        assert_eq!(deltas, REPLY_CHARS, "one delta per character");
        if round > 0 {
            plain.push(plain_time);
            streamed.push(stream_time);
        }
    }
    let (plain, streamed) = (median(plain), median(streamed));
    let extra = streamed.saturating_sub(plain);
    println!(
        "streaming overhead, {REPLY_CHARS} chunks per reply, 100 ms latency: whole {:.2} ms, streamed {:.2} ms, +{:.2} ms ({:.1} %, {:.2} µs per chunk)",
        ms(plain),
        ms(streamed),
        ms(extra),
        100.0 * extra.as_secs_f64() / plain.as_secs_f64(),
        extra.as_secs_f64() * 1e6 / REPLY_CHARS as f64,
    );
    server.shutdown().await;
}

async fn first_token() {
    let server = server(Duration::from_millis(50), 4, Duration::from_millis(2)).await;
    let client = client(&server);
    let (mut first, mut whole) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let started = Instant::now();
        let mut stream = client.complete_stream(root_request()).await.unwrap();
        let mut first_at = None;
        while let Some(item) = stream.next().await {
            match item.unwrap() {
                StreamItem::Delta(_) => {
                    first_at.get_or_insert_with(|| started.elapsed());
                }
                StreamItem::Done(_) => break,
                _ => {}
            }
        }
        first.push(first_at.unwrap());
        whole.push(started.elapsed());
    }
    println!(
        "slow stream (50 ms, then {} chunks 2 ms apart): first token {:.1} ms, whole reply {:.1} ms",
        REPLY_CHARS / 4,
        ms(median(first)),
        ms(median(whole))
    );
    server.shutdown().await;
}

/// Answers after the number of milliseconds its prompt names.
struct Sleeper;

#[async_trait::async_trait]
impl LlmClient for Sleeper {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let ms: u64 = request.messages[0].content.parse().unwrap();
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(Completion::new("ok", "sleeper"))
    }

    fn model(&self) -> &'static str {
        "sleeper"
    }
}

async fn first_batch_result() {
    let requests = || {
        (1..=16)
            .map(|i| CompletionRequest::prompt((i * 25).to_string()))
            .collect::<Vec<_>>()
    };
    let started = Instant::now();
    let mut results = batch_stream(&Sleeper, requests(), BatchOptions::new(16)).unwrap();
    let (index, _) = results.next().await.unwrap();
    let first = started.elapsed();
    while results.next().await.is_some() {}
    let last = started.elapsed();
    let started = Instant::now();
    batch(&Sleeper, requests(), BatchOptions::new(16))
        .await
        .unwrap();
    let whole = started.elapsed();
    println!(
        "16 sub-calls of 25..400 ms: batch_stream's first result (item {index}) after {:.1} ms, its last after {:.1} ms; batch returns after {:.1} ms",
        ms(first),
        ms(last),
        ms(whole)
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        streaming_overhead().await;
        first_token().await;
        first_batch_result().await;
    });
}
