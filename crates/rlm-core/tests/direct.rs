//! `Rlm::direct_completion`: one root-model call with the context in the prompt, cut to the window,
//! under the run's limits, with usage, cost and a one-iteration trajectory.

use std::sync::Arc;
use std::time::Duration;

use rlm_client::{ClientError, ContextWindows, Price, PriceTable};
use rlm_core::{Finish, Limits, Rlm, RlmError};

use crate::support::{Scripted, last_user};

#[tokio::test]
async fn the_whole_context_and_the_query_go_in_one_call() {
    let root = Arc::new(Scripted::new("root", |request, _| {
        let prompt = last_user(request);
        Ok(format!(
            "  {}  ",
            if prompt.contains("needle") {
                "found"
            } else {
                "missing"
            }
        ))
    }));
    let rlm = Rlm::builder()
        .root(root.clone())
        .prices(PriceTable::new().with("root", Price::new(1_000_000.0, 1_000_000.0)))
        .build()
        .unwrap();
    let answer = rlm
        .direct_completion("hay hay needle hay", "Where is it?", None)
        .await
        .unwrap();
    assert_eq!(answer.answer, "found");
    assert_eq!((answer.finished, answer.iterations), (Finish::Final, 1));
    assert_eq!(root.calls(), 1);
    let prompt = last_user(&root.requests()[0]);
    assert!(prompt.contains("hay hay needle hay"), "{prompt}");
    assert!(
        prompt.trim_end().ends_with("Question: Where is it?"),
        "{prompt}"
    );
    assert_eq!(answer.usage.total.calls, 1);
    assert_eq!(answer.cost_usd, Some(15.0));
    let records: Vec<_> = answer.trajectory.iterations().collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].answer.as_deref(), Some("  found  "));
    assert_eq!(answer.trajectory.metadata.context_chars, 18);
}

#[tokio::test]
async fn a_context_over_the_window_is_cut_from_the_middle() {
    let root = Arc::new(Scripted::echo("root"));
    let rlm = Rlm::builder()
        .root(root.clone())
        .context_windows(ContextWindows::none().with("root", 1_000))
        .build()
        .unwrap();
    let context = format!("START {} END", "filler ".repeat(2_000));
    rlm.direct_completion(context.as_str(), "q", None)
        .await
        .unwrap();
    let prompt = last_user(&root.requests()[0]);
    assert!(
        prompt.chars().count() <= 2_700,
        "{}",
        prompt.chars().count()
    );
    assert!(prompt.contains("START") && prompt.contains("END"));
    assert!(prompt.contains("characters cut to fit the model's window"));
    // An explicit window wins over the table.
    rlm.direct_completion(context.as_str(), "q", Some(100_000))
        .await
        .unwrap();
    assert!(last_user(&root.requests()[1]).contains(&context));
}

#[tokio::test]
async fn a_failing_provider_is_a_provider_error_with_the_usage() {
    let root = Arc::new(Scripted::new("root", |_, _| {
        Err(ClientError::Other {
            message: "boom".into(),
            retryable: false,
        })
    }));
    let rlm = Rlm::builder().root(root).build().unwrap();
    let err = rlm.direct_completion("c", "q", None).await.unwrap_err();
    assert!(matches!(err, RlmError::Provider { .. }), "{err:?}");
    let partial = err.partial_run().unwrap();
    assert_eq!(partial.usage.total.failures, 1);
}

#[tokio::test]
async fn the_timeout_and_the_context_limit_hold() {
    let slow = Arc::new(Scripted::echo("root").with_delay(Duration::from_secs(30)));
    let rlm = Rlm::builder()
        .root(slow)
        .limits(Limits::default().with_timeout(Duration::from_millis(200)))
        .build()
        .unwrap();
    let err = rlm.direct_completion("c", "q", None).await.unwrap_err();
    assert!(matches!(err, RlmError::Timeout { .. }), "{err:?}");

    let root = Arc::new(Scripted::echo("root"));
    let limits = Limits::default().with_max_context_bytes(Some(3));
    let rlm = Rlm::builder().root(root).limits(limits).build().unwrap();
    let err = rlm.direct_completion("four", "q", None).await.unwrap_err();
    assert!(matches!(err, RlmError::ContextTooLarge { .. }), "{err:?}");
}

/// The one call is the whole run, so a budget its tokens or cost pass ends the run with the budget's
/// error, the reply kept as the partial answer; a call that ends exactly at the budget is within it.
#[tokio::test]
async fn a_call_that_passes_a_budget_is_a_budget_error_with_the_reply() {
    let root = Arc::new(Scripted::new("root", |_, _| Ok(" the reply ".to_owned())));
    let rlm = Rlm::builder()
        .root(root.clone())
        .limits(Limits::default().with_token_budget(14))
        .build()
        .unwrap();
    let err = rlm.direct_completion("c", "q", None).await.unwrap_err();
    let RlmError::TokenBudget { budget, used, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!((*budget, *used), (14, 15));
    let partial = err.partial_run().unwrap();
    assert_eq!(partial.answer.as_deref(), Some("the reply"));
    assert_eq!(partial.iterations, 1);
    assert_eq!(partial.usage.total.usage.total_tokens(), 15);
    assert_eq!(partial.trajectory.iterations().count(), 1);

    let rlm = Rlm::builder()
        .root(root.clone())
        .limits(Limits::default().with_token_budget(15))
        .build()
        .unwrap();
    let answer = rlm.direct_completion("c", "q", None).await.unwrap();
    assert_eq!(answer.answer, "the reply");

    let prices = PriceTable::new().with("root", Price::new(1_000_000.0, 1_000_000.0));
    let rlm = Rlm::builder()
        .root(root.clone())
        .prices(prices)
        .limits(Limits::default().with_cost_budget_usd(10.0))
        .build()
        .unwrap();
    let err = rlm.direct_completion("c", "q", None).await.unwrap_err();
    assert!(matches!(err, RlmError::CostBudget { .. }), "{err:?}");
    assert_eq!(
        err.partial_run().and_then(|p| p.answer.as_deref()),
        Some("the reply")
    );
    assert_eq!(root.calls(), 3);
}
