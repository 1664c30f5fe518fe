//! The public API's promises: the futures users hold are `Send`; a value set in two places must agree
//! (never silently replaced); clients go in as values or as shared `Arc`s; the prompt's defaults and
//! the sandbox's agree.

use std::sync::Arc;

use rlm_client::LlmClient;
use rlm_core::{Rlm, Session};
use rlm_prompts::PromptParams;
use rlm_repl::{DEFAULT_BATCH_CONCURRENCY, Sandbox, SandboxLimits};

use crate::support::{Scripted, repl};

fn assert_send<T: Send>(_: &T) {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_futures_of_completion_and_execute_are_send() {
    let rlm = Rlm::builder().root(Scripted::echo("root")).build().unwrap();
    let completion = rlm.completion("c", "q");
    assert_send(&completion);
    let session: Session = rlm.session();
    let in_session = session.completion("c", "q");
    assert_send(&in_session);
    drop((completion, in_session));
    let sandbox = Sandbox::new(rlm_repl::SandboxConfig::default(), Arc::new(NoSubcalls)).unwrap();
    let cell = sandbox.execute("1 + 1");
    assert_send(&cell);
    // The compile-time check above is the point; this just uses the future.
    assert_eq!(cell.await.unwrap().value.as_deref(), Some("2"));
}

struct NoSubcalls;

#[async_trait::async_trait]
impl rlm_repl::SubcallHandler for NoSubcalls {
    async fn query(
        &self,
        _: rlm_repl::SubcallKind,
        _: String,
        _: rlm_repl::QueryOptions,
    ) -> Result<String, rlm_repl::SubcallError> {
        Err(rlm_repl::SubcallError::new(
            rlm_repl::SubcallErrorKind::Unavailable,
            "none here",
        ))
    }
}

#[test]
fn a_setting_given_twice_must_agree() {
    let root = || Scripted::echo("root");
    let conflict = Rlm::builder()
        .root(root())
        .max_concurrent(8)
        .sandbox_limits(SandboxLimits::default().with_max_concurrent_cap(4))
        .build()
        .map(|_| ())
        .map_err(|e| e.to_string())
        .unwrap_err();
    assert!(
        conflict
            .contains("SandboxLimits::max_concurrent_cap is 4 but RlmBuilder::max_concurrent is 8"),
        "{conflict}"
    );
    let conflict = Rlm::builder()
        .root(root())
        .output_cap(500)
        .sandbox_limits(SandboxLimits::default().with_output_cap_chars(900))
        .build()
        .map(|_| ())
        .map_err(|e| e.to_string())
        .unwrap_err();
    assert!(conflict.contains("output_cap_chars is 900"), "{conflict}");
    // The same value in both places, or a value left at its default, is fine.
    assert!(
        Rlm::builder()
            .root(root())
            .max_concurrent(4)
            .sandbox_limits(SandboxLimits::default().with_max_concurrent_cap(4))
            .build()
            .is_ok()
    );
    assert!(
        Rlm::builder()
            .root(root())
            .max_concurrent(4)
            .sandbox_limits(
                SandboxLimits::default().with_cpu_time_per_cell(std::time::Duration::from_secs(5))
            )
            .build()
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_shared_client_as_root_and_sub_is_recognised_as_one() {
    // Passed as the same `Arc<dyn LlmClient>` twice: one client, so sub-calls are counted under its
    // model and go through the same object.
    let code = repl("var a = llm_query('x'); print(a)");
    let client: Arc<dyn LlmClient> =
        Arc::new(Scripted::replies("both", &[&code, "echo", "FINAL(ok)"]));
    let rlm = Rlm::builder()
        .root(Arc::clone(&client))
        .sub_client(Arc::clone(&client))
        .build()
        .unwrap();
    let answer = rlm.completion("c", "q").await.unwrap();
    assert_eq!(answer.answer, "ok");
    assert_eq!(answer.usage.per_model["both"].calls, 3);
}

#[test]
fn the_prompts_state_the_sandboxs_batch_concurrency() {
    assert_eq!(
        PromptParams::default().batch_concurrency,
        DEFAULT_BATCH_CONCURRENCY
    );
    assert_eq!(
        SandboxLimits::default().batch_concurrency,
        DEFAULT_BATCH_CONCURRENCY
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_number_the_prompt_states_can_be_set() {
    let code = repl("var r = llm_batch(['a', 'b']); print(r.length)");
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(ok)"]));
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_client(Scripted::echo("sub"))
        .max_iterations(7)
        .max_concurrent(6)
        .batch_concurrency(3)
        .sub_prompt_chars(12_345)
        .output_cap(4_321)
        .build()
        .unwrap();
    rlm.completion("c", "q").await.unwrap();
    let system = &root.requests()[0].messages[0].content;
    for stated in [
        "You have 7 turns",
        "up to 3 at a time by default, never more than 6",
        "about 12,345 characters per prompt",
        "cut to 4,321 characters",
    ] {
        assert!(system.contains(stated), "{stated:?} not in:\n{system}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_adaptive_concurrency_a_batch_defaults_to_the_cap_so_the_limit_decides() {
    let run = |adaptive: bool, batch: Option<usize>| async move {
        let root = Arc::new(Scripted::replies("root", &["FINAL(ok)"]));
        let mut builder = Rlm::builder()
            .root(root.clone())
            .sub_client(Scripted::echo("sub"))
            .max_concurrent(48)
            .adaptive_concurrency(adaptive);
        if let Some(n) = batch {
            builder = builder.batch_concurrency(n);
        }
        builder.build().unwrap().completion("c", "q").await.unwrap();
        root.requests()[0].messages[0].content.clone()
    };
    let stated = |n: usize| format!("up to {n} at a time by default, never more than 48");
    assert!(run(true, None).await.contains(&stated(48)));
    assert!(run(true, Some(5)).await.contains(&stated(5)));
    let fixed = run(false, None).await;
    assert!(
        fixed.contains(&stated(DEFAULT_BATCH_CONCURRENCY)),
        "{fixed}"
    );
}
