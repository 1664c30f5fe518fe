//! Time limits: a per-attempt timeout and an optional overall deadline (retries and waits included),
//! both on tokio's clock so paused-time tests run instantly.

use std::future::Future;
use std::time::Duration;

use crate::ClientError;

/// Runs one attempt, failing with [`ClientError::Timeout`] after `limit`.
pub(crate) async fn with_attempt_timeout<T>(
    limit: Duration,
    attempt: impl Future<Output = Result<T, ClientError>>,
) -> Result<T, ClientError> {
    tokio::time::timeout(limit, attempt)
        .await
        .unwrap_or(Err(ClientError::Timeout { after: limit }))
}

/// Runs a whole call, failing with [`ClientError::DeadlineExceeded`] after `deadline` if one is set.
pub(crate) async fn with_deadline<T>(
    deadline: Option<Duration>,
    call: impl Future<Output = Result<T, ClientError>>,
) -> Result<T, ClientError> {
    match deadline {
        Some(deadline) => tokio::time::timeout(deadline, call)
            .await
            .unwrap_or(Err(ClientError::DeadlineExceeded { deadline })),
        None => call.await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn limits_fire_on_tokio_time() {
        let never = std::future::pending::<Result<(), ClientError>>();
        let err = with_attempt_timeout(Duration::from_mins(5), never)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ClientError::Timeout {
                after: Duration::from_mins(5)
            }
        );
        let never = std::future::pending::<Result<(), ClientError>>();
        let err = with_deadline(Some(Duration::from_secs(5)), never)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ClientError::DeadlineExceeded {
                deadline: Duration::from_secs(5)
            }
        );
        assert_eq!(with_deadline(None, async { Ok(1) }).await, Ok(1));
    }
}
