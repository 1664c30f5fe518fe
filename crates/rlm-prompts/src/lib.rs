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
//! Templates are [minijinja](https://docs.rs/minijinja) templates in strict mode: `{{ name }}` for a
//! value, `{% if ... %}` for logic, every other character (JavaScript braces included) as written.
//! Each template is rendered from one `#[derive(Serialize)]` struct of values, and the names a
//! template accepts ([`TemplateName::placeholders`]) are read from that same struct, so the two never
//! drift apart. [`PromptSet::with_template`] rejects a template with a syntax error or a variable
//! its template does not receive when it is set.
//!
//! ```
//! use rlm_prompts::{ContextMetadata, PromptParams, PromptSet};
//!
//! let prompts = PromptSet::default();
//! let params = PromptParams::new().with_max_depth(2);
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
mod vars;

pub use error::PromptError;
pub use metadata::{CHUNK_LIST_CAP, ContextKind, ContextMetadata};
pub use name::TemplateName;
pub use params::{PromptParams, SubModelInfo, ToolInfo};
pub use sections::thousands;
pub use set::PromptSet;
