//! The hidden concurrency limit of [`super::SimServerConfig::max_in_flight`]: a sub request arriving
//! while that many are in progress is refused at once with HTTP 429, `Retry-After: 0` and OpenAI's
//! rate-limit error body, as a provider enforcing a concurrency quota answers.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::wire::{ErrorBody, ErrorDetail};

/// The refusal of a sub request over the limit of `max_in_flight`.
pub(crate) fn over_limit(max_in_flight: usize) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            message: format!(
                "Rate limit reached for requests: at most {max_in_flight} sub requests may be in progress at once (simulated). Please try again."
            ),
            kind: "requests",
            code: "rate_limit_exceeded",
        },
    };
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert("retry-after", HeaderValue::from_static("0"));
    headers.insert("retry-after-ms", HeaderValue::from_static("0"));
    response
}
