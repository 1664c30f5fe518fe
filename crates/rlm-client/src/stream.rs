//! Streamed completions: what a streamed call yields ([`StreamItem`]), the one-delta stream every client
//! gets by default ([`single_delta`]), and [`collect_stream`], which turns a stream back into one
//! [`Completion`].
//!
//! The contract every [`crate::LlmClient::complete_stream`] keeps: zero or more
//! [`StreamItem::Delta`]s, then exactly one [`StreamItem::Done`] whose text is the whole reply (the
//! deltas joined) and which carries the usage, then the end. An `Err` item is the last item. A stream
//! that ends without `Done` was cut off; consumers treat that as [`ClientError::StreamInterrupted`].

use futures::StreamExt;
use futures::stream::BoxStream;

use crate::{ClientError, Completion};

/// One item of a streamed completion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamItem {
    /// The next piece of generated text.
    Delta(String),
    /// The whole reply, with its usage and finish reason: the last item of a stream that succeeded.
    Done(Completion),
}

/// A streamed completion (see the module documentation for the order of items).
pub type CompletionStream = BoxStream<'static, Result<StreamItem, ClientError>>;

/// A stream of one delta (the whole text, when it is not empty) and the completion: what a client
/// without a streaming API returns from `complete_stream`.
///
/// ```
/// use futures::StreamExt;
/// use rlm_client::{single_delta, Completion, StreamItem};
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let items: Vec<_> = single_delta(Completion::new("hi", "m")).collect().await;
/// assert_eq!(items[0], Ok(StreamItem::Delta("hi".into())));
/// assert!(matches!(&items[1], Ok(StreamItem::Done(c)) if c.text == "hi"));
/// # });
/// ```
pub fn single_delta(completion: Completion) -> CompletionStream {
    let delta =
        (!completion.text.is_empty()).then(|| Ok(StreamItem::Delta(completion.text.clone())));
    futures::stream::iter(delta.into_iter().chain([Ok(StreamItem::Done(completion))])).boxed()
}

/// Reads `stream` to its end and returns its completion; `on_delta` sees each delta as it arrives.
///
/// Fails with the stream's error, or with [`ClientError::StreamInterrupted`] when the stream ends
/// without its completion.
pub async fn collect_stream(
    mut stream: CompletionStream,
    mut on_delta: impl FnMut(&str),
) -> Result<Completion, ClientError> {
    while let Some(item) = stream.next().await {
        match item? {
            StreamItem::Delta(text) => on_delta(&text),
            StreamItem::Done(completion) => return Ok(completion),
        }
    }
    Err(ClientError::StreamInterrupted {
        provider: "stream".to_owned(),
        message: "the stream ended before the completion (no final item)".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_empty_reply_is_a_stream_without_deltas() {
        let items: Vec<_> = single_delta(Completion::new("", "m")).collect().await;
        assert_eq!(items, vec![Ok(StreamItem::Done(Completion::new("", "m")))]);
    }

    #[tokio::test]
    async fn collect_sees_every_delta_and_rejects_a_cut_stream() {
        let items = vec![
            Ok(StreamItem::Delta("a".into())),
            Ok(StreamItem::Delta("b".into())),
            Ok(StreamItem::Done(Completion::new("ab", "m"))),
        ];
        let mut seen = String::new();
        let done = collect_stream(futures::stream::iter(items).boxed(), |d| seen.push_str(d))
            .await
            .unwrap();
        assert_eq!((seen.as_str(), done.text.as_str()), ("ab", "ab"));
        let cut = futures::stream::iter(vec![Ok(StreamItem::Delta("a".into()))]).boxed();
        let err = collect_stream(cut, |_| {}).await.unwrap_err();
        assert!(
            matches!(err, ClientError::StreamInterrupted { .. }),
            "{err}"
        );
        assert!(err.is_retryable());
    }
}
