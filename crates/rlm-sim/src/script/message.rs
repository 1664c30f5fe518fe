//! The chat message the script reads: a role and plain-text content.

use serde::{Deserialize, Deserializer, Serialize};

/// One chat message, as in the OpenAI Chat Completions API.
///
/// Deserializing accepts what OpenAI-compatible clients send for `content`: a string, `null`
/// (read as empty), or an array of parts whose `text` fields are joined with newlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `"system"`, `"user"` or `"assistant"` (others are kept as they are).
    pub role: String,
    /// The text of the message.
    #[serde(default, deserialize_with = "content_as_text")]
    pub content: String,
}

impl ChatMessage {
    /// A message with the given role and content.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            content: content.into(),
        }
    }

    /// A `system` message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::new("system", content)
    }

    /// A `user` message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::new("user", content)
    }

    /// An `assistant` message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new("assistant", content)
    }
}

fn content_as_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    use serde_json::Value;
    Ok(match Value::deserialize(deserializer)? {
        Value::Null => String::new(),
        Value::String(s) => s,
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| match part {
                Value::String(s) => Some(s.as_str()),
                Value::Object(map) => map.get("text").and_then(Value::as_str),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => {
            return Err(serde::de::Error::custom(format!(
                "message content must be a string, null or an array of parts, not {other}"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::ChatMessage;

    #[test]
    fn content_forms_are_accepted() {
        let m: ChatMessage = serde_json::from_str(r#"{"role":"user","content":"hi"}"#).unwrap();
        assert_eq!(m, ChatMessage::user("hi"));
        let m: ChatMessage =
            serde_json::from_str(r#"{"role":"assistant","content":null}"#).unwrap();
        assert_eq!(m.content, "");
        let m: ChatMessage = serde_json::from_str(
            r#"{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}"#,
        )
        .unwrap();
        assert_eq!(m.content, "a\nb");
        assert!(serde_json::from_str::<ChatMessage>(r#"{"role":"user","content":5}"#).is_err());
        assert!(serde_json::from_str::<ChatMessage>(r#"{"content":"x"}"#).is_err());
    }
}
