//! What the shared-quota tests need: a `redis-server` of their own on a free loopback port (skipped
//! when none is installed, a failure under `RLM_REDIS_TESTS=1`), `redis-cli` to look inside it, the
//! simulated server in this process (its counters read directly), and `rlm run` workers.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use rlm_sim::haystack::{HaystackConfig, generate};
use rlm_sim::{SimServer, SimServerConfig, SimServerHandle};

use crate::support::RLM;

/// A `redis-server` child on a loopback port, killed on drop.
pub(crate) struct RedisProcess {
    child: Child,
    pub(crate) port: u16,
}

impl RedisProcess {
    /// Starts one, or `None` (the test is skipped with a printed reason) when `redis-server` is not
    /// on `PATH` and `RLM_REDIS_TESTS` is unset; with it set (as `.ci/run` does) that fails the test.
    pub(crate) fn start(test: &str) -> Option<Self> {
        let found = StdCommand::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            let required = std::env::var_os("RLM_REDIS_TESTS").is_some_and(|v| !v.is_empty());
            assert!(
                !required,
                "RLM_REDIS_TESTS is set but redis-server is not on PATH; install redis-server"
            );
            eprintln!(
                "SKIPPED {test}: redis-server is not on PATH; install it, or set RLM_REDIS_TESTS=1 to make this a failure"
            );
            return None;
        }
        let port = free_port();
        let child = StdCommand::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let redis = Self { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(redis)
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server now (SIGKILL).
    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The leases of `key` that have not expired, by Redis's clock.
    pub(crate) fn live_leases(&self, key: &str) -> i64 {
        let script = "local t = redis.call('TIME') \
             local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) \
             return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')";
        let output = StdCommand::new("redis-cli")
            .args(["-p", &self.port.to_string(), "EVAL", script, "1", key])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("redis-cli said {text:?}"))
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The simulated server, run by a runtime of this test; `chunks` sub-calls per run.
pub(crate) struct Sim {
    pub(crate) server: SimServerHandle,
    _runtime: tokio::runtime::Runtime,
}

impl Sim {
    pub(crate) fn start(sub_latency: Duration, chunks: usize) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut config = SimServerConfig {
            root_latency: Duration::from_millis(5),
            sub_latency,
            ..SimServerConfig::default()
        };
        config.script.chunks = chunks;
        let server = runtime.block_on(SimServer::start(config)).unwrap();
        Self {
            server,
            _runtime: runtime,
        }
    }
}

/// A small haystack file in `dir`.
pub(crate) fn context_file(dir: &Path) -> PathBuf {
    let hay = generate(&HaystackConfig {
        size_bytes: 64 * 1024,
        needles: 3,
        seed: 3,
    });
    let path = dir.join("haystack.txt");
    std::fs::write(&path, &hay.text).unwrap();
    path
}

/// The model of every worker: root and sub-calls share it, so one set of keys meters them all.
pub(crate) const MODEL: &str = "sim-root-batch";

/// An `rlm run` worker against `url` with `extra` flags (stdout and stderr piped).
pub(crate) fn worker(url: &str, context: &Path, extra: &[&str]) -> Child {
    StdCommand::new(RLM)
        .args(["run", "--model", MODEL, "--base-url", url])
        .args([
            "--query",
            "What are the magic numbers?",
            "--quiet",
            "--context",
        ])
        .arg(context)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for every worker; each must succeed.
pub(crate) fn all_succeed(workers: Vec<Child>) {
    for worker in workers {
        let output = worker.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "a worker failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
