//! Integration tests of rlm-client: providers against a local wiremock server (loopback only), the
//! resilience wrapper, batch, rate limits, secrets. One test binary, one module per concern.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adaptive;
mod anthropic;
mod anthropic_stream;
mod batch;
mod concurrency;
// Empty unless the `mock` feature is on (see the module doc).
mod mock;
mod openai;
mod openai_stream;
mod prompt_cache;
mod rate_limit;
mod resilience;
mod secrets;
mod streaming;
mod support;
