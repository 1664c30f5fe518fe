//! The attacker's suite: every escape and resource attack we know, run one after the other against
//! one process sandbox (this crate's `rlm-sandbox` child). The host must survive each with its own
//! memory bounded (its peak RSS is counted from `/proc/self/status`), every cell must end within its
//! CPU limit plus the kill grace, and the sandbox must answer the next cell.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_repl::{
    CellResult, Isolation, ProcessOptions, QueryOptions, Sandbox, SandboxConfig, SandboxLimits,
    SubcallError, SubcallHandler, SubcallKind,
};

struct Echo;

#[async_trait::async_trait]
impl SubcallHandler for Echo {
    async fn query(
        &self,
        _: SubcallKind,
        prompt: String,
        _: QueryOptions,
    ) -> Result<String, SubcallError> {
        Ok(format!("echo:{}", prompt.chars().count()))
    }
}

/// One attack: its name, its code, and a piece of what the model must be told (alternatives
/// separated by `|`).
struct Attack {
    name: &'static str,
    code: &'static str,
    told: &'static str,
}

const fn attack(name: &'static str, code: &'static str, told: &'static str) -> Attack {
    Attack { name, code, told }
}

const ATTACKS: &[Attack] = &[
    // Escapes: there is nothing to reach.
    attack(
        "host objects",
        "[typeof require, typeof process, typeof std, typeof os, typeof fetch, typeof setTimeout, \
         typeof XMLHttpRequest, typeof WebAssembly, typeof Deno, typeof Bun].join()",
        "'undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined'",
    ),
    attack("dynamic import", "await import('fs')", "Error"),
    attack(
        "constructor chain",
        "globalThis.constructor.constructor('return process')()",
        "ReferenceError",
    ),
    // CPU: interruptible loops, native loops, a regular expression, background jobs.
    attack("busy loop", "while (true) {}", "TimeoutError"),
    attack(
        "native join over a huge length",
        "Array.prototype.join.call({ length: 2 ** 53 - 1 }, '')",
        "inside a built-in function that cannot be interrupted",
    ),
    attack(
        "quadratic native search",
        "'a'.repeat(4e5).indexOf('a'.repeat(2e5) + 'b')",
        "TimeoutError",
    ),
    attack(
        "catastrophic regular expression",
        "/(a+)+$/.test('a'.repeat(40) + 'b')",
        "TimeoutError",
    ),
    attack(
        "background loop",
        "(async () => { await null; while (true) {} })(); 'started'",
        "background work",
    ),
    attack(
        "job flood",
        "for (let i = 0; i < 1e9; i++) Promise.resolve().then(() => {})",
        "Error",
    ),
    // Memory: the heap limit, and copies that leave the heap.
    attack(
        "growing array",
        "(() => { const hoard = []; while (true) hoard.push('x'.repeat(1e6) + hoard.length) })()",
        // Near the heap limit the collector runs at every allocation: a slow machine may reach the
        // CPU limit (and the kill) before the limit itself.
        "MemoryError|TimeoutError",
    ),
    attack("huge repeat", "'x'.repeat(2 ** 30)", "Error"),
    attack("huge buffer", "new ArrayBuffer(2 ** 31)", "Error"),
    attack(
        "print a billion characters",
        "print.apply(null, new Array(1000).fill('x'.repeat(1e7)))",
        "characters omitted",
    ),
    attack(
        "a gigabyte batch",
        "llm_batch(new Array(1000).fill('x'.repeat(1e6)))",
        "RangeError: llm_batch",
    ),
    attack(
        "a huge prompt",
        "llm_query('x'.repeat(1e8))",
        "RangeError: llm_query",
    ),
    attack(
        "a huge answer",
        "FINAL('x'.repeat(1e8))",
        "RangeError: FINAL",
    ),
    attack(
        "a huge error",
        "throw new Error('e'.repeat(5e7))",
        "characters omitted",
    ),
    attack("a huge echo", "'v'.repeat(5e7)", "characters omitted"),
    attack(
        "a hundred thousand globals",
        "for (let i = 0; i < 1e5; i++) globalThis['g' + i] = i; 'made'",
        "'made'",
    ),
    // The stack.
    attack(
        "infinite recursion",
        "(function f() { f() })()",
        "RangeError",
    ),
    attack("deep JSON", "JSON.parse('['.repeat(1e6))", "Error"),
    // The sandbox's own functions and bookkeeping.
    attack(
        "a fake llm_query",
        "llm_query = () => 'fake'; llm_query('x')",
        "'fake'",
    ),
    attack("llm_query is real again", "llm_query('abc')", "'echo:3'"),
    attack(
        "redefining a reserved name",
        "Object.defineProperty(globalThis, 'print', { value: 1 })",
        "TypeError",
    ),
    attack(
        "an accessor on Object.prototype",
        "Object.defineProperty(Object.prototype, 'log', { configurable: true, get() {}, \
         set(v) { while (true) {} } }); 'set'",
        "'set'",
    ),
    attack(
        "console survives",
        "console.log('still here')",
        "still here",
    ),
    attack(
        "a lone surrogate",
        "llm_query('\u{1F980}'.slice(0, 1) + 'x')",
        "'echo:2'",
    ),
    attack(
        "frozen globals",
        "Object.freeze(globalThis); 0",
        "froze the global object",
    ),
];

/// The cell's CPU limit; the process is killed 2.1 s after it.
const CPU_LIMIT: Duration = Duration::from_secs(1);
/// Kill time, plus restarting the child, plus a margin for a loaded machine.
const CELL_BOUND: Duration = Duration::from_secs(6);
/// Most the host's resident memory may grow over the whole suite.
const HOST_RSS_GROWTH: u64 = 200 << 20;

/// A field of `/proc/self/status` in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib * 1024
}

fn shown(cell: &CellResult) -> String {
    cell.render()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_attack_is_contained_and_the_host_stays_small() {
    let limits = SandboxLimits::default().with_cpu_time_per_cell(CPU_LIMIT);
    let options = ProcessOptions::default().with_program(env!("CARGO_BIN_EXE_rlm-sandbox"));
    let config = SandboxConfig::new(limits).with_isolation(Isolation::Process(options));
    let sandbox = Sandbox::new(config, Arc::new(Echo)).unwrap();
    assert_eq!(
        sandbox.execute("1").await.unwrap().value.as_deref(),
        Some("1")
    );
    let baseline = status_bytes("VmRSS:");
    let mut restarts = 0;
    for attack in ATTACKS {
        let started = Instant::now();
        let cell = sandbox.execute(attack.code).await.unwrap();
        let took = started.elapsed();
        let text = shown(&cell);
        assert!(
            attack.told.split('|').any(|told| text.contains(told)),
            "{}: expected {:?} in\n{text}",
            attack.name,
            attack.told
        );
        assert!(took < CELL_BOUND, "{} took {took:?}", attack.name);
        assert!(
            text.len() < 100_000,
            "{}: {} characters shown",
            attack.name,
            text.len()
        );
        restarts += usize::from(cell.restart.is_some());
        let next = sandbox.execute("1 + 1").await.unwrap();
        assert_eq!(
            next.value.as_deref(),
            Some("2"),
            "{} left: {next:?}",
            attack.name
        );
    }
    assert!(
        restarts >= 2,
        "the native loops restart the child ({restarts})"
    );
    let peak = status_bytes("VmHWM:");
    eprintln!(
        "{} attacks, {restarts} restarts, host RSS {} MiB before, peak {} MiB",
        ATTACKS.len(),
        baseline >> 20,
        peak >> 20
    );
    assert!(
        peak.saturating_sub(baseline) < HOST_RSS_GROWTH,
        "the host grew from {} MiB to a peak of {} MiB",
        baseline >> 20,
        peak >> 20
    );
}
