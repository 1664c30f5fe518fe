//! `Context`: what a completion works on (text or JSON), read from text in a chosen
//! [`ContextFormat`], and the facts about it the prompts show (measured by the sandbox, so they are
//! exactly what the model's code sees).

use std::fmt;
use std::str::FromStr;

use rlm_prompts::{ContextKind, ContextMetadata};
use rlm_repl::{ContextShape, ContextValue, LoadedContext};
use serde_json::Value;

use crate::RlmError;

/// How text given as a context is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ContextFormat {
    /// Always a string.
    Text,
    /// Always JSON: invalid JSON is an error.
    Json,
    /// JSON when the whole text is a JSON array or object, else a string (the default).
    #[default]
    Auto,
}

impl FromStr for ContextFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            "auto" => Ok(Self::Auto),
            other => Err(format!(
                "unknown context format {other:?}; use text, json or auto"
            )),
        }
    }
}

/// The context of a completion: text or a JSON value. It lives in the sandbox as `context`; the root model
/// never receives it whole, only its kind and lengths.
///
/// ```
/// use rlm_core::{Context, ContextFormat};
/// let text: Context = "a long document".into();
/// assert_eq!(text.format_name(), "text");
/// let json = Context::parse("[1, 2, 3]".into(), ContextFormat::Auto)?;
/// assert_eq!(json.format_name(), "json");
/// assert!(Context::parse("[1, 2".into(), ContextFormat::Json).is_err());
/// assert_eq!(Context::parse("[1, 2".into(), ContextFormat::Auto)?.format_name(), "text");
/// # Ok::<(), rlm_core::RlmError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Context(ContextValue);

impl Context {
    /// A text context.
    pub fn text(text: impl Into<String>) -> Self {
        Self(ContextValue::Text(text.into()))
    }

    /// A JSON context from a parsed value.
    pub fn json(value: Value) -> Self {
        Self(ContextValue::Json(value))
    }

    /// Reads `text` as `format` says. JSON text is checked here (without building a Rust copy of the
    /// value; the sandbox parses it), so invalid JSON with [`ContextFormat::Json`] is an
    /// [`RlmError::InvalidContext`] naming the line and column.
    pub fn parse(text: String, format: ContextFormat) -> Result<Self, RlmError> {
        let looks_like_json = matches!(text.trim_start().as_bytes().first(), Some(b'[' | b'{'));
        match format {
            ContextFormat::Json => match check_json(&text) {
                Ok(()) => Ok(Self(ContextValue::JsonText(text))),
                Err(e) => Err(RlmError::InvalidContext(format!(
                    "the context is not valid JSON: {e}"
                ))),
            },
            ContextFormat::Auto if looks_like_json && check_json(&text).is_ok() => {
                Ok(Self(ContextValue::JsonText(text)))
            }
            _ => Ok(Self::text(text)),
        }
    }

    /// The value loaded into the sandbox.
    pub fn into_value(self) -> ContextValue {
        self.0
    }

    /// The value loaded into the sandbox.
    pub fn value(&self) -> &ContextValue {
        &self.0
    }

    /// `text` or `json`.
    pub fn format_name(&self) -> &'static str {
        match &self.0 {
            ContextValue::Text(_) => "text",
            _ => "json",
        }
    }

    /// Size in bytes of the text (of the compact JSON for a parsed value).
    pub fn bytes(&self) -> usize {
        self.0.text_bytes()
    }
}

/// Checks JSON syntax without building the value.
fn check_json(text: &str) -> Result<(), serde_json::Error> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).map(|_| ())
}

/// `text`, `json_array`, `json_object` or `json_scalar`: the kind the trajectory records.
pub(crate) fn kind_name(loaded: &LoadedContext) -> &'static str {
    match loaded.facts.shape {
        ContextShape::Array => "json_array",
        ContextShape::Object => "json_object",
        ContextShape::Scalar => "json_scalar",
        _ => "text",
    }
}

/// The facts the prompts show, from what the sandbox measured.
pub(crate) fn metadata(loaded: &LoadedContext) -> ContextMetadata {
    let facts = &loaded.facts;
    let kind = match facts.shape {
        ContextShape::Array => ContextKind::JsonArray,
        ContextShape::Object => ContextKind::JsonObject,
        ContextShape::Scalar => ContextKind::JsonScalar,
        _ => ContextKind::Text,
    };
    ContextMetadata::measured(
        kind,
        facts.total_length,
        facts.item_count,
        facts.first_item_lengths.clone(),
    )
}

impl fmt::Display for ContextFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Text => "text",
            Self::Json => "json",
            Self::Auto => "auto",
        })
    }
}

impl From<ContextValue> for Context {
    fn from(value: ContextValue) -> Self {
        Self(value)
    }
}

impl From<String> for Context {
    fn from(text: String) -> Self {
        Self::text(text)
    }
}

impl From<&str> for Context {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

impl From<&String> for Context {
    fn from(text: &String) -> Self {
        Self::text(text.clone())
    }
}

impl From<Value> for Context {
    fn from(value: Value) -> Self {
        Self::json(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let auto = |t: &str| Context::parse(t.into(), ContextFormat::Auto).map(|c| c.format_name());
        assert_eq!(auto(" [1, 2]\n").ok(), Some("json"));
        assert_eq!(auto("{\"a\": 1}").ok(), Some("json"));
        assert_eq!(auto("[not json").ok(), Some("text"));
        assert_eq!(auto("42").ok(), Some("text"));
        assert_eq!(auto("plain words").ok(), Some("text"));
        let text = Context::parse("[1]".into(), ContextFormat::Text).map(|c| c.format_name());
        assert_eq!(text.ok(), Some("text"));
        let err = Context::parse("{\n\"a\": }".into(), ContextFormat::Json).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let json = Context::parse("42".into(), ContextFormat::Json).map(|c| c.format_name());
        assert_eq!(json.ok(), Some("json"));
        assert_eq!("json".parse::<ContextFormat>(), Ok(ContextFormat::Json));
        assert!("yaml".parse::<ContextFormat>().is_err());
        assert_eq!(Context::from("héllo").bytes(), 6);
    }
}
