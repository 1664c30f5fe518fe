//! One child process and the pipes to it: spawning and the start handshake, frames both ways
//! (read by a task of their own, so waiting for one is cancel-safe), the tail of its stderr, and
//! how it ended.

use std::collections::VecDeque;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::protocol::{self, ChildInit, Outgoing, ProtocolError, ToChild, ToParent};
use crate::{CHILD_FLAG, Confinement, SandboxError};

/// How long a child may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long to wait for a killed or closed child to be reaped.
const REAP_TIMEOUT: Duration = Duration::from_secs(5);
/// Bytes of the child's stderr kept for error messages.
const STDERR_TAIL: usize = 2_000;

/// A live child.
pub(super) struct Connection {
    process: Child,
    stdin: ChildStdin,
    frames: mpsc::Receiver<Result<ToParent, ProtocolError>>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    tasks: [JoinHandle<()>; 2],
}

impl Connection {
    /// Starts `program` as a child, sends it `init` and waits until it is ready. Frames the child
    /// sends are refused over `max_frame` bytes.
    pub(super) async fn start(
        program: &Path,
        init: &ChildInit,
        max_frame: u64,
    ) -> Result<(Self, Confinement), SandboxError> {
        let mut process = Command::new(program)
            .arg(CHILD_FLAG)
            .env_clear()
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: a Ctrl-C in the terminal goes to rlm, which stops the run and
            // ends the child itself, instead of killing the child in the middle of a cell.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                SandboxError::Init(format!(
                    "could not start the sandbox process {}: {e}",
                    program.display()
                ))
            })?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (
            process.stdin.take(),
            process.stdout.take(),
            process.stderr.take(),
        ) else {
            return Err(SandboxError::Init(
                "the sandbox process has no pipes".into(),
            ));
        };
        widen(&stdin);
        widen(&stdout);
        let (sender, frames) = mpsc::channel(16);
        let tail = Arc::new(Mutex::new(VecDeque::with_capacity(STDERR_TAIL)));
        let tasks = [
            tokio::spawn(read_frames(BufReader::new(stdout), sender, max_frame)),
            tokio::spawn(keep_tail(stderr, tail.clone())),
        ];
        let mut connection = Self {
            process,
            stdin,
            frames,
            stderr: tail,
            tasks,
        };
        let confinement = connection.handshake(program, init).await?;
        Ok((connection, confinement))
    }

    async fn handshake(
        &mut self,
        program: &Path,
        init: &ChildInit,
    ) -> Result<Confinement, SandboxError> {
        let failed = |why: String| {
            SandboxError::Init(format!(
                "the sandbox process {} did not start: {why}",
                program.display()
            ))
        };
        let _ = self.send(&ToChild::Init(init.clone())).await;
        match tokio::time::timeout(START_TIMEOUT, self.next()).await {
            Ok(Some(Ok(ToParent::Ready(confinement)))) => Ok(confinement),
            Ok(Some(Ok(ToParent::Failed(why)))) => Err(failed(why)),
            Ok(Some(Ok(other))) => Err(failed(format!("it sent {other:?} first"))),
            Ok(Some(Err(e))) => Err(failed(e.to_string())),
            Ok(None) => Err(failed(format!(
                "it {} before it was ready; a program used as its own sandbox child must call \
                 rlm_repl::run_sandbox_child_if_requested() first thing in main",
                self.ended().await
            ))),
            Err(_) => Err(failed(format!(
                "it was not ready after {} s",
                START_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Writes one message.
    pub(super) async fn send(&mut self, message: &ToChild) -> Result<(), ProtocolError> {
        self.send_frame(&protocol::encode(message)?).await
    }

    /// Writes one encoded frame.
    async fn send_frame(&mut self, frame: &[u8]) -> Result<(), ProtocolError> {
        self.stdin.write_all(frame).await?;
        self.stdin.flush().await?;
        Ok(())
    }

    /// Writes a request: its frame, then the raw text of a load.
    pub(super) async fn send_outgoing(&mut self, outgoing: &Outgoing) -> Result<(), ProtocolError> {
        self.stdin.write_all(&outgoing.frame).await?;
        if let Some(text) = &outgoing.text {
            self.stdin.write_all(text.as_bytes()).await?;
        }
        self.stdin.flush().await?;
        Ok(())
    }

    /// The next frame; `None` once the child closed its stdout. Cancel-safe.
    pub(super) async fn next(&mut self) -> Option<Result<ToParent, ProtocolError>> {
        self.frames.recv().await
    }

    /// The child's process id (while it has not been reaped).
    pub(super) fn process_id(&self) -> Option<u32> {
        self.process.id()
    }

    /// Whether the child has exited already.
    pub(super) fn has_exited(&mut self) -> bool {
        !matches!(self.process.try_wait(), Ok(None))
    }

    /// Kills the child (if it still runs) and says how it ended.
    pub(super) async fn kill(mut self) -> String {
        let _ = self.process.start_kill();
        self.ended().await
    }

    /// How the child ended (it is waited for, at most a few seconds), with the end of its stderr.
    pub(super) async fn ended(&mut self) -> String {
        let status = tokio::time::timeout(REAP_TIMEOUT, self.process.wait()).await;
        let how = match status {
            Ok(Ok(status)) => describe(status),
            _ => "did not exit".to_owned(),
        };
        let tail = self.stderr_tail();
        if tail.is_empty() {
            how
        } else {
            format!("{how}; its last words: {tail}")
        }
    }

    fn stderr_tail(&self) -> String {
        let Ok(tail) = self.stderr.lock() else {
            return String::new();
        };
        let bytes: Vec<u8> = tail.iter().copied().collect();
        String::from_utf8_lossy(&bytes).trim().to_owned()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.process.start_kill();
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Bytes a pipe to the child holds (Linux's default is 64 KiB): every time a full pipe wakes the
/// writer costs a scheduler round trip, so a 50 MB context crosses a default pipe in hundreds of them.
const PIPE_SIZE: usize = 1 << 20;

/// Makes a pipe hold [`PIPE_SIZE`] bytes where the platform allows it (best effort).
#[cfg(target_os = "linux")]
fn widen(pipe: &impl std::os::fd::AsFd) {
    let _ = rustix::pipe::fcntl_setpipe_size(pipe, PIPE_SIZE);
}

#[cfg(not(target_os = "linux"))]
fn widen<T>(_: &T) {}

/// "exited with status N" or "was killed by signal N (NAME)".
fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                6 => " (SIGABRT: it aborted, an allocation may have failed)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                24 => " (SIGXCPU: its CPU-time limit)",
                31 => " (SIGSYS)",
                _ => "",
            };
            return format!("was killed by signal {signal}{name}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "ended".to_owned(),
    }
}

/// Reads frames from the child's stdout into `sender` until the pipe closes or breaks.
async fn read_frames(
    mut stdout: impl AsyncRead + Unpin,
    sender: mpsc::Sender<Result<ToParent, ProtocolError>>,
    max_frame: u64,
) {
    loop {
        match protocol::read_async(&mut stdout, max_frame).await {
            Ok(Some(frame)) => {
                if sender.send(Ok(frame)).await.is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                let _ = sender.send(Err(e)).await;
                return;
            }
        }
    }
}

/// Keeps the last [`STDERR_TAIL`] bytes of the child's stderr.
async fn keep_tail(mut stderr: impl AsyncRead + Unpin, tail: Arc<Mutex<VecDeque<u8>>>) {
    let mut buffer = [0; 4096];
    while let Ok(n) = stderr.read(&mut buffer).await {
        if n == 0 {
            return;
        }
        let Ok(mut tail) = tail.lock() else { return };
        tail.extend(&buffer[..n]);
        let excess = tail.len().saturating_sub(STDERR_TAIL);
        tail.drain(..excess);
    }
}
