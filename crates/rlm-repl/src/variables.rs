//! The user's variables: global names that are neither built-ins, reserved functions nor
//! loaded contexts.

use rquickjs::Ctx;
use rquickjs::object::Filter;

use crate::format;
use crate::host::Host;

/// Whether `name` is `context_N`.
fn is_context_slot(name: &str) -> bool {
    name.strip_prefix("context_")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Names of every global property, in definition order.
pub(crate) fn global_names(ctx: &Ctx<'_>) -> Vec<String> {
    ctx.globals()
        .own_keys::<String>(Filter::new().string())
        .filter_map(Result::ok)
        .collect()
}

/// The user's variables, in definition order.
pub(crate) fn user_variables(ctx: &Ctx<'_>, host: &Host) -> Vec<String> {
    let baseline = host.baseline.borrow();
    global_names(ctx)
        .into_iter()
        .filter(|n| {
            !baseline.contains(n) && !host.reserved.contains(&n.as_str()) && !is_context_slot(n)
        })
        .collect()
}

/// The value of a variable as the run's answer, or a message listing the defined variables.
pub(crate) fn final_var(ctx: &Ctx<'_>, host: &Host, name: &str) -> Result<String, String> {
    let variables = user_variables(ctx, host);
    let known = variables.iter().any(|v| v == name) || name == "context" || is_context_slot(name);
    if known {
        if let Ok(value) = ctx.globals().get::<_, rquickjs::Value>(name) {
            return Ok(format::answer(ctx, &value));
        }
        let _ = ctx.catch();
    }
    let list = if variables.is_empty() {
        "(none)".to_owned()
    } else {
        variables.join(", ")
    };
    Err(format!(
        "FINAL_VAR: no variable named \"{name}\". Defined variables: {list}. \
         Assign the answer to a variable first, or use FINAL(value)."
    ))
}
