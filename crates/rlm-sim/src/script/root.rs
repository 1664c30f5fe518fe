//! The root-model script: inspect the context, chunk it and query the chunks, then answer.
//!
//! Stateless: the step is the number of assistant messages already in the history. Each cell
//! prints a marker line on success (`SIM_STEP_1_OK`, `SIM_STEP_2_OK`), built at run time so the
//! marker never appears in the code itself; the next step looks for it in the user messages that
//! followed, and answers `FINAL(could not compute: ...)` when it is missing, so a broken sandbox
//! ends the run instead of looping.

use super::{ChatMessage, Mode, ScriptConfig};

const STEP_1_MARKER: &str = "SIM_STEP_1_OK";
const STEP_2_MARKER: &str = "SIM_STEP_2_OK";
const REASON_MAX_CHARS: usize = 160;

/// The reply of a root turn.
pub(crate) fn respond(config: &ScriptConfig, mode: Mode, messages: &[ChatMessage]) -> String {
    let assistant_turns = messages.iter().filter(|m| m.role == "assistant").count();
    if config.never_finish {
        return format!(
            "Still looking (turn {}).\n```repl\nprint(\"still looking\")\n```\n",
            assistant_turns + 1
        );
    }
    run_steps(messages, || query_turn(config, mode), final_turn)
}

/// The three steps shared by every root script: the inspect cell, then `query_turn` once the
/// inspect cell printed its marker, then `final_turn` once the query cell printed its marker (or
/// [`give_up`] when a marker is missing).
pub(crate) fn run_steps(
    messages: &[ChatMessage],
    query_turn: impl FnOnce() -> String,
    final_turn: impl FnOnce() -> String,
) -> String {
    match messages.iter().filter(|m| m.role == "assistant").count() {
        0 => inspect_turn(),
        1 => match step_failure(messages, 1, STEP_1_MARKER) {
            Some(reason) => give_up(&reason),
            None => query_turn(),
        },
        _ => match step_failure(messages, 2, STEP_2_MARKER) {
            Some(reason) => give_up(&reason),
            None => final_turn(),
        },
    }
}

fn inspect_turn() -> String {
    r#"I will start by inspecting the context: its type, its length and how it begins.

```repl
const ctx_kind = typeof context === "string" ? "string" : Array.isArray(context) ? "array" : typeof context;
const ctx_text = typeof context === "string" ? context : (JSON.stringify(context) ?? String(context));
print("context type: " + ctx_kind);
print("context length: " + ctx_text.length + " characters");
print("first 200 characters: " + JSON.stringify(ctx_text.slice(0, 200)));
print(["SIM", "STEP", "1", "OK"].join("_"));
```
"#
    .to_owned()
}

fn query_turn(config: &ScriptConfig, mode: Mode) -> String {
    let chunks = config.chunks.max(1);
    let (plan, calls) = calls_js(mode, config.batch_concurrency);
    let split = split_js(chunks, false);
    format!(
        r#"The context is too large to read at once. I will split it into {chunks} chunks on line boundaries and ask a sub-model for the magic numbers in each chunk, {plan}.

```repl
{split}const prompts = chunks.map((chunk, i) =>
  "Below is part " + (i + 1) + " of " + chunks.length + " of a long document.\n" +
  "List every magic number stated in it (sentences like \"The magic number is N.\").\n" +
  "Reply with exactly \"MAGIC: n1, n2\" or \"NONE\".\n\n" + chunk);
{calls}
const found = new Set();
let failed = 0;
for (const answer of answers) {{
  const reply = String(answer);
  if (reply.startsWith("Error")) {{
    failed += 1;
    continue;
  }}
  for (const digits of reply.match(/\d{{6,}}/g) || []) found.add(digits.replace(/^0+(?=\d)/, ""));
}}
const magic = Array.from(found).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
const result = magic.join(", ");
print("chunks: " + chunks.length + ", sub-calls: " + answers.length + ", failed: " + failed);
print("magic numbers found: " + magic.length);
print("result: " + result);
print(["SIM", "STEP", "2", "OK"].join("_"));
```
"#
    )
}

/// How the chunks are queried: a phrase for the reasoning text, and the JavaScript that fills
/// `answers` from `prompts`.
pub(crate) fn calls_js(mode: Mode, batch_concurrency: usize) -> (String, String) {
    let concurrency = batch_concurrency.max(1);
    match mode {
        Mode::Batch => (
            format!("with one llm_batch call that runs up to {concurrency} of them at a time"),
            format!("const answers = llm_batch(prompts, {concurrency});"),
        ),
        Mode::Sequential => (
            "with one llm_query call per chunk, one after the other".to_owned(),
            "const answers = [];\nfor (const prompt of prompts) {\n  answers.push(llm_query(prompt));\n}"
                .to_owned(),
        ),
    }
}

/// The JavaScript that splits `ctx_text` into about `chunks` pieces on line boundaries, as the
/// array `chunks`. With `whole_lines`, a chunk always ends at a line break (a line longer than a
/// chunk is never cut, so there may be fewer chunks); otherwise a line more than a chunk long is
/// cut where the chunk ends.
pub(crate) fn split_js(chunks: usize, whole_lines: bool) -> String {
    let chunks = chunks.max(1);
    let extend = if whole_lines {
        "end = nl === -1 ? ctx_text.length : nl + 1;"
    } else {
        "if (nl !== -1 && nl - end < chunk_target) end = nl + 1;"
    };
    format!(
        r#"const n_chunks = {chunks};
const chunk_target = Math.max(1, Math.ceil(ctx_text.length / n_chunks));
const chunks = [];
for (let start = 0; start < ctx_text.length; ) {{
  let end = Math.min(ctx_text.length, start + chunk_target);
  if (end < ctx_text.length) {{
    const nl = ctx_text.indexOf("\n", end);
    {extend}
  }}
  chunks.push(ctx_text.slice(start, end));
  start = end;
}}
"#
    )
}

fn final_turn() -> String {
    "Every chunk has been read; `result` holds the magic numbers found, sorted and without duplicates.\n\
     FINAL_VAR(result)\n"
        .to_owned()
}

fn give_up(reason: &str) -> String {
    format!(
        "The code did not run as expected, so I stop here.\nFINAL(could not compute: {reason})\n"
    )
}

/// `None` when `marker` appears in a user message after the `step`-th assistant message;
/// otherwise a short one-line reason taken from the last user message.
fn step_failure(messages: &[ChatMessage], step: usize, marker: &str) -> Option<String> {
    let after_step = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.role == "assistant")
        .nth(step - 1)
        .map_or(messages.len(), |(i, _)| i + 1);
    let feedback = &messages[after_step..];
    if feedback
        .iter()
        .any(|m| m.role == "user" && m.content.contains(marker))
    {
        return None;
    }
    let last_user = feedback
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .map_or("", |m| m.content.as_str());
    Some(short_reason(last_user))
}

/// The first line that looks like an error, made safe to put inside `FINAL(...)`.
fn short_reason(output: &str) -> String {
    let line = output
        .lines()
        .map(str::trim)
        .find(|l| {
            let lower = l.to_lowercase();
            lower.contains("error") || lower.contains("exception") || lower.contains("timed out")
        })
        .unwrap_or("the code cell did not finish");
    let cleaned: String = line
        .chars()
        .map(|c| match c {
            '(' => '[',
            ')' => ']',
            c if c.is_control() => ' ',
            c => c,
        })
        .take(REASON_MAX_CHARS)
        .collect();
    cleaned.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::short_reason;

    #[test]
    fn reason_is_one_safe_short_line() {
        assert_eq!(
            short_reason("Output:\nReferenceError: ctx_text is not defined (at line 2)\nmore"),
            "ReferenceError: ctx_text is not defined [at line 2]"
        );
        assert_eq!(short_reason(""), "the code cell did not finish");
        assert_eq!(
            short_reason(&format!("error {}", "x".repeat(500)))
                .chars()
                .count(),
            160
        );
    }
}
