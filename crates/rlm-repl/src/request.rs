//! The interpreter core's interface, the same for both drivers: the [`Request`]s it serves and the
//! [`Response`]s it gives, and the sub-calls it makes ([`HostCall`], answered by a [`HostReply`]). The
//! thread driver passes them over channels; the process driver carries them in `protocol` frames.

use serde::{Deserialize, Serialize};

use crate::{
    CellResult, ContextValue, FinalVarError, LoadedContext, QueryOptions, SubcallError, SubcallKind,
};

/// What a driver asks of the interpreter. In a process sandbox a load never travels inside
/// `ToChild::Request`: it is `ToChild::Load` and its raw text (see `protocol`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum Request {
    /// Run a cell.
    Execute { code: String },
    /// The value of a variable as the run's answer.
    FinalVar { name: String },
    /// Names of the user's variables.
    Variables,
    /// Load a context, reporting the lengths of its first `items` items. Last, and skipped by
    /// serde: a skipped variant before the others would shift their indices when decoding.
    #[serde(skip)]
    Load { context: ContextValue, items: usize },
}

impl Request {
    /// The same request without its payload (code, context), kept to word a failure after the
    /// request itself was sent.
    pub(crate) fn stripped(&self) -> Self {
        match self {
            Self::Load { items, .. } => Self::Load {
                context: ContextValue::Text(String::new()),
                items: *items,
            },
            Self::Execute { .. } => Self::Execute {
                code: String::new(),
            },
            Self::FinalVar { name } => Self::FinalVar { name: name.clone() },
            Self::Variables => Self::Variables,
        }
    }
}

/// The interpreter's answer to a [`Request`] of the same kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum Response {
    /// The loaded context, or why it could not be loaded.
    Loaded(Result<LoadedContext, String>),
    /// What the cell did.
    Cell(CellResult),
    /// The answer, or why there is none.
    FinalVar(Result<String, FinalVarError>),
    /// The user's variables.
    Variables(Vec<String>),
}

/// A sub-call made by code in the interpreter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum HostCall {
    /// `llm_query` / `rlm_query`.
    Query {
        kind: SubcallKind,
        prompt: String,
        options: QueryOptions,
    },
    /// `llm_batch` / `rlm_batch`.
    Batch {
        kind: SubcallKind,
        prompts: Vec<String>,
        max_concurrent: usize,
    },
    /// A host tool: its name and the JSON text of the array of its arguments.
    Tool { name: String, arguments: String },
}

/// The host's answer to a [`HostCall`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum HostReply {
    /// The answer to a query, or a tool's result (JSON text).
    Answer(Result<String, SubcallError>),
    /// One answer per prompt of a batch, in order.
    Answers(Vec<Result<String, SubcallError>>),
    /// The call as a whole failed (timed out, cancelled).
    Failed(SubcallError),
}
