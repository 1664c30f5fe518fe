//! `RateLimitInfo`: what a provider's rate-limit response headers say about the quota left, read from
//! successful replies and from 429s alike.
//!
//! - OpenAI (and servers copying it: Azure, Groq, LiteLLM, ...): `x-ratelimit-limit-requests`,
//!   `x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests` and the same three for `-tokens`;
//!   resets are Go-style durations from now (`1s`, `6m0s`, `20ms`, `1h2m3.5s`).
//! - Anthropic: `anthropic-ratelimit-requests-limit`, `-requests-remaining`, `-requests-reset` and the
//!   same for `-tokens`; resets are RFC 3339 times (`2026-05-01T12:00:30Z`), turned into durations
//!   from now with the local clock.
//!
//! A header that does not parse is ignored (never an error): a quirky proxy must not fail a call.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

/// The quota a provider reported with one reply: limits, what remains and when it resets, for requests
/// and for tokens, each `None` when the header was absent or unreadable.
///
/// ```
/// use std::time::Duration;
/// use rlm_client::RateLimitInfo;
/// let info = RateLimitInfo::from_lookup(|name| match name {
///     "x-ratelimit-remaining-requests" => Some("3"),
///     "x-ratelimit-reset-requests" => Some("6m0s"),
///     _ => None,
/// })
/// .unwrap();
/// assert_eq!(info.remaining_requests, Some(3));
/// assert_eq!(info.reset_requests, Some(Duration::from_mins(6)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RateLimitInfo {
    /// Requests allowed per window.
    pub limit_requests: Option<u64>,
    /// Requests left in the current window.
    pub remaining_requests: Option<u64>,
    /// Time until the request quota is back to its limit, from when the reply was read.
    pub reset_requests: Option<Duration>,
    /// Tokens allowed per window.
    pub limit_tokens: Option<u64>,
    /// Tokens left in the current window.
    pub remaining_tokens: Option<u64>,
    /// Time until the token quota is back to its limit, from when the reply was read.
    pub reset_tokens: Option<Duration>,
}

impl RateLimitInfo {
    /// Nothing known.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the requests left.
    #[must_use]
    pub fn with_remaining_requests(mut self, remaining: u64) -> Self {
        self.remaining_requests = Some(remaining);
        self
    }

    /// Sets the requests allowed per window.
    #[must_use]
    pub fn with_limit_requests(mut self, limit: u64) -> Self {
        self.limit_requests = Some(limit);
        self
    }

    /// Sets the time until the request quota resets.
    #[must_use]
    pub fn with_reset_requests(mut self, reset: Duration) -> Self {
        self.reset_requests = Some(reset);
        self
    }

    /// Sets the tokens left.
    #[must_use]
    pub fn with_remaining_tokens(mut self, remaining: u64) -> Self {
        self.remaining_tokens = Some(remaining);
        self
    }

    /// Sets the time until the token quota resets.
    #[must_use]
    pub fn with_reset_tokens(mut self, reset: Duration) -> Self {
        self.reset_tokens = Some(reset);
        self
    }

    /// Reads the headers of a response; `None` when it carries none of them.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Self> {
        Self::from_lookup(|name| headers.get(name).and_then(|v| v.to_str().ok()))
    }

    /// Reads the headers through `header` (given a lower-case name, the value if present): OpenAI's
    /// `x-ratelimit-*` first, else Anthropic's `anthropic-ratelimit-*`. `None` when none is readable.
    pub fn from_lookup<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Option<Self> {
        let get = |name: &str| header(name).map(str::trim);
        let count = |openai: &str, anthropic: &str| {
            let parse = |v: &str| v.parse::<u64>().ok();
            get(openai)
                .and_then(parse)
                .or_else(|| get(anthropic).and_then(parse))
        };
        let reset = |openai: &str, anthropic: &str| {
            get(openai).and_then(parse_go_duration).or_else(|| {
                get(anthropic).and_then(|v| Some(until(parse_rfc3339(v)?, SystemTime::now())))
            })
        };
        let info = Self {
            limit_requests: count(
                "x-ratelimit-limit-requests",
                "anthropic-ratelimit-requests-limit",
            ),
            remaining_requests: count(
                "x-ratelimit-remaining-requests",
                "anthropic-ratelimit-requests-remaining",
            ),
            reset_requests: reset(
                "x-ratelimit-reset-requests",
                "anthropic-ratelimit-requests-reset",
            ),
            limit_tokens: count(
                "x-ratelimit-limit-tokens",
                "anthropic-ratelimit-tokens-limit",
            ),
            remaining_tokens: count(
                "x-ratelimit-remaining-tokens",
                "anthropic-ratelimit-tokens-remaining",
            ),
            reset_tokens: reset(
                "x-ratelimit-reset-tokens",
                "anthropic-ratelimit-tokens-reset",
            ),
        };
        (info != Self::default()).then_some(info)
    }
}

/// A Go-style duration (`1s`, `6m0s`, `20ms`, `1h2m3.5s`, `250us`); a bare number is seconds.
pub(crate) fn parse_go_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(secs) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let number = |c: char| c.is_ascii_digit() || c == '.';
    let mut rest = text;
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !number(c)).unwrap_or(rest.len());
        let value: f64 = rest.get(..digits).filter(|d| !d.is_empty())?.parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(number).unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" | "μs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * scale;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// An RFC 3339 time (`2026-05-01T12:00:30Z`, `2026-05-01T12:00:30.25+02:00`).
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let field = |from: usize, to: usize| -> Option<i64> {
        let digits = text.get(from..to)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || separators.iter().any(|&(at, sep)| bytes[at] != sep)
        || !matches!(bytes[10], b'T' | b't' | b' ')
    {
        return None;
    }
    let (year, month, day) = (field(0, 4)?, field(5, 7)?, field(8, 10)?);
    let (hour, minute, second) = (field(11, 13)?, field(14, 16)?, field(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if len == 0 {
            return None;
        }
        let kept = &fraction[..len.min(9)];
        nanos = kept.parse::<u32>().ok()? * 10u32.pow(9 - kept.len() as u32);
        rest = &fraction[len..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (h, m) = rest.get(1..)?.split_once(':')?;
            let all_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
            if !all_digits(h) || !all_digits(m) {
                return None;
            }
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
        }
    };
    let secs =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    let secs = u64::try_from(secs).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// How long from `now` until `at` (zero when it has passed).
fn until(at: SystemTime, now: SystemTime) -> Duration {
    at.duration_since(now).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            let Ok(value) = HeaderValue::from_str(value) else {
                panic!("bad test header {value:?}");
            };
            map.insert(*name, value);
        }
        map
    }

    #[test]
    fn go_durations() {
        let ms = Duration::from_millis;
        for (text, want) in [
            ("1s", ms(1000)),
            ("6m0s", ms(360_000)),
            ("20ms", ms(20)),
            ("1h2m3.5s", ms(3_723_500)),
            ("8.64s", ms(8640)),
            ("250us", Duration::from_micros(250)),
            ("0s", Duration::ZERO),
            ("2", ms(2000)),
        ] {
            assert_eq!(parse_go_duration(text), Some(want), "{text}");
        }
        for garbage in ["", "s", "1x", "-1s", "1.2.3s", "soon", "1s2"] {
            assert_eq!(parse_go_duration(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn rfc3339_times_agree_with_http_dates() {
        let Ok(http) = httpdate::parse_http_date("Fri, 01 May 2026 12:00:30 GMT") else {
            panic!("bad HTTP date");
        };
        assert_eq!(parse_rfc3339("2026-05-01T12:00:30Z"), Some(http));
        assert_eq!(parse_rfc3339("2026-05-01t14:00:30+02:00"), Some(http));
        assert_eq!(
            parse_rfc3339("2026-05-01T12:00:30.25Z"),
            Some(http + Duration::from_millis(250))
        );
        assert_eq!(
            parse_rfc3339("1970-01-01T00:00:00Z"),
            Some(SystemTime::UNIX_EPOCH)
        );
        for garbage in [
            "",
            "2026-05-01",
            "2026-13-01T12:00:30Z",
            "2026-05-01T12:00:30",
            "2026-05-01T12:00:30+2:00",
            "2026-05-01X12:00:30Z",
            "+026-05-01T12:00:30Z",
            "2026-05-01T12:00:30.Z",
        ] {
            assert_eq!(parse_rfc3339(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn openai_headers() {
        let info = RateLimitInfo::from_headers(&headers(&[
            ("x-ratelimit-limit-requests", "5000"),
            ("x-ratelimit-remaining-requests", "4999"),
            ("x-ratelimit-reset-requests", "12ms"),
            ("x-ratelimit-limit-tokens", "160000"),
            ("x-ratelimit-remaining-tokens", " 159980 "),
            ("x-ratelimit-reset-tokens", "6m0s"),
        ]));
        let want = RateLimitInfo::new()
            .with_limit_requests(5000)
            .with_remaining_requests(4999)
            .with_reset_requests(Duration::from_millis(12))
            .with_remaining_tokens(159_980)
            .with_reset_tokens(Duration::from_mins(6));
        assert_eq!(
            info,
            Some(RateLimitInfo {
                limit_tokens: Some(160_000),
                ..want
            })
        );
    }

    #[test]
    fn anthropic_headers_reset_at_a_time() {
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let Ok(at) = httpdate::parse_http_date(&soon) else {
            panic!("bad date");
        };
        // The same instant as RFC 3339.
        let secs = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs() as i64;
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let date = civil_from_days(days);
        let stamp = format!(
            "{}T{:02}:{:02}:{:02}Z",
            date,
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        );
        let Some(info) = RateLimitInfo::from_headers(&headers(&[
            ("anthropic-ratelimit-requests-limit", "50"),
            ("anthropic-ratelimit-requests-remaining", "0"),
            ("anthropic-ratelimit-requests-reset", &stamp),
            ("anthropic-ratelimit-tokens-remaining", "1200"),
        ])) else {
            panic!("no info from {stamp}");
        };
        assert_eq!(
            (
                info.limit_requests,
                info.remaining_requests,
                info.remaining_tokens
            ),
            (Some(50), Some(0), Some(1200))
        );
        let Some(reset) = info.reset_requests else {
            panic!("no reset from {stamp}");
        };
        assert!(
            reset > Duration::from_secs(25) && reset <= Duration::from_secs(30),
            "{reset:?}"
        );
    }

    #[test]
    fn garbage_is_ignored() {
        assert_eq!(RateLimitInfo::from_headers(&HeaderMap::new()), None);
        let info = RateLimitInfo::from_headers(&headers(&[
            ("x-ratelimit-remaining-requests", "many"),
            ("x-ratelimit-reset-requests", "later"),
            ("anthropic-ratelimit-requests-reset", "yesterday"),
            ("x-ratelimit-remaining-tokens", "-5"),
        ]));
        assert_eq!(info, None);
        // A readable header next to garbage still counts; a past reset is zero.
        let info = RateLimitInfo::from_headers(&headers(&[
            ("x-ratelimit-remaining-requests", "2"),
            ("anthropic-ratelimit-tokens-reset", "2001-01-01T00:00:00Z"),
            ("x-ratelimit-reset-requests", "1q"),
        ]));
        assert_eq!(
            info,
            Some(RateLimitInfo {
                reset_tokens: Some(Duration::ZERO),
                ..RateLimitInfo::new().with_remaining_requests(2)
            })
        );
    }

    /// `YYYY-MM-DD` of a day number (the inverse of `days_from_civil`, for the test only).
    fn civil_from_days(days: i64) -> String {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!("{year:04}-{month:02}-{day:02}")
    }
}
