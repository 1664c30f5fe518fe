//! Benchmark `prompt_cache` (issue 13, section 1): the root model's input tokens per turn of one
//! long run, with the simulated server's prompt cache on and off. A bench binary, not criterion: it
//! counts tokens, it does not time anything.
//!
//! The run: the loopback simulator replays `TURNS` cells that each print `PRINTED_CHARS`
//! characters (a root model that reads a slice of the context every turn), then answers; the root
//! history grows by one exchange per turn. The server reports `prompt_tokens_details.cached_tokens`
//! for the longest message prefix it has seen (simulated: whole messages, characters / 4, no
//! minimum, no expiry; see `rlm_sim::server::SimServerConfig::prompt_cache_entries`). rlm keeps the
//! root history's prefix byte-stable between turns, so with the cache every turn after the first
//! pays only for its newest exchange. The table comes from the trajectory: each iteration record's
//! `usage` (`prompt_tokens`, `cached_tokens`, `uncached_input_tokens()`).
//!
//! Run: `cargo bench --bench prompt_cache`; figures in docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use rlm::Rlm;
use rlm::client::{OpenAiCompatible, Usage};
use rlm_sim::{ScriptConfig, SimServer, SimServerConfig};

const TURNS: usize = 12;
const PRINTED_CHARS: usize = 4_000;

/// The root usage of each iteration, against a simulator holding `cache_entries` prefixes.
async fn per_turn(cache_entries: usize) -> Vec<Usage> {
    let server = SimServer::start(SimServerConfig {
        root_latency: Duration::ZERO,
        prompt_cache_entries: cache_entries,
        script: ScriptConfig {
            cells: vec![
                format!(
                    "print(context.slice(0, {PRINTED_CHARS}).padEnd({PRINTED_CHARS}, '.'))"
                );
                TURNS
            ],
            ..ScriptConfig::default()
        },
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let root = OpenAiCompatible::builder("sim-root")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let rlm = Rlm::builder()
        .root(Arc::new(root))
        .max_iterations(TURNS + 2)
        .build()
        .unwrap();
    let context = "The quick brown fox jumps over the lazy dog. ".repeat(1_000);
    let answer = rlm.completion(context, "Read the context.").await.unwrap();
    assert_eq!(answer.answer, format!("replayed {TURNS} cells"));
    server.shutdown().await;
    answer.trajectory.iterations().map(|i| i.usage).collect()
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let on = runtime.block_on(per_turn(4096));
    let off = runtime.block_on(per_turn(0));
    assert_eq!(on.len(), off.len());
    println!(
        "| turn | input tokens | cached (cache on) | uncached (cache on) | uncached (cache off) |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for (turn, (on, off)) in on.iter().zip(&off).enumerate() {
        println!(
            "| {} | {} | {} | {} | {} |",
            turn + 1,
            on.prompt_tokens,
            on.cached_tokens,
            on.uncached_input_tokens(),
            off.uncached_input_tokens()
        );
    }
    let total = |usage: &[Usage], f: fn(&Usage) -> u64| usage.iter().map(f).sum::<u64>();
    let input = total(&on, |u| u.prompt_tokens);
    let uncached_on = total(&on, Usage::uncached_input_tokens);
    let uncached_off = total(&off, Usage::uncached_input_tokens);
    println!(
        "\nwhole run: {input} input tokens; uncached {uncached_on} with the cache, {uncached_off} without ({:.1}x fewer)",
        uncached_off as f64 / uncached_on.max(1) as f64
    );
}
