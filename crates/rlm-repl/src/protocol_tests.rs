//! Tests of the wire protocol: every message survives the trip, contexts travel raw, and cut,
//! oversized or garbage frames are errors, never panics.

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
            tools: vec!["search".into()],
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
        ToChild::Reply(HostReply::Answer(Ok(r#"[{"id":1}]"#.into()))),
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
        ToParent::Call(HostCall::Tool {
            name: "search".into(),
            arguments: r#"["é",5,{"k":null}]"#.into(),
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
