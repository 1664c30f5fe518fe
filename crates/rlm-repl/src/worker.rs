//! The sandbox thread: owns the QuickJS runtime and context and serves commands one at a time.

use std::collections::HashSet;
use std::rc::Rc;
use std::sync::{Arc, mpsc};
use std::time::Instant;

use rquickjs::context::EvalOptions;
use rquickjs::object::Property;
use rquickjs::promise::PromiseState;
use rquickjs::{Context, Ctx, Function, Object, Persistent, Promise, Runtime, Value};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::context::{BASE_MEMORY, memory_for};
use crate::format;
use crate::globals::{console, define_reserved, reserved_functions};
use crate::host::{Host, Shutdown};
use crate::rewrite::rewrite_declarations;
use crate::truncate::truncate_middle;
use crate::variables::{final_var, global_names, user_variables};
use crate::{CellResult, ContextValue, SandboxConfig, SandboxError, SubcallHandler};

/// A request to the sandbox thread, with the channel for its answer.
pub(crate) enum Command {
    Load(ContextValue, oneshot::Sender<Result<usize, SandboxError>>),
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

/// A reserved global: its own value and the function that puts it back after a cell.
struct Reserved {
    name: &'static str,
    value: Persistent<Value<'static>>,
    reset: Persistent<Function<'static>>,
}

/// State of the sandbox thread. Field order matters: persistent values drop before the
/// context and runtime.
struct Worker {
    reserved: Vec<Reserved>,
    context_reset: Persistent<Function<'static>>,
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
        let mut reserved_names = vec![
            "context",
            "llm_query",
            "llm_batch",
            "print",
            "console",
            "FINAL",
            "FINAL_VAR",
            "SHOW_VARS",
        ];
        if config.recursive_functions {
            reserved_names.extend(["rlm_query", "rlm_batch"]);
        }
        let host = Rc::new(Host {
            handler,
            handle,
            shutdown,
            cell: std::cell::RefCell::new(crate::host::CellState {
                output: crate::truncate::OutputBuffer::new(0),
                final_answer: None,
                subcalls: Vec::new(),
            }),
            limits: config.limits,
            deadline: std::cell::Cell::new(None),
            timed_out: std::cell::Cell::new(false),
            baseline: std::cell::RefCell::new(HashSet::new()),
            reserved: reserved_names,
            discarding: std::cell::Cell::new(false),
            cancel: std::cell::RefCell::new(Arc::new(Shutdown::new())),
        });
        let interrupt_host = host.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || interrupt_host.should_interrupt())));
        let (reserved, context_reset) = context
            .with(|ctx| -> rquickjs::Result<_> {
                let mut saved = Vec::new();
                for (name, value) in reserved_functions(&ctx, &host, config.recursive_functions)? {
                    let reset = define_reserved(&ctx, name, value.clone())?;
                    saved.push(Reserved {
                        name,
                        value: Persistent::save(&ctx, value),
                        reset: Persistent::save(&ctx, reset),
                    });
                }
                let undefined = Value::new_undefined(ctx.clone());
                let context_reset = define_reserved(&ctx, "context", undefined)?;
                *host.baseline.borrow_mut() = global_names(&ctx).into_iter().collect();
                Ok((saved, Persistent::save(&ctx, context_reset)))
            })
            .map_err(|e| init_error(&e))?;
        Ok(Self {
            reserved,
            context_reset,
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
                Command::Load(value, reply) => {
                    let _ = reply.send(self.load(value));
                }
                Command::Execute(code, cancel, reply) => {
                    // A caller that already gave up does not get its cell run.
                    if !cancel.is_triggered() {
                        *self.host.cancel.borrow_mut() = cancel;
                        let _ = reply.send(self.execute(&code));
                    }
                }
                Command::FinalVar(name, reply) => {
                    let _ = reply.send(self.context.with(|ctx| final_var(&ctx, &self.host, &name)));
                }
                Command::Variables(reply) => {
                    let _ = reply.send(self.context.with(|ctx| user_variables(&ctx, &self.host)));
                }
            }
        }
    }

    fn load(&mut self, value: ContextValue) -> Result<usize, SandboxError> {
        let (text, json) = match value {
            ContextValue::Text(text) => (text, false),
            ContextValue::Json(value) => (
                serde_json::to_string(&value)
                    .map_err(|e| SandboxError::ContextLoad(e.to_string()))?,
                true,
            ),
        };
        if self.host.limits.memory_limit.is_none() {
            self.memory_for_contexts = self
                .memory_for_contexts
                .saturating_add(memory_for(text.len(), json));
            self.runtime
                .set_memory_limit(BASE_MEMORY.saturating_add(self.memory_for_contexts));
        }
        let n = self.contexts_loaded;
        let loaded = self
            .context
            .with(|ctx| -> Result<Persistent<Value<'static>>, String> {
                let value = if json {
                    ctx.json_parse(text)
                } else {
                    rquickjs::String::from_str(ctx.clone(), &text).map(rquickjs::String::into_value)
                }
                .map_err(|e| describe(&ctx, &e))?;
                // context_N never changes: read-only and not redefinable.
                ctx.globals()
                    .prop(
                        format!("context_{n}"),
                        Property::from(value.clone()).enumerable(),
                    )
                    .map_err(|e| describe(&ctx, &e))?;
                self.context_reset
                    .clone()
                    .restore(&ctx)
                    .and_then(|reset| reset.call::<_, ()>((value.clone(),)))
                    .map_err(|e| describe(&ctx, &e))?;
                Ok(Persistent::save(&ctx, value))
            });
        match loaded {
            Ok(value) => {
                self.current_context = Some(value);
                self.contexts_loaded += 1;
                Ok(n)
            }
            Err(message) => {
                self.runtime.run_gc();
                Err(SandboxError::ContextLoad(message))
            }
        }
    }

    fn execute(&mut self, code: &str) -> CellResult {
        let started = Instant::now();
        let host = self.host.clone();
        *host.cell.borrow_mut() = host.new_cell();
        host.timed_out.set(false);
        // A limit too large to add to `now` means no deadline.
        host.deadline
            .set(started.checked_add(host.limits.cpu_time_per_cell));
        let code = rewrite_declarations(code);
        let (value, error) = self.context.with(|ctx| self.eval(&ctx, code));
        host.deadline.set(None);
        // Jobs left queued by a stopped cell run (interrupted at once) into throwaway state.
        let cell = host.cell.replace(host.new_cell());
        self.discard_pending_jobs();
        // The cell is over: nothing may interrupt the restore below.
        *host.cancel.borrow_mut() = Arc::new(Shutdown::new());
        let (restored, variables) = self
            .context
            .with(|ctx| (self.restore_reserved(&ctx), user_variables(&ctx, &host)));
        let error = match (error, restored) {
            (error, Ok(())) => error,
            (None, Err(e)) => Some(e),
            (Some(error), Err(e)) => Some(format!("{error}\n{e}")),
        };
        if error.is_some() {
            self.runtime.run_gc();
        }
        let (stdout, truncated_chars) = cell.output.finish();
        CellResult {
            stdout,
            error,
            value: value.map(|v| truncate_middle(&v, host.limits.output_cap_chars)),
            final_answer: cell.final_answer,
            duration: started.elapsed(),
            subcalls: cell.subcalls,
            variables,
            truncated_chars,
        }
    }

    /// Evaluates a cell (top-level `await` allowed) and drives its promise to completion.
    fn eval(&self, ctx: &Ctx<'_>, code: String) -> (Option<String>, Option<String>) {
        let mut options = EvalOptions::default();
        options.strict = false;
        options.promise = true;
        options.backtrace_barrier = true;
        options.filename = Some("cell".to_owned());
        let promise: Promise = match ctx.eval_with_options(code, options) {
            Ok(promise) => promise,
            Err(e) => return (None, Some(self.error_message(ctx, &e))),
        };
        let outcome = loop {
            match promise.state() {
                PromiseState::Pending => {
                    if self.host.is_cancelled() {
                        break (None, Some(CANCELLED_MESSAGE.to_owned()));
                    }
                    if self.host.timed_out.get() || self.host.shutdown.is_triggered() {
                        break (None, Some(self.cpu_message()));
                    }
                    if !ctx.execute_pending_job() && promise.state() == PromiseState::Pending {
                        break (None, Some("Error: the cell awaits a promise that never settles (this sandbox has no timers or I/O)".to_owned()));
                    }
                }
                PromiseState::Resolved => {
                    let value = match promise.result::<Object>() {
                        Some(Ok(object)) => object.get::<_, Value>("value").ok(),
                        _ => None,
                    };
                    let shown = value
                        .filter(|v| !v.is_undefined())
                        .map(|v| format::inspect(ctx, &v));
                    break (shown, None);
                }
                PromiseState::Rejected => {
                    let error = match promise.result::<Value>() {
                        Some(Err(e)) => self.error_message(ctx, &e),
                        _ => "Error: the cell failed".to_owned(),
                    };
                    break (None, Some(error));
                }
            }
        };
        while !self.host.timed_out.get()
            && !self.host.shutdown.is_triggered()
            && !self.host.is_cancelled()
            && ctx.execute_pending_job()
        {}
        outcome
    }

    /// Throws away promise jobs a stopped (timed-out or cancelled) cell left queued, so they
    /// do not run in the next cell under its budget. QuickJS cannot drop queued jobs, so each
    /// one runs under an interrupt that fires at its first check (at most a few thousand
    /// operations; host calls fail at once). Their output goes nowhere. Bounded in jobs and
    /// time against code that keeps queueing jobs.
    fn discard_pending_jobs(&self) {
        const MAX_JOBS: usize = 100_000;
        const MAX_TIME: std::time::Duration = std::time::Duration::from_secs(1);
        if !self.runtime.is_job_pending() {
            return;
        }
        let started = Instant::now();
        self.host.discarding.set(true);
        self.context.with(|ctx| {
            let mut jobs = 0;
            while jobs < MAX_JOBS && started.elapsed() < MAX_TIME && ctx.execute_pending_job() {
                jobs += 1;
            }
            let _ = ctx.catch();
        });
        self.host.discarding.set(false);
    }

    fn cpu_message(&self) -> String {
        format!(
            "TimeoutError: the cell used more than its CPU time limit of {} s and was stopped \
             (time waiting for sub-calls does not count). Make the code faster or split the work \
             across cells; variables assigned before the stop are kept.",
            self.host.limits.cpu_time_per_cell.as_secs_f64()
        )
    }

    fn error_message(&self, ctx: &Ctx<'_>, error: &rquickjs::Error) -> String {
        if self.host.is_cancelled() {
            let _ = ctx.catch();
            return CANCELLED_MESSAGE.to_owned();
        }
        if self.host.timed_out.get() {
            let _ = ctx.catch();
            return self.cpu_message();
        }
        let text = describe(ctx, error);
        if text.contains("out of memory") {
            return memory_message(self.runtime_limit());
        }
        text
    }

    fn runtime_limit(&self) -> usize {
        self.host
            .limits
            .memory_limit
            .unwrap_or(BASE_MEMORY.saturating_add(self.memory_for_contexts))
    }

    /// Puts back the sandbox's functions, a fresh `console` and `context` after a cell that
    /// assigned them. An error says which names could not be restored.
    fn restore_reserved(&self, ctx: &Ctx<'_>) -> Result<(), String> {
        let mut failed = Vec::new();
        let mut print = None;
        for reserved in &self.reserved {
            let value = reserved.value.clone().restore(ctx);
            if reserved.name == "print" {
                print = value.as_ref().ok().cloned();
            }
            let value = match (reserved.name, &print) {
                ("console", Some(print)) => console(ctx, print).map(Object::into_value),
                _ => value,
            };
            let reset = reserved.reset.clone().restore(ctx);
            if value
                .and_then(|value| reset.and_then(|reset| reset.call::<_, ()>((value,))))
                .is_err()
            {
                let _ = ctx.catch();
                failed.push(reserved.name);
            }
        }
        let context = match &self.current_context {
            Some(value) => value.clone().restore(ctx),
            None => Ok(Value::new_undefined(ctx.clone())),
        };
        let reset = self.context_reset.clone().restore(ctx);
        if context
            .and_then(|context| reset.and_then(|reset| reset.call::<_, ()>((context,))))
            .is_err()
        {
            let _ = ctx.catch();
            failed.push("context");
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "InternalError: the sandbox could not restore {}; later cells may see wrong values",
                failed.join(", ")
            ))
        }
    }
}

/// The error of a cell whose caller dropped the `execute` future (nobody sees it, but the
/// cell's bookkeeping stays consistent).
const CANCELLED_MESSAGE: &str = "CancelledError: the cell was cancelled by its caller";

fn memory_message(limit: usize) -> String {
    format!(
        "MemoryError: out of memory (the sandbox heap limit is {} MiB). Work on slices of the \
         context instead of copying it, and drop large temporary values.",
        limit / (1024 * 1024)
    )
}

/// `Name: message (line N)` for a JavaScript exception, `Uncaught <value>` for a thrown
/// non-Error value, or the Rust error text.
fn describe(ctx: &Ctx<'_>, error: &rquickjs::Error) -> String {
    if !error.is_exception() {
        return error.to_string();
    }
    let thrown = ctx.catch();
    match format::error_text(&thrown) {
        Some(text) => {
            let stack = thrown
                .as_object()
                .and_then(|o| o.get::<_, Option<String>>("stack").ok().flatten())
                .unwrap_or_default();
            match line_in_cell(&stack) {
                Some(line) => format!("{text} (line {line})"),
                None => text,
            }
        }
        None => format!("Uncaught {}", format::inspect(ctx, &thrown)),
    }
}

/// The line of the first stack frame inside the cell.
fn line_in_cell(stack: &str) -> Option<usize> {
    let rest = &stack[stack.find("cell:")? + 5..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
