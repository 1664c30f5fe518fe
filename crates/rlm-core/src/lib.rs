//! rlm-core: the recursive loop that wires `rlm-client`, `rlm-repl` and `rlm-prompts`.
//!
//! A root model answers a query about a context it never reads whole: the context lives in a QuickJS
//! sandbox as `context`, the model writes JavaScript in ```` ```repl ```` blocks, and that code calls
//! sub-models with `llm_query` / `llm_batch` (and, with `max_depth >= 2`, child RLMs with `rlm_query` /
//! `rlm_batch`; at the depth limit these are plain sub-model calls) until the model answers with
//! `FINAL(...)` or `FINAL_VAR(name)`.
//!
//! # Principal types
//! - [`Rlm`] (built with [`Rlm::builder`] → [`RlmBuilder`]): `completion(context, query)` →
//!   [`RlmAnswer`] (answer, how it was reached ([`Finish`]), iterations, [`UsageSummary`] per model and
//!   per depth, cost ([`UsageSummary::cost_breakdown`] → [`CostSummary`]: per model and per depth,
//!   split into input, cache reads, cache writes and output), duration, [`Trajectory`]) or [`RlmError`] (one variant per limit, a provider
//!   failure, or no answer, each with a [`PartialRun`]: the best partial answer, and the trajectory,
//!   usage, cost, duration and iterations up to the stop).
//! - [`Session`]: several completions in one sandbox (`context_0`, `context_1`, ... and `context`).
//! - [`Limits`]: token and cost budgets, wall-clock timeout, consecutive-error, sub-call and context-size
//!   caps; [`Compaction`]: when a long history is summarised; [`Context`] / [`ContextFormat`].
//! - [`Event`]: progress callbacks; [`Trajectory`]: JSON Lines record of a run.
//! - [`parse`]: `code_blocks` and `final_answer`, usable alone.
//!
//! # How a run works
//! Each iteration calls the root model with the whole history (compacted first when its estimate passes
//! the threshold: the model summarises its work, the REPL is untouched), stores its turn, runs every code
//! block in order, and appends one user turn with each block's code and its output (cut from the middle
//! to the output cap) and what is left of the budgets. The run ends when a cell calls
//! `FINAL`/`FINAL_VAR`, or the reply's text (outside code) has `FINAL(...)`/`FINAL_VAR(name)`; an
//! undefined `FINAL_VAR` name tells the model which variables exist and the loop goes on. A reply
//! without code stays in the history, followed by a nudge. After `max_iterations`, one last call asks
//! for the answer: a `FINAL` in it is a [`Finish::Forced`] answer, anything else is
//! [`RlmError::NoAnswer`] (never the raw reply).
//!
//! # Clients, depths and the global cap
//! Every model call goes through the stack built in `layers.rs`: the budget layer, then
//! `rlm_client::Resilient` (the builder's policy), recording into one `UsageMeter` per depth: depth 0
//! holds the root model's own calls; a sub-call made by code at depth `d` is recorded at `d + 1`, as are
//! the root calls of a child run at depth `d + 1`. The resilient layer of each client is built once per
//! [`Rlm`] and cloned per depth, and clones share its rate limiter, so rate limits hold across depths
//! and concurrent completions (passing the root's own `Arc` as the sub client shares one limiter; two
//! distinct client objects get one limiter each). Sub-model calls (and child runs' model calls) take a
//! permit of one gate of `max_concurrent` permits, shared by every depth and every completion of
//! the [`Rlm`], per attempt and never while waiting; with [`RlmBuilder::adaptive_concurrency`] the gate
//! is an AIMD limiter under that cap, which finds how many calls the provider accepts. A child run never holds a permit while it runs, so
//! `rlm_batch` of more children than permits cannot deadlock; child sandboxes are bounded by
//! `max_live_sandboxes` (extra children wait). Child runs use the default sub-model (or the one named in
//! `rlm_query`'s options) as their model, have their own sandbox with the prompt as `context`, and share
//! the budget, limits, trajectory and meters of the completion. Code may name only the sub-models the
//! builder was given.
//!
//! # Limits and the best partial answer
//! Sub-call failures are never run errors: the model sees `Error: ...` (a prompt over its model's window
//! fails that way without a provider call). When a sub-call would pass `max_subcalls` (default 1,000),
//! or the token or cost budget is used up, the sub-call is refused with such a message and the run is
//! marked; after the cell the loop returns the limit's [`RlmError`]. A root-model call refused by a
//! budget or failing after retries ends the run too. Every cell has a wall-clock limit
//! (`RlmBuilder::cell_timeout`, default 10 minutes, sub-calls included): a cell that passes it becomes
//! a cell error for the model and the loop goes on. The timeout wraps the whole completion,
//! child runs included; dropping the completion future drops the sandboxes, which cancels their host
//! calls and in-flight requests. Every stopped run carries the **best partial answer so far**: the output
//! of the latest root-level (depth 0) cell that succeeded and printed or returned something, or else the
//! latest root-model reply, or else nothing.
//!
//! # Observability
//! `tracing` spans: `rlm_completion`, `rlm_run` (depth, run id), `iteration`, `subcall` /
//! `subcall_batch`. The trajectory writes as JSON Lines: run metadata first (models, limits, context kind
//! and length; never the context, never a key), then one record per iteration of every run (root and
//! child runs share the file, told apart by `run_id`) with the messages appended since the previous
//! request, the reply, code blocks, cell results (each with its sub-calls: prompt and reply excerpts,
//! model, timing, tokens, error, retries), timings and usage, one record per compaction, and last the
//! outcome (answer or error, usage per model and depth, cost). `Trajectory::to_rlms_lines` exports it to
//! the reference Python library's log format (docs/VIEWER.md).
//!
//! # Modules
//! `builder` (RlmBuilder), `settings` (validation, the shared configuration), `models` (the reachable
//! models), `layers` (the client stack), `accounting` (the budget layer), `rlm` (Rlm, the completion
//! path), `engine` (one run at one depth), `handler` (`rlm_repl::SubcallHandler`: `llm_*` to sub-models,
//! `rlm_*` to child runs), `run` (per-completion stacks, meters and records), `budget`, `sandbox_slots`,
//! `limits`, `compaction`, `history`, `events`, `trace` (which call a retry belongs to), `trajectory`,
//! `session`, `answer`, `context`, `error`, `parse`.
#![forbid(unsafe_code)]
// `RlmError::Provider` carries the `ClientError` by value (the contracted API, matched on by the CLI);
// errors are rare, so their size does not matter.
#![allow(clippy::result_large_err)]

mod accounting;
mod answer;
mod budget;
mod builder;
mod compaction;
mod context;
mod cost;
mod direct;
mod engine;
mod error;
mod events;
mod handler;
mod history;
mod layers;
mod limits;
mod models;
pub mod parse;
mod rlm;
mod run;
mod sandbox_slots;
mod session;
mod settings;
mod stream;
mod tools;
mod trace;
mod trajectory;

pub use answer::{Finish, PartialRun, RlmAnswer, UsageSummary};
pub use builder::{DEFAULT_CELL_TIMEOUT, DEFAULT_TOOL_TIMEOUT, MAX_DEPTH_LIMIT, RlmBuilder};
pub use compaction::Compaction;
pub use context::{Context, ContextFormat};
pub use cost::CostSummary;
pub use direct::DIRECT_CHARS_PER_TOKEN;
pub use error::RlmError;
pub use events::{Event, SubcallKind};
pub use limits::{DEFAULT_MAX_CONTEXT_BYTES, DEFAULT_MAX_SUBCALLS, DEFAULT_MAX_TOOL_CALLS, Limits};
pub use models::DEFAULT_SUB_PROMPT_CHARS;
pub use rlm::Rlm;
pub use sandbox_slots::DEFAULT_MAX_LIVE_SANDBOXES;
pub use session::Session;
pub use stream::{RunCanceller, RunStream, RunUpdate};
pub use tools::{Tool, ToolError};
pub use trajectory::{
    CellRecord, ChildRunRecord, CompactionRecord, IterationRecord, LimitsRecord, OutcomeRecord,
    PROMPT_EXCERPT_CHARS, PartialTrajectory, RESPONSE_EXCERPT_CHARS, RETRY_ERROR_CHARS,
    RetryRecord, RunMetadata, SubcallDetail, ToolCallDetail, Trajectory, TrajectoryError,
    TrajectoryRecord, TrajectoryWriter,
};
