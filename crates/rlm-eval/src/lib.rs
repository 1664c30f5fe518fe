//! rlm-eval: measure whether a Recursive Language Model beats a plain model call.
//!
//! - [`task`]: task files (JSON Lines: `{id, query, context | context_file, expected, scorer?,
//!   metadata?}`), loaded line by line so a bad line is named and loses no other task.
//! - [`score`]: scorers (exact, contains, numeric, set F1, JSON fields) and the [`score::Scorer`]
//!   trait for custom ones.
//! - [`suites`]: the generated suites (`niah`, `multi-niah`, `aggregate`, `pairs`), seeded and sized.
//! - [`result`]: result files, one [`result::ResultLine`] per task and method.
//! - [`runner`]: every task with every method (`rlm`, `direct`), concurrently, resumable.
//! - [`report`]: result files summarised per suite, method and label, compared with the baseline,
//!   and rendered as text, Markdown or JSON.
//!
//! Everything here is deterministic and offline; the runner talks to providers only through `rlm`.
#![forbid(unsafe_code)]

pub mod report;
pub mod result;
pub mod runner;
pub mod score;
pub mod suites;
pub mod task;

pub use report::Report;
pub use result::{Finished, Method, ModelTokens, ResultFile, ResultLine};
pub use runner::{EvalError, EvalOptions, Plan, Progress, ResultWriter, Runner, Shard};
pub use score::{Score, ScoreError, Scorer, ScorerSpec, Scorers};
pub use suites::{Filler, FillerCorpus, GenConfig, GenError, MAX_NEEDLES, Suite, generate};
pub use task::{Task, TaskContext, TaskProblem, TaskSet};
