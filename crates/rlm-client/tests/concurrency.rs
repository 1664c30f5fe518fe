//! `ConcurrencyLimit`: one semaphore caps calls across several clients.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rlm_client::{
    BatchOptions, ClientError, CompletionRequest, ConcurrencyLimit, LlmClient, batch,
};
use tokio::sync::Semaphore;

use crate::support::Gauge;

#[tokio::test(start_paused = true)]
async fn a_shared_semaphore_caps_calls_across_clients() {
    let gauge = Gauge::new(Duration::from_millis(20));
    let permits = Arc::new(Semaphore::new(3));
    let a = ConcurrencyLimit::new(gauge.clone(), permits.clone());
    let b = ConcurrencyLimit::new(gauge.clone(), permits.clone());
    let requests = || {
        (0..20)
            .map(|i| CompletionRequest::prompt(i.to_string()))
            .collect()
    };
    let (ra, rb) = tokio::join!(
        batch(&a, requests(), BatchOptions::new(10)),
        batch(&b, requests(), BatchOptions::new(10))
    );
    assert!(
        ra.unwrap()
            .iter()
            .chain(rb.unwrap().iter())
            .all(Result::is_ok)
    );
    assert_eq!(gauge.peak.load(Ordering::SeqCst), 3);
    assert_eq!(gauge.started.load(Ordering::SeqCst), 40);
}

#[tokio::test]
async fn a_closed_semaphore_cancels() {
    let permits = Arc::new(Semaphore::new(1));
    permits.close();
    let limited = ConcurrencyLimit::new(Gauge::new(Duration::ZERO), permits);
    assert_eq!(
        limited
            .complete(CompletionRequest::prompt("x"))
            .await
            .unwrap_err(),
        ClientError::Cancelled
    );
}
