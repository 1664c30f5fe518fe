//! Helpers: the `rlm` command with a clean environment, a `sim-server` child process that is killed on
//! drop, a one-request capture server (to see which headers `rlm` sends), scratch files.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command as StdCommand, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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

/// Asserts that a finished `rlm` command succeeded, showing its stderr when it did not.
pub(crate) fn assert_success(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
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

/// A loopback HTTP server that records the head (request line and headers) and the body of the first
/// request and answers it with an error status (400 unless told), so the `rlm` run fails at once with a provider
/// error.
pub(crate) struct CaptureServer {
    pub(crate) url: String,
    handle: JoinHandle<(String, String)>,
}

impl CaptureServer {
    /// Listens on a free loopback port and answers 400; gives up (empty head) after a minute without
    /// a request.
    pub(crate) fn start() -> Self {
        Self::answering(400, "Bad Request")
    }

    /// Like [`Self::start`], answering `status` `reason`.
    pub(crate) fn answering(status: u16, reason: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_mins(1);
            let mut stream = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(_) => return (String::new(), String::new()),
                }
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut head = Vec::new();
            let mut byte = [0_u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            let mut received = vec![0_u8; length];
            let received = if stream.read_exact(&mut received).is_ok() {
                String::from_utf8_lossy(&received).into_owned()
            } else {
                String::new()
            };
            let body = r#"{"error":{"message":"captured","type":"invalid_request_error"}}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            (head, received)
        });
        Self { url, handle }
    }

    /// The head of the request received (empty if none came).
    pub(crate) fn request_head(self) -> String {
        self.request().0
    }

    /// The head and the body of the request received (empty if none came).
    pub(crate) fn request(self) -> (String, String) {
        self.handle.join().unwrap()
    }
}
