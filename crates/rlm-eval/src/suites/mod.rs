//! The generated suites (`niah`, `multi-niah`, `aggregate`, `pairs`; exact formats in
//! docs/EVAL.md): [`generate`] turns a [`GenConfig`] into tasks, deterministically: the same
//! configuration gives byte-identical tasks, and task `k` depends only on the seed, the suite and
//! `k` (not on how many tasks are generated).

mod aggregate;
mod config;
mod error;
mod filler;
mod multi_niah;
mod needles;
mod niah;
mod pairs;
mod prose;
mod records;
mod rng;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

pub use config::{GenConfig, MAX_NEEDLES, Suite};
pub use error::GenError;
pub use filler::{Filler, FillerCorpus};

use crate::score::ScorerSpec;
use crate::task::{Task, TaskContext};

/// The tasks of a configuration, ids `<suite>-0001` on, after [`GenConfig::validate`].
pub fn generate(config: &GenConfig) -> Result<Vec<Task>, GenError> {
    config.validate()?;
    Ok((0..config.n).map(|index| task(config, index)).collect())
}

/// What a suite makes of one task; [`task`] adds the id and the common metadata.
#[derive(Debug)]
struct Draft {
    query: String,
    context: String,
    expected: Value,
    scorer: ScorerSpec,
    /// The suite's own metadata.
    facts: Vec<(&'static str, Value)>,
}

/// Task `index` (0-based) of a valid configuration.
fn task(config: &GenConfig, index: usize) -> Task {
    let suite = config.suite.name();
    let mut rng = rng::Rng::for_task(config.seed, suite, index);
    let draft = match config.suite {
        Suite::Niah => niah::draft(config, &mut rng),
        Suite::MultiNiah => multi_niah::draft(config, &mut rng),
        Suite::Aggregate => aggregate::draft(config, &mut rng),
        Suite::Pairs => pairs::draft(config, &mut rng),
    };
    let mut metadata = Map::new();
    metadata.insert("suite".into(), json!(suite));
    metadata.insert("seed".into(), json!(config.seed));
    metadata.insert("size".into(), json!(config.size));
    for (name, value) in draft.facts {
        metadata.insert(name.into(), value);
    }
    let mut task = Task::new(
        format!("{suite}-{:04}", index + 1),
        draft.query,
        TaskContext::Text(draft.context),
    );
    task.expected = draft.expected;
    task.scorer = draft.scorer;
    task.metadata = metadata;
    task
}
