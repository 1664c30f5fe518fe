//! Benchmark `rlm_end_to_end` (issue 4): a whole RLM run over `Simulated` clients (scripted, NOT an LLM).
//!
//! The scripted root (rlm-sim's script) inspects a 1 MB haystack, splits it into 32 chunks and asks the
//! sub model about each chunk, once with a `llm_query` loop and once with one `llm_batch`, then answers
//! with `FINAL_VAR`. Root and sub latency are 20 ms each; the global cap is 16.
//! Target: the batch run within 1.3 × (root calls × root latency + ceil(32 / 16) × sub latency)
//! = 1.3 × (3 × 20 ms + 2 × 20 ms) = 130 ms.
//! Run: `cargo bench --bench rlm_end_to_end`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rlm::Rlm;
use rlm::client::{CompletionRequest, LlmClient};
use rlm::testing::{Latency, Simulated};
use rlm_sim::haystack::{HaystackConfig, check_answer, generate};
use rlm_sim::script::{ChatMessage, respond};

const ROOT_LATENCY: Duration = Duration::from_millis(20);
const SUB_LATENCY: Duration = Duration::from_millis(20);
const CHUNKS: usize = 32;
const MAX_CONCURRENT: usize = 16;

/// A `Simulated` client that answers with rlm-sim's script for `model`.
fn scripted(model: &'static str, latency: Duration) -> Arc<dyn LlmClient> {
    let sim = Simulated::new(model, move |request: &CompletionRequest| {
        let messages: Vec<ChatMessage> = request
            .messages
            .iter()
            .map(|m| ChatMessage::new(m.role.as_str(), m.content.clone()))
            .collect();
        respond(model, &messages)
    })
    .with_latency(Latency::Fixed(latency));
    Arc::new(sim)
}

fn rlm(root_model: &'static str) -> Rlm {
    Rlm::builder()
        .root(scripted(root_model, ROOT_LATENCY))
        .sub_client(scripted("sim-sub", SUB_LATENCY))
        .max_concurrent(MAX_CONCURRENT)
        .build()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let hay = generate(&HaystackConfig {
        size_bytes: 1024 * 1024,
        needles: 8,
        seed: 42,
    });
    let target =
        (3 * ROOT_LATENCY + CHUNKS.div_ceil(MAX_CONCURRENT) as u32 * SUB_LATENCY).mul_f64(1.3);
    eprintln!(
        "rlm_end_to_end: batch target {target:?} (1.3 × (3 root calls × 20 ms + ceil(32/16) × 20 ms))"
    );

    let mut group = c.benchmark_group("rlm_end_to_end");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    for (name, model) in [
        ("llm_batch", "sim-root-batch"),
        ("llm_query_loop", "sim-root-sequential"),
    ] {
        let rlm = rlm(model);
        // Check once that the run is the one we mean to measure: it answers, in 3 iterations.
        let answer = runtime
            .block_on(rlm.completion(hay.text.clone(), "Find every magic number."))
            .unwrap();
        assert!(
            check_answer(&answer.answer, &hay.magic_numbers),
            "{}",
            answer.answer
        );
        assert_eq!(answer.iterations, 3);
        assert_eq!(answer.usage.per_depth[1].total().calls, CHUNKS as u64);
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                rlm.completion(hay.text.clone(), "Find every magic number.")
                    .await
                    .unwrap()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
