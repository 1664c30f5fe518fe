//! The trajectory: JSON Lines round trip, linear growth, and no context or key in the metadata.

use std::io::BufReader;
use std::sync::Arc;

use rlm_client::OpenAiCompatible;
use rlm_core::{Rlm, Trajectory, TrajectoryError};

use crate::support::{Scripted, repl};

const MARKER: &str = "CONTEXT-MARKER-7f3a";

async fn sample_answer() -> rlm_core::RlmAnswer {
    let root = Arc::new(Scripted::replies(
        "root",
        &[
            &repl("print(context.length)"),
            &repl("var x = llm_query('hi')"),
            "FINAL_VAR(x)",
        ],
    ));
    let sub = Arc::new(Scripted::echo("sub"));
    let rlm = Rlm::builder().root(root).sub_client(sub).build().unwrap();
    rlm.completion(format!("{MARKER} and more text"), "q")
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trajectory_round_trips_through_json_lines_and_a_file() {
    let answer = sample_answer().await;
    let trajectory = &answer.trajectory;
    assert_eq!(trajectory.iterations().count(), 3);

    let mut buffer = Vec::new();
    trajectory.write_jsonl(&mut buffer).unwrap();
    let text = String::from_utf8(buffer.clone()).unwrap();
    assert_eq!(
        text.lines().count(),
        5,
        "metadata, three iterations, the outcome"
    );
    let first_line = text.lines().next().unwrap();
    assert!(first_line.contains("\"type\":\"run\""), "{first_line}");
    assert!(
        !first_line.contains(MARKER),
        "the metadata never holds the context"
    );
    assert_eq!(
        &Trajectory::read_jsonl(buffer.as_slice()).unwrap(),
        trajectory
    );

    let path =
        std::env::temp_dir().join(format!("rlm-core-trajectory-{}.jsonl", std::process::id()));
    trajectory.save(&path).unwrap();
    let back = Trajectory::read_jsonl(BufReader::new(std::fs::File::open(&path).unwrap())).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(&back, trajectory);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iteration_records_hold_only_new_messages() {
    let answer = sample_answer().await;
    let its: Vec<_> = answer.trajectory.iterations().collect();
    assert_eq!(its[0].messages.len(), 2, "system + first user turn");
    assert_eq!(its[1].messages.len(), 2, "previous reply + its cell output");
    assert_eq!(its[1].messages[0].content, its[0].reply);
    assert_eq!(its[1].cells.len(), 1);
    assert_eq!(its[1].cells[0].subcalls, 1);
    assert_eq!(its[2].answer.as_deref(), Some("echo:hi"));
    assert_eq!(its[0].usage.total_tokens(), 15);
}

#[test]
fn reading_rejects_files_without_metadata() {
    let err = Trajectory::read_jsonl("".as_bytes()).unwrap_err();
    assert!(matches!(err, TrajectoryError::MissingMetadata));
    let err = Trajectory::read_jsonl("{\"type\":\"nonsense\"}\n".as_bytes()).unwrap_err();
    assert!(matches!(err, TrajectoryError::Json { line: 1, .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_never_appear_in_debug_or_trajectories() {
    let secret = "sk-test-SECRET-0123456789";
    let client = OpenAiCompatible::builder("gpt-test")
        .api_key(secret)
        .base_url("http://127.0.0.1:9/v1")
        .build()
        .unwrap();
    let rlm = Rlm::builder().root(Arc::new(client)).build().unwrap();
    assert!(!format!("{rlm:?}").contains(secret));
    assert!(!format!("{:?}", rlm.session()).contains(secret));
    // The call fails (nothing listens on port 9); the error must not leak the key either.
    let policy =
        rlm_client::ResiliencePolicy::default().with_retry(rlm_client::RetryPolicy::none());
    let client = OpenAiCompatible::builder("gpt-test")
        .api_key(secret)
        .base_url("http://127.0.0.1:9/v1")
        .build()
        .unwrap();
    let rlm = Rlm::builder()
        .root(Arc::new(client))
        .resilience(policy)
        .build()
        .unwrap();
    let err = rlm.completion("c", "q").await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains(secret));
}

/// A run over HTTP with keyed clients: the saved trajectory file, and the Debug output of the `Rlm`, the
/// answer, a limit error and its partial trajectory, never hold the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_never_appear_in_a_saved_trajectory_of_a_real_run() {
    use rlm_sim::{ScriptConfig, SimServer, SimServerConfig};
    let secret = "sk-test-SECRET-trajectory-4242";
    let server = SimServer::start(SimServerConfig {
        root_latency: std::time::Duration::from_millis(1),
        sub_latency: std::time::Duration::from_millis(1),
        script: ScriptConfig {
            chunks: 2,
            ..ScriptConfig::default()
        },
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let http = |model: &str| -> Arc<dyn rlm_client::LlmClient> {
        Arc::new(
            OpenAiCompatible::builder(model)
                .api_key(secret)
                .base_url(server.base_url())
                .build()
                .unwrap(),
        )
    };
    let rlm = Rlm::builder()
        .root(http("sim-root-batch"))
        .sub_client(http("sim-sub"))
        .build()
        .unwrap();
    let answer = rlm
        .completion(format!("{MARKER} The magic number is 7654321."), "Find it.")
        .await
        .unwrap();
    assert!(answer.iterations >= 1);
    let path = std::env::temp_dir().join(format!(
        "rlm-core-key-test-{}-{}.jsonl",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    answer.trajectory.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(text.lines().count() > answer.iterations, "{text}");
    assert!(text.contains("sim-root-batch"), "the file holds the run");
    assert!(!text.contains(secret), "key in the trajectory file");
    assert!(!format!("{rlm:?}").contains(secret));
    assert!(!format!("{answer:?}").contains(secret));

    // A run stopped by a limit: its error and partial trajectory do not hold the key either.
    let limited = Rlm::builder()
        .root(http("sim-root-batch"))
        .sub_client(http("sim-sub"))
        .limits(rlm_core::Limits::default().with_token_budget(1))
        .build()
        .unwrap();
    let err = limited.completion("c", "q").await.unwrap_err();
    assert!(
        matches!(err, rlm_core::RlmError::TokenBudget { .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains(secret));
    let mut buffer = Vec::new();
    err.partial_run()
        .unwrap()
        .trajectory
        .write_jsonl(&mut buffer)
        .unwrap();
    assert!(!String::from_utf8(buffer).unwrap().contains(secret));
    server.shutdown().await;
}
