//! `RedisQuotaConfig`: where the shared quota lives and what it allows.

use std::fmt;
use std::fmt::Write as _;
use std::time::Duration;

use rlm_client::RateLimits;
use sha2::{Digest, Sha256};

/// Default time a lease of the concurrency cap lives without a refresh: how long a crashed
/// worker's slots stay taken.
pub const DEFAULT_LEASE_TIME: Duration = Duration::from_secs(30);

/// Default limit on one Redis command (connecting included).
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// Default key prefix.
pub const DEFAULT_PREFIX: &str = "rlm";

/// The settings of a [`crate::RedisQuota`]. Every worker sharing a quota must use the same prefix,
/// provider, API key and limits.
///
/// ```
/// use rlm_client::RateLimits;
/// use rlm_redis::RedisQuotaConfig;
/// let config = RedisQuotaConfig::new("redis://:secret@127.0.0.1:6379")
///     .with_prefix("team-a")
///     .with_api_key("openai", "sk-...")
///     .with_rate_limits(RateLimits::default().with_requests_per_minute(300))
///     .with_max_concurrent(Some(8));
/// assert_eq!(config.redacted_url(), "redis://127.0.0.1:6379");
/// assert!(!format!("{config:?}").contains("secret"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct RedisQuotaConfig {
    /// The Redis URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS is not compiled
    /// in). Never shown with its password.
    pub url: String,
    /// The first part of every key: different prefixes on one server are independent quotas.
    pub prefix: String,
    /// The provider's name, part of every key.
    pub provider: String,
    /// The API key's fingerprint ([`key_fingerprint`]), part of every key.
    pub key_fingerprint: String,
    /// Requests and tokens per minute, per model, shared by every worker.
    pub limits: RateLimits,
    /// Attempts in flight at once across every worker, per model (`None`: no shared cap).
    pub max_concurrent: Option<u32>,
    /// How long a lease lives unless refreshed (a third of it between refreshes).
    pub lease_time: Duration,
    /// Limit on one Redis command.
    pub command_timeout: Duration,
}

impl RedisQuotaConfig {
    /// A quota on the Redis at `url`, prefix `rlm`, provider `openai`, no API key, no limits.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: DEFAULT_PREFIX.to_owned(),
            provider: "openai".to_owned(),
            key_fingerprint: "nokey".to_owned(),
            limits: RateLimits::default(),
            max_concurrent: None,
            lease_time: DEFAULT_LEASE_TIME,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    /// Sets the key prefix.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sets the provider and the API key the quota belongs to (only its fingerprint is kept).
    #[must_use]
    pub fn with_api_key(mut self, provider: impl Into<String>, api_key: &str) -> Self {
        self.provider = provider.into();
        self.key_fingerprint = key_fingerprint(api_key);
        self
    }

    /// Sets the provider without an API key (a local server).
    #[must_use]
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = provider.into();
        self
    }

    /// Sets the requests and tokens per minute.
    #[must_use]
    pub fn with_rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the shared cap on attempts in flight.
    #[must_use]
    pub fn with_max_concurrent(mut self, cap: Option<u32>) -> Self {
        self.max_concurrent = cap;
        self
    }

    /// Sets the lease time.
    #[must_use]
    pub fn with_lease_time(mut self, lease_time: Duration) -> Self {
        self.lease_time = lease_time;
        self
    }

    /// Sets the limit on one Redis command.
    #[must_use]
    pub fn with_command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// The URL without user name and password, for messages.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }

    /// The key of `model`'s `kind` (`rpm`, `tpm`, `slots`):
    /// `{prefix}:{provider}:{model}:{fingerprint}:{kind}`.
    pub fn key(&self, model: &str, kind: &str) -> String {
        format!(
            "{}:{}:{model}:{}:{kind}",
            self.prefix, self.provider, self.key_fingerprint
        )
    }
}

impl fmt::Debug for RedisQuotaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisQuotaConfig")
            .field("url", &self.redacted_url())
            .field("prefix", &self.prefix)
            .field("provider", &self.provider)
            .field("key_fingerprint", &self.key_fingerprint)
            .field("limits", &self.limits)
            .field("max_concurrent", &self.max_concurrent)
            .field("lease_time", &self.lease_time)
            .field("command_timeout", &self.command_timeout)
            .finish()
    }
}

/// The first 16 hex digits of the SHA-256 of `api_key`: names the quota without revealing the key.
///
/// ```
/// assert_eq!(rlm_redis::key_fingerprint("sk-test").len(), 16);
/// ```
pub fn key_fingerprint(api_key: &str) -> String {
    Sha256::digest(api_key.as_bytes()).iter().take(8).fold(
        String::with_capacity(16),
        |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        },
    )
}

/// `url` with any `user:password@` removed.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url
            .rsplit_once('@')
            .map_or(url, |(_, host)| host)
            .to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials_and_keys_hide_the_api_key() {
        assert_eq!(redact_url("redis://u:p@h:1/2"), "redis://h:1/2");
        assert_eq!(redact_url("redis://h:1"), "redis://h:1");
        assert_eq!(redact_url("redis://:p@w@h:1"), "redis://h:1");
        let config = RedisQuotaConfig::new("redis://h")
            .with_prefix("p")
            .with_api_key("anthropic", "sk-secret");
        let key = config.key("m", "rpm");
        assert!(!key.contains("sk-secret"));
        assert_eq!(
            key,
            format!("p:anthropic:m:{}:rpm", key_fingerprint("sk-secret"))
        );
        // sha256("abc") starts ba7816bf8f01cfea.
        assert_eq!(key_fingerprint("abc"), "ba7816bf8f01cfea");
    }
}
