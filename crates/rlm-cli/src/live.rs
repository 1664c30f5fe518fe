//! The live view of `rlm run` on stderr: the root model's text as it streams in, each code block's
//! output, sub-call results as they land (a count that updates in place on a terminal, one line per
//! failure and one summary line per batch otherwise), child runs, retries and restarts.

use std::io::{IsTerminal, Write};

use rlm::Event;

/// The terminal's "erase to the end of the line" sequence.
const CLEAR_TO_END: &str = "\x1b[K";

/// Output lines of a cell shown before the rest is folded.
const OUTPUT_LINES_SHOWN: usize = 12;

/// Renders run events as text on stderr (see the module documentation).
#[derive(Debug)]
pub(crate) struct Live {
    terminal: bool,
    /// Whether the cursor is at the start of a line.
    at_line_start: bool,
    /// A sub-call count is drawn on the current line (terminal only).
    counting: bool,
}

impl Live {
    /// A view writing to stderr; counts update in place when stderr is a terminal.
    pub(crate) fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            at_line_start: true,
            counting: false,
        }
    }

    /// Shows one event.
    pub(crate) fn on_event(&mut self, event: &Event) {
        let text = self.render(event);
        if text.is_empty() {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    /// What `event` adds to stderr.
    fn render(&mut self, event: &Event) -> String {
        match event {
            Event::IterationStarted {
                depth: 0,
                iteration,
                max,
                ..
            } => {
                let title = if iteration > max {
                    "final-answer request".to_owned()
                } else {
                    format!("iteration {iteration}/{max}")
                };
                self.block(&format!("\n── {title} ──\n"))
            }
            Event::RootDelta { depth: 0, text, .. } => {
                let text = self.end_count() + text;
                self.at_line_start = text.ends_with('\n');
                text
            }
            Event::CodeBlockReady {
                depth: 0,
                index,
                of,
                ..
            } => self.block(&format!("▶ running block {}/{of}\n", index + 1)),
            Event::CellFinished {
                depth: 0,
                index,
                output,
                error,
                duration,
                ..
            } => {
                let status = if error.is_some() { "error" } else { "output" };
                let head = format!(
                    "── {status} of block {} ({:.2}s) ──\n",
                    index + 1,
                    duration.as_secs_f64()
                );
                self.block(&(head + &fold(output)))
            }
            Event::SubcallFinished {
                depth,
                index,
                done,
                total,
                failed,
                error,
                ..
            } => self.subcall(*depth, *index, (*done, *total, *failed), error.as_deref()),
            Event::RunStarted {
                depth,
                run_id,
                parent_run_id: Some(parent),
                model,
            } => self.block(&format!(
                "  ↳ child run {run_id} (depth {depth}, from run {parent}) started on {model}\n"
            )),
            Event::RunFinished {
                depth,
                run_id,
                iterations,
                error,
                ..
            } if *depth > 0 => {
                let outcome = error.as_deref().map_or_else(
                    || "answered".to_owned(),
                    |e| format!("failed: {}", one_line(e)),
                );
                self.block(&format!(
                    "  ↳ child run {run_id} {outcome} after {iterations} iteration(s)\n"
                ))
            }
            Event::Retrying {
                model,
                attempt,
                wait,
                error,
                ..
            } => self.block(&format!(
                "  retrying {model} in {:.2}s (attempt {attempt} failed: {error})\n",
                wait.as_secs_f64()
            )),
            Event::SandboxRestarted { depth, note } => {
                self.block(&format!("  sandbox restarted at depth {depth}: {note}\n"))
            }
            Event::Compacted {
                tokens_before,
                tokens_after,
                ..
            } => self.block(&format!(
                "  compacted the history (about {tokens_before} tokens to {tokens_after})\n"
            )),
            _ => String::new(),
        }
    }

    /// A sub-call result: failures on their own line; the count in place on a terminal, or once per
    /// batch otherwise.
    fn subcall(
        &mut self,
        depth: usize,
        index: usize,
        (done, total, failed): (usize, usize, usize),
        error: Option<&str>,
    ) -> String {
        let mut text = String::new();
        if let Some(error) = error {
            text += &self.block(&format!(
                "  ✗ depth {depth} sub-call {} of {total} failed: {}\n",
                index + 1,
                one_line(error)
            ));
        }
        let count = format!("  sub-calls at depth {depth}: {done}/{total} done, {failed} failed");
        if self.terminal {
            if !self.counting && !self.at_line_start {
                text.push('\n');
            }
            text += "\r";
            text += &count;
            text += CLEAR_TO_END;
            self.counting = true;
            self.at_line_start = false;
            if done == total {
                text += "\n";
                self.counting = false;
                self.at_line_start = true;
            }
        } else if done == total {
            text += &self.block(&format!("{count}\n"));
        }
        text
    }

    /// `text` on lines of its own.
    fn block(&mut self, text: &str) -> String {
        let mut out = self.end_count();
        if !self.at_line_start {
            out.push('\n');
        }
        out.push_str(text);
        self.at_line_start = text.ends_with('\n');
        out
    }

    /// Ends an in-place count line, if one is drawn.
    fn end_count(&mut self) -> String {
        if self.counting {
            self.counting = false;
            self.at_line_start = true;
            "\n".to_owned()
        } else {
            String::new()
        }
    }
}

/// The first [`OUTPUT_LINES_SHOWN`] lines of `output`, and how many more there are.
fn fold(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let mut shown = lines
        .iter()
        .take(OUTPUT_LINES_SHOWN)
        .fold(String::new(), |acc, line| acc + line + "\n");
    if lines.len() > OUTPUT_LINES_SHOWN {
        shown.push_str(&more_lines(lines.len() - OUTPUT_LINES_SHOWN));
    }
    if shown.is_empty() {
        return "(no output)\n".to_owned();
    }
    shown
}

fn more_lines(count: usize) -> String {
    format!("… {count} more lines\n")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn plain() -> Live {
        Live {
            terminal: false,
            at_line_start: true,
            counting: false,
        }
    }

    fn finished(index: usize, done: usize, failed: usize, error: Option<&str>) -> Event {
        Event::SubcallFinished {
            depth: 0,
            index,
            done,
            total: 2,
            failed,
            model: "sub".into(),
            latency: Duration::from_millis(3),
            usage: rlm::client::Usage::default(),
            error: error.map(Into::into),
        }
    }

    #[test]
    fn text_streams_and_blocks_start_on_their_own_line() {
        let mut live = plain();
        let delta = |text: &str| Event::RootDelta {
            depth: 0,
            run_id: 0,
            iteration: 1,
            text: text.into(),
        };
        assert_eq!(live.render(&delta("Let me ")), "Let me ");
        assert_eq!(live.render(&delta("look")), "look");
        let cell = Event::CellFinished {
            depth: 0,
            run_id: 0,
            iteration: 1,
            index: 0,
            output: (1..=20)
                .map(|i| format!("line {i}"))
                .collect::<Vec<_>>()
                .join("\n"),
            error: None,
            final_answer: None,
            duration: Duration::from_millis(1500),
        };
        let shown = live.render(&cell);
        assert!(
            shown.starts_with("\n── output of block 1 (1.50s) ──\nline 1\n"),
            "{shown}"
        );
        assert!(shown.ends_with("line 12\n… 8 more lines\n"), "{shown}");
    }

    #[test]
    fn plain_text_shows_failures_and_one_summary_per_batch() {
        let mut live = plain();
        assert_eq!(live.render(&finished(1, 1, 0, None)), "");
        let last = live.render(&finished(0, 2, 1, Some("Error: 500\nserver")));
        assert_eq!(
            last,
            "  ✗ depth 0 sub-call 1 of 2 failed: Error: 500 server\n  sub-calls at depth 0: 2/2 done, 1 failed\n"
        );
    }

    #[test]
    fn a_terminal_updates_the_count_in_place() {
        let mut live = plain();
        live.terminal = true;
        assert_eq!(
            live.render(&finished(1, 1, 0, None)),
            "\r  sub-calls at depth 0: 1/2 done, 0 failed\x1b[K"
        );
        assert_eq!(
            live.render(&finished(0, 2, 0, None)),
            "\r  sub-calls at depth 0: 2/2 done, 0 failed\x1b[K\n"
        );
    }
}
