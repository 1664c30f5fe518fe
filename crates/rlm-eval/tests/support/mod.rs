//! What the runner tests share: a scripted root model (not a language model) that answers
//! `ans-N` to "task N", and tasks that expect those answers.

use std::sync::Arc;

use rlm::client::testing::Simulated;
use rlm::client::{CompletionRequest, Role};
use rlm_eval::{Task, TaskContext};
use serde_json::json;

/// The number in "task N" of the request's first user message.
fn task_number(request: &CompletionRequest) -> String {
    let text = request
        .messages
        .iter()
        .filter(|m| m.role == Role::User)
        .map(|m| m.content.as_str())
        .collect::<String>();
    text.split("task ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .unwrap_or("?")
        .to_owned()
}

/// Root answers `FINAL(ans-N)` in a run, `ans-N` to a direct call.
pub(crate) fn root() -> Simulated {
    Simulated::new("scripted-root", |request: &CompletionRequest| {
        let n = task_number(request);
        if request.messages.iter().any(|m| m.role == Role::System) {
            format!("FINAL(ans-{n})")
        } else {
            format!("ans-{n}")
        }
    })
}

pub(crate) fn tasks(n: usize) -> Vec<Arc<Task>> {
    (1..=n)
        .map(|i| {
            let mut task = Task::new(
                format!("t{i}"),
                format!("What is the answer of task {i}?"),
                TaskContext::Text(format!("context of task {i}")),
            );
            // Task 2 expects something else: it scores 0.
            task.expected = if i == 2 {
                json!("other")
            } else {
                json!(format!("ans-{i}"))
            };
            task.metadata.insert("suite".into(), json!("unit"));
            Arc::new(task)
        })
        .collect()
}

pub(crate) fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rlm-eval-runner-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_default();
    dir
}
