//! rlm-repl: the QuickJS sandbox in which root models run JavaScript.
//!
//! A [`Sandbox`] owns one QuickJS runtime, on a dedicated OS thread or in a child process
//! ([`Isolation`]; a program that uses its own executable as the child calls
//! [`run_sandbox_child_if_requested`] first thing in `main`). Code sees `context`
//! (loaded with [`Sandbox::load_context`]), calls sub-models synchronously with
//! `llm_query(prompt, options?)` / `llm_batch(prompts, max_concurrent?)`, prints with
//! `print` / `console.log`, and answers with `FINAL(value)` / `FINAL_VAR(name)`. Sub-calls go
//! to a [`SubcallHandler`] that `rlm-core` implements; this crate depends on no other rlm
//! crate (in particular not on `rlm-client`).
//!
//! Every cell is bounded: CPU time, memory, stack depth, output size, and a timeout per host
//! call. The sandbox has no file system, network, process, environment, modules or timers.
//!
//! ```
//! use std::sync::Arc;
//! use rlm_repl::{ContextValue, QueryOptions, Sandbox, SandboxConfig, SubcallError, SubcallHandler, SubcallKind};
//!
//! struct Echo;
//!
//! #[async_trait::async_trait]
//! impl SubcallHandler for Echo {
//!     async fn query(&self, _: SubcallKind, prompt: String, _: QueryOptions) -> Result<String, SubcallError> {
//!         Ok(prompt.to_uppercase())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 1)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::new(SandboxConfig::default(), Arc::new(Echo))?;
//! sandbox.load_context(ContextValue::Text("hello".into())).await?;
//! let cell = sandbox.execute("const a = llm_query(context); FINAL(a)").await?;
//! assert_eq!(cell.final_answer.as_deref(), Some("HELLO"));
//! # Ok(())
//! # }
//! ```

mod child;
mod config;
mod context;
mod driver;
mod error;
mod format;
mod handler;
mod host;
mod interpreter;
mod isolation;
mod js;
mod pristine;
mod protocol;
mod request;
mod result;
mod rewrite;
mod sandbox;
mod strings;
mod tool_name;
mod truncate;
mod upstream;
mod variables;

pub use child::{CHILD_FLAG, run_sandbox_child_if_requested};
pub use config::{DEFAULT_BATCH_CONCURRENCY, SandboxConfig, SandboxLimits};
pub use context::{ContextFacts, ContextShape, ContextValue, LoadedContext};
pub use error::{FinalVarError, SandboxError};
pub use handler::{QueryOptions, SubcallError, SubcallErrorKind, SubcallHandler, SubcallKind};
pub use isolation::{Confinement, Isolation, ProcessOptions};
pub use result::{CellResult, SubcallRecord};
pub use sandbox::{DEFAULT_REPORTED_ITEMS, Sandbox};
pub use tool_name::check_tool_name;
pub use truncate::truncate_middle;
