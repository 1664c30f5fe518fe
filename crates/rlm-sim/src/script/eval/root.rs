//! The root script for a suite question: the magic-number script's three steps (inspect, query
//! the chunks, `FINAL_VAR(result)`) with step 2 asking every chunk the suite's chunk question and
//! combining the replies in JavaScript into the suite's expected-answer format. Chunks always end
//! at a line break, so no needle or record is ever cut in two.

use super::SuiteQuery;
use super::combine;
use crate::script::root::{calls_js, run_steps, split_js};
use crate::script::{ChatMessage, Mode, ScriptConfig};

/// The reply of a root turn whose task asks `query`.
pub(crate) fn respond(
    config: &ScriptConfig,
    mode: Mode,
    query: &SuiteQuery,
    messages: &[ChatMessage],
) -> String {
    run_steps(messages, || query_turn(config, mode, query), final_turn)
}

fn query_turn(config: &ScriptConfig, mode: Mode, query: &SuiteQuery) -> String {
    let chunks = config.chunks.max(1);
    let (how, calls) = calls_js(mode, config.batch_concurrency);
    let split = split_js(chunks, true);
    let plan = combine::plan(query);
    let question = serde_json::to_string(&query.chunk_question()).unwrap_or_default();
    let combine = combine::js(query);
    format!(
        r#"The context is too large to read at once. I will split it into {chunks} chunks on line boundaries, ask a sub-model about each chunk {plan}, {how}, and combine the replies in code.

```repl
{split}const chunk_question = {question};
const prompts = chunks.map((chunk) => chunk_question + "\n\n" + chunk);
{calls}
const replies = [];
let failed = 0;
for (const answer of answers) {{
  const reply = String(answer).trim();
  if (reply.startsWith("Error")) {{
    failed += 1;
    continue;
  }}
  replies.push(reply);
}}
{combine}print("chunks: " + chunks.length + ", sub-calls: " + answers.length + ", failed: " + failed);
print("result: " + result);
print(["SIM", "STEP", "2", "OK"].join("_"));
```
"#
    )
}

fn final_turn() -> String {
    "Every chunk has been read; `result` holds the combined answer.\nFINAL_VAR(result)\n".to_owned()
}
