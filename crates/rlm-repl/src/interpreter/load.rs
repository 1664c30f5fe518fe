//! Loading a context: the value becomes `context_N` (read-only) and `context`, the heap limit grows
//! with it, and its facts are read the way JavaScript sees them (UTF-16 lengths), under the CPU-time
//! limit of a cell.

use std::time::Instant;

use rquickjs::object::Property;
use rquickjs::{Ctx, Function, Persistent, Value};

use super::Worker;
use super::messages::describe;
use crate::context::{BASE_MEMORY, memory_for};
use crate::{ContextFacts, ContextShape, ContextValue, LoadedContext, SandboxError};

/// Evaluated before any user code: the facts of a value, with the built-ins as they were then.
const FACTS_SOURCE: &str = "(function () {\n\
  const isArray = Array.isArray, keys = Object.keys, stringify = JSON.stringify;\n\
  const len = (v) => typeof v === 'string' ? v.length : String(stringify(v)).length;\n\
  return function facts(c, cap) {\n\
    if (typeof c === 'string') return ['text', c.length, 1, [c.length]];\n\
    const items = isArray(c) ? c : (c !== null && typeof c === 'object') ? null : undefined;\n\
    if (items === undefined) { const n = len(c); return ['scalar', n, 1, [n]]; }\n\
    const names = items === null ? keys(c) : null;\n\
    const count = items === null ? names.length : items.length;\n\
    let total = 0; const first = [];\n\
    for (let i = 0; i < count; i++) {\n\
      const n = len(items === null ? c[names[i]] : items[i]);\n\
      total += n;\n\
      if (i < cap) first.push(n);\n\
    }\n\
    return [items === null ? 'object' : 'array', total, count, first];\n\
  };\n\
})()";

/// The facts function, made once per sandbox before user code runs.
pub(super) fn facts_function<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Function<'js>> {
    ctx.eval(FACTS_SOURCE)
}

impl Worker {
    pub(super) fn load(
        &mut self,
        value: ContextValue,
        item_lengths: usize,
    ) -> Result<LoadedContext, SandboxError> {
        let (text, json) = match value {
            ContextValue::Text(text) => (text, false),
            ContextValue::JsonText(text) => (text, true),
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
        let loaded = self.context.with(|ctx| {
            let value = if json {
                ctx.json_parse(text).map_err(|e| {
                    format!(
                        "the context is not valid JSON: {}",
                        describe(&ctx, &e, self.host.limits.output_cap_chars)
                    )
                })
            } else {
                rquickjs::String::from_str(ctx.clone(), &text)
                    .map(rquickjs::String::into_value)
                    .map_err(|e| describe(&ctx, &e, self.host.limits.output_cap_chars))
            }?;
            // context_N never changes: read-only and not redefinable.
            ctx.globals()
                .prop(
                    format!("context_{n}"),
                    Property::from(value.clone()).enumerable(),
                )
                .map_err(|e| describe(&ctx, &e, self.host.limits.output_cap_chars))?;
            self.context_reset
                .clone()
                .restore(&ctx)
                .and_then(|reset| reset.call::<_, ()>((value.clone(),)))
                .map_err(|e| describe(&ctx, &e, self.host.limits.output_cap_chars))?;
            let facts = self.facts(&ctx, &value, item_lengths)?;
            Ok::<_, String>((Persistent::save(&ctx, value), facts))
        });
        match loaded {
            Ok((value, facts)) => {
                self.current_context = Some(value);
                self.contexts_loaded += 1;
                Ok(LoadedContext { index: n, facts })
            }
            Err(message) => {
                self.runtime.run_gc();
                Err(SandboxError::ContextLoad(message))
            }
        }
    }

    /// The facts of a loaded value, bounded by the CPU-time limit of a cell (a session's earlier
    /// code may have defined a slow `toJSON`).
    fn facts<'js>(
        &self,
        ctx: &Ctx<'js>,
        value: &Value<'js>,
        item_lengths: usize,
    ) -> Result<ContextFacts, String> {
        let host = &self.host;
        host.timed_out.set(false);
        host.deadline
            .set(Instant::now().checked_add(host.limits.cpu_time_per_cell));
        let facts = self.facts_of.clone().restore(ctx).and_then(|facts| {
            let array: rquickjs::Array = facts.call((value.clone(), item_lengths as f64))?;
            Ok((
                array.get::<String>(0)?,
                array.get::<f64>(1)?,
                array.get::<f64>(2)?,
                array.get::<Vec<f64>>(3)?,
            ))
        });
        host.deadline.set(None);
        let (shape, total, count, first) = facts.map_err(|e| {
            let _ = ctx.catch();
            format!("could not measure the context: {e}")
        })?;
        let shape = match shape.as_str() {
            "text" => ContextShape::Text,
            "array" => ContextShape::Array,
            "object" => ContextShape::Object,
            _ => ContextShape::Scalar,
        };
        Ok(ContextFacts {
            shape,
            total_length: total as usize,
            item_count: count as usize,
            first_item_lengths: first.into_iter().map(|n| n as usize).collect(),
        })
    }
}
