//! Map–reduce summarization inside an RLM: split a markdown document by headers, summarize the sections
//! in parallel with one `llm_batch`, combine the summaries with one `llm_query`.
//!
//! The root model is a small scripted closure (not an LLM) that writes that JavaScript, so the run is
//! reproducible; the sandbox, the loop and the sub-calls are real. Offline (default) the sub-model is a
//! scripted `Simulated` client (100 ms per call) that "summarizes" a section as its title and first
//! sentence; with `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` set, a real model writes the summaries.
//!
//! ```sh
//! cargo run --release --example summarize
//! ```

mod common;

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use rlm::prelude::*;
use rlm::testing::{Latency, Simulated};

/// What the scripted root writes on its first turn: the whole map–reduce as sandbox code.
const MAP_REDUCE_CELL: &str = r#"I will split the document at its headers, summarize every section in parallel, then combine.

```repl
const sections = context.split(/\n(?=#{1,3} )/).map(s => s.trim()).filter(s => s.length > 0);
print("sections: " + sections.length);
const summaries = llm_batch(
  sections.map(s => "Summarize this section of a document in one sentence.\n\n" + s),
  8,
);
const failed = summaries.filter(s => s.startsWith("Error:")).length;
print("summaries: " + summaries.length + ", failed: " + failed);
const summary = llm_query(
  "Combine these section summaries into one short paragraph.\n\n" +
  summaries.map((s, i) => (i + 1) + ". " + s).join("\n"),
);
print(summary);
```
"#;

/// The document to summarize.
const DOCUMENT: &str = "# Field notes on the Alder Creek watershed

The watershed drains about forty square kilometres of mixed forest and farmland. These notes gather one season of observations.

## Geology

The upper basin sits on fractured granite that stores little water. Springs appear only where the granite meets glacial till.

## Hydrology

Flow peaks in late April with snowmelt and falls to a trickle by August. Two gauging stations recorded the season at fifteen-minute intervals.

## Water quality

Nitrate rises sharply below the farmland reach after rain. Dissolved oxygen stayed above six milligrams per litre everywhere.

## Fish

Brook trout hold in the cold upper tributaries. Below the mill pond, warm-water species such as creek chub dominate.

## Birds

Dippers nest under the old stone bridge every year. Kingfishers work the slow pools of the lower reach.

## Land use

Three farms border the creek without buffer strips. A new subdivision is planned on the eastern slope.

## Recommendations

Planting willow buffers along the farmland reach would cut nitrate loads. The gauging stations should run year-round.
";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let real = common::provider_from_env()?;
    let offline = real.is_none();
    let sub: Arc<dyn LlmClient> = match real {
        Some(client) => client,
        None => Arc::new(
            Simulated::new("sim-summarizer", summarize_offline)
                .with_latency(Latency::Fixed(Duration::from_millis(100))),
        ),
    };
    println!("{}", common::describe(sub.as_ref(), offline));

    // The scripted root: the map–reduce cell first, then the answer once the cell has run.
    let root = Simulated::new("scripted-root", |request: &CompletionRequest| {
        if request.messages.iter().any(|m| m.role == Role::Assistant) {
            "The combined summary is in `summary`.\nFINAL_VAR(summary)".to_owned()
        } else {
            MAP_REDUCE_CELL.to_owned()
        }
    });
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(Arc::clone(&sub))
        .max_iterations(4)
        .max_concurrent(8)
        .limits(
            Limits::default()
                .with_timeout(Duration::from_mins(5))
                .with_max_subcalls(Some(50)),
        )
        .build()?;
    let answer = rlm.completion(DOCUMENT, "Summarize this document.").await?;

    for record in answer.trajectory.iterations() {
        for cell in &record.cells {
            println!("--- cell output ---\n{}", cell.stdout.trim_end());
        }
    }
    let sub_usage = &answer.usage.per_model[sub.model()];
    println!("--- answer ---\n{}", answer.answer);
    println!(
        "{} sub-calls took {} of model time together; the run took {} ({:.1}x from parallelism)",
        sub_usage.calls,
        common::secs(sub_usage.elapsed),
        common::secs(answer.duration),
        sub_usage.elapsed.as_secs_f64() / answer.duration.as_secs_f64().max(1e-9),
    );
    Ok(())
}

/// Offline stand-in for a summarizer (not a language model): a section becomes "Title: first
/// sentence."; a list of summaries becomes one paragraph of them.
fn summarize_offline(request: &CompletionRequest) -> String {
    let prompt = request.messages.last().map_or("", |m| m.content.as_str());
    let (instruction, body) = prompt.split_once("\n\n").unwrap_or((prompt, ""));
    if instruction.starts_with("Combine") {
        let sentences: Vec<&str> = body
            .lines()
            .filter_map(|line| line.split_once(". ").map(|(_, s)| s.trim()))
            .collect();
        return format!(
            "The document covers {} topics. {}",
            sentences.len(),
            sentences.join(" ")
        );
    }
    let mut lines = body.lines().filter(|l| !l.trim().is_empty());
    let title = lines.next().unwrap_or("").trim_start_matches('#').trim();
    let text: String = lines.collect::<Vec<_>>().join(" ");
    let first_sentence = text.split_inclusive(". ").next().unwrap_or("").trim();
    format!("{title}: {first_sentence}")
}
