//! The runner: every task with every method, `jobs` at a time, one result line per job appended as
//! it finishes; jobs the result file already holds are skipped (resume).
//!
//! All jobs go through one [`Rlm`], so they share its rate limiter and its global sub-call cap:
//! `jobs` bounds how many tasks run at once, never the load a provider sees beyond those limits.
//! The per-task timeout and budgets are the `Rlm`'s limits, which hold per completion. Dropping the
//! future of [`Runner::run`] (Ctrl-C) cancels the jobs in flight; everything finished is already
//! written.

mod context;
mod outcome;
mod output;
mod progress;
mod shard;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rlm::Rlm;
use tokio::task::JoinSet;

use crate::result::{Method, ResultFile, ResultLine};
use crate::score::Scorers;
use crate::task::Task;

pub use outcome::error_class;
pub use output::ResultWriter;
pub use progress::{MethodProgress, Progress, clock};
pub use shard::Shard;

/// How an evaluation runs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EvalOptions {
    /// The methods each task runs with, in order (duplicates are ignored).
    pub methods: Vec<Method>,
    /// Jobs (task × method) running at once, at least 1.
    pub jobs: usize,
    /// The name of this run in reports (for example the root model).
    pub label: String,
    /// Input-token window `direct` cuts the context to (default: the root model's known window).
    pub direct_window: Option<u64>,
    /// Folder for one trajectory per job (`<id>.<method>.jsonl`).
    pub trajectories: Option<PathBuf>,
    /// Run again the jobs the result file records as failed.
    pub retry_errors: bool,
    /// The suite of tasks without `metadata.suite` (usually the task file's name).
    pub default_suite: String,
    /// Only the tasks of this shard (`None`: all).
    pub shard: Option<Shard>,
}

impl EvalOptions {
    /// One method, one job at a time, no trajectories.
    pub fn new(method: Method, label: impl Into<String>) -> Self {
        Self {
            methods: vec![method],
            jobs: 1,
            label: label.into(),
            direct_window: None,
            trajectories: None,
            retry_errors: false,
            default_suite: "tasks".to_owned(),
            shard: None,
        }
    }
}

/// Why an evaluation could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A result line could not be written: the evaluation stops, since its results would be lost.
    #[error("could not write to the result file {path}: {source}")]
    Write {
        /// The result file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The trajectory folder could not be created.
    #[error("could not create the trajectory folder {path}: {source}")]
    Trajectories {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A job's task was aborted (a bug: please report it). A job that panics is recorded as a
    /// result of class `internal` instead, and the others go on.
    #[error("an evaluation job stopped unexpectedly: {0}")]
    Job(String),
}

/// The jobs left to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// (task, method) pairs, in task order then method order.
    pub jobs: Vec<(Arc<Task>, Method)>,
    /// Jobs the result file already holds.
    pub skipped: usize,
}

/// Runs tasks with one [`Rlm`] (see the module documentation).
#[derive(Debug, Clone)]
pub struct Runner {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    rlm: Rlm,
    scorers: Scorers,
    options: EvalOptions,
}

impl Runner {
    /// A runner; `options.jobs` is raised to 1 if it is 0.
    pub fn new(rlm: Rlm, scorers: Scorers, mut options: EvalOptions) -> Self {
        options.jobs = options.jobs.max(1);
        let mut methods = Vec::new();
        for method in options.methods.drain(..) {
            if !methods.contains(&method) {
                methods.push(method);
            }
        }
        options.methods = methods;
        Self {
            shared: Arc::new(Shared {
                rlm,
                scorers,
                options,
            }),
        }
    }

    /// The jobs of `tasks` (of the shard, when one is set) that `existing` does not hold yet (failed
    /// ones too, with `retry_errors`).
    pub fn plan(&self, tasks: &[Arc<Task>], existing: &ResultFile) -> Plan {
        let options = &self.shared.options;
        let done = output::recorded(existing, options.retry_errors);
        let mut plan = Plan {
            jobs: Vec::new(),
            skipped: 0,
        };
        let in_shard = |task: &Task| options.shard.is_none_or(|shard| shard.contains(&task.id));
        for task in tasks.iter().filter(|task| in_shard(task)) {
            for method in &options.methods {
                if done.contains(&(task.id.clone(), *method, options.label.clone())) {
                    plan.skipped += 1;
                } else {
                    plan.jobs.push((Arc::clone(task), *method));
                }
            }
        }
        plan
    }

    /// Runs `plan`, appending each result to `writer` as it finishes and calling `on_result` after
    /// it is written. Returns the final progress.
    pub async fn run(
        &self,
        plan: Plan,
        writer: &mut ResultWriter,
        mut on_result: impl FnMut(&ResultLine, &Progress),
    ) -> Result<Progress, EvalError> {
        if let Some(dir) = &self.shared.options.trajectories {
            std::fs::create_dir_all(dir).map_err(|source| EvalError::Trajectories {
                path: dir.clone(),
                source,
            })?;
        }
        let mut progress = Progress {
            total: plan.jobs.len(),
            skipped: plan.skipped,
            ..Progress::default()
        };
        let started = Instant::now();
        let mut pending = plan.jobs.into_iter();
        let mut running = JoinSet::new();
        let mut in_flight = HashMap::new();
        loop {
            while running.len() < self.shared.options.jobs {
                let Some((task, method)) = pending.next() else {
                    break;
                };
                let shared = Arc::clone(&self.shared);
                let job = Arc::clone(&task);
                let handle = running.spawn(async move { shared.run_job(&job, method).await });
                in_flight.insert(handle.id(), (task, method));
            }
            let Some(joined) = running.join_next_with_id().await else {
                break;
            };
            let line = match joined {
                Ok((id, line)) => {
                    in_flight.remove(&id);
                    line
                }
                Err(error) => {
                    let job = in_flight.remove(&error.id());
                    match job {
                        Some((task, method)) if error.is_panic() => {
                            self.shared.panicked(&task, method, &*error.into_panic())
                        }
                        _ => return Err(EvalError::Job(error.to_string())),
                    }
                }
            };
            writer.append(&line).map_err(|source| EvalError::Write {
                path: writer.path().to_owned(),
                source,
            })?;
            progress.add(&line, started.elapsed());
            on_result(&line, &progress);
        }
        Ok(progress)
    }
}

impl Shared {
    /// The line of a job that panicked (a bug): class `internal`, so the other jobs go on.
    fn panicked(
        &self,
        task: &Task,
        method: Method,
        panic: &(dyn std::any::Any + Send),
    ) -> ResultLine {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        let facts = outcome::JobFacts {
            task,
            suite: task.suite_or(&self.options.default_suite),
            method,
            label: &self.options.label,
            wall: std::time::Duration::ZERO,
            trajectory: None,
        };
        facts.not_started(
            "internal",
            format!("the job panicked ({what}); this is a bug in rlm or in a custom scorer"),
        )
    }

    /// Runs one task with one method; never fails: a failure is a result line.
    async fn run_job(&self, task: &Task, method: Method) -> ResultLine {
        let started = Instant::now();
        let options = &self.options;
        let trajectory_path = options
            .trajectories
            .as_ref()
            .map(|dir| dir.join(format!("{}.{method}.jsonl", file_stem(&task.id))));
        let mut facts = outcome::JobFacts {
            task,
            suite: task.suite_or(&options.default_suite),
            method,
            label: &options.label,
            wall: started.elapsed(),
            trajectory: None,
        };
        let context = match context::load(&task.context).await {
            Ok(context) => context,
            Err(message) => return facts.not_started("task", message),
        };
        let result = match method {
            Method::Rlm => self.rlm.completion(context, &task.query).await,
            Method::Direct => {
                self.rlm
                    .direct_completion(context, &task.query, options.direct_window)
                    .await
            }
        };
        facts.wall = started.elapsed();
        let trajectory = match &result {
            Ok(answer) => Some(&answer.trajectory),
            Err(error) => error.partial_run().map(|partial| &partial.trajectory),
        };
        if let (Some(path), Some(trajectory)) = (&trajectory_path, trajectory) {
            match trajectory.save(path) {
                Ok(()) => facts.trajectory = Some(path.display().to_string()),
                Err(e) => tracing::warn!(path = %path.display(), "trajectory not written: {e}"),
            }
        }
        match &result {
            Ok(answer) => facts.answered(answer, &self.scorers, self.rlm.limits()),
            Err(error) => facts.failed(error),
        }
    }
}

/// A task id made safe as a file name. An id that had to change gets a hash of the original as a
/// suffix, so ids that differ only in the characters replaced (`a/b`, `a_b`) keep apart.
fn file_stem(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe == id && !id.is_empty() && !id.starts_with('.') {
        return safe;
    }
    format!("{safe}-{:016x}", shard::fnv1a64(id.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn ids_that_differ_only_in_unsafe_characters_get_different_file_names() {
        assert_eq!(file_stem("niah-0001"), "niah-0001");
        let (slash, underscore) = (file_stem("a/b"), file_stem("a_b"));
        assert_eq!(underscore, "a_b");
        assert!(slash.starts_with("a_b-") && slash.len() == 20, "{slash}");
        assert_ne!(file_stem("a/b"), file_stem("a b"));
        assert_eq!(file_stem("a/b"), slash, "the name is stable");
        assert!(
            file_stem("..").starts_with("..-"),
            "no file name of dots only"
        );
        assert!(file_stem("").starts_with('-'));
    }
}
