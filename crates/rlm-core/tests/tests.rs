//! Integration tests of rlm-core: the loop, limits, sub-calls, recursion, trajectories, sessions, and an
//! end-to-end run over HTTP against the loopback simulator.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    unreachable_pub,
    missing_docs
)]

mod support;

mod adaptive;
mod api;
mod compaction;
mod direct;
mod end_to_end;
mod failures;
mod limits;
mod prices;
mod prompt_cache;
mod prompt_cache_http;
mod real_runs;
mod run_loop;
mod session;
mod streaming;
mod streaming_http;
mod subcall_details;
mod subcalls;
mod token_counts;
mod tools;
mod trajectory;
