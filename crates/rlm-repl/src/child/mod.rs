//! The child side of a process sandbox: the entry point a program calls first thing, and the two
//! threads of a child. The main thread reads frames from stdin and routes them (requests to the
//! interpreter, replies to the pending host call, cancellations to the running cell); the
//! interpreter thread serves requests and writes every frame to stdout. `confine` holds the OS
//! limits the child puts on itself.

mod confine;

use std::ffi::OsStr;
use std::io::Stdout;
use std::sync::{Arc, Mutex, mpsc};

use crate::host::Shutdown;
use crate::interpreter::{Globals, Worker};
use crate::protocol::{self, ChildInit, ToChild, ToParent};
use crate::request::{HostCall, HostReply, Request};
use crate::upstream::{Upstream, stopping};
use crate::{Confinement, SandboxError};

/// The argument a process sandbox passes to its child program.
pub const CHILD_FLAG: &str = "--rlm-sandbox-child";

/// Largest frame a child accepts from its parent (contexts are the large ones).
const MAX_FROM_PARENT: u64 = 1 << 40;

/// Runs a sandbox child and exits if this process was started as one (its only argument is
/// [`CHILD_FLAG`]); returns at once otherwise. Call it first thing in `main` of any program that
/// uses [`Isolation::Process`](crate::Isolation::Process) without a dedicated child program:
///
/// ```no_run
/// rlm_repl::run_sandbox_child_if_requested();
/// // ... the program itself
/// ```
pub fn run_sandbox_child_if_requested() {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() == Some(OsStr::new(CHILD_FLAG)) && args.next().is_none() {
        std::process::exit(run_child());
    }
}

/// The frames the child writes, shared by its two threads.
type Output = Arc<Mutex<Stdout>>;

fn send(output: &Output, message: &ToParent) -> Result<(), protocol::ProtocolError> {
    let mut stdout = output
        .lock()
        .map_err(|_| std::io::Error::other("the output lock is poisoned"))?;
    protocol::write(&mut *stdout, message)
}

/// Reads one frame from stdin, making room in the address space for it first.
fn receive(input: &mut impl std::io::Read) -> Result<Option<ToChild>, protocol::ProtocolError> {
    protocol::read_announced(input, MAX_FROM_PARENT, |bytes| {
        confine::expect_message(bytes);
    })
}

/// The child's whole life; the exit code.
fn run_child() -> i32 {
    let output: Output = Arc::new(Mutex::new(std::io::stdout()));
    let mut input = std::io::stdin().lock();
    let Ok(Some(ToChild::Init(init))) = receive(&mut input) else {
        return 2;
    };
    let mut confinement = Confinement::default();
    if init.confine {
        confine::before_threads(&mut confinement);
    }
    let shutdown = Arc::new(Shutdown::new());
    let (requests, inbox) = mpsc::channel();
    let (replies, pending_reply) = mpsc::channel();
    let started = start_interpreter(&init, output.clone(), inbox, pending_reply, &shutdown);
    let ready = match started {
        Ok(heap_limit) => {
            if init.confine {
                confine::after_threads(&mut confinement, heap_limit);
            }
            ToParent::Ready(confinement)
        }
        Err(e) => ToParent::Failed(e.to_string()),
    };
    let failed = matches!(ready, ToParent::Failed(_));
    if send(&output, &ready).is_err() || failed {
        return 3;
    }
    route(&mut input, &requests, &replies);
    shutdown.trigger();
    0
}

/// Routes frames from the parent until its end of the pipe closes.
fn route(
    input: &mut impl std::io::Read,
    requests: &mpsc::Sender<(Request, Arc<Shutdown>)>,
    replies: &mpsc::Sender<HostReply>,
) {
    let mut cancel = Arc::new(Shutdown::new());
    while let Ok(Some(frame)) = receive(input) {
        let routed = match frame {
            ToChild::Request(request) => {
                cancel = Arc::new(Shutdown::new());
                requests.send((request, cancel.clone())).is_ok()
            }
            ToChild::Load { json, items, bytes } => {
                confine::expect_message(usize::try_from(bytes).unwrap_or(usize::MAX));
                let Ok(context) = protocol::read_context(input, json, bytes) else {
                    return;
                };
                cancel = Arc::new(Shutdown::new());
                let request = Request::Load { context, items };
                requests.send((request, cancel.clone())).is_ok()
            }
            ToChild::Reply(reply) => replies.send(reply).is_ok(),
            ToChild::Cancel => {
                cancel.trigger();
                true
            }
            ToChild::Init(_) => false,
        };
        if !routed {
            return;
        }
    }
}

/// Starts the interpreter thread; its heap limit once it is ready.
fn start_interpreter(
    init: &ChildInit,
    output: Output,
    inbox: mpsc::Receiver<(Request, Arc<Shutdown>)>,
    pending_reply: mpsc::Receiver<HostReply>,
    shutdown: &Arc<Shutdown>,
) -> Result<usize, SandboxError> {
    let (ready, started) = mpsc::sync_channel(1);
    let limits = init.limits.clone();
    let globals = Globals {
        recursive: init.recursive_functions,
        tools: init.tools.clone(),
    };
    let cpu_budget = init.cpu_budget;
    let shutdown = shutdown.clone();
    let stack = limits.stack_size.saturating_add(4 * 1024 * 1024);
    std::thread::Builder::new()
        .name("rlm-sandbox".to_owned())
        .stack_size(stack)
        .spawn(move || {
            let upstream = PipeUpstream {
                output: output.clone(),
                replies: pending_reply,
            };
            match Worker::new(limits, &globals, Box::new(upstream), shutdown) {
                Ok(mut worker) => {
                    let _ = ready.send(Ok(worker.runtime_limit()));
                    serve(&mut worker, &inbox, &output, cpu_budget);
                }
                Err(e) => {
                    let _ = ready.send(Err(e));
                }
            }
        })
        .map_err(SandboxError::Spawn)?;
    started.recv().map_err(|_| SandboxError::Closed)?
}

/// The interpreter thread: serves requests until the router stops or the parent is gone.
fn serve(
    worker: &mut Worker,
    inbox: &mpsc::Receiver<(Request, Arc<Shutdown>)>,
    output: &Output,
    cpu_budget: std::time::Duration,
) {
    while let Ok((request, cancel)) = inbox.recv() {
        if worker.is_shut_down() {
            return;
        }
        let load = match &request {
            Request::Load { context, .. } => Some(context.text_bytes()),
            _ => None,
        };
        confine::allow_cpu(load.map_or(cpu_budget, protocol::load_time_limit));
        let response = worker.handle(request, cancel);
        if load.is_some() {
            confine::heap_limit_is(worker.runtime_limit());
        }
        if send(output, &ToParent::Response(response)).is_err() {
            return;
        }
    }
}

/// Host calls of a child: a [`ToParent::Call`] frame, then the reply the router hands over.
/// Timeouts and cancellation are the parent's job: it always answers (or kills the child).
struct PipeUpstream {
    output: Output,
    replies: mpsc::Receiver<HostReply>,
}

impl Upstream for PipeUpstream {
    fn call(&self, call: HostCall, _cancel: &Shutdown) -> HostReply {
        if send(&self.output, &ToParent::Call(call)).is_err() {
            return HostReply::Failed(stopping());
        }
        self.replies
            .recv()
            .unwrap_or_else(|_| HostReply::Failed(stopping()))
    }
}
