//! Helpers: the `rlm` command with a clean environment, a `sim-server` child process that is killed on
//! drop, scratch files.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command as StdCommand, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::Command;

/// Path of the built binary.
pub(crate) const RLM: &str = env!("CARGO_BIN_EXE_rlm");

/// `rlm` with no API keys, base URLs or log settings inherited from the environment.
pub(crate) fn rlm() -> Command {
    let mut cmd = Command::new(RLM);
    for var in [
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_BASE_URL",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.timeout(Duration::from_mins(5));
    cmd
}

/// A fresh scratch directory under the system temp dir.
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rlm-cli-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `rlm sim-server` running as a child process; killed when dropped.
pub(crate) struct SimServerProcess {
    pub(crate) child: Child,
    pub(crate) url: String,
}

impl SimServerProcess {
    /// Starts `rlm sim-server --port 0` with `extra` flags and reads its base URL from stdout.
    pub(crate) fn start(extra: &[&str]) -> Self {
        let mut child = StdCommand::new(RLM)
            .args(["sim-server", "--port", "0"])
            .args(extra)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_mins(1)) {
            Ok(line) => line,
            Err(e) => {
                let _ = child.kill();
                panic!("sim-server printed no URL: {e}");
            }
        };
        let url = line.trim().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
        assert!(url.ends_with("/v1"), "{url:?}");
        Self { child, url }
    }
}

impl Drop for SimServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts the usual shape of a failure: one `rlm: error:` line, no panic, no backtrace.
pub(crate) fn assert_one_error_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr).into_owned();
    assert!(!text.contains("panicked"), "{text}");
    assert!(!text.contains("stack backtrace"), "{text}");
    let errors: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("rlm: error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{text}");
    errors[0].to_owned()
}
