//! Host tools: functions of the application that sandbox code calls by name (`search("x", 5)`),
//! run on the host with the host's privileges, outside the sandbox.
//!
//! A [`Tool`] is a name, a description and an argument shape for the system prompt, an optional
//! timeout of its own, and an async handler from JSON to JSON. The handler receives the **array of
//! the positional arguments** exactly as the code passed them (`search("foo", 5)` → `["foo", 5]`,
//! `lookup({id: 3})` → `[{"id": 3}]`, `now()` → `[]`), converted with `JSON.stringify`'s rules; its
//! result is parsed back into a JavaScript value for the code. [`Tool::typed`] converts both sides
//! with serde (a tuple such as `(String, u32)` reads the array). A failure is a [`ToolError`], which
//! the code sees as the string `"Error: <message>"`, as it sees a failed `llm_query`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What a tool handler returns on failure; code sees `"Error: <message>"`, so the message must
/// not hold secrets.
///
/// ```
/// let e = rlm_core::ToolError::new("no page has that id");
/// assert_eq!(e.to_string(), "no page has that id");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    message: String,
}

impl ToolError {
    /// An error with the text the model sees.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The text the model sees (after `Error: `).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ToolError {}

impl From<serde_json::Error> for ToolError {
    fn from(error: serde_json::Error) -> Self {
        Self::new(error.to_string())
    }
}

/// The future a tool handler returns.
type ToolFuture = Pin<Box<dyn Future<Output = Result<Value, ToolError>> + Send>>;

/// A tool handler, type-erased.
type Handler = dyn Fn(Value) -> ToolFuture + Send + Sync;

/// A host tool: name, description, argument shape, optional timeout of its own, and handler.
/// Cloning shares the handler.
///
/// ```
/// use rlm_core::{Tool, ToolError};
/// use serde_json::{Value, json};
///
/// let echo = Tool::new("echo", "returns its arguments", |args: Value| async move {
///     Ok::<_, ToolError>(json!({ "got": args }))
/// })
/// .with_arguments("(...values) -> {got: [values]}");
/// assert_eq!(echo.name(), "echo");
///
/// let add = Tool::typed("add", "adds two numbers", |(a, b): (f64, f64)| async move {
///     Ok::<_, ToolError>(a + b)
/// });
/// # let _ = add;
/// ```
#[derive(Clone)]
pub struct Tool {
    name: String,
    description: String,
    arguments: String,
    timeout: Option<Duration>,
    handler: Arc<Handler>,
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.name)
            .field("description", &self.description)
            .field("arguments", &self.arguments)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Tool {
    /// A tool whose handler takes the JSON array of the call's arguments and returns a JSON result.
    pub fn new<F, Fut>(name: impl Into<String>, description: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, ToolError>> + Send + 'static,
    {
        Self {
            name: name.into(),
            description: description.into(),
            arguments: String::new(),
            timeout: None,
            handler: Arc::new(move |arguments| Box::pin(handler(arguments))),
        }
    }

    /// A tool whose arguments are read into `A` and whose result `R` is written with serde.
    /// Arguments that do not fit `A` fail the call with a [`ToolError`] naming the tool and
    /// serde's message (the handler is not called). `A` reads the array of arguments: a tuple
    /// `(String, u32)` for `search("x", 5)`, a one-element tuple `(Query,)` for `lookup({...})`.
    pub fn typed<A, R, F, Fut>(
        name: impl Into<String>,
        description: impl Into<String>,
        handler: F,
    ) -> Self
    where
        A: DeserializeOwned + Send + 'static,
        R: Serialize + 'static,
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, ToolError>> + Send + 'static,
    {
        let name = name.into();
        let tool = name.clone();
        let handler = Arc::new(handler);
        Self::new(name, description, move |arguments: Value| {
            let read = serde_json::from_value::<A>(arguments)
                .map_err(|e| ToolError::new(format!("{tool}: wrong arguments: {e}")));
            let handler = Arc::clone(&handler);
            async move {
                let result = handler(read?).await?;
                Ok(serde_json::to_value(result)?)
            }
        })
    }

    /// Sets the argument shape shown to the model: free text such as
    /// `"(query: string, limit?: number) -> [{id, text}]"`.
    #[must_use]
    pub fn with_arguments(mut self, shape: impl Into<String>) -> Self {
        self.arguments = shape.into();
        self
    }

    /// Sets this tool's own time limit per call, instead of [`crate::RlmBuilder::tool_timeout`].
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The global function's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the tool does, for the model.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The argument shape shown to the model (empty when not set).
    pub fn arguments(&self) -> &str {
        &self.arguments
    }

    /// This tool's own time limit per call, if it has one.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The same tool with another description.
    pub(crate) fn with_description(mut self, description: String) -> Self {
        self.description = description;
        self
    }

    /// Runs the handler on `arguments`.
    pub(crate) fn call(&self, arguments: Value) -> ToolFuture {
        (self.handler)(arguments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn typed_tools_read_the_argument_array_and_name_themselves_on_bad_arguments() {
        let search = Tool::typed("search", "", |(query, limit): (String, u32)| async move {
            Ok::<_, ToolError>(vec![query; limit as usize])
        });
        assert_eq!(search.call(json!(["a", 2])).await, Ok(json!(["a", "a"])));
        let error = search.call(json!([5])).await.unwrap_err();
        assert!(
            error
                .message()
                .starts_with("search: wrong arguments: invalid type"),
            "{error}"
        );
        assert!(!format!("{search:?}").contains("handler"));
    }
}
