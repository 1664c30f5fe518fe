//! A host tool: the application's own function, called by the model's code as `search(query, limit)`.
//!
//! The tool searches a small in-memory inverted index of a product manual and returns the best
//! sections as JSON (`[{id, score, text}]`), which the code gets back as a JavaScript array. The
//! tool runs on the host, outside the sandbox, under a time limit per call and a cap on calls per
//! run; a failed call (here: wrong arguments) is an `"Error: ..."` string for the code, like a failed
//! `llm_query`. Every call is in the run's events and in the trajectory.
//!
//! Offline (default) the root model is a scripted closure (not an LLM) that writes the code; with
//! `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` set, a real model is the root and finds the tool in its
//! system prompt.
//!
//! ```sh
//! cargo run --release --example tools
//! ```

mod common;

use std::collections::BTreeMap;
use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rlm::prelude::*;
use serde_json::{Value, json};

/// The manual the tool searches, one section per line.
const MANUAL: &str = "\
Installing: download the archive, unpack it and put the binary on your PATH.
Configuration lives in config.toml next to the binary; every key has a default.
Rate limits: the client waits when the server answers 429 and retries with backoff.
Retries: transient errors are retried up to ten times, the wait doubling each time.
Timeouts: each request has its own timeout; the whole call has an optional deadline.
Logging: set RUST_LOG=info to see one line per request with its latency.
Upgrading: read the changelog first; configuration keys are never renamed silently.
Uninstalling: delete the binary and config.toml; nothing else is written.";

/// An inverted index: each word, and the sections it appears in.
struct Index {
    sections: Vec<String>,
    postings: BTreeMap<String, Vec<usize>>,
}

impl Index {
    fn new(text: &str) -> Self {
        let sections: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut postings: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (id, section) in sections.iter().enumerate() {
            for word in words(section) {
                let ids = postings.entry(word).or_default();
                if ids.last() != Some(&id) {
                    ids.push(id);
                }
            }
        }
        Self { sections, postings }
    }

    /// The `limit` sections holding the most words of `query`, best first.
    fn search(&self, query: &str, limit: usize) -> Vec<Value> {
        let mut scores: BTreeMap<usize, usize> = BTreeMap::new();
        for word in words(query) {
            for id in self.postings.get(&word).into_iter().flatten() {
                *scores.entry(*id).or_default() += 1;
            }
        }
        let mut ranked: Vec<(usize, usize)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .map(|(id, score)| json!({ "id": id, "score": score, "text": self.sections[id] }))
            .collect()
    }
}

/// Lower-case words of at least two letters.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(str::to_lowercase)
}

/// What the scripted root writes on its first turn.
const SEARCH_CELL: &str = r#"The manual is behind the `search` tool. Let me look for retries and rate limits.

```repl
const hits = search("retries rate limit 429 backoff", 2);
print(hits.map(h => `#${h.id} (score ${h.score}): ${h.text}`).join("\n"));
print(search(42));
const answer = hits.map(h => h.text).join(" ");
```
"#;

const QUERY: &str = "What does the client do when the server rate-limits it, and how often does it retry? \
    The manual is not in the context: search it with the `search` tool.";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let index = Arc::new(Index::new(MANUAL));
    let search = Tool::typed(
        "search",
        "full-text search of the product manual; returns the best sections, best first",
        move |(query, limit): (String, usize)| {
            let index = Arc::clone(&index);
            // The model chooses the arguments: bound what it may ask for.
            async move { Ok::<_, ToolError>(index.search(&query, limit.min(10))) }
        },
    )
    .with_arguments("(query: string, limit: number) -> [{id, score, text}]")
    .with_timeout(Duration::from_secs(5));

    let root = common::root_or_scripted(SEARCH_CELL)?;
    let tool_events = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&tool_events);
    let rlm = Rlm::builder()
        .root(root)
        .with_tool(search)
        .max_iterations(6)
        .limits(
            Limits::default()
                .with_max_tool_calls(Some(20))
                .with_timeout(Duration::from_mins(5)),
        )
        .on_event(move |event| {
            if let Event::ToolCallFinished { .. } = event {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()?;
    let answer = rlm
        .completion("(the manual is reached through the search tool)", QUERY)
        .await?;
    println!("answer: {}", answer.answer);
    for iteration in answer.trajectory.iterations() {
        for call in iteration.cells.iter().flat_map(|cell| &cell.tool_calls) {
            let outcome = call.error.as_deref().map_or_else(
                || format!("{} characters of JSON", call.result_chars),
                |e| format!("Error: {e}"),
            );
            println!(
                "tool call: {} {} in {} ms -> {outcome}",
                call.name, call.arguments, call.duration_ms
            );
        }
    }
    println!(
        "{} iterations, {} tool calls reported as events",
        answer.iterations,
        tool_events.load(Ordering::SeqCst)
    );
    Ok(())
}
