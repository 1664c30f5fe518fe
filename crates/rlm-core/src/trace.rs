//! Which model call a retry belongs to. A call made inside [`traced`] carries a task-local trace; the
//! resilient layer's observer runs on the task making the call (see `layers`) and adds each retry to
//! that trace with [`note_retry`], so the trajectory can list the retries of each sub-call and of each
//! root-model call. A retry outside any trace (a compaction summary) is only an event.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::engine::millis;
use crate::trajectory::RetryRecord;

tokio::task_local! {
    static CALL: Arc<CallTrace>;
}

/// The retries of one call so far.
#[derive(Debug)]
struct CallTrace {
    /// The completion's start: retry times are offsets from it.
    origin: Instant,
    retries: Mutex<Vec<RetryRecord>>,
}

/// Runs `call` with a fresh trace; returns its output and its retries. `origin` is the completion's
/// start.
pub(crate) async fn traced<F: Future>(origin: Instant, call: F) -> (F::Output, Vec<RetryRecord>) {
    let trace = Arc::new(CallTrace {
        origin,
        retries: Mutex::new(Vec::new()),
    });
    let output = CALL.scope(Arc::clone(&trace), call).await;
    let retries =
        std::mem::take(&mut *trace.retries.lock().unwrap_or_else(PoisonError::into_inner));
    (output, retries)
}

/// Records a retry in the trace of the call being polled, if it has one.
pub(crate) fn note_retry(attempt: u32, wait: Duration, error: &str) {
    let _outside_any_trace = CALL.try_with(|trace| {
        let record = RetryRecord::new(millis(trace.origin.elapsed()), attempt, millis(wait), error);
        trace
            .retries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn retries_go_to_the_call_being_polled() {
        let origin = Instant::now();
        let one = traced(origin, async {
            note_retry(1, Duration::from_millis(5), "503");
            tokio::task::yield_now().await;
            note_retry(2, Duration::from_millis(10), "503 again");
            1
        });
        let two = traced(origin, async {
            tokio::task::yield_now().await;
            note_retry(1, Duration::from_millis(7), "429");
            2
        });
        let ((a, first), (b, second)) = futures::join!(one, two);
        assert_eq!((a, b), (1, 2));
        let attempts =
            |r: &[RetryRecord]| r.iter().map(|r| (r.attempt, r.wait_ms)).collect::<Vec<_>>();
        assert_eq!(attempts(&first), vec![(1, 5), (2, 10)]);
        assert_eq!(attempts(&second), vec![(1, 7)]);
        assert_eq!(second[0].error, "429");
        // Outside any trace: nothing to record, nothing fails.
        note_retry(1, Duration::ZERO, "ignored");
    }
}
