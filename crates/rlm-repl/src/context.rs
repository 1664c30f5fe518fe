//! The value loaded into the sandbox as `context`, and how much memory it needs.

/// A context to load into the sandbox as `context` / `context_N`.
#[derive(Clone, PartialEq)]
pub enum ContextValue {
    /// Text, seen by JavaScript as a string.
    Text(String),
    /// JSON, seen by JavaScript as the parsed value (array, object, ...).
    Json(serde_json::Value),
}

impl std::fmt::Debug for ContextValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(text) => write!(f, "ContextValue::Text({} bytes)", text.len()),
            Self::Json(_) => f.write_str("ContextValue::Json(..)"),
        }
    }
}

impl From<String> for ContextValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for ContextValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<serde_json::Value> for ContextValue {
    fn from(value: serde_json::Value) -> Self {
        Self::Json(value)
    }
}

/// Base memory limit when it is sized from the contexts: 256 MiB.
pub(crate) const BASE_MEMORY: usize = 256 * 1024 * 1024;

/// Extra heap bytes to allow for a context of `bytes` bytes: strings may be stored as
/// UTF-16 and copied once by user code; parsed JSON takes many times its text size.
pub(crate) fn memory_for(bytes: usize, json: bool) -> usize {
    let factor = if json { 12 } else { 5 };
    bytes.saturating_mul(factor)
}
