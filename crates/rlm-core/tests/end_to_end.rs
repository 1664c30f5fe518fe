//! End to end over real HTTP: the OpenAI-compatible provider against the loopback simulator, which
//! plays both the root model (writing JavaScript) and the sub model.

use std::sync::Arc;
use std::time::Duration;

use rlm_client::OpenAiCompatible;
use rlm_core::Rlm;
use rlm_sim::haystack::{HaystackConfig, check_answer, generate};
use rlm_sim::{ScriptConfig, SimServer, SimServerConfig};

async fn run(root_model: &str) {
    let server = SimServer::start(SimServerConfig {
        root_latency: Duration::from_millis(5),
        sub_latency: Duration::from_millis(5),
        script: ScriptConfig {
            chunks: 8,
            ..ScriptConfig::default()
        },
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let http = |model: &str| -> Arc<dyn rlm_client::LlmClient> {
        Arc::new(
            OpenAiCompatible::builder(model)
                .base_url(server.base_url())
                .build()
                .unwrap(),
        )
    };
    let hay = generate(&HaystackConfig {
        size_bytes: 64 * 1024,
        needles: 4,
        seed: 7,
    });
    let rlm = Rlm::builder()
        .root(http(root_model))
        .sub_client(http("sim-sub"))
        .build()
        .unwrap();
    let answer = rlm
        .completion(hay.text.clone(), "Find every magic number.")
        .await
        .unwrap();
    assert!(
        check_answer(&answer.answer, &hay.magic_numbers),
        "{} vs {:?}",
        answer.answer,
        hay.magic_numbers
    );
    assert_eq!(answer.iterations, 3);
    assert_eq!(answer.usage.per_depth[1].total().calls, 8);
    assert!(answer.usage.total.usage.total_tokens() > 0);
    let stats = server.stats();
    assert_eq!((stats.root_requests, stats.sub_requests), (3, 8));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn haystack_over_http_with_llm_batch() {
    run("sim-root-batch").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn haystack_over_http_with_a_llm_query_loop() {
    run("sim-root-sequential").await;
}
