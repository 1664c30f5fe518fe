//! A provider quota shared by many rlm processes, kept on Redis: requests and tokens per minute as
//! GCRA in one Lua script per acquire, and a concurrency cap as leases that expire, keyed by prefix,
//! provider, model and a fingerprint of the API key (never the key itself).
//!
//! ```no_run
//! use std::sync::Arc;
//! use rlm_client::RateLimits;
//! use rlm_redis::{RedisQuota, RedisQuotaConfig};
//! # async fn demo() -> Result<(), rlm_redis::RedisQuotaError> {
//! let quota = RedisQuota::connect(
//!     RedisQuotaConfig::new("redis://127.0.0.1:6379")
//!         .with_api_key("openai", "sk-...")
//!         .with_rate_limits(RateLimits::default().with_requests_per_minute(300))
//!         .with_max_concurrent(Some(8)),
//! )
//! .await?;
//! // rlm_core::Rlm::builder().shared_quota(Arc::new(quota)) ...
//! # let _ = Arc::new(quota); Ok(()) }
//! ```
//!
//! The design, the failure modes and the measured cost per call are in docs/SCALING.md.

mod config;
mod lease;
mod quota;
mod scripts;

pub use config::{
    DEFAULT_COMMAND_TIMEOUT, DEFAULT_LEASE_TIME, DEFAULT_PREFIX, RedisQuotaConfig, key_fingerprint,
};
pub use quota::RedisQuota;

/// Why a [`RedisQuota`] could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisQuotaError {
    /// Redis did not answer.
    Unreachable {
        /// The URL, without password.
        url: String,
        /// What failed.
        message: String,
    },
    /// The settings are invalid.
    Config(String),
}

impl std::fmt::Display for RedisQuotaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable { url, message } => write!(
                f,
                "could not reach Redis at {url} for the shared quota: {message}; start redis-server there or fix the URL"
            ),
            Self::Config(message) => write!(f, "shared quota on Redis: {message}"),
        }
    }
}

impl std::error::Error for RedisQuotaError {}
