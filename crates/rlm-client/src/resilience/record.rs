//! Metering of one [`super::Resilient`] call: a guard that records the call exactly once, as a success,
//! a failure, or, when the call future is dropped before finishing (batch cancelled, run timed out), as
//! a failure with unknown tokens.

use std::time::Instant;

use crate::{ClientError, Completion, UsageMeter};

/// Records one call into a meter when finished, or on drop if it never finished.
pub(super) struct CallRecord<'a> {
    meter: &'a UsageMeter,
    /// The model the call is metered under.
    pub(super) model: String,
    /// Retries made so far (updated by the retry loop).
    pub(super) retries: u32,
    started: Instant,
    recorded: bool,
}

impl<'a> CallRecord<'a> {
    /// Starts timing a call of `model`.
    pub(super) fn start(meter: &'a UsageMeter, model: String) -> Self {
        Self {
            meter,
            model,
            retries: 0,
            started: Instant::now(),
            recorded: false,
        }
    }

    /// Records the call's outcome.
    pub(super) fn finish(mut self, outcome: &Result<Completion, ClientError>) {
        let elapsed = self.started.elapsed();
        let retries = u64::from(self.retries);
        match outcome {
            Ok(c) => self
                .meter
                .record_success(&self.model, c.usage, elapsed, retries),
            Err(_) => self.meter.record_failure(&self.model, elapsed, retries),
        }
        self.recorded = true;
    }
}

impl Drop for CallRecord<'_> {
    fn drop(&mut self) {
        if !self.recorded {
            tracing::debug!(model = %self.model, retries = self.retries, "LLM call dropped before it finished");
            self.meter
                .record_failure(&self.model, self.started.elapsed(), u64::from(self.retries));
        }
    }
}
