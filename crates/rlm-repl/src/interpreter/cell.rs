//! Running one cell: rewrite its declarations, evaluate it (top-level `await` allowed), drive its
//! promise to completion under the CPU-time limit and the cell's cancel signal, throw away jobs a
//! stopped cell left queued, then put the reserved globals back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::promise::PromiseState;
use rquickjs::{Ctx, Object, Promise, Value};

use super::Worker;
use super::messages::{CANCELLED_MESSAGE, NEVER_SETTLES, cpu_message, describe, memory_message};
use crate::CellResult;
use crate::format;
use crate::host::Shutdown;
use crate::rewrite::rewrite_declarations;
use crate::truncate::truncate_middle;
use crate::variables::user_variables;

/// Told once when a cell froze the global object (or made it non-extensible).
const FROZEN_GLOBALS: &str = "Note: this cell froze the global object (Object.freeze / preventExtensions \
on globalThis). That cannot be undone in this sandbox: new top-level variables can no longer be \
declared (assignments to existing ones may fail too); keep working with the variables you have, or \
use properties of an object you own.";

/// Most jobs, and longest time, spent discarding what a stopped cell left queued.
const DISCARD_MAX_JOBS: usize = 100_000;
const DISCARD_MAX_TIME: Duration = Duration::from_secs(1);

impl Worker {
    pub(super) fn execute(&mut self, code: &str) -> CellResult {
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
        let error = error.map(|text| self.name_out_of_memory(text));
        // Jobs left queued by a stopped cell run (interrupted at once) into throwaway state.
        let cell = host.cell.replace(host.new_cell());
        self.discard_pending_jobs();
        // The cell is over: nothing may interrupt the restore below.
        *host.cancel.borrow_mut() = Arc::new(Shutdown::new());
        let (restored, variables) = self
            .context
            .with(|ctx| (self.restore_reserved(&ctx), user_variables(&ctx, &host)));
        let frozen = self
            .context
            .with(|ctx| !crate::pristine::globals_extensible(&ctx));
        let notice = (frozen && !host.frozen_reported.replace(true)).then_some(FROZEN_GLOBALS);
        let error = [error, restored.err(), notice.map(str::to_owned)]
            .into_iter()
            .flatten()
            .reduce(|all, more| format!("{all}\n{more}"));
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
            restart: None,
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
                        break (None, Some(cpu_message(self.host.limits.cpu_time_per_cell)));
                    }
                    if !ctx.execute_pending_job() && promise.state() == PromiseState::Pending {
                        break (None, Some(NEVER_SETTLES.to_owned()));
                    }
                }
                PromiseState::Resolved => {
                    let value = match promise.result::<Object>() {
                        Some(Ok(object)) => object.get::<_, Value>("value").ok(),
                        _ => None,
                    };
                    let shown = value
                        .filter(|v| !v.is_undefined())
                        .map(|v| format::inspect(ctx, &v, self.host.limits.output_cap_chars));
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
        // The cell's promise settled, but work it left queued ran into the CPU limit.
        if self.host.timed_out.get() && outcome.1.is_none() {
            let _ = ctx.catch();
            return (
                outcome.0,
                Some(format!(
                    "TimeoutError: the cell finished, but background work it started (promise jobs, \
                     async functions left running) used up the CPU time limit of {} s and was stopped",
                    self.host.limits.cpu_time_per_cell.as_secs_f64()
                )),
            );
        }
        outcome
    }

    /// Throws away promise jobs a stopped (timed-out or cancelled) cell left queued, so they
    /// do not run in the next cell under its budget. QuickJS cannot drop queued jobs, so each
    /// one runs under an interrupt that fires at its first check (at most a few thousand
    /// operations; host calls fail at once). Their output goes nowhere. Bounded in jobs and
    /// time against code that keeps queueing jobs.
    fn discard_pending_jobs(&self) {
        if !self.runtime.is_job_pending() {
            return;
        }
        let started = Instant::now();
        self.host.discarding.set(true);
        self.context.with(|ctx| {
            let mut jobs = 0;
            while jobs < DISCARD_MAX_JOBS
                && started.elapsed() < DISCARD_MAX_TIME
                && ctx.execute_pending_job()
            {
                jobs += 1;
            }
            let _ = ctx.catch();
        });
        self.host.discarding.set(false);
    }

    fn error_message(&self, ctx: &Ctx<'_>, error: &rquickjs::Error) -> String {
        if self.host.is_cancelled() {
            let _ = ctx.catch();
            return CANCELLED_MESSAGE.to_owned();
        }
        if self.host.timed_out.get() {
            let _ = ctx.catch();
            return cpu_message(self.host.limits.cpu_time_per_cell);
        }
        describe(ctx, error, self.host.limits.output_cap_chars)
    }

    /// Replaces QuickJS's out-of-memory errors by the sandbox's message. Out of memory, QuickJS
    /// sometimes cannot even build the error and throws `null`; memory is measured outside the
    /// context (the runtime is locked inside it).
    fn name_out_of_memory(&self, text: String) -> String {
        let near_limit =
            || self.runtime.memory_usage().malloc_size as f64 >= 0.9 * self.runtime_limit() as f64;
        if text.contains("out of memory") || (text == "Uncaught null" && near_limit()) {
            return memory_message(self.runtime_limit());
        }
        text
    }
}
