//! rlm-prompts: the prompt templates of rlm, written for a root model that works in a JavaScript
//! REPL, rendered from typed parameters and replaceable by users.
//!
//! Depends on no other rlm crate. `rlm-core` builds a [`PromptSet`] once per run (so a bad user
//! template fails before any model call) and renders, per model depth:
//! - [`PromptSet::system`]: what the REPL holds, `llm_query` / `llm_batch` with sequential and
//!   parallel examples, chunking, sub-model capacity, how to finish with `FINAL` / `FINAL_VAR`;
//!   depth-aware through [`PromptParams`] (no sub-calls at `max_depth`, `rlm_*` only when allowed);
//! - [`PromptSet::context_metadata`]: the type, total length and (capped) chunk lengths of the context;
//! - [`PromptSet::first_turn`] and [`PromptSet::turn`]: the user message of each iteration;
//! - [`PromptSet::final_request`], [`PromptSet::no_code_nudge`], [`PromptSet::undefined_final_var`].
//!
//! Templates use `{name}` placeholders and `{{` / `}}` for literal braces; each [`TemplateName`]
//! lists the placeholders it accepts, and [`PromptSet::with_template`] rejects any other.
//!
//! ```
//! use rlm_prompts::{ContextMetadata, PromptParams, PromptSet};
//!
//! let prompts = PromptSet::default();
//! let params = PromptParams { max_depth: 2, ..PromptParams::default() };
//! let system = prompts.system(&params);
//! assert!(system.contains("llm_batch") && system.contains("rlm_query"));
//! let meta = prompts.context_metadata(&ContextMetadata::from_text("hello"));
//! assert!(meta.contains("5 characters"));
//! ```

mod engine;
mod error;
mod metadata;
mod name;
mod params;
mod sections;
mod set;

pub use error::PromptError;
pub use metadata::{CHUNK_LIST_CAP, ContextKind, ContextMetadata};
pub use name::{PARAM_PLACEHOLDERS, TemplateName};
pub use params::PromptParams;
pub use set::PromptSet;
