//! Host tools: arguments as a JSON array, results parsed back, failures as `Error:` strings, the size
//! caps, unconvertible arguments, cancellation, the global put back after a cell, and bad names.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rlm_repl::{
    QueryOptions, SandboxConfig, SandboxError, SandboxLimits, SubcallError, SubcallHandler,
    SubcallKind,
};
use tokio::sync::Notify;

use super::support::{Fake, run, start};

/// Tools: `echo` answers `{"got": <arguments>}`, `fail` fails, `big` answers 1,000 bytes, `junk`
/// answers text that is not JSON, `block` never answers (and counts the futures dropped).
#[derive(Default)]
struct Tools {
    seen: Mutex<Vec<(String, String)>>,
    blocked: Notify,
    dropped: AtomicUsize,
}

/// Counts a `block` call whose future was dropped.
struct DropGuard<'a>(&'a AtomicUsize);

impl Drop for DropGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl SubcallHandler for Tools {
    async fn query(
        &self,
        _: SubcallKind,
        prompt: String,
        _: QueryOptions,
    ) -> Result<String, SubcallError> {
        Ok(prompt)
    }

    async fn tool(&self, name: String, arguments: String) -> Result<String, SubcallError> {
        self.seen
            .lock()
            .unwrap()
            .push((name.clone(), arguments.clone()));
        match name.as_str() {
            "echo" => Ok(format!(r#"{{"got":{arguments}}}"#)),
            "fail" => Err(SubcallError::provider("the index is offline")),
            "big" => Ok(format!("\"{}\"", "x".repeat(998))),
            "junk" => Ok("not json".to_owned()),
            "block" => {
                let _guard = DropGuard(&self.dropped);
                self.blocked.notify_one();
                std::future::pending().await
            }
            _ => Err(SubcallError::provider("unknown tool")),
        }
    }
}

const NAMES: [&str; 5] = ["echo", "fail", "big", "junk", "block"];

fn with_tools(limits: SandboxLimits) -> (rlm_repl::Sandbox, Arc<Tools>) {
    let tools = Arc::new(Tools::default());
    let config = SandboxConfig::new(limits).with_tools(NAMES);
    (start(config, tools.clone()).unwrap(), tools)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_gets_its_arguments_as_a_json_array_and_code_gets_the_parsed_result() {
    let (sb, tools) = with_tools(SandboxLimits::default());
    let cell = run(
        &sb,
        "const r = echo('foo', 5, undefined, {a: [1, null], f: () => 1}, () => 2);\n\
         [typeof r, r.got[0] + r.got[1], r.got.length, echo().got.length, echo({id: 3}).got[0].id]",
    )
    .await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.value.as_deref(), Some(r#"["object","foo5",5,0,3]"#));
    let seen = tools.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            (
                "echo".to_owned(),
                r#"["foo",5,null,{"a":[1,null]},null]"#.to_owned()
            ),
            ("echo".to_owned(), "[]".to_owned()),
            ("echo".to_owned(), r#"[{"id":3}]"#.to_owned()),
        ]
    );
    assert_eq!(
        run(&sb, "typeof echo + ' ' + echo.name")
            .await
            .value
            .as_deref(),
        Some("'function echo'")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_and_oversized_or_broken_results_are_error_strings_and_the_cell_goes_on() {
    let limits = SandboxLimits::default().with_max_tool_result_bytes(999);
    let (sb, _) = with_tools(limits);
    let cell = run(&sb, "[fail('q'), big(), junk(), 'after']").await;
    assert_eq!(cell.error, None);
    let value = cell.value.unwrap();
    assert!(
        value.starts_with(
            r#"["Error: the index is offline","Error: the result of big is 1000 bytes"#
        ),
        "{value}"
    );
    assert!(
        value.ends_with(r#""Error: junk returned a result that is not JSON","after"]"#),
        "{value}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unconvertible_or_oversized_arguments_throw_without_calling_the_tool() {
    let limits = SandboxLimits::default().with_max_tool_argument_bytes(100);
    let (sb, tools) = with_tools(limits);
    let cases = [
        (
            "const a = {}; a.self = a; echo(a)",
            "TypeError: echo(...): wrong arguments",
        ),
        ("echo(10n)", "TypeError: echo(...): wrong arguments"),
        (
            "echo('x'.repeat(200))",
            "RangeError: echo: the JSON of its arguments is",
        ),
        (
            "echo('é'.repeat(60))",
            "RangeError: echo: the JSON of its arguments is",
        ),
    ];
    for (code, expected) in cases {
        let cell = run(&sb, &format!("try {{ {code} }} catch (e) {{ String(e) }}")).await;
        let value = cell.value.unwrap_or_default();
        assert!(
            value.starts_with(&format!("'{expected}")),
            "{code}: {value}"
        );
    }
    assert!(tools.seen.lock().unwrap().is_empty());
    // Exactly at the cap passes.
    let fits = format!("echo('{}').got[0].length", "y".repeat(96));
    assert_eq!(run(&sb, &fits).await.value.as_deref(), Some("96"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_global_cannot_be_replaced_for_good() {
    let (sb, _) = with_tools(SandboxLimits::default());
    let cell = run(&sb, "echo = () => 'fake'; echo()").await;
    assert_eq!(cell.value.as_deref(), Some("'fake'"));
    let cell = run(
        &sb,
        "try { Object.defineProperty(globalThis, 'echo', {value: 1}); 'redefined' } catch (e) { e.name }",
    )
    .await;
    assert_eq!(cell.value.as_deref(), Some("'TypeError'"));
    let cell = run(&sb, "[echo('x').got[0], delete globalThis.echo]").await;
    assert_eq!(cell.value.as_deref(), Some(r#"["x",false]"#));
    // Tool names are not user variables.
    assert_eq!(run(&sb, "SHOW_VARS()").await.error, None);
    assert!(sb.variables().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_the_cell_drops_a_blocked_tool_call() {
    let (sb, tools) = with_tools(SandboxLimits::default());
    let blocked = sb.execute("var got = block(); 'done'");
    tokio::select! {
        _ = blocked => panic!("the blocked tool should still be running"),
        () = tools.blocked.notified() => {}
    }
    let cell = run(&sb, "[typeof got, 1 + 1]").await;
    assert_eq!(cell.value.as_deref(), Some(r#"["undefined",2]"#));
    assert_eq!(tools.dropped.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_call_timeout_bounds_a_tool_call() {
    let limits = SandboxLimits::default().with_host_call_timeout(Duration::from_millis(200));
    let (sb, tools) = with_tools(limits);
    let cell = run(&sb, "[block(), 'after']").await;
    assert_eq!(
        cell.value.as_deref(),
        Some(r#"["Error: the call timed out after 0.2 s","after"]"#)
    );
    assert_eq!(tools.dropped.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_without_tools_answers_unavailable() {
    let config = SandboxConfig::default().with_tools(["lookup"]);
    let sb = start(config, Fake::with_latency(Duration::ZERO)).unwrap();
    let cell = run(&sb, "lookup(1)").await;
    assert_eq!(
        cell.value.as_deref(),
        Some("'Error: the tool lookup is not available here'")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tool_names_are_refused_when_the_sandbox_starts() {
    for (names, why) in [
        (&["JSON"][..], "built-in"),
        (&["llm_query"][..], "sandbox"),
        (&["my-tool"][..], "identifier"),
        (&["a", "a"][..], "twice"),
    ] {
        let config = SandboxConfig::default().with_tools(names.iter().copied());
        match start(config, Fake::with_latency(Duration::ZERO)) {
            Err(SandboxError::InvalidTool(message)) => {
                assert!(message.contains(why), "{names:?}: {message}");
            }
            other => panic!("{names:?}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_global_of_a_fresh_sandbox_is_refused_as_a_tool_name() {
    let sb = start(SandboxConfig::default(), Fake::with_latency(Duration::ZERO)).unwrap();
    let cell = run(&sb, "Object.getOwnPropertyNames(globalThis).join(' ')").await;
    let names = cell.value.unwrap();
    let names = names.trim_matches('\'');
    assert!(
        names.contains("JSON") && names.contains("llm_query"),
        "{names}"
    );
    let accepted: Vec<&str> = names
        .split(' ')
        .filter(|name| rlm_repl::check_tool_name(name).is_ok())
        .collect();
    assert!(accepted.is_empty(), "accepted: {accepted:?}");
}
