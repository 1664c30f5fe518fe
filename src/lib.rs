//! rlm: Recursive Language Models in Rust.
//!
//! This facade re-exports the member crates.

pub use rlm_client as client;
pub use rlm_core as core;
pub use rlm_prompts as prompts;
pub use rlm_repl as repl;
