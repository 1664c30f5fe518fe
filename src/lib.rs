//! rlm: Recursive Language Models in Rust — answer questions about contexts far larger than a model's
//! window, with parallel sub-calls.
//!
//! # What an RLM is
//! A Recursive Language Model never puts the context into the root model's prompt. The context lives as
//! the variable `context` in a sandboxed JavaScript REPL (QuickJS); the root model only learns its kind
//! and length. It answers by writing code in ```` ```repl ```` blocks that slices, searches and chunks the
//! context and hands pieces to sub-models with `llm_query(prompt)` or, for independent questions,
//! `llm_batch(prompts, max_concurrent)`, which runs them in parallel and returns the answers in input
//! order. Each block's output goes back to the root model as the next turn; the run ends when the model
//! writes `FINAL(answer)` or `FINAL_VAR(variable)`, or when a limit fires. With `max_depth >= 2`, code can
//! also start child RLMs with `rlm_query` / `rlm_batch`.
//!
//! # The crates
//! This crate is a facade: it re-exports the member crates, which can also be used alone.
//!
//! | module | crate | what it holds |
//! | --- | --- | --- |
//! | [`client`] | `rlm-client` | the [`LlmClient`](client::LlmClient) trait, the OpenAI-compatible and Anthropic providers, [`Resilient`](client::Resilient) (retries, timeouts, rate limits), [`batch`](client::batch), usage, prices and context windows |
//! | [`repl`] | `rlm-repl` | the QuickJS [`Sandbox`](repl::Sandbox) with `llm_query` / `llm_batch`, its limits |
//! | [`prompts`] | `rlm-prompts` | the system prompt and turn templates ([`PromptSet`](prompts::PromptSet)) |
//! | [`engine`] | `rlm-core` | the loop: [`Rlm`], its builder, [`Limits`], [`RlmAnswer`], trajectories (also re-exported at the crate root) |
//! | [`testing`] | `rlm-client` | test doubles: the scripted [`Simulated`](testing::Simulated) client (not a language model) |
//!
//! `rlm-client` and `rlm-repl` know nothing of each other; `rlm-core` wires them (a sandbox sub-call
//! becomes a request to the sub client) and `rlm-prompts` supplies the text. The `rlm` command
//! (crate `rlm-cli`) sits on top. Most programs only need [`prelude`].
//!
//! # A whole run
//! The example below runs a real RLM — real sandbox, real loop, real `llm_batch` — but both models are
//! [`Simulated`](testing::Simulated) clients, which are scripted functions, not language models. The
//! "root model" writes one code block that splits the context in three and counts the words of each part
//! with one `llm_batch`, then names the variable holding the answer. With a real provider, only the two
//! clients change (for instance `OpenAiCompatible::from_env("gpt-4o")?`).
//!
//! ```
//! use rlm::prelude::*;
//! use rlm::testing::Simulated;
//!
//! // The scripted root model: first a ```repl block, then (once it has seen the output) the answer.
//! let root = Simulated::new("scripted-root", |request: &CompletionRequest| {
//!     let replied = request.messages.iter().any(|m| m.role == Role::Assistant);
//!     if replied {
//!         "The counts are in `total`.\nFINAL_VAR(total)".to_string()
//!     } else {
//!         "I will count the words of three parts in parallel.\n```repl\n\
//!          const third = Math.ceil(context.length / 3);\n\
//!          const parts = [0, 1, 2].map(i => context.slice(i * third, (i + 1) * third));\n\
//!          const counts = llm_batch(parts.map(p => 'Count the words: ' + p), 3);\n\
//!          print(counts);\n\
//!          const total = counts.map(Number).reduce((a, b) => a + b, 0);\n```"
//!             .to_string()
//!     }
//! });
//! // The scripted sub model: counts the words after the instruction.
//! let sub = Simulated::new("scripted-sub", |request: &CompletionRequest| {
//!     let prompt = &request.messages.last().unwrap().content;
//!     let text = prompt.trim_start_matches("Count the words: ");
//!     text.split_whitespace().count().to_string()
//! });
//!
//! let rlm = Rlm::builder()
//!     .root(root)
//!     .sub_client(sub)
//!     .max_iterations(5)
//!     .build()?;
//! let context = "one two three four five six seven eight nine ten eleven twelve ".repeat(100);
//! # let runtime = tokio::runtime::Runtime::new()?;
//! # runtime.block_on(async {
//! let answer = rlm.completion(context, "How many words are there?").await?;
//! // Cutting the text in three may split a word, so the parts count one or two words twice.
//! let total: usize = answer.answer.parse()?;
//! assert!((1200..=1202).contains(&total), "{total}");
//! assert_eq!(answer.iterations, 2);
//! assert_eq!(answer.usage.per_model["scripted-sub"].calls, 3);
//! println!("{} words, {} model calls", answer.answer, answer.usage.total.calls);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Where to go next
//! - `examples/`: `batch` (sequential vs `llm_batch` over a haystack), `summarize` (map–reduce over a
//!   markdown document), `rate_limit` (100 prompts under a concurrency cap and a requests-per-minute
//!   quota), `custom_provider` (your own [`LlmClient`](client::LlmClient) in an [`Rlm`]).
//! - `docs/GUIDE.md`: when to batch, choosing `max_concurrent`, chunk sizes, error strings, rate limits,
//!   recursion, troubleshooting. `docs/ARCHITECTURE.md`: how the crates fit together.
#![forbid(unsafe_code)]

pub mod prelude;

pub use rlm_client as client;
pub use rlm_client::testing;
pub use rlm_core as engine;
pub use rlm_core::*;
pub use rlm_prompts as prompts;
pub use rlm_repl as repl;

/// The README's code examples, compiled as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
