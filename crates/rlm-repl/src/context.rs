//! The value loaded into the sandbox as `context`, how much memory it needs, and the facts about it
//! as JavaScript sees them.

use serde::{Deserialize, Serialize};

/// A context to load into the sandbox as `context` / `context_N`.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum ContextValue {
    /// Text, seen by JavaScript as a string.
    Text(String),
    /// JSON, seen by JavaScript as the parsed value (array, object, ...).
    Json(serde_json::Value),
    /// JSON text, parsed by the sandbox itself (QuickJS's `JSON.parse`): the cheapest way to load a
    /// large JSON document, since no Rust copy of the parsed value is ever made. Invalid JSON fails
    /// the load with [`SandboxError::ContextLoad`](crate::SandboxError::ContextLoad).
    JsonText(String),
}

impl ContextValue {
    /// Size of the value's text in bytes (of its compact JSON for [`Self::Json`]).
    pub fn text_bytes(&self) -> usize {
        match self {
            Self::Text(text) | Self::JsonText(text) => text.len(),
            Self::Json(value) => value.to_string().len(),
        }
    }
}

impl std::fmt::Debug for ContextValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(text) => write!(f, "ContextValue::Text({} bytes)", text.len()),
            Self::Json(_) => f.write_str("ContextValue::Json(..)"),
            Self::JsonText(text) => write!(f, "ContextValue::JsonText({} bytes)", text.len()),
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

/// The shape of `context` as JavaScript holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ContextShape {
    /// A string (text, or a JSON string).
    Text,
    /// An array.
    Array,
    /// An object.
    Object,
    /// A number, boolean or null.
    Scalar,
}

/// What JavaScript code sees of a loaded context. Lengths are in UTF-16 code units, exactly what
/// `context.length` and `s.length` return; an item that is not a string counts the length of its
/// `JSON.stringify` text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContextFacts {
    /// The shape of `context`.
    pub shape: ContextShape,
    /// For text, `context.length`; for an array or object, the sum of its items' lengths.
    pub total_length: usize,
    /// Items: 1 for text and scalars, the number of array items or object values.
    pub item_count: usize,
    /// Lengths of the first items (at most the number asked for when loading).
    pub first_item_lengths: Vec<usize>,
}

/// A loaded context: its index `N` (it is `context_N`) and its facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoadedContext {
    /// `N` of `context_N`.
    pub index: usize,
    /// What JavaScript sees of it.
    pub facts: ContextFacts,
}

/// Base memory limit when it is sized from the contexts: 256 MiB.
pub(crate) const BASE_MEMORY: usize = 256 * 1024 * 1024;

/// Extra heap bytes to allow for a context of `bytes` bytes: strings may be stored as
/// UTF-16 and copied once by user code; parsed JSON takes many times its text size.
pub(crate) fn memory_for(bytes: usize, json: bool) -> usize {
    let factor = if json { 12 } else { 5 };
    bytes.saturating_mul(factor)
}
