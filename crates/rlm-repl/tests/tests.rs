//! Integration tests of rlm-repl with the in-thread sandbox: one binary, one module per concern.
//! `process.rs` runs the same cases with the process sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cases;
mod thread_only;

/// The isolation every case runs with.
fn isolation() -> rlm_repl::Isolation {
    rlm_repl::Isolation::Thread
}
