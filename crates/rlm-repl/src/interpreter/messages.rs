//! The words of the errors a cell's code sees: a stopped cell, an exhausted heap, a thrown value.

use rquickjs::Ctx;

use crate::format;

/// The error of a cell whose caller dropped the `execute` future (nobody sees it, but the
/// cell's bookkeeping stays consistent).
pub(super) const CANCELLED_MESSAGE: &str = "CancelledError: the cell was cancelled by its caller";

/// The error of a promise that can never settle.
pub(super) const NEVER_SETTLES: &str =
    "Error: the cell awaits a promise that never settles (this sandbox has no timers or I/O)";

/// The error of a cell stopped by its CPU-time limit.
pub(super) fn cpu_message(limit: std::time::Duration) -> String {
    format!(
        "TimeoutError: the cell used more than its CPU time limit of {} s and was stopped \
         (time waiting for sub-calls does not count). Make the code faster or split the work \
         across cells; variables assigned before the stop are kept.",
        limit.as_secs_f64()
    )
}

/// The error of a cell that ran out of heap.
pub(super) fn memory_message(limit: usize) -> String {
    format!(
        "MemoryError: out of memory (the sandbox heap limit is {} MiB). Work on slices of the \
         context instead of copying it, and drop large temporary values.",
        limit / (1024 * 1024)
    )
}

/// Most units of a stack trace read to find the cell's line.
const STACK_CAP: usize = 4_000;

/// `Name: message (line N)` for a JavaScript exception, `Uncaught <value>` for a thrown
/// non-Error value, or the Rust error text; at most about `cap` units of each part.
pub(super) fn describe(ctx: &Ctx<'_>, error: &rquickjs::Error, cap: usize) -> String {
    if !error.is_exception() {
        return error.to_string();
    }
    let thrown = ctx.catch();
    match format::error_text(ctx, &thrown, cap) {
        Some(text) => {
            let stack = thrown
                .as_object()
                .and_then(|o| o.get::<_, rquickjs::Value>("stack").ok())
                .filter(rquickjs::Value::is_string)
                .map(|s| format::display(ctx, &s, STACK_CAP))
                .unwrap_or_default();
            match line_in_cell(&stack) {
                Some(line) => format!("{text} (line {line})"),
                None => text,
            }
        }
        None => format!("Uncaught {}", format::inspect(ctx, &thrown, cap)),
    }
}

/// The line of the first stack frame inside the cell.
fn line_in_cell(stack: &str) -> Option<usize> {
    let rest = &stack[stack.find("cell:")? + 5..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
