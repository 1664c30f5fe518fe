//! Integration tests of rlm-sim: one test binary, one module per part of the crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admission;
mod cache;
mod eval_suites;
mod haystack;
mod script;
mod server;
mod stream;
