//! Metering of one [`super::Resilient`] call: a guard that records the call exactly once, as a success,
//! a failure, or, when the call future is dropped before finishing (batch cancelled, run timed out), as
//! a failure with unknown tokens.

use std::time::Instant;

use crate::{ClientError, Completion, UsageMeter};

/// Records one call into a meter when finished, or on drop if it never finished.
pub(super) struct CallRecord {
    meter: UsageMeter,
    /// The model the call is metered under.
    pub(super) model: String,
    /// Retries made so far (updated by the retry loop).
    pub(super) retries: u32,
    started: Instant,
    recorded: bool,
}

impl CallRecord {
    /// Starts timing a call of `model`.
    pub(super) fn start(meter: UsageMeter, model: String) -> Self {
        Self {
            meter,
            model,
            retries: 0,
            started: Instant::now(),
            recorded: false,
        }
    }

    /// Records the call's outcome.
    pub(super) fn finish(self, outcome: &Result<Completion, ClientError>) {
        match outcome {
            Ok(c) => self.succeeded(c),
            Err(_) => self.failed(),
        }
    }

    /// Records a successful call.
    pub(super) fn succeeded(mut self, completion: &Completion) {
        let elapsed = self.started.elapsed();
        self.meter.record_success(
            &self.model,
            completion.usage,
            elapsed,
            u64::from(self.retries),
        );
        self.recorded = true;
    }

    /// Records a failed call.
    pub(super) fn failed(mut self) {
        let elapsed = self.started.elapsed();
        self.meter
            .record_failure(&self.model, elapsed, u64::from(self.retries));
        self.recorded = true;
    }
}

impl Drop for CallRecord {
    fn drop(&mut self) {
        if !self.recorded {
            tracing::debug!(model = %self.model, retries = self.retries, "LLM call dropped before it finished");
            self.meter
                .record_failure(&self.model, self.started.elapsed(), u64::from(self.retries));
        }
    }
}
