//! The sandbox thread: owns the QuickJS runtime and context and serves commands one at a time.
//! `load` loads contexts, `cell` runs code, `reserved` keeps the sandbox's own globals in place,
//! `messages` words the errors code sees.

mod cell;
mod load;
mod messages;
mod reserved;

use std::rc::Rc;
use std::sync::{Arc, mpsc};

use rquickjs::{Context, Function, Persistent, Runtime, Value};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::context::BASE_MEMORY;
use crate::host::{Host, Shutdown};
use crate::js::reserved_functions;
use crate::variables::{final_var, global_names, user_variables};
use crate::{CellResult, ContextValue, LoadedContext, SandboxConfig, SandboxError, SubcallHandler};
use reserved::{Reserved, define_reserved};

/// A request to the sandbox thread, with the channel for its answer.
pub(crate) enum Command {
    /// A context, how many item lengths to report, reply.
    Load(
        ContextValue,
        usize,
        oneshot::Sender<Result<LoadedContext, SandboxError>>,
    ),
    /// Code, the cell's cancel signal (triggered when the caller drops its future), reply.
    Execute(String, Arc<Shutdown>, oneshot::Sender<CellResult>),
    FinalVar(String, oneshot::Sender<Result<String, String>>),
    Variables(oneshot::Sender<Vec<String>>),
}

/// Starts the sandbox thread and waits until its runtime is ready.
pub(crate) fn spawn(
    config: SandboxConfig,
    handler: Arc<dyn SubcallHandler>,
    handle: Handle,
    shutdown: Arc<Shutdown>,
) -> Result<mpsc::Sender<Command>, SandboxError> {
    let (commands, inbox) = mpsc::channel();
    let (ready_tx, ready_rx) = mpsc::sync_channel(1);
    let stack = config.limits.stack_size.saturating_add(4 * 1024 * 1024);
    std::thread::Builder::new()
        .name("rlm-sandbox".to_owned())
        .stack_size(stack)
        .spawn(
            move || match Worker::new(config, handler, handle, shutdown) {
                Ok(mut worker) => {
                    let _ = ready_tx.send(Ok(()));
                    worker.run(&inbox);
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            },
        )
        .map_err(SandboxError::Spawn)?;
    ready_rx.recv().map_err(|_| SandboxError::Closed)??;
    Ok(commands)
}

fn init_error(e: &rquickjs::Error) -> SandboxError {
    SandboxError::Init(e.to_string())
}

/// The names reserved for the sandbox's own globals.
fn reserved_names(recursive: bool) -> Vec<&'static str> {
    let mut names = vec![
        "context",
        "llm_query",
        "llm_batch",
        "print",
        "console",
        "FINAL",
        "FINAL_VAR",
        "SHOW_VARS",
    ];
    if recursive {
        names.extend(["rlm_query", "rlm_batch"]);
    }
    names
}

/// State of the sandbox thread. Field order matters: persistent values drop before the
/// context and runtime.
struct Worker {
    reserved: Vec<Reserved>,
    context_reset: Persistent<Function<'static>>,
    /// Computes the facts of a loaded context with the built-ins as they were before user code.
    facts_of: Persistent<Function<'static>>,
    current_context: Option<Persistent<Value<'static>>>,
    contexts_loaded: usize,
    memory_for_contexts: usize,
    host: Rc<Host>,
    context: Context,
    runtime: Runtime,
}

impl Worker {
    fn new(
        config: SandboxConfig,
        handler: Arc<dyn SubcallHandler>,
        handle: Handle,
        shutdown: Arc<Shutdown>,
    ) -> Result<Self, SandboxError> {
        let runtime = Runtime::new().map_err(|e| init_error(&e))?;
        runtime.set_memory_limit(config.limits.memory_limit.unwrap_or(BASE_MEMORY));
        runtime.set_max_stack_size(config.limits.stack_size);
        let context = Context::full(&runtime).map_err(|e| init_error(&e))?;
        let names = reserved_names(config.recursive_functions);
        let host = Rc::new(Host::new(handler, handle, shutdown, config.limits, names));
        let interrupt_host = host.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || interrupt_host.should_interrupt())));
        let (reserved, context_reset, facts_of) = context
            .with(|ctx| -> rquickjs::Result<_> {
                crate::pristine::install(&ctx)?;
                let mut saved = Vec::new();
                for (name, value) in reserved_functions(&ctx, &host, config.recursive_functions)? {
                    let reset = define_reserved(&ctx, name, value.clone())?;
                    saved.push(Reserved::save(&ctx, name, value, reset));
                }
                let undefined = Value::new_undefined(ctx.clone());
                let context_reset = define_reserved(&ctx, "context", undefined)?;
                let facts_of = load::facts_function(&ctx)?;
                *host.baseline.borrow_mut() = global_names(&ctx).into_iter().collect();
                Ok((
                    saved,
                    Persistent::save(&ctx, context_reset),
                    Persistent::save(&ctx, facts_of),
                ))
            })
            .map_err(|e| init_error(&e))?;
        Ok(Self {
            reserved,
            context_reset,
            facts_of,
            current_context: None,
            contexts_loaded: 0,
            memory_for_contexts: 0,
            host,
            context,
            runtime,
        })
    }

    fn run(&mut self, inbox: &mpsc::Receiver<Command>) {
        while let Ok(command) = inbox.recv() {
            if self.host.shutdown.is_triggered() {
                break;
            }
            match command {
                Command::Load(value, item_lengths, reply) => {
                    let _ = reply.send(self.load(value, item_lengths));
                }
                Command::Execute(code, cancel, reply) => {
                    // A caller that already gave up does not get its cell run.
                    if !cancel.is_triggered() {
                        *self.host.cancel.borrow_mut() = cancel;
                        let _ = reply.send(self.execute(&code));
                    }
                }
                Command::FinalVar(name, reply) => {
                    let answer = self.bounded(|ctx, host| final_var(ctx, host, &name));
                    let _ = reply.send(answer);
                }
                Command::Variables(reply) => {
                    let _ = reply.send(self.bounded(user_variables));
                }
            }
        }
    }

    /// Runs `work` (which may run user code: getters, `toJSON`) under the CPU-time limit of a cell.
    fn bounded<T>(&self, work: impl FnOnce(&rquickjs::Ctx<'_>, &Host) -> T) -> T {
        let host = &self.host;
        host.timed_out.set(false);
        host.deadline
            .set(std::time::Instant::now().checked_add(host.limits.cpu_time_per_cell));
        let result = self.context.with(|ctx| work(&ctx, host));
        host.deadline.set(None);
        result
    }

    /// The heap limit in force.
    fn runtime_limit(&self) -> usize {
        self.host
            .limits
            .memory_limit
            .unwrap_or(BASE_MEMORY.saturating_add(self.memory_for_contexts))
    }
}
