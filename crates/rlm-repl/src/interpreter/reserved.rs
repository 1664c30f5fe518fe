//! The sandbox's own globals (`llm_query`, `print`, `context`, ...): defined as non-configurable
//! accessors over hidden slots, and put back after every cell.

use rquickjs::{Ctx, Function, Object, Persistent, Value};

use super::Worker;
use crate::js::console;

/// A reserved global: its own value and the function that puts it back after a cell.
pub(super) struct Reserved {
    name: String,
    value: Persistent<Value<'static>>,
    reset: Persistent<Function<'static>>,
}

impl Reserved {
    /// Keeps `value` and its `reset` function across cells.
    pub(super) fn save<'js>(
        ctx: &Ctx<'js>,
        name: String,
        value: Value<'js>,
        reset: Function<'js>,
    ) -> Self {
        Self {
            name,
            value: Persistent::save(ctx, value),
            reset: Persistent::save(ctx, reset),
        }
    }
}

/// Defines `name` on the global object as a non-configurable accessor over a hidden slot
/// and returns the function that resets the slot. User code can assign the name (the new
/// value lasts until the slot is reset after the cell) but cannot delete or redefine it
/// (`Object.defineProperty` throws, so a fake can never outlive the cell). Runs before any
/// user code, so the built-ins it uses are the originals.
pub(super) fn define_reserved<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    value: Value<'js>,
) -> rquickjs::Result<Function<'js>> {
    let define: Function = ctx.eval(
        "(function (target, name, value) {\n\
           let current = value;\n\
           Object.defineProperty(target, name, {\n\
             get() { return current; },\n\
             set(v) { current = v; },\n\
             enumerable: true,\n\
             configurable: false,\n\
           });\n\
           return function reset(v) { current = v; };\n\
         })",
    )?;
    define.call((ctx.globals(), name, value))
}

impl Worker {
    /// Puts back the sandbox's functions, a fresh `console` and `context` after a cell that
    /// assigned them. An error says which names could not be restored.
    pub(super) fn restore_reserved(&self, ctx: &Ctx<'_>) -> Result<(), String> {
        let mut failed = Vec::new();
        let mut print = None;
        for reserved in &self.reserved {
            let value = reserved.value.clone().restore(ctx);
            if reserved.name == "print" {
                print = value.as_ref().ok().cloned();
            }
            let value = match (reserved.name.as_str(), &print) {
                ("console", Some(print)) => console(ctx, print).map(Object::into_value),
                _ => value,
            };
            let reset = reserved.reset.clone().restore(ctx);
            if value
                .and_then(|value| reset.and_then(|reset| reset.call::<_, ()>((value,))))
                .is_err()
            {
                let _ = ctx.catch();
                failed.push(reserved.name.as_str());
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
