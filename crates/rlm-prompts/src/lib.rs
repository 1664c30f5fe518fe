//! rlm-prompts: the system prompt templates of rlm.
//!
//! Depends on no other rlm crate.
