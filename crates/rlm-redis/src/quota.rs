//! `RedisQuota`: the [`SharedQuota`] of many processes, kept on one Redis.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, Script};
use rlm_client::{ClientError, QuotaLease, SharedQuota};
use tokio::time::Instant;

use crate::lease::Lease;
use crate::{RedisQuotaConfig, RedisQuotaError, scripts};

/// Longest pause between two polls of a full concurrency cap.
const POLL: Duration = Duration::from_millis(25);
/// Random extra wait per waiter, so workers woken together do not ask together.
const JITTER_MS: u64 = 5;
/// First and longest pause before asking a failing Redis again.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(1);

/// Requests, tokens and (optionally) attempts in flight, per model, shared through Redis by every
/// process built with the same [`RedisQuotaConfig`] (see docs/SCALING.md). Cheap to clone.
///
/// Requests and tokens per minute: GCRA, one Lua script per acquire, one second's worth of burst.
/// The concurrency cap: leases in a sorted set scored by expiry, refreshed while held, removed on
/// release; a crashed worker's leases expire after [`RedisQuotaConfig::lease_time`]. When Redis
/// fails during a run, calls wait and ask again until the call's deadline (its retry deadline when
/// it has none), then fail naming Redis: no request is sent to the provider unmetered.
#[derive(Debug, Clone)]
pub struct RedisQuota {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: RedisQuotaConfig,
    pub(crate) connection: ConnectionManager,
    gcra: Script,
    take_lease: Script,
    pub(crate) refresh_lease: Script,
}

impl RedisQuota {
    /// Connects to Redis and checks it answers (`PING`); fails with a message naming Redis and the
    /// URL (without password) when it cannot, or when a limit is 0.
    pub async fn connect(config: RedisQuotaConfig) -> Result<Self, RedisQuotaError> {
        let url = config.redacted_url();
        let fail = |message: String| RedisQuotaError::Unreachable {
            url: url.clone(),
            message,
        };
        if config.limits.requests_per_minute == Some(0)
            || config.limits.tokens_per_minute == Some(0)
            || config.max_concurrent == Some(0)
            || config.lease_time < Duration::from_millis(30)
        {
            return Err(RedisQuotaError::Config(
                "a limit of 0 would block every call (use none for no limit) and the lease time must be at least 30 ms".to_owned(),
            ));
        }
        let client = redis::Client::open(config.url.as_str()).map_err(|e| {
            RedisQuotaError::Config(format!("invalid Redis URL {url}: {}", scrub(&e)))
        })?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.command_timeout))
            .set_response_timeout(Some(config.command_timeout))
            .set_number_of_retries(1)
            .set_max_delay(RETRY_MAX);
        let mut connection = tokio::time::timeout(
            config.command_timeout * 3,
            ConnectionManager::new_with_config(client, manager_config),
        )
        .await
        .map_err(|_| {
            fail(format!(
                "no connection within {:?}",
                config.command_timeout * 3
            ))
        })?
        .map_err(|e| fail(scrub(&e)))?;
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .map_err(|e| fail(scrub(&e)))?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                connection,
                gcra: Script::new(scripts::GCRA),
                take_lease: Script::new(scripts::TAKE_LEASE),
                refresh_lease: Script::new(scripts::REFRESH_LEASE),
            }),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &RedisQuotaConfig {
        &self.inner.config
    }

    /// Runs `step` (one script call: `Ok(0)` done, `Ok(ms)` wait that long) until it is done. A
    /// failing Redis is asked again, with backoff, until `latest`, then the call fails.
    async fn until_done<F, Fut>(
        &self,
        latest: Instant,
        what: &str,
        on_wait: &(dyn Fn() + Send + Sync),
        mut step: F,
    ) -> Result<(), ClientError>
    where
        F: FnMut(ConnectionManager) -> Fut,
        Fut: Future<Output = Result<i64, RedisError>>,
    {
        let mut waited = false;
        let mut pause = RETRY_FIRST;
        loop {
            match step(self.inner.connection.clone()).await {
                Ok(0) => return Ok(()),
                Ok(wait_ms) => {
                    if !waited {
                        waited = true;
                        on_wait();
                    }
                    let wait = Duration::from_millis(wait_ms.unsigned_abs())
                        + Duration::from_millis(fastrand::u64(0..=JITTER_MS));
                    tokio::time::sleep(if what == "slot" { wait.min(POLL) } else { wait }).await;
                }
                Err(error) => {
                    let now = Instant::now();
                    if now >= latest {
                        return Err(self.failed(what, &error));
                    }
                    tracing::warn!(
                        redis = %self.inner.config.redacted_url(),
                        error = %scrub(&error),
                        "the shared quota on Redis failed; waiting and asking again (nothing is sent unmetered)"
                    );
                    tokio::time::sleep(pause.min(latest - now)).await;
                    pause = (pause * 2).min(RETRY_MAX);
                }
            }
        }
    }

    fn failed(&self, what: &str, error: &RedisError) -> ClientError {
        ClientError::Other {
            message: format!(
                "the shared quota on Redis at {} could not be reached until the call's deadline ({}, asking for a {what}): {}; no request was sent to the provider unmetered",
                self.inner.config.redacted_url(),
                if what == "slot" {
                    "concurrency cap"
                } else {
                    "rate limit"
                },
                scrub(error)
            ),
            retryable: false,
        }
    }
}

#[async_trait]
impl SharedQuota for RedisQuota {
    fn limits_tokens(&self) -> bool {
        self.inner.config.limits.tokens_per_minute.is_some()
    }

    async fn acquire_request(
        &self,
        model: &str,
        tokens: u32,
        latest: Instant,
        on_wait: &(dyn Fn() + Send + Sync),
    ) -> Result<(), ClientError> {
        let limits = self.inner.config.limits;
        if let Some(limit) = limits.tokens_per_minute
            && tokens > limit
        {
            return Err(ClientError::RequestTooLarge {
                needed: tokens,
                limit,
            });
        }
        if limits.requests_per_minute.is_none() && limits.tokens_per_minute.is_none() {
            return Ok(());
        }
        let keys = [
            self.inner.config.key(model, "rpm"),
            self.inner.config.key(model, "tpm"),
        ];
        let args = [
            limits.requests_per_minute.unwrap_or(0),
            limits.tokens_per_minute.unwrap_or(0),
            tokens,
        ];
        self.until_done(latest, "request", on_wait, |mut connection| {
            let mut invocation = self.inner.gcra.prepare_invoke();
            invocation.key(&keys[0]).key(&keys[1]);
            invocation.arg(args[0]).arg(args[1]).arg(args[2]);
            async move { invocation.invoke_async::<i64>(&mut connection).await }
        })
        .await
    }

    async fn acquire_slot(
        &self,
        model: &str,
        latest: Instant,
    ) -> Result<Option<QuotaLease>, ClientError> {
        let Some(cap) = self.inner.config.max_concurrent else {
            return Ok(None);
        };
        let key = self.inner.config.key(model, "slots");
        let id = format!("{}-{:016x}", std::process::id(), fastrand::u64(..));
        let lease_ms = self.inner.config.lease_time.as_millis() as u64;
        self.until_done(latest, "slot", &|| {}, |mut connection| {
            let mut invocation = self.inner.take_lease.prepare_invoke();
            invocation.key(&key).arg(cap).arg(lease_ms).arg(&id);
            async move { invocation.invoke_async::<i64>(&mut connection).await }
        })
        .await?;
        Ok(Some(QuotaLease::new(Lease::start(
            Arc::clone(&self.inner),
            key,
            id,
        ))))
    }
}

/// A Redis error's text, which never holds the URL's password (it names the failure only).
pub(crate) fn scrub(error: &RedisError) -> String {
    error.to_string()
}
