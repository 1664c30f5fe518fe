//! The Messages API request body, and where its prompt-cache breakpoints go.
//!
//! Without a cache hint, `system` is a string and every message's `content` a string. With one
//! ([`crate::CompletionRequest::cache`]), `cache_control: {"type": "ephemeral"}` breakpoints go on
//! the system prompt (sent as one text block), on the end of the previous turn (the message just
//! before the newest user message) and on the newest message; only a message with a breakpoint has
//! its content sent as a block array. The next turn then reads everything up to this turn's end
//! from the cache (Anthropic looks back from each breakpoint for the longest prefix it has), and the
//! previous-turn breakpoint still matches if the newest message is not sent again as it is. At most
//! [`MAX_CACHE_BREAKPOINTS`] are set, and never on an empty text (the API rejects empty blocks).

use std::borrow::Cow;

use serde::Serialize;

use crate::{CompletionRequest, Message, Role};

/// The most `cache_control` breakpoints Anthropic accepts in one request.
pub(super) const MAX_CACHE_BREAKPOINTS: usize = 4;

/// The body of `POST v1/messages`.
#[derive(Debug, Serialize)]
pub(super) struct MessagesRequest<'a> {
    pub(super) model: &'a str,
    pub(super) max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) system: Option<Content<'a>>,
    pub(super) messages: Vec<WireMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) temperature: Option<f32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(super) stop_sequences: &'a [String],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(super) stream: bool,
}

/// One message of the body.
#[derive(Debug, Serialize)]
pub(super) struct WireMessage<'a> {
    role: Role,
    content: Content<'a>,
}

/// A `system` or `content` value: a plain string, or one text block with a cache breakpoint.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(super) enum Content<'a> {
    /// `"text"`.
    Text(Cow<'a, str>),
    /// `[{"type": "text", "text": "...", "cache_control": {"type": "ephemeral"}}]`.
    Cached([TextBlock<'a>; 1]),
}

/// A text block marked as a cache breakpoint.
#[derive(Debug, Serialize)]
pub(super) struct TextBlock<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: Cow<'a, str>,
    cache_control: CacheControl,
}

/// `{"type": "ephemeral"}`: the default (5-minute) cache.
#[derive(Debug, Serialize)]
struct CacheControl {
    #[serde(rename = "type")]
    kind: &'static str,
}

impl<'a> Content<'a> {
    fn new(text: Cow<'a, str>, breakpoint: bool) -> Self {
        if breakpoint && !text.is_empty() {
            Self::Cached([TextBlock {
                kind: "text",
                text,
                cache_control: CacheControl { kind: "ephemeral" },
            }])
        } else {
            Self::Text(text)
        }
    }

    /// Whether this value carries a breakpoint.
    #[cfg(test)]
    fn is_cached(&self) -> bool {
        matches!(self, Self::Cached(_))
    }
}

impl<'a> MessagesRequest<'a> {
    /// The body of `request` for `model` (system messages joined into the top-level `system`).
    pub(super) fn new(request: &'a CompletionRequest, model: &'a str, max_tokens: u32) -> Self {
        let cache = request.cache.is_some();
        let system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
            .collect();
        let system = match system.as_slice() {
            [] => None,
            [one] => Some(Cow::Borrowed(*one)),
            many => Some(Cow::Owned(many.join("\n\n"))),
        };
        let turns: Vec<&Message> = request
            .messages
            .iter()
            .filter(|m| m.role != Role::System)
            .collect();
        let system_breakpoint = cache && system.as_ref().is_some_and(|s| !s.is_empty());
        let marked = if cache {
            message_breakpoints(
                &turns,
                MAX_CACHE_BREAKPOINTS - usize::from(system_breakpoint),
            )
        } else {
            Vec::new()
        };
        let messages = turns
            .iter()
            .enumerate()
            .map(|(i, m)| WireMessage {
                role: m.role,
                content: Content::new(Cow::Borrowed(&m.content), marked.contains(&i)),
            })
            .collect();
        Self {
            model,
            max_tokens,
            system: system.map(|s| Content::new(s, system_breakpoint)),
            messages,
            temperature: request.temperature,
            stop_sequences: &request.stop,
            stream: false,
        }
    }

    /// Breakpoints in the body (system and messages).
    #[cfg(test)]
    pub(super) fn breakpoints(&self) -> usize {
        self.system.iter().filter(|s| s.is_cached()).count()
            + self
                .messages
                .iter()
                .filter(|m| m.content.is_cached())
                .count()
    }
}

/// Indexes of the messages (system ones left out) that get a breakpoint, at most `max`: the end of
/// the previous turn (just before the newest user message) and the newest message, empty ones
/// skipped.
fn message_breakpoints(turns: &[&Message], max: usize) -> Vec<usize> {
    let newest = turns.len().checked_sub(1);
    let previous_end = turns
        .iter()
        .rposition(|m| m.role == Role::User)
        .and_then(|user| user.checked_sub(1));
    let mut marked: Vec<usize> = [previous_end, newest]
        .into_iter()
        .flatten()
        .filter(|&i| !turns[i].content.is_empty())
        .collect();
    marked.dedup();
    marked.truncate(max);
    marked
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(request: &CompletionRequest) -> serde_json::Value {
        serde_json::to_value(MessagesRequest::new(request, "claude", 100)).unwrap()
    }

    fn history() -> Vec<Message> {
        vec![
            Message::system("rules"),
            Message::user("q"),
            Message::assistant("a1"),
            Message::user("out1"),
            Message::assistant("a2"),
            Message::user("out2"),
        ]
    }

    #[test]
    fn without_a_hint_everything_is_a_string() {
        let json = body(&CompletionRequest::new(history()));
        assert_eq!(json["system"], "rules");
        assert!(
            json["messages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["content"].is_string())
        );
    }

    #[test]
    fn the_hint_marks_system_the_previous_turn_end_and_the_newest_message() {
        let request =
            CompletionRequest::new(history()).with_prompt_cache(crate::PromptCache::new());
        let json = body(&request);
        let mark = |text: &str| json!([{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]);
        assert_eq!(json["system"], mark("rules"));
        assert_eq!(
            json["messages"],
            json!([
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": "a1"},
                {"role": "user", "content": "out1"},
                {"role": "assistant", "content": mark("a2")},
                {"role": "user", "content": mark("out2")},
            ])
        );
        assert_eq!(MessagesRequest::new(&request, "m", 1).breakpoints(), 3);
    }

    #[test]
    fn first_turns_empty_texts_and_many_system_messages() {
        let cached = |messages| {
            CompletionRequest::new(messages).with_prompt_cache(crate::PromptCache::new())
        };
        let first = cached(vec![
            Message::system("a"),
            Message::system("b"),
            Message::user("q"),
        ]);
        let json = body(&first);
        assert_eq!(json["system"][0]["text"], "a\n\nb");
        assert_eq!(
            json["messages"][0]["content"][0]["cache_control"]["type"],
            "ephemeral"
        );
        // An empty text never gets a block (the API rejects empty text blocks).
        let empty = cached(vec![
            Message::user("q"),
            Message::assistant(""),
            Message::user(""),
        ]);
        let request = MessagesRequest::new(&empty, "m", 1);
        assert_eq!(request.breakpoints(), 0);
        assert!(request.system.is_none());
        // An assistant prefill last: the previous end is before the last user message.
        let prefill = cached(vec![
            Message::user("q"),
            Message::assistant("a"),
            Message::user("u"),
            Message::assistant("{"),
        ]);
        let json = body(&prefill);
        let marked: Vec<bool> = json["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].is_array())
            .collect();
        assert_eq!(marked, [false, true, false, true]);
    }

    #[test]
    fn never_more_than_the_maximum() {
        let turns = history();
        let refs: Vec<&Message> = turns.iter().skip(1).collect();
        for max in 0..=MAX_CACHE_BREAKPOINTS {
            assert!(message_breakpoints(&refs, max).len() <= max.min(2));
        }
        assert_eq!(message_breakpoints(&refs, 1), [3]);
        assert!(message_breakpoints(&[], 4).is_empty());
    }
}
