//! What the model is told about its context before it starts: type, size and chunk lengths.

use serde::{Deserialize, Serialize};

use crate::sections::thousands;
use crate::vars::ContextMetadataVars;

/// How many chunk lengths the metadata message lists before "... and N more".
pub const CHUNK_LIST_CAP: usize = 100;

/// The shape of the `context` variable in the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContextKind {
    /// A string.
    Text,
    /// A parsed JSON array.
    JsonArray,
    /// A parsed JSON object.
    JsonObject,
    /// A JSON number, boolean or null.
    JsonScalar,
}

impl ContextKind {
    /// The kind of a JSON value as the sandbox will hold it (a JSON string is plain text).
    pub fn of_json(value: &serde_json::Value) -> Self {
        match value {
            serde_json::Value::String(_) => ContextKind::Text,
            serde_json::Value::Array(_) => ContextKind::JsonArray,
            serde_json::Value::Object(_) => ContextKind::JsonObject,
            _ => ContextKind::JsonScalar,
        }
    }
}

/// The facts the context-metadata message reports. Lengths are in characters (Unicode scalar
/// values); for JSON items, a string counts its characters and any other value its JSON text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextMetadata {
    /// The shape of `context`.
    pub kind: ContextKind,
    /// Sum of `chunk_lengths`.
    pub total_chars: usize,
    /// One length per chunk: the text as one chunk, or one per array item / object value.
    pub chunk_lengths: Vec<usize>,
}

impl ContextMetadata {
    /// Metadata from a kind and the chunk lengths; the total is their sum.
    ///
    /// ```
    /// use rlm_prompts::{ContextKind, ContextMetadata};
    /// let m = ContextMetadata::new(ContextKind::JsonArray, vec![10, 20]);
    /// assert_eq!(m.total_chars, 30);
    /// ```
    pub fn new(kind: ContextKind, chunk_lengths: Vec<usize>) -> Self {
        let total_chars = chunk_lengths.iter().sum();
        Self {
            kind,
            total_chars,
            chunk_lengths,
        }
    }

    /// Metadata of a text context: one chunk.
    pub fn from_text(text: &str) -> Self {
        Self::new(ContextKind::Text, vec![text.chars().count()])
    }

    /// Metadata of a JSON context: one chunk per array item or object value, else one chunk.
    pub fn from_json(value: &serde_json::Value) -> Self {
        let kind = ContextKind::of_json(value);
        let lengths = match value {
            serde_json::Value::Array(items) => items.iter().map(json_len).collect(),
            serde_json::Value::Object(map) => map.values().map(json_len).collect(),
            other => vec![json_len(other)],
        };
        Self::new(kind, lengths)
    }

    /// The chunk lengths as shown to the model: `[a, b, ...]`, at most [`CHUNK_LIST_CAP`] of them,
    /// then `... and N more`.
    pub fn chunk_list(&self) -> String {
        let shown: Vec<String> = self
            .chunk_lengths
            .iter()
            .take(CHUNK_LIST_CAP)
            .map(ToString::to_string)
            .collect();
        let rest = self.chunk_lengths.len().saturating_sub(CHUNK_LIST_CAP);
        if rest == 0 {
            format!("[{}]", shown.join(", "))
        } else {
            format!("[{}, ... and {rest} more]", shown.join(", "))
        }
    }

    /// The values of the context-metadata template.
    pub(crate) fn template_vars(&self) -> ContextMetadataVars {
        let count = self.chunk_lengths.len();
        let (context_type, one, many, access_hint) = match self.kind {
            ContextKind::Text => (
                "a string",
                "chunk",
                "chunks",
                "Read it with string methods such as `context.slice(start, end)`, \
                 `context.indexOf(text)` and `context.split(separator)`; regular expressions work too.",
            ),
            ContextKind::JsonArray => (
                "a parsed JSON array",
                "item",
                "items",
                "It is a JavaScript array: index it (`context[0]`), slice it and map over it; \
                 `JSON.stringify(context[i])` turns an item back into text.",
            ),
            ContextKind::JsonObject => (
                "a parsed JSON object",
                "value",
                "values",
                "It is a JavaScript object: list its keys with `Object.keys(context)` and read values \
                 with `context[key]`; `JSON.stringify(value)` turns a value back into text.",
            ),
            ContextKind::JsonScalar => (
                "a single JSON value",
                "value",
                "values",
                "It is a single number, boolean or null.",
            ),
        };
        let chunk_summary = match (count, self.kind) {
            (0, _) => format!(", with no {many}"),
            (1, ContextKind::Text | ContextKind::JsonScalar) => String::new(),
            (1, _) => format!(", in 1 {one} of length {}", self.total_chars),
            _ => format!(
                ", in {} {many} of these lengths: {}",
                thousands(count),
                self.chunk_list()
            ),
        };
        ContextMetadataVars {
            context_type,
            total_chars: thousands(self.total_chars),
            chunk_count: thousands(count),
            chunk_unit: if count == 1 { one } else { many },
            chunk_lengths: self.chunk_list(),
            chunk_summary,
            access_hint,
        }
    }
}

fn json_len(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::String(s) => s.chars().count(),
        other => other.to_string().chars().count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_counts_characters_not_bytes() {
        let m = ContextMetadata::from_text("héllo 東京");
        assert_eq!(
            (m.kind, m.total_chars, m.chunk_lengths),
            (ContextKind::Text, 8, vec![8])
        );
    }

    #[test]
    fn json_array_items_and_object_values() {
        let m = ContextMetadata::from_json(&json!(["abc", {"k": 1}, 42]));
        assert_eq!(m.kind, ContextKind::JsonArray);
        assert_eq!(m.chunk_lengths, vec![3, 7, 2]);
        assert_eq!(m.total_chars, 12);
        let o = ContextMetadata::from_json(&json!({"a": "xy", "b": [1, 2]}));
        assert_eq!(
            (o.kind, o.chunk_lengths),
            (ContextKind::JsonObject, vec![2, 5])
        );
    }

    #[test]
    fn json_scalars_and_strings() {
        assert_eq!(
            ContextMetadata::from_json(&json!(true)).kind,
            ContextKind::JsonScalar
        );
        assert_eq!(
            ContextMetadata::from_json(&json!(null)).chunk_lengths,
            vec![4]
        );
        let s = ContextMetadata::from_json(&json!("plain"));
        assert_eq!((s.kind, s.total_chars), (ContextKind::Text, 5));
    }

    #[test]
    fn chunk_list_is_capped() {
        let short = ContextMetadata::new(ContextKind::JsonArray, vec![1, 2, 3]);
        assert_eq!(short.chunk_list(), "[1, 2, 3]");
        let long = ContextMetadata::new(ContextKind::JsonArray, (0..250).collect());
        let list = long.chunk_list();
        assert!(list.starts_with("[0, 1, 2,"));
        assert!(list.ends_with(", 99, ... and 150 more]"), "{list}");
        let exactly = ContextMetadata::new(ContextKind::JsonArray, vec![7; CHUNK_LIST_CAP]);
        assert!(!exactly.chunk_list().contains("more"));
    }
}
