//! Benchmark `token_count` (issue 13, section 4): what counting a 1 MB prompt exactly costs
//! (tiktoken-rs, o200k_base for `gpt-4o`, cl100k_base for `gpt-4`) against the byte estimate, on
//! the seeded haystack text (English-like prose with some non-ASCII words and numbers). A bench
//! binary: median of `ROUNDS` runs; the first o200k count (loading the tokenizer) is timed apart.
//!
//! Run: `cargo bench --bench token_count`; see docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use rlm::client::{CompletionRequest, count_tokens, estimate_tokens};
use rlm_sim::haystack::{HaystackConfig, generate};

const ROUNDS: usize = 7;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let text = generate(&HaystackConfig {
        size_bytes: 1_000_000,
        needles: 4,
        seed: 1,
    })
    .text;
    let request = CompletionRequest::prompt(text);
    let started = Instant::now();
    let first = count_tokens("gpt-4o", &request);
    let load_and_count = started.elapsed();
    println!(
        "first o200k count (tokenizer load included): {:.1} ms",
        load_and_count.as_secs_f64() * 1000.0
    );
    println!(
        "{:<22} {:>10} {:>12} {:>8}",
        "method", "tokens", "median", "exact"
    );
    for (name, model) in [
        ("o200k_base (gpt-4o)", "gpt-4o"),
        ("cl100k_base (gpt-4)", "gpt-4"),
    ] {
        let mut times = Vec::new();
        let mut count = first;
        for _ in 0..ROUNDS {
            let started = Instant::now();
            count = count_tokens(model, &request);
            times.push(started.elapsed());
        }
        println!(
            "{:<22} {:>10} {:>10.1}ms {:>8}",
            name,
            count.tokens,
            median(times).as_secs_f64() * 1000.0,
            count.exact
        );
    }
    let mut times = Vec::new();
    let mut estimate = 0;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        estimate = estimate_tokens(&request);
        times.push(started.elapsed());
    }
    println!(
        "{:<22} {:>10} {:>10.4}ms {:>8}",
        "estimate (bytes / 4)",
        estimate,
        median(times).as_secs_f64() * 1000.0,
        false
    );
}
