//! Compaction: when the estimated history passes its threshold (see [`crate::Compaction`]), the root
//! model writes a summary of the work so far (the `compaction_request` prompt), and the history
//! becomes the system prompt, the first user message with a notice holding the summary and the
//! variables still in the REPL (the `compacted` prompt), and the latest exchange when it is small. The
//! REPL is untouched; the trajectory gets a `compaction` record.

use rlm_client::{CompletionRequest, Message, estimate_tokens};

use super::Engine;
use crate::trajectory::{CompactionRecord, TrajectoryRecord};
use crate::{Event, RlmError};

/// Share of the threshold the latest exchange may take to be kept after compaction.
const KEEP_LATEST_SHARE: u64 = 4;

/// Estimated tokens of `messages`.
fn tokens(messages: &[Message]) -> u64 {
    u64::from(estimate_tokens(&CompletionRequest::new(messages.to_vec())))
}

impl Engine<'_> {
    /// Compacts the history when it has grown past the threshold.
    pub(super) async fn compact_if_needed(&mut self, iteration: usize) -> Result<(), RlmError> {
        let Some(threshold) = self
            .shared
            .settings
            .compaction
            .threshold_tokens(self.window)
        else {
            return Ok(());
        };
        let messages = self.history.messages();
        let before = tokens(messages);
        // The system prompt and the first user message always stay; nothing to compact below them.
        if before <= threshold || messages.len() <= 2 {
            return Ok(());
        }
        let prompts = &self.shared.settings.prompts;
        let mut request = messages.to_vec();
        request.push(Message::user(prompts.compaction_request(self.spec.query)));
        // The summary call itself must fit: drop the oldest turns after the first user message.
        if let Some(window) = self.window {
            while request.len() > 3 && tokens(&request) > window {
                request.remove(2);
            }
        }
        let reply = self.complete(request, false).await?;
        let variables = self
            .bounded(self.sandbox.variables())
            .await
            .and_then(Result::ok)
            .unwrap_or_default();
        let notice = prompts.compacted(&reply.text, &variables);
        let mut compacted = vec![
            messages[0].clone(),
            Message::user(format!("{}\n\n{notice}", messages[1].content)),
        ];
        let latest = &messages[messages.len().saturating_sub(2)..];
        if messages.len() >= 4 && tokens(latest) <= threshold / KEEP_LATEST_SHARE {
            compacted.extend_from_slice(latest);
        }
        let messages_before = messages.len();
        let after = tokens(&compacted);
        self.history.replace(compacted);
        tracing::info!(
            depth = self.spec.depth,
            iteration,
            before,
            after,
            "compacted the history"
        );
        self.shared
            .record(TrajectoryRecord::Compaction(CompactionRecord {
                run_id: self.spec.run_id,
                depth: self.spec.depth,
                iteration,
                messages_before,
                tokens_before: before,
                tokens_after: after,
                summary: reply.text,
                usage: reply.usage,
            }));
        self.shared.events.emit(&Event::Compacted {
            depth: self.spec.depth,
            iteration,
            tokens_before: before,
            tokens_after: after,
        });
        Ok(())
    }
}
