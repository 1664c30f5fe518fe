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
mod tests {
    use super::*;
    use crate::{
        CellResult, ContextFacts, ContextShape, FinalVarError, LoadedContext, QueryOptions,
        SubcallError, SubcallErrorKind, SubcallKind,
    };

    fn round_trip<T: Serialize + DeserializeOwned>(message: &T) -> T {
        let frame = encode(message).unwrap();
        let mut reader = frame.as_slice();
        let back = read(&mut reader, u64::MAX).unwrap().unwrap();
        assert!(reader.is_empty(), "one frame, read whole");
        back
    }

    #[test]
    fn every_message_survives_the_trip() {
        let messages = vec![
            ToChild::Init(ChildInit {
                limits: SandboxLimits::default().with_memory_limit(64 << 20),
                recursive_functions: true,
                confine: false,
                cpu_budget: Duration::from_secs(7),
            }),
            ToChild::Request(Request::Execute {
                code: "print('é🦀')".into(),
            }),
            ToChild::Request(Request::FinalVar { name: "ans".into() }),
            ToChild::Request(Request::Variables),
            ToChild::Reply(HostReply::Answers(vec![
                Ok("yes".into()),
                Err(SubcallError::new(SubcallErrorKind::Timeout, "slow")),
            ])),
            ToChild::Reply(HostReply::Failed(SubcallError::provider("down"))),
            ToChild::Cancel,
            ToChild::Load {
                json: true,
                items: 100,
                bytes: 1 << 33,
            },
        ];
        for message in &messages {
            assert_eq!(&round_trip(message), message);
        }
        let cell = CellResult {
            stdout: "out\n".into(),
            error: Some("Error: x (line 2)".into()),
            value: Some("'v'".into()),
            final_answer: Some("42".into()),
            duration: std::time::Duration::from_micros(1500),
            subcalls: Vec::new(),
            variables: vec!["a".into(), "b".into()],
            truncated_chars: 7,
            ..CellResult::default()
        };
        let (name, variables) = ("x".to_owned(), vec!["y".to_owned()]);
        let undefined = FinalVarError::Undefined { name, variables };
        let unreadable = FinalVarError::Unreadable("slow".into());
        let replies = vec![
            ToParent::Ready(Confinement::default()),
            ToParent::Failed("no heap".into()),
            ToParent::Call(HostCall::Query {
                kind: SubcallKind::Rlm,
                prompt: "p".into(),
                options: QueryOptions::default()
                    .with_model("fast")
                    .with_temperature(0.5),
            }),
            ToParent::Call(HostCall::Batch {
                kind: SubcallKind::Llm,
                prompts: vec!["a".into(), String::new()],
                max_concurrent: 4,
            }),
            ToParent::Response(Response::Cell(cell)),
            ToParent::Response(Response::Loaded(Ok(LoadedContext {
                index: 3,
                facts: ContextFacts {
                    shape: ContextShape::Array,
                    total_length: 10,
                    item_count: 2,
                    first_item_lengths: vec![4, 6],
                },
            }))),
            ToParent::Response(Response::FinalVar(Err(undefined))),
            ToParent::Response(Response::FinalVar(Err(unreadable))),
        ];
        for message in &replies {
            assert_eq!(&round_trip(message), message);
        }
    }

    /// What a child reads for `request`: the frame, then the raw text of a load.
    fn as_child_reads(request: Request) -> Request {
        let out = outgoing(request).unwrap();
        let mut stream = out.frame.clone();
        if let Some(text) = &out.text {
            stream.extend(text.as_bytes());
        }
        let mut reader = stream.as_slice();
        let request = match read(&mut reader, u64::MAX).unwrap().unwrap() {
            ToChild::Load { json, items, bytes } => Request::Load {
                context: read_context(&mut reader, json, bytes).unwrap(),
                items,
            },
            ToChild::Request(request) => request,
            other => panic!("{other:?}"),
        };
        assert!(reader.is_empty(), "all read");
        request
    }

    #[test]
    fn contexts_travel_raw_and_json_becomes_json_text() {
        let load = |context| Request::Load { context, items: 5 };
        let text = load(ContextValue::Text("a\u{0}b🦀".into()));
        assert_eq!(as_child_reads(text.clone()), text);
        let json = as_child_reads(load(ContextValue::Json(serde_json::json!({"k": [1, "x"]}))));
        assert_eq!(
            json,
            load(ContextValue::JsonText(r#"{"k":[1,"x"]}"#.into()))
        );
        let other = Request::FinalVar { name: "x".into() };
        assert_eq!(as_child_reads(other.clone()), other);
        // A load inside a request frame is refused rather than sent half.
        assert!(encode(&ToChild::Request(load(ContextValue::Text("t".into())))).is_err());
    }

    #[test]
    fn a_cut_or_broken_context_text_is_an_error() {
        let error = read_context(&mut &b"abc"[..], false, 4).unwrap_err();
        assert!(matches!(error, ProtocolError::Truncated), "{error}");
        let error = read_context(&mut &[0xff, 0xfe][..], false, 2).unwrap_err();
        assert!(matches!(error, ProtocolError::NotText), "{error}");
    }

    #[test]
    fn a_clean_end_is_none_and_a_cut_frame_is_an_error() {
        let mut empty: &[u8] = &[];
        assert!(read::<ToChild>(&mut empty, 100).unwrap().is_none());
        let frame = encode(&ToChild::Cancel).unwrap();
        for cut in 1..frame.len() {
            let mut partial = &frame[..cut];
            let error = read::<ToChild>(&mut partial, 100).unwrap_err();
            assert!(
                matches!(error, ProtocolError::Truncated),
                "cut at {cut}: {error}"
            );
        }
    }

    #[test]
    fn an_oversized_length_is_refused_before_allocating() {
        let mut header: &[u8] = &u64::MAX.to_le_bytes();
        let error = read::<ToChild>(&mut header, 1 << 20).unwrap_err();
        assert!(
            matches!(error, ProtocolError::TooLarge { max: 1_048_576, .. }),
            "{error}"
        );
        let frame = encode(&ToChild::Request(Request::Execute {
            code: "x".repeat(100),
        }))
        .unwrap();
        let error = read::<ToChild>(&mut frame.as_slice(), 50).unwrap_err();
        assert!(matches!(error, ProtocolError::TooLarge { .. }), "{error}");
    }

    #[test]
    fn garbage_payloads_are_malformed_not_panics() {
        for payload in [
            vec![0xff; 9],
            vec![200],
            vec![1, 0xff, 0xff, 0xff, 0xff, 0xff],
        ] {
            let mut frame = (payload.len() as u64).to_le_bytes().to_vec();
            frame.extend(&payload);
            let error = read::<ToChild>(&mut frame.as_slice(), 100).unwrap_err();
            assert!(matches!(error, ProtocolError::Malformed(_)), "{error}");
        }
    }

    #[tokio::test]
    async fn the_async_reader_reads_what_the_writer_wrote() {
        let mut stream = Vec::new();
        write(&mut stream, &ToParent::Failed("one".into())).unwrap();
        write(&mut stream, &ToParent::Failed("two".into())).unwrap();
        let mut reader = stream.as_slice();
        let first: ToParent = read_async(&mut reader, 100).await.unwrap().unwrap();
        let second: ToParent = read_async(&mut reader, 100).await.unwrap().unwrap();
        assert_eq!(first, ToParent::Failed("one".into()));
        assert_eq!(second, ToParent::Failed("two".into()));
        assert!(
            read_async::<ToParent>(&mut reader, 100)
                .await
                .unwrap()
                .is_none()
        );
    }
}
