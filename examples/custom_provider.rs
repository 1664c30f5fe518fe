//! Your own provider: implement `LlmClient` once and it works everywhere rlm takes a client — here as
//! the sub-model of an `Rlm`.
//!
//! The provider is a toy keyword filter, not a language model: a prompt `KEYWORD: <word>` followed by
//! text gets back the lines of the text that contain the word. A real provider would make an HTTP call
//! in `complete`; everything else (retries, timeouts, rate limits, the global concurrency cap, usage and
//! budgets) is added by rlm around it.
//!
//! Offline (default) the root model is a scripted closure that writes the chunk-and-filter JavaScript;
//! with `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` set, a real model is the root and has to work out how to
//! use the keyword filter from the query alone.
//!
//! ```sh
//! cargo run --release --example custom_provider
//! ```

mod common;

use std::error::Error;
use std::fmt::Write as _;
use std::time::Duration;

use async_trait::async_trait;
use rlm::client::estimate_tokens;
use rlm::prelude::*;

/// A toy provider: returns the lines containing a keyword.
#[derive(Debug, Default)]
struct KeywordFilter;

#[async_trait]
impl LlmClient for KeywordFilter {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let prompt = request
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map_or("", |m| m.content.as_str());
        let (first, text) = prompt.split_once('\n').unwrap_or((prompt, ""));
        let Some(keyword) = first.strip_prefix("KEYWORD:").map(str::trim) else {
            // Errors are `ClientError`s; `retryable: false` tells `Resilient` not to try again.
            return Err(ClientError::Other {
                message: "keyword-filter: the prompt must start with a line `KEYWORD: <word>`"
                    .into(),
                retryable: false,
            });
        };
        let matches: Vec<&str> = text.lines().filter(|l| l.contains(keyword)).collect();
        let answer = matches.join("\n");
        let usage = Usage::new(
            u64::from(estimate_tokens(&request)),
            answer.len().div_ceil(4) as u64,
        );
        Ok(Completion::new(answer, self.model())
            .with_usage(usage)
            .with_finish_reason("stop"))
    }

    fn model(&self) -> &'static str {
        "keyword-filter"
    }
}

/// What the scripted root writes on its first turn.
const FILTER_CELL: &str = r#"The log is large: I will send it to the keyword filter in chunks of 500 lines, in parallel.

```repl
const lines = context.split("\n");
const chunks = [];
for (let i = 0; i < lines.length; i += 500) chunks.push(lines.slice(i, i + 500).join("\n"));
const replies = llm_batch(chunks.map(c => "KEYWORD: ERROR\n" + c), 8);
const errors = replies
  .filter(r => !r.startsWith("Error:"))
  .flatMap(r => r.split("\n"))
  .filter(l => l.length > 0);
const services = [...new Set(errors.map(l => l.split(" ")[2]))].sort();
const answer = errors.length + " ERROR lines, from: " + services.join(", ");
print(answer);
```
"#;

const QUERY: &str = "How many log lines have the level ERROR, and which services wrote them? \
    The sub-model behind llm_query/llm_batch is not a language model but a keyword filter: send it \
    `KEYWORD: <word>` on the first line followed by text, and it returns the lines of the text that \
    contain the word.";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let filter = KeywordFilter;
    // The provider on its own, like any client.
    let reply = filter
        .complete(CompletionRequest::prompt(
            "KEYWORD: cat\nthe cat sat\nthe dog ran\na cat again",
        ))
        .await?;
    println!("direct call: {:?}", reply.text);
    let refused = filter
        .complete(CompletionRequest::prompt("no keyword"))
        .await;
    println!(
        "bad prompt: {}",
        refused.err().map(|e| e.to_string()).unwrap_or_default()
    );

    // The same provider as the sub-model of an RLM.
    let (log, expected_errors, expected_services) = make_log(5_000);
    let root = common::root_or_scripted(FILTER_CELL)?;
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(KeywordFilter)
        .max_iterations(8)
        .limits(Limits::default().with_timeout(Duration::from_mins(5)))
        .build()?;
    let answer = rlm.completion(log, QUERY).await?;
    println!("answer: {}", answer.answer);
    println!(
        "expected: {expected_errors} ERROR lines, from: {}",
        expected_services.join(", ")
    );
    let sub = &answer.usage.per_model["keyword-filter"];
    println!(
        "{} iterations, {} calls to keyword-filter ({} failed), {:.1} ms",
        answer.iterations,
        sub.calls,
        sub.failures,
        answer.duration.as_secs_f64() * 1000.0
    );
    Ok(())
}

/// A deterministic service log of `n` lines; returns it with its ERROR count and the services involved.
fn make_log(n: usize) -> (String, usize, Vec<&'static str>) {
    const SERVICES: [&str; 4] = ["auth", "billing", "payments", "search"];
    let mut log = String::new();
    let mut errors = 0;
    let mut services = Vec::new();
    for i in 0..n {
        let service = SERVICES[(i * 7 + i / 3) % SERVICES.len()];
        let level = if i % 97 == 0 {
            errors += 1;
            if !services.contains(&service) {
                services.push(service);
            }
            "ERROR"
        } else if i % 13 == 0 {
            "WARN"
        } else {
            "INFO"
        };
        let _ = writeln!(
            log,
            "2026-11-29T{:02}:{:02}:{:02} {level} {service} request {i} took {} ms",
            i / 3600 % 24,
            i / 60 % 60,
            i % 60,
            (i * 37) % 900
        );
    }
    services.sort_unstable();
    (log, errors, services)
}
