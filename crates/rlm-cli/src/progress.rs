//! Progress on stderr from run events: an indicatif bar when stderr is a terminal, plain lines when it
//! is not, nothing in quiet mode.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rlm::Event;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProgressMode {
    /// Nothing.
    Quiet,
    /// One line per iteration start and end, and per batch start.
    Lines,
    /// A live bar (stderr is a terminal).
    Bar,
}

impl ProgressMode {
    /// `Quiet` when asked, else a bar on a terminal and lines otherwise.
    pub(crate) fn detect(quiet: bool) -> Self {
        if quiet {
            Self::Quiet
        } else if std::io::stderr().is_terminal() {
            Self::Bar
        } else {
            Self::Lines
        }
    }
}

/// Contexts smaller than this load without progress lines.
const LOADING_SHOWN_FROM: usize = 16 * 1024 * 1024;

/// Least time between two "waiting for the rate limit" lines.
const WAIT_LINE_EVERY: Duration = Duration::from_secs(2);

/// Counters of the current root iteration.
#[derive(Debug, Default)]
struct State {
    started: u64,
    done: u64,
    failed: u64,
    /// When the last rate-limit wait was shown.
    last_wait_line: Option<Instant>,
}

/// Turns [`Event`]s into progress output. Cheap to clone; share it with `RlmBuilder::on_event`.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    mode: ProgressMode,
    label: Arc<str>,
    bar: Option<ProgressBar>,
    state: Arc<Mutex<State>>,
}

impl Progress {
    /// A display in `mode`; `label` prefixes every line (e.g. "batch").
    pub(crate) fn new(mode: ProgressMode, label: &str) -> Self {
        let bar = (mode == ProgressMode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {prefix} {msg} [{bar:30}] {pos}/{len} sub-calls ({elapsed})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(label.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self {
            mode,
            label: Arc::from(label),
            bar,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// Shows one event.
    pub(crate) fn on_event(&self, event: &Event) {
        if self.mode == ProgressMode::Quiet {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match event {
            Event::IterationStarted {
                depth: 0,
                iteration,
                max,
                ..
            } => {
                *state = State::default();
                if let Some(bar) = &self.bar {
                    bar.set_position(0);
                    bar.set_length(0);
                }
                self.show(&format!("iteration {iteration}/{max}"), true);
            }
            Event::IterationFinished {
                depth: 0,
                iteration,
                cells,
                failed_cells,
                duration,
                ..
            } if self.mode == ProgressMode::Lines => {
                self.line(&format!(
                    "iteration {iteration} done: {cells} cell(s), {failed_cells} failed, {}/{} sub-calls ({} failed), {:.2}s",
                    state.done,
                    state.started,
                    state.failed,
                    duration.as_secs_f64()
                ));
            }
            Event::SubcallStarted { total, depth, .. } => {
                state.started += *total as u64;
                if let Some(bar) = &self.bar {
                    bar.inc_length(*total as u64);
                } else if *total > 1 {
                    self.line(&format!(
                        "depth {depth}: batch of {total} sub-calls started"
                    ));
                }
            }
            Event::Retrying {
                model,
                attempt,
                wait,
                error,
                ..
            } => self.line(&format!(
                "retrying {model} in {:.2}s (attempt {attempt} failed: {error})",
                wait.as_secs_f64()
            )),
            Event::SandboxRestarted { depth, note } => {
                self.line(&format!("depth {depth}: {note}"));
            }
            Event::RateLimitWait { model, .. } => {
                let due = state
                    .last_wait_line
                    .is_none_or(|at| at.elapsed() >= WAIT_LINE_EVERY);
                if due {
                    state.last_wait_line = Some(Instant::now());
                    self.show(
                        &format!("waiting for the --rpm/--tpm limit ({model})"),
                        true,
                    );
                }
            }
            Event::ContextLoading { bytes, format } if *bytes >= LOADING_SHOWN_FROM => {
                self.show(
                    &format!(
                        "loading the context ({:.1} MiB of {format})...",
                        *bytes as f64 / (1024.0 * 1024.0)
                    ),
                    true,
                );
            }
            Event::ContextLoaded { bytes, duration } if *bytes >= LOADING_SHOWN_FROM => {
                self.show(
                    &format!("context loaded in {:.2}s", duration.as_secs_f64()),
                    true,
                );
            }
            Event::Compacted {
                depth,
                tokens_before,
                tokens_after,
                ..
            } => self.line(&format!(
                "depth {depth}: compacted the history (about {tokens_before} tokens to {tokens_after})"
            )),
            Event::SubcallFinished {
                done,
                total,
                failed,
                ..
            } => {
                state.done += 1;
                if *done == *total {
                    state.failed += *failed as u64;
                }
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
            }
            _ => {}
        }
    }

    /// Removes the bar, if any.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn show(&self, message: &str, as_line: bool) {
        match &self.bar {
            Some(bar) => bar.set_message(message.to_owned()),
            None if as_line => self.line(message),
            None => {}
        }
    }

    fn line(&self, message: &str) {
        let line = format!("[{}] {message}", self.label);
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_subcalls_of_an_iteration() {
        let p = Progress::new(ProgressMode::Lines, "t");
        p.on_event(&Event::IterationStarted {
            depth: 0,
            run_id: 0,
            iteration: 1,
            max: 3,
        });
        p.on_event(&Event::SubcallStarted {
            depth: 0,
            kind: rlm::SubcallKind::Llm,
            done: 0,
            total: 2,
        });
        for done in 1..=2 {
            p.on_event(&Event::SubcallFinished {
                depth: 0,
                index: done - 1,
                done,
                total: 2,
                failed: 1,
                model: "sub".into(),
                latency: Duration::from_millis(5),
                usage: rlm::client::Usage::default(),
                error: None,
            });
        }
        let state = p.state.lock().unwrap();
        assert_eq!((state.started, state.done, state.failed), (2, 2, 1));
    }

    #[test]
    fn quiet_ignores_everything() {
        let p = Progress::new(ProgressMode::Quiet, "t");
        p.on_event(&Event::SubcallStarted {
            depth: 0,
            kind: rlm::SubcallKind::Llm,
            done: 0,
            total: 1,
        });
        assert_eq!(p.state.lock().unwrap().started, 0);
    }
}
