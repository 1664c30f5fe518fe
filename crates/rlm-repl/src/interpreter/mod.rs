//! The interpreter core both drivers share: one QuickJS runtime and context, serving requests one at
//! a time on the thread that created it. `load` loads contexts, `cell` runs code, `reserved` keeps
//! the sandbox's own globals in place, `messages` words the errors code sees.

mod cell;
mod load;
mod messages;
mod reserved;

use std::rc::Rc;
use std::sync::Arc;

use rquickjs::{Context, Function, Persistent, Runtime, Value};

use crate::context::BASE_MEMORY;
use crate::host::{Host, Shutdown};
use crate::js::reserved_functions;
use crate::request::{Request, Response};
use crate::upstream::Upstream;
use crate::variables::{final_var, global_names, user_variables};
use crate::{CellResult, SandboxError, SandboxLimits};
use reserved::{Reserved, define_reserved};

fn init_error(e: &rquickjs::Error) -> SandboxError {
    SandboxError::Init(e.to_string())
}

/// The names reserved for the sandbox's own globals, the host tools included.
fn reserved_names(recursive: bool, tools: &[String]) -> Vec<String> {
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
    let mut names: Vec<String> = names.into_iter().map(str::to_owned).collect();
    names.extend(tools.iter().cloned());
    names
}

/// What the interpreter defines besides the base functions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Globals {
    /// Define `rlm_query` / `rlm_batch`.
    pub(crate) recursive: bool,
    /// Names of the host tools.
    pub(crate) tools: Vec<String>,
}

/// The interpreter. Field order matters: persistent values drop before the context and runtime.
pub(crate) struct Worker {
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
    /// A fresh interpreter with `limits`, the functions of `globals`, its sub-calls (and tool calls)
    /// going to `upstream`, stopped for good by `shutdown`.
    pub(crate) fn new(
        limits: SandboxLimits,
        globals: &Globals,
        upstream: Box<dyn Upstream>,
        shutdown: Arc<Shutdown>,
    ) -> Result<Self, SandboxError> {
        let runtime = Runtime::new().map_err(|e| init_error(&e))?;
        runtime.set_memory_limit(limits.memory_limit.unwrap_or(BASE_MEMORY));
        runtime.set_max_stack_size(limits.stack_size);
        let context = Context::full(&runtime).map_err(|e| init_error(&e))?;
        let names = reserved_names(globals.recursive, &globals.tools);
        let host = Rc::new(Host::new(upstream, shutdown, limits, names));
        let interrupt_host = host.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || interrupt_host.should_interrupt())));
        let (reserved, context_reset, facts_of) = context
            .with(|ctx| -> rquickjs::Result<_> {
                crate::pristine::install(&ctx)?;
                let mut saved = Vec::new();
                for (name, value) in reserved_functions(&ctx, &host, globals)? {
                    let reset = define_reserved(&ctx, &name, value.clone())?;
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

    /// Serves one request; `cancel` stops it when it is a cell.
    pub(crate) fn handle(&mut self, request: Request, cancel: Arc<Shutdown>) -> Response {
        match request {
            Request::Load { context, items } => {
                Response::Loaded(self.load(context, items).map_err(|e| match e {
                    SandboxError::ContextLoad(message) => message,
                    other => other.to_string(),
                }))
            }
            // A caller that already gave up does not get its cell run.
            Request::Execute { .. } if cancel.is_triggered() => Response::Cell(CellResult {
                error: Some(messages::CANCELLED_MESSAGE.to_owned()),
                ..CellResult::default()
            }),
            Request::Execute { code } => {
                *self.host.cancel.borrow_mut() = cancel;
                let cell = self.execute(&code);
                Response::Cell(cell)
            }
            Request::FinalVar { name } => {
                Response::FinalVar(self.bounded(|ctx, host| final_var(ctx, host, &name)))
            }
            Request::Variables => Response::Variables(self.bounded(user_variables)),
        }
    }

    /// Whether the sandbox is stopping for good.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.host.shutdown.is_triggered()
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
    pub(crate) fn runtime_limit(&self) -> usize {
        self.host
            .limits
            .memory_limit
            .unwrap_or(BASE_MEMORY.saturating_add(self.memory_for_contexts))
    }
}
