//! The integration cases of `tests.rs`, every one run with the process sandbox (the child is this
//! crate's `rlm-sandbox` binary), plus the cases only a process sandbox can pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cases;
mod restart;

/// The isolation every case runs with.
fn isolation() -> rlm_repl::Isolation {
    rlm_repl::Isolation::Process(
        rlm_repl::ProcessOptions::default().with_program(env!("CARGO_BIN_EXE_rlm-sandbox")),
    )
}
