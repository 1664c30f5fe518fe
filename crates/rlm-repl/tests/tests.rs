//! Integration tests of rlm-repl: one binary, one module per concern.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cases;
