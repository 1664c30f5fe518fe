//! `Context`: what a completion works on (text or JSON), and the facts about it the prompts show.

use rlm_prompts::ContextMetadata;
use rlm_repl::ContextValue;
use serde_json::Value;

/// The context of a completion: text or a JSON value. It lives in the sandbox as `context`; the root model
/// never receives it whole, only its kind and lengths.
///
/// ```
/// use rlm_core::Context;
/// let text: Context = "a long document".into();
/// let json: Context = serde_json::json!(["a", "b"]).into();
/// assert_eq!(text.chars(), 15);
/// assert_eq!(json.kind_name(), "json_array");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Context(ContextValue);

impl Context {
    /// The value loaded into the sandbox.
    pub fn into_value(self) -> ContextValue {
        self.0
    }

    /// The value loaded into the sandbox.
    pub fn value(&self) -> &ContextValue {
        &self.0
    }

    /// `text`, `json_array`, `json_object` or `json_scalar`.
    pub fn kind_name(&self) -> &'static str {
        match &self.0 {
            ContextValue::Text(_) | ContextValue::Json(Value::String(_)) => "text",
            ContextValue::Json(Value::Array(_)) => "json_array",
            ContextValue::Json(Value::Object(_)) => "json_object",
            ContextValue::Json(_) => "json_scalar",
        }
    }

    /// Length in characters: of the text, or of the compact JSON text.
    pub fn chars(&self) -> usize {
        match &self.0 {
            ContextValue::Text(text) => text.chars().count(),
            ContextValue::Json(value) => json_chars(value),
        }
    }

    /// The facts the prompts show about this context (kind, total length, chunk lengths).
    pub fn metadata(&self) -> ContextMetadata {
        match &self.0 {
            ContextValue::Text(text) => ContextMetadata::from_text(text),
            ContextValue::Json(value) => ContextMetadata::from_json(value),
        }
    }
}

/// Characters of a JSON value as the model would measure it: a string's own length, else its JSON text.
fn json_chars(value: &Value) -> usize {
    match value {
        Value::String(s) => s.chars().count(),
        other => other.to_string().chars().count(),
    }
}

impl From<ContextValue> for Context {
    fn from(value: ContextValue) -> Self {
        Self(value)
    }
}

impl From<String> for Context {
    fn from(text: String) -> Self {
        Self(ContextValue::Text(text))
    }
}

impl From<&str> for Context {
    fn from(text: &str) -> Self {
        Self(ContextValue::Text(text.to_owned()))
    }
}

impl From<&String> for Context {
    fn from(text: &String) -> Self {
        Self(ContextValue::Text(text.clone()))
    }
}

impl From<Value> for Context {
    fn from(value: Value) -> Self {
        Self(ContextValue::Json(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_and_lengths() {
        let c: Context = "héllo".into();
        assert_eq!((c.kind_name(), c.chars()), ("text", 5));
        assert_eq!(c.metadata().total_chars, 5);
        let a: Context = json!(["ab", 12, {"k": 1}]).into();
        assert_eq!(a.kind_name(), "json_array");
        assert_eq!(a.metadata().chunk_lengths.len(), 3);
        let o: Context = json!({"a": "xyz"}).into();
        assert_eq!(o.kind_name(), "json_object");
        let s: Context = json!(42).into();
        assert_eq!((s.kind_name(), s.chars()), ("json_scalar", 2));
        let js: Context = json!("abc").into();
        assert_eq!((js.kind_name(), js.chars()), ("text", 3));
    }
}
