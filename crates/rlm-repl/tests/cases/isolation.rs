//! Isolation: no file system, network, process, environment, modules or timers.

use super::support::{run, sandbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_facilities_are_absent() {
    let (sb, _) = sandbox();
    let names = [
        "require",
        "fetch",
        "std",
        "os",
        "process",
        "Deno",
        "Bun",
        "XMLHttpRequest",
        "setTimeout",
        "setInterval",
        "WebSocket",
        "module",
        "exports",
        "importScripts",
    ];
    for name in names {
        let code = format!(
            "[typeof {name}, typeof globalThis.{name}, typeof Function('return this')().{name}]"
        );
        let value = run(&sb, &code).await.value;
        assert_eq!(
            value.as_deref(),
            Some("[\"undefined\",\"undefined\",\"undefined\"]"),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trying_to_reach_the_host_fails() {
    let (sb, _) = sandbox();
    for code in [
        "require('fs')",
        "fetch('http://127.0.0.1/')",
        "setTimeout(() => {}, 0)",
        "process.env",
        "std.loadFile('/etc/passwd')",
        "os.exec(['ls'])",
        "Deno.readTextFileSync('/etc/passwd')",
        "new XMLHttpRequest()",
        "(function(){}).constructor('return require')()('fs')",
        "[].map.constructor('return process')().exit(1)",
        "Object.getPrototypeOf(async function(){}).constructor('return os')().exec(['ls'])",
    ] {
        let error = run(&sb, code).await.error.unwrap_or_default();
        assert!(
            error.starts_with("ReferenceError") || error.starts_with("TypeError"),
            "{code}: {error}"
        );
    }
    for (code, expected) in [
        (
            "await import('fs')",
            "ReferenceError: could not load module 'fs'",
        ),
        (
            "await import('/etc/passwd')",
            "ReferenceError: could not load module '/etc/passwd'",
        ),
        ("import fs from 'fs'", "SyntaxError"),
    ] {
        let error = run(&sb, code).await.error.unwrap_or_default();
        assert!(error.starts_with(expected), "{code}: {error}");
    }
    assert_eq!(
        run(&sb, "typeof llm_query").await.value.as_deref(),
        Some("'function'")
    );
}
