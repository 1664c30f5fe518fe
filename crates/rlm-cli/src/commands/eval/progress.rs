//! Progress of `rlm eval run` on stderr: a bar on a terminal (jobs done, running accuracy per method,
//! spend, ETA), one line per finished job otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rlm_eval::{Progress, ResultLine};

use crate::progress::ProgressMode;

/// Where eval progress goes.
#[derive(Debug)]
pub(crate) struct EvalProgress {
    mode: ProgressMode,
    bar: Option<ProgressBar>,
}

impl EvalProgress {
    /// Progress for `total` jobs.
    pub(crate) fn new(mode: ProgressMode, total: usize) -> Self {
        let bar = matches!(mode, ProgressMode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total as u64),
                ProgressDrawTarget::stderr_with_hz(4),
            );
            let style = ProgressStyle::with_template("{bar:30} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(format!("0/{total} done"));
            bar
        });
        Self { mode, bar }
    }

    /// Shows a finished job.
    pub(crate) fn on_result(&self, line: &ResultLine, progress: &Progress) {
        match (&self.mode, &self.bar) {
            (ProgressMode::Bar, Some(bar)) => {
                bar.set_position(progress.done as u64);
                bar.set_message(progress.summary_line());
            }
            (ProgressMode::Lines, _) => eprintln!(
                "rlm eval: [{}/{}] {} {} {} · {}",
                progress.done,
                progress.total,
                line.id,
                line.method,
                outcome(line),
                progress.summary_line()
            ),
            _ => {}
        }
    }

    /// Clears the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `score 1.00 (final, 2.3s)` or `error timeout (30.0s)`.
fn outcome(line: &ResultLine) -> String {
    let secs = line.wall_ms as f64 / 1000.0;
    match &line.error_class {
        Some(class) => format!("error {class} ({secs:.1}s)"),
        None => format!(
            "score {:.2} ({}, {secs:.1}s)",
            line.score,
            serde_json::to_value(line.finished)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ),
    }
}
