//! The user's variables: global names that are neither built-ins, reserved functions nor
//! loaded contexts.

use rquickjs::Ctx;
use rquickjs::object::Filter;

use crate::FinalVarError;
use crate::host::Host;
use crate::{format, strings};

/// Whether `name` is `context_N`.
fn is_context_slot(name: &str) -> bool {
    name.strip_prefix("context_")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Longest variable name copied whole; a longer one is listed by its first characters.
const NAME_CAP: usize = 200;

/// Longest error shown when reading a variable for `FINAL_VAR` throws.
const THROWN_CAP: usize = 2_000;

/// Names of every global property, in definition order (each at most [`NAME_CAP`] units, copied
/// without ever copying a longer one whole).
pub(crate) fn global_names(ctx: &Ctx<'_>) -> Vec<String> {
    ctx.globals()
        .own_keys::<rquickjs::String>(Filter::new().string())
        .filter_map(Result::ok)
        .filter_map(|name| {
            let bounded = strings::copy_bounded(ctx, &name, NAME_CAP).ok()?;
            Some(if bounded.omitted == 0 {
                bounded.head
            } else {
                format!("{}…", bounded.head)
            })
        })
        .collect()
}

/// The user's variables, in definition order.
pub(crate) fn user_variables(ctx: &Ctx<'_>, host: &Host) -> Vec<String> {
    let baseline = host.baseline.borrow();
    global_names(ctx)
        .into_iter()
        .filter(|n| !baseline.contains(n) && !host.reserved.contains(n) && !is_context_slot(n))
        .collect()
}

/// The value of a variable as the run's answer, or why there is none.
pub(crate) fn final_var(ctx: &Ctx<'_>, host: &Host, name: &str) -> Result<String, FinalVarError> {
    let variables = user_variables(ctx, host);
    let known = variables.iter().any(|v| v == name) || name == "context" || is_context_slot(name);
    if known {
        let cap = host.limits.max_batch_bytes;
        let read = ctx
            .globals()
            .get::<_, rquickjs::Value>(name)
            .and_then(|value| format::answer(ctx, &value, cap));
        // Interrupted, `toJSON` fails and the answer falls back to `String(value)`: not the answer.
        if host.timed_out.get() {
            let _ = ctx.catch();
            return Err(FinalVarError::Unreadable(format!(
                "FINAL_VAR: reading \"{name}\" took longer than the CPU time limit of {} s (a getter or toJSON that does not end?) and was stopped",
                host.limits.cpu_time_per_cell.as_secs_f64()
            )));
        }
        match read {
            Ok(Ok(answer)) => return Ok(answer),
            Ok(Err(length)) => {
                return Err(FinalVarError::Unreadable(format!(
                    "FINAL_VAR: the value of \"{name}\" is {length} characters, more than the {cap} an answer may hold; store a shorter answer"
                )));
            }
            Err(_) => {
                let thrown = format::display(ctx, &ctx.catch(), THROWN_CAP);
                return Err(FinalVarError::Unreadable(format!(
                    "FINAL_VAR: reading \"{name}\" threw {thrown}"
                )));
            }
        }
    }
    Err(FinalVarError::Undefined {
        name: name.to_owned(),
        variables,
    })
}
