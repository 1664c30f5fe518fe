//! End to end: a real `Rlm` (HTTP provider, QuickJS sandbox, loop) against the simulated model on
//! loopback, on a small hand-made context of each evaluation suite (docs/EVAL.md). The simulated
//! root writes the suite script; its JavaScript really runs in the sandbox, asks every chunk the
//! suite's chunk question with `llm_batch` (or a loop of `llm_query`) and combines the replies;
//! the answer must be the suite's expected answer exactly. The simulated model is a scripted
//! stand-in, so this checks plumbing, not model quality.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use rlm::Rlm;
use rlm::client::{CompletionRequest, LlmClient, Message, OpenAiCompatible};
use rlm_sim::{SimServer, SimServerConfig, SimServerHandle};

type TestResult = Result<(), Box<dyn Error>>;

const LABELS: [&str; 7] = ["teal", "amber", "slate", "teal", "ochre", "teal", "amber"];
const RECORDS: usize = 60;
const PLANTED: [(usize, usize); 3] = [(5, 41), (12, 55), (20, 33)];
const SENTENCES: [&str; 4] = [
    "The river was calm and the lamps were lit along the quay.",
    "A bell rang twice over the quiet market square.",
    "Snow fell at dusk on the roofs of the old town.",
    "The baker opened early and the street smelled of bread.",
];

async fn server() -> Result<SimServerHandle, Box<dyn Error>> {
    Ok(SimServer::start(SimServerConfig {
        root_latency: Duration::from_millis(1),
        sub_latency: Duration::from_millis(1),
        ..SimServerConfig::default()
    })
    .await?)
}

fn client(server: &SimServerHandle, model: &str) -> Result<Arc<dyn LlmClient>, Box<dyn Error>> {
    Ok(Arc::new(
        OpenAiCompatible::builder(model)
            .base_url(server.base_url())
            .build()?,
    ))
}

/// Runs `query` over `context` with the simulated root `root_model`; checks the answer, the three
/// iterations and that the sub-calls went over HTTP.
async fn run(
    root_model: &str,
    context: String,
    query: &str,
    expected: &str,
    subs: u64,
) -> TestResult {
    let server = server().await?;
    let rlm = Rlm::builder()
        .root(client(&server, root_model)?)
        .sub_client(client(&server, "sim-sub")?)
        .build()?;
    let answer = rlm.completion(context, query).await?;
    let stats = server.stats();
    server.shutdown().await;
    assert_eq!(answer.answer, expected, "query: {query}");
    assert_eq!(answer.iterations, 3);
    assert_eq!((stats.root_requests, stats.sub_requests), (3, subs));
    Ok(())
}

/// Filler paragraphs (no quotes, no `secret`, no `Record`) with needle sentences after the given
/// lines.
fn filler_with_needles(needles: &[(usize, &str, &str)]) -> String {
    let mut lines = Vec::new();
    for line in 0..48 {
        let mut sentences = vec![
            format!("Paragraph {line} walks past rivers and hills."),
            SENTENCES[line % SENTENCES.len()].to_owned(),
            "The road turns east.".to_owned(),
        ];
        for (_, key, value) in needles.iter().filter(|(at, _, _)| *at == line) {
            sentences.push(format!(
                "The secret value for key \"{key}\" is \"{value}\"."
            ));
        }
        lines.push(sentences.join(" ") + "\n");
    }
    lines.concat()
}

fn label_of(record: usize) -> &'static str {
    LABELS[record % LABELS.len()]
}

fn label_records() -> String {
    (1..=RECORDS)
        .map(|i| {
            format!(
                "Record {i:04} [label: {}] {}\n",
                label_of(i),
                SENTENCES[i % 4]
            )
        })
        .collect::<Vec<_>>()
        .concat()
}

fn badge_records() -> String {
    (1..=RECORDS)
        .map(|i| {
            let owner = PLANTED.iter().find(|(_, b)| *b == i).map_or(i, |(a, _)| *a);
            format!(
                "Record {i:04} [badge: {:04}] {}\n",
                1000 + owner * 13,
                SENTENCES[i % 4]
            )
        })
        .collect::<Vec<_>>()
        .concat()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn niah_finds_the_one_needle() -> TestResult {
    let context = filler_with_needles(&[
        (29, "amber-falcon", "copper-4821"),
        (7, "jade-heron", "flint-0042"),
    ]);
    assert!((4_000..8_000).contains(&context.len()), "{}", context.len());
    let query = "What is the secret value for key \"amber-falcon\"? Answer with the value only.";
    run("sim-root-c8", context.clone(), query, "copper-4821", 8).await?;
    // Chunks shorter than a line: every chunk is one whole line, so the needle is never cut.
    run("sim-root-c400", context, query, "copper-4821", 48).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_niah_lists_the_values_in_query_order() -> TestResult {
    let context = filler_with_needles(&[
        (3, "amber-falcon", "copper-4821"),
        (15, "silver-otter", "maple-0307"),
        (26, "jade-heron", "flint-0042"),
        (44, "coral-badger", "stone-7719"),
    ]);
    let query = "What are the secret values for keys \"jade-heron\", \"amber-falcon\", \"coral-badger\", \
                 \"silver-otter\"? Answer with the values in that order, separated by commas.";
    let expected = "flint-0042, copper-4821, stone-7719, maple-0307";
    run("sim-root-c8", context, query, expected, 8).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregate_counts_a_label_over_every_chunk() -> TestResult {
    let context = label_records();
    assert!((4_000..8_000).contains(&context.len()), "{}", context.len());
    let teal = (1..=RECORDS).filter(|&i| label_of(i) == "teal").count();
    assert_eq!(teal, 25);
    let query = "How many records are labelled \"teal\"? Answer with a number.";
    run("sim-root-c8", context, query, &teal.to_string(), 8).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregate_finds_the_most_frequent_label() -> TestResult {
    let query = "Which label is the most frequent among the records? Answer with the label only.";
    run("sim-root-c8", label_records(), query, "teal", 8).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairs_are_found_across_chunks_with_llm_batch_and_llm_query() -> TestResult {
    let query = "List every pair of records that share the same badge. Answer with the pairs as \
                 NNNN-NNNN (smaller number first), separated by commas.";
    let expected = "0005-0041, 0012-0055, 0020-0033";
    run("sim-root-c8", badge_records(), query, expected, 8).await?;
    run(
        "sim-root-sequential-c5",
        badge_records(),
        query,
        expected,
        5,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_call_answers_from_what_it_sees() -> TestResult {
    let server = server().await?;
    let sub = client(&server, "sim-sub")?;
    let query = "How many records are labelled \"teal\"? Answer with a number.";
    let records = label_records();
    // The first 20 records only, as a cut context would show them.
    let cut = records.lines().take(20).collect::<Vec<_>>().join("\n");
    let seen = (1..=20).filter(|&i| label_of(i) == "teal").count();
    let prompt = format!("Answer the question about this text.\n\n{cut}\n\nQuestion: {query}");
    let reply = sub
        .complete(CompletionRequest::new(vec![Message::user(prompt)]))
        .await?;
    server.shutdown().await;
    assert_eq!(reply.text, seen.to_string());
    Ok(())
}
