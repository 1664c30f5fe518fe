//! rlm-sim: a **scripted stand-in for a language model** and a haystack generator, for rlm's
//! tests, demos and benchmarks. It is **not a language model**: it understands nothing, it
//! follows a fixed script.
//!
//! - [`haystack`]: a large deterministic text (default 8 MiB) with "The magic number is N."
//!   needles at seeded positions, and [`haystack::check_answer`] to grade an answer.
//! - [`script`]: the scripted model as a pure function, [`script::respond`]: root turns write
//!   JavaScript for the RLM REPL (inspect `context`, split it into chunks, query the chunks with
//!   `llm_batch` or a loop of `llm_query`, then `FINAL_VAR(result)`); sub turns report the magic
//!   numbers in their prompt. For the questions of the built-in evaluation suites (`niah`,
//!   `multi-niah`, `aggregate`, `pairs`; docs/EVAL.md), [`script::eval`] asks the chunks the
//!   suite's chunk question and combines the replies into the suite's answer format, and sub
//!   turns answer those questions from the needles and records in their prompt; the scores it
//!   gets are plumbing checks of the runner, not a measure of model quality.
//! - [`server`]: that script behind an OpenAI-compatible Chat Completions endpoint on loopback,
//!   with configurable latencies, request counters and a simulated prompt cache (the tokens of a
//!   message prefix it has seen are reported as cached) ([`SimServer::start`]).
//!
//! This crate depends on no other rlm crate.
//!
//! ```
//! use rlm_sim::haystack::{generate, HaystackConfig};
//! use rlm_sim::script::{respond, ChatMessage};
//! let hay = generate(&HaystackConfig { size_bytes: 4096, needles: 1, seed: 1 });
//! let reply = respond("sim-sub", &[ChatMessage::user(hay.text)]);
//! assert_eq!(reply, format!("MAGIC: {}", hay.magic_numbers[0]));
//! ```

#![forbid(unsafe_code)]

mod error;
pub mod haystack;
pub mod script;
pub mod server;

pub use error::SimError;
pub use haystack::{Haystack, HaystackConfig};
pub use script::{ChatMessage, Mode, ScriptConfig};
pub use server::{SimServer, SimServerConfig, SimServerHandle, SimStats};
