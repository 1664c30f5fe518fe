//! Copying JavaScript strings out of the heap, exactly and within bounds.
//!
//! A JavaScript string may hold unpaired surrogates (`'🦀'.slice(0, 1)`), which have no UTF-8 form:
//! such a string is copied with each of them as U+FFFD, so it keeps its length in UTF-16 units and
//! nothing else changes. A string's length is read before it is copied, so a caller can refuse or cut a
//! huge one without ever allocating it on the Rust side.
//!
//! The built-ins used for this are the pristine copies of `pristine`, so a cell that replaces
//! `String.prototype.slice` or `toWellFormed` cannot change them.

use rquickjs::{Ctx, Value};

use crate::pristine;

/// Length of a JavaScript string in UTF-16 code units (what `s.length` says).
pub(crate) fn length<'js>(ctx: &Ctx<'js>, s: &rquickjs::String<'js>) -> rquickjs::Result<usize> {
    let length = pristine::get(ctx, "length")?;
    let n: f64 = length.call((s.clone(),))?;
    Ok(n as usize)
}

/// The whole string as Rust text; unpaired surrogates become U+FFFD.
pub(crate) fn copy<'js>(ctx: &Ctx<'js>, s: &rquickjs::String<'js>) -> rquickjs::Result<String> {
    match s.to_string() {
        Ok(text) => Ok(text),
        Err(rquickjs::Error::Utf8(_)) => {
            let well_formed = pristine::get(ctx, "wellFormed")?;
            let fixed: rquickjs::String = well_formed.call((s.clone(),))?;
            fixed.to_string()
        }
        Err(e) => Err(e),
    }
}

/// `s.slice(start, end)`, with the original `slice` (bound to `call`: the string is its first argument).
pub(crate) fn slice<'js>(
    ctx: &Ctx<'js>,
    s: &rquickjs::String<'js>,
    start: usize,
    end: usize,
) -> rquickjs::Result<rquickjs::String<'js>> {
    let slice = pristine::get(ctx, "slice")?;
    slice.call((s.clone(), start as f64, end as f64))
}

/// A copy of at most `cap` UTF-16 units of a string: all of it, or its head and tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bounded {
    /// The first part (all of the string when nothing was cut).
    pub(crate) head: String,
    /// The last part (empty when nothing was cut).
    pub(crate) tail: String,
    /// UTF-16 units left out between the two.
    pub(crate) omitted: usize,
}

impl Bounded {
    /// Head and tail joined by the omission marker used everywhere in the sandbox.
    pub(crate) fn joined(&self) -> String {
        if self.omitted == 0 {
            return format!("{}{}", self.head, self.tail);
        }
        format!(
            "{}\n[... {} characters omitted ...]\n{}",
            self.head, self.omitted, self.tail
        )
    }
}

/// At most `cap` units of `s`, head and tail, copied without ever copying the middle.
pub(crate) fn copy_bounded<'js>(
    ctx: &Ctx<'js>,
    s: &rquickjs::String<'js>,
    cap: usize,
) -> rquickjs::Result<Bounded> {
    let total = length(ctx, s)?;
    if total <= cap {
        return Ok(Bounded {
            head: copy(ctx, s)?,
            tail: String::new(),
            omitted: 0,
        });
    }
    let head_units = cap / 2;
    let tail_units = cap - head_units;
    Ok(Bounded {
        head: copy(ctx, &slice(ctx, s, 0, head_units)?)?,
        tail: copy(ctx, &slice(ctx, s, total - tail_units, total)?)?,
        omitted: total - cap,
    })
}

/// The string value `value` as a JavaScript string, when it is one.
pub(crate) fn as_js_string<'js>(value: &Value<'js>) -> Option<rquickjs::String<'js>> {
    value.as_string().cloned()
}
