//! The window check of a sub-call counts tokens exactly for OpenAI model families when the estimate
//! is close to the window: a prompt of digits (3 per token for o200k_base, 4 bytes per estimated
//! token) passes the estimate but not the count.

use std::sync::Arc;

use rlm_client::ContextWindows;
use rlm_core::Rlm;

use crate::support::{Scripted, repl};

async fn sub_reply(sub_model: &str) -> String {
    let code = "print(llm_query('1234567890'.repeat(30)))";
    let root = Arc::new(Scripted::replies("root", &[&repl(code), "FINAL(done)"]));
    let sub = Arc::new(Scripted::new(sub_model, |_, _| Ok("sub answered".into())));
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_client(sub)
        .context_windows(ContextWindows::none().with(sub_model, 90))
        .build()
        .unwrap();
    let answer = rlm.completion("c", "q").await.unwrap();
    let first = answer.trajectory.iterations().next().unwrap();
    first.cells[0].stdout.clone()
}

#[tokio::test]
async fn an_exact_count_over_the_window_refuses_what_the_estimate_would_send() {
    // 300 digits: estimated 75 + 4 tokens (under 90); counted about 100 + 6 (over).
    if rlm_client::counts_exactly("gpt-4o") {
        let out = sub_reply("gpt-4o").await;
        assert!(
            out.contains("exceeds gpt-4o's window of 90 tokens"),
            "{out}"
        );
    }
    let out = sub_reply("local-model").await;
    assert!(out.contains("sub answered"), "{out}");
}
