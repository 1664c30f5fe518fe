//! Tests of the adaptive limiter through its gate: the cap holds under concurrency, clones share one
//! limit, shrinking takes effect as permits come back, and header holds delay new attempts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::*;
use crate::ClientError;

fn rate_limited() -> ClientError {
    ClientError::RateLimited {
        provider: "p".into(),
        message: "slow down".into(),
        retry_after: Some(Duration::ZERO),
        rate_limit: None,
    }
}

#[tokio::test(start_paused = true)]
async fn the_gate_never_lets_more_than_the_cap_through() -> Result<(), ClientError> {
    let limiter = AdaptiveLimiter::with_config(AdaptiveConfig::new(6).with_initial_limit(3))?;
    let gate = ConcurrencyGate::from(limiter.clone());
    let now = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let (gate, now, peak) = (gate.clone(), now.clone(), peak.clone());
            tokio::spawn(async move {
                let permit = gate.acquire().await?;
                let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(inside, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                permit.succeeded(None);
                Ok::<(), ClientError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap_or_else(|e| panic!("{e}"))?;
    }
    let peak = peak.load(Ordering::SeqCst);
    assert!(peak <= 6, "the cap is 6, {peak} ran at once");
    assert!(
        peak > 3,
        "the limit grew from 3 while the gate was busy, peak {peak}"
    );
    assert_eq!(limiter.snapshot().in_flight, 0);
    assert_eq!(limiter.snapshot().successes, 40);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_shrunk_limit_is_enforced_as_permits_come_back() -> Result<(), ClientError> {
    let limiter = AdaptiveLimiter::with_config(AdaptiveConfig::new(8).with_initial_limit(8))?;
    let clone = limiter.clone();
    let gate = ConcurrencyGate::from(clone);
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(gate.acquire().await?);
    }
    // One refusal with 3 others in flight: the clone and the original see the same limit.
    let Some(refused) = held.pop() else {
        panic!("no permit");
    };
    held.truncate(3);
    let change = refused.failed(&rate_limited());
    assert_eq!(
        change.map(|c| c.limit),
        Some(4),
        "8 x 0.9 = 7.2, at least half: 4, and 3 others"
    );
    drop(refused);
    assert_eq!((limiter.limit(), gate.limit()), (4, 4));
    // 3 held, limit 4: exactly one more gets in.
    let fourth = gate.acquire().await?;
    let fifth = tokio::time::timeout(Duration::from_secs(1), gate.acquire()).await;
    assert!(fifth.is_err(), "a fifth attempt got in under a limit of 4");
    drop(fourth);
    let fifth = tokio::time::timeout(Duration::from_secs(1), gate.acquire()).await;
    assert!(fifth.is_ok());
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn spent_quota_holds_new_attempts_until_the_reset() -> Result<(), ClientError> {
    let limiter = AdaptiveLimiter::new(4);
    let gate = ConcurrencyGate::from(limiter.clone());
    let spent = RateLimitInfo::new()
        .with_remaining_requests(0)
        .with_reset_requests(Duration::from_secs(2));
    let change = gate.acquire().await?.succeeded(Some(&spent));
    assert_eq!(
        change.map(|c| c.limit),
        Some(1),
        "capped at 1 while none remain"
    );
    let start = Instant::now();
    let mut held_for = None;
    let _permit = gate
        .acquire_until(None, |wait| held_for = Some(wait))
        .await?;
    assert_eq!(held_for, Some(Duration::from_secs(2)));
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    // Never past the call's own deadline.
    let limiter_b = AdaptiveLimiter::new(4);
    limiter_b.observe_rate_limit(&spent);
    let start = Instant::now();
    let gate_b = ConcurrencyGate::from(limiter_b);
    let _b = gate_b
        .acquire_until(Some(start + Duration::from_millis(300)), |_| {})
        .await?;
    assert_eq!(start.elapsed(), Duration::from_millis(300));
    Ok(())
}

#[tokio::test]
async fn a_fixed_gate_ignores_reports_and_fails_when_closed() -> Result<(), ClientError> {
    let gate = ConcurrencyGate::fixed(2);
    let permit = gate.acquire().await?;
    assert_eq!(permit.failed(&rate_limited()), None);
    assert_eq!(gate.limit(), 1);
    assert!(gate.adaptive_limiter().is_none());
    let ConcurrencyGate::Fixed(semaphore) = &gate else {
        panic!("not fixed");
    };
    semaphore.close();
    assert_eq!(gate.acquire().await.err(), Some(ClientError::Cancelled));
    Ok(())
}
