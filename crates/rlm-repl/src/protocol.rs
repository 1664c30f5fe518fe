//! The wire protocol between a process sandbox's parent (the host) and its child (the interpreter).
//!
//! Both directions carry frames over the child's stdin and stdout: an 8-byte little-endian payload
//! length, then the payload, a [postcard] encoding of [`ToChild`] or [`ToParent`]. A reader refuses
//! a length over its bound before allocating anything, so a broken or hostile peer cannot make it
//! allocate more than the bound.
//!
//! A session: the parent sends [`ToChild::Init`], the child answers [`ToParent::Ready`] (or
//! [`ToParent::Failed`]). Then, one request at a time, the parent sends [`ToChild::Request`]; until
//! the matching [`ToParent::Response`] the child may send [`ToParent::Call`]s (sub-calls), each
//! answered by one [`ToChild::Reply`]; [`ToChild::Cancel`] asks the running cell to stop. A context
//! load is [`ToChild::Load`] followed by the context's text as raw bytes (no frame header), so a large
//! context is neither encoded nor decoded, only copied through the pipe. Closing the child's stdin
//! ends the child.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::request::{HostCall, HostReply, Request, Response};
use crate::{Confinement, ContextValue, SandboxLimits};

/// Bytes of a frame's length prefix.
const HEADER: usize = 8;

/// Settings of the interpreter a child runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChildInit {
    pub(crate) limits: SandboxLimits,
    pub(crate) recursive_functions: bool,
    /// Names of the host tools to define.
    pub(crate) tools: Vec<String>,
    /// Whether the child confines itself with OS limits.
    pub(crate) confine: bool,
    /// CPU time one request other than a load may use before the child's own backstop kills it.
    pub(crate) cpu_budget: Duration,
}

/// Time a context load of `bytes` may take before its child is killed: a minute, and a second per
/// 4 MiB (parsing a 200 MB JSON document takes about 10 s).
pub(crate) fn load_time_limit(bytes: usize) -> Duration {
    Duration::from_secs(60 + (bytes >> 22) as u64)
}

/// Parent to child.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum ToChild {
    /// The first message.
    Init(ChildInit),
    /// One request; the next comes after its response.
    Request(Request),
    /// The answer to the pending [`ToParent::Call`].
    Reply(HostReply),
    /// Stop the running cell.
    Cancel,
    /// Load a context: `bytes` bytes of UTF-8 text follow, JSON text when `json`.
    Load {
        json: bool,
        items: usize,
        bytes: u64,
    },
}

/// Child to parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum ToParent {
    /// The interpreter is ready, under these OS limits.
    Ready(Confinement),
    /// The interpreter could not start.
    Failed(String),
    /// A sub-call; the child waits for its [`ToChild::Reply`].
    Call(HostCall),
    /// The answer to the pending request.
    Response(Response),
}

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProtocolError {
    /// The pipe failed.
    #[error("sandbox pipe: {0}")]
    Io(#[from] std::io::Error),
    /// The length prefix is over the reader's bound (nothing was allocated).
    #[error("a sandbox message of {length} bytes is over the limit of {max}")]
    TooLarge { length: u64, max: u64 },
    /// The stream ended inside a frame.
    #[error("the sandbox pipe closed in the middle of a message")]
    Truncated,
    /// The payload is not a message of the expected type.
    #[error("malformed sandbox message: {0}")]
    Malformed(#[from] postcard::Error),
    /// A context's text is not UTF-8.
    #[error("a context sent to the sandbox is not UTF-8 text")]
    NotText,
}

/// One frame: length prefix and payload.
pub(crate) fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, ProtocolError> {
    // Sized first: growing the buffer while encoding a 50 MB context costs more than encoding it.
    let mut buffer = Vec::with_capacity(HEADER + postcard::experimental::serialized_size(message)?);
    buffer.resize(HEADER, 0);
    let mut frame = postcard::to_extend(message, buffer)?;
    let length = (frame.len() - HEADER) as u64;
    frame[..HEADER].copy_from_slice(&length.to_le_bytes());
    Ok(frame)
}

/// Writes one message as a frame and flushes.
pub(crate) fn write<T: Serialize>(
    writer: &mut impl Write,
    message: &T,
) -> Result<(), ProtocolError> {
    writer.write_all(&encode(message)?)?;
    writer.flush()?;
    Ok(())
}

/// The payload length a header announces, if it is within `max`.
fn payload_length(header: [u8; HEADER], max: u64) -> Result<usize, ProtocolError> {
    let length = u64::from_le_bytes(header);
    if length > max {
        return Err(ProtocolError::TooLarge { length, max });
    }
    usize::try_from(length).map_err(|_| ProtocolError::TooLarge { length, max })
}

fn truncated(e: std::io::Error) -> ProtocolError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        ProtocolError::Truncated
    } else {
        ProtocolError::Io(e)
    }
}

/// Reads the first header byte: `None` at a clean end of stream.
fn first_byte_read(read: std::io::Result<usize>) -> Result<Option<()>, ProtocolError> {
    match read {
        Ok(0) => Ok(None),
        Ok(_) => Ok(Some(())),
        Err(e) => Err(ProtocolError::Io(e)),
    }
}

/// Reads one message of at most `max` payload bytes; `None` at a clean end of stream.
#[cfg(test)]
pub(crate) fn read<T: DeserializeOwned>(
    reader: &mut impl Read,
    max: u64,
) -> Result<Option<T>, ProtocolError> {
    read_announced(reader, max, |_| {})
}

/// Reads one message of at most `max` payload bytes (`None` at a clean end of stream), telling
/// `announced` the payload's length before it is allocated.
pub(crate) fn read_announced<T: DeserializeOwned>(
    reader: &mut impl Read,
    max: u64,
    announced: impl FnOnce(usize),
) -> Result<Option<T>, ProtocolError> {
    let mut header = [0; HEADER];
    let first = loop {
        match reader.read(&mut header[..1]) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            other => break other,
        }
    };
    if first_byte_read(first)?.is_none() {
        return Ok(None);
    }
    reader.read_exact(&mut header[1..]).map_err(truncated)?;
    let length = payload_length(header, max)?;
    announced(length);
    let mut payload = vec![0; length];
    reader.read_exact(&mut payload).map_err(truncated)?;
    Ok(Some(postcard::from_bytes(&payload)?))
}

/// [`read_announced`] from an async stream. Not cancel-safe: a caller that may stop waiting reads in a task
/// of its own.
pub(crate) async fn read_async<T: DeserializeOwned>(
    reader: &mut (impl AsyncRead + Unpin),
    max: u64,
) -> Result<Option<T>, ProtocolError> {
    let mut header = [0; HEADER];
    if first_byte_read(reader.read(&mut header[..1]).await)?.is_none() {
        return Ok(None);
    }
    reader
        .read_exact(&mut header[1..])
        .await
        .map_err(truncated)?;
    let mut payload = vec![0; payload_length(header, max)?];
    reader.read_exact(&mut payload).await.map_err(truncated)?;
    Ok(Some(postcard::from_bytes(&payload)?))
}

/// A request ready for the pipe: its frame and, for a load, the context text sent raw after it.
/// Kept by the parent to reload a context into a new child without encoding it again.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) frame: Vec<u8>,
    pub(crate) text: Option<Arc<String>>,
}

/// Turns `request` into what the pipe carries. A [`ContextValue::Json`] is sent as its JSON text (the
/// child parses it with QuickJS's `JSON.parse`, as for [`ContextValue::JsonText`]); text is moved,
/// never copied.
pub(crate) fn outgoing(request: Request) -> Result<Outgoing, ProtocolError> {
    let Request::Load { context, items } = request else {
        return Ok(Outgoing {
            frame: encode(&ToChild::Request(request))?,
            text: None,
        });
    };
    let (json, text) = match context {
        ContextValue::Text(text) => (false, text),
        ContextValue::JsonText(text) => (true, text),
        ContextValue::Json(value) => (true, value.to_string()),
    };
    let bytes = text.len() as u64;
    Ok(Outgoing {
        frame: encode(&ToChild::Load { json, items, bytes })?,
        text: Some(Arc::new(text)),
    })
}

/// Reads the `bytes` bytes of text that follow a [`ToChild::Load`], as the context to load.
pub(crate) fn read_context(
    reader: &mut impl Read,
    json: bool,
    bytes: u64,
) -> Result<ContextValue, ProtocolError> {
    let mut raw =
        Vec::with_capacity(usize::try_from(bytes).map_err(|_| ProtocolError::TooLarge {
            length: bytes,
            max: usize::MAX as u64,
        })?);
    reader.take(bytes).read_to_end(&mut raw)?;
    if raw.len() as u64 != bytes {
        return Err(ProtocolError::Truncated);
    }
    let text = String::from_utf8(raw).map_err(|_| ProtocolError::NotText)?;
    Ok(if json {
        ContextValue::JsonText(text)
    } else {
        ContextValue::Text(text)
    })
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
