//! Prompt caching over HTTP against the loopback simulator, whose simulated cache reports the
//! tokens of a message prefix it has seen: over a run of many turns the root's uncached input stays
//! the same every turn while its whole input grows; with the server's cache off, all of it is
//! uncached.

use std::sync::Arc;
use std::time::Duration;

use rlm_client::{OpenAiCompatible, Usage};
use rlm_core::Rlm;
use rlm_sim::{ScriptConfig, SimServer, SimServerConfig};

const TURNS: usize = 8;

/// The root usage of each iteration of a run that replays `TURNS` cells printing 2,000 characters
/// each (then answers), against a simulator whose cache holds `cache_entries` prefixes.
async fn root_usage_per_turn(cache_entries: usize) -> Vec<Usage> {
    let server = SimServer::start(SimServerConfig {
        root_latency: Duration::ZERO,
        prompt_cache_entries: cache_entries,
        script: ScriptConfig {
            cells: vec!["print('z'.repeat(2000))".to_owned(); TURNS],
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
    let answer = rlm
        .completion("some context", "Replay the cells.")
        .await
        .unwrap();
    assert_eq!(answer.answer, format!("replayed {TURNS} cells"));
    server.shutdown().await;
    answer.trajectory.iterations().map(|i| i.usage).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncached_input_stays_flat_while_the_history_grows() {
    let usage = root_usage_per_turn(4096).await;
    assert_eq!(usage.len(), TURNS + 1);
    let input: Vec<u64> = usage.iter().map(|u| u.prompt_tokens).collect();
    let uncached: Vec<u64> = usage.iter().map(Usage::uncached_input_tokens).collect();
    assert!(input.windows(2).all(|w| w[1] > w[0] + 400), "{input:?}");
    assert_eq!(
        usage[0].cached_tokens, 0,
        "nothing seen before the first turn"
    );
    // From the second turn on, only the newest exchange (reply + 2,000 printed characters) is new.
    let later = &uncached[1..];
    assert!(later.iter().all(|&n| n == later[0]), "{uncached:?}");
    assert!(
        later[0] < 700 && input[TURNS] > 5 * later[0],
        "{uncached:?} of {input:?}"
    );

    let off = root_usage_per_turn(0).await;
    let input_off: Vec<u64> = off.iter().map(|u| u.prompt_tokens).collect();
    assert_eq!(input_off, input, "the same requests either way");
    assert!(
        off.iter()
            .all(|u| u.uncached_input_tokens() == u.prompt_tokens)
    );
}
