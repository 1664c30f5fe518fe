//! Integration tests of the `rlm` binary, driven as a user would run it (assert_cmd): the demo, `run`
//! against a `sim-server` child process, the exit code and message of every error class, `view` and
//! `trajectory export`, and the viewer in a headless browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "cli/adaptive.rs"]
mod adaptive;
#[path = "cli/browser.rs"]
mod browser;
#[path = "cli/browser_support.rs"]
mod browser_support;
#[path = "cli/browser_tools.rs"]
mod browser_tools;
#[path = "cli/demo.rs"]
mod demo;
#[path = "cli/errors.rs"]
mod errors;
#[path = "cli/eval.rs"]
mod eval;
#[path = "cli/eval_report.rs"]
mod eval_report;
#[path = "cli/export.rs"]
mod export;
#[path = "cli/hostile.rs"]
mod hostile;
#[path = "cli/prices.rs"]
mod prices;
#[path = "cli/prompt_cache.rs"]
mod prompt_cache;
#[path = "cli/real_runs.rs"]
mod real_runs;
#[path = "cli/redis.rs"]
mod redis;
#[path = "cli/redis_support.rs"]
mod redis_support;
#[path = "cli/run.rs"]
mod run;
#[path = "cli/shard.rs"]
mod shard;
#[path = "cli/sim_server.rs"]
mod sim_server;
#[path = "cli/streaming.rs"]
mod streaming;
#[path = "cli/support.rs"]
mod support;
#[path = "cli/view.rs"]
mod view;
