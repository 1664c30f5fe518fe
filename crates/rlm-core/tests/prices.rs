//! Prices in a run: the built-in table by default (a cost budget works for common models without
//! prices), cache reads at their own price, an unknown model refused at build time, and a call priced
//! under the name that was asked for when the user priced it.

use std::sync::Arc;

use async_trait::async_trait;
use rlm_client::{ClientError, Completion, CompletionRequest, LlmClient, Price, PriceTable, Usage};
use rlm_core::{Limits, Rlm, RlmError};

use crate::support::{Scripted, repl};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cost_budget_works_for_a_built_in_model_without_prices() {
    // 1 M prompt tokens, 800,000 of them cache reads; 100,000 output tokens.
    let usage = Usage::new(1_000_000, 100_000).with_cached_tokens(800_000);
    let root = Arc::new(Scripted::replies("gpt-4.1-mini", &["FINAL(x)"]).with_usage(usage));
    let answer = Rlm::builder()
        .root(root)
        .limits(Limits::default().with_cost_budget_usd(10.0))
        .build()
        .unwrap()
        .completion("c", "q")
        .await
        .unwrap();
    // gpt-4.1-mini: $0.40 in, $0.10 cached, $1.60 out per million.
    let Some(cost) = answer.cost_usd else {
        panic!("gpt-4.1-mini has a built-in price");
    };
    assert!(close(cost, 0.2 * 0.4 + 0.8 * 0.1 + 0.1 * 1.6), "{cost}");
    let split = answer.usage.cost_breakdown(&PriceTable::built_in());
    assert!(close(split.total.cached_input_usd, 0.08), "{split:?}");
    assert!(
        close(split.per_depth[0].saved_by_cache_usd, 0.8 * 0.3),
        "{split:?}"
    );
    assert!(close(split.per_model["gpt-4.1-mini"].total_usd, cost));
}

#[test]
fn an_unknown_model_with_a_cost_budget_is_refused_at_build_time() {
    let root = Arc::new(Scripted::replies("house-model", &["FINAL(x)"]));
    let error = Rlm::builder()
        .root(root)
        .limits(Limits::default().with_cost_budget_usd(1.0))
        .build()
        .unwrap_err();
    assert!(
        error.to_string().contains("no price: house-model"),
        "{error}"
    );
}

/// A client asked for as `house-model` whose provider reports a built-in model's snapshot.
struct Renamed(Scripted);

#[async_trait]
impl LlmClient for Renamed {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let mut completion = self.0.complete(request).await?;
        "gpt-4.1-mini-2025-04-14".clone_into(&mut completion.model);
        Ok(completion)
    }

    fn model(&self) -> &str {
        self.0.model()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_priced_under_the_name_asked_for_when_the_user_priced_it() {
    let root = Scripted::new("house-model", |_, n| {
        Ok(repl(&format!("print('step {n}')")))
    })
    .with_usage(Usage::new(1_000, 0));
    // $1 per call at the user's price; $0.0004 at gpt-4.1-mini's, which would never reach the budget.
    let prices = PriceTable::built_in().with("house-model", Price::new(1_000.0, 1_000.0));
    let rlm = Rlm::builder()
        .root(Arc::new(Renamed(root)))
        .prices(prices)
        .limits(Limits::default().with_cost_budget_usd(2.5))
        .build()
        .unwrap();
    match rlm.completion("c", "q").await.unwrap_err() {
        RlmError::CostBudget {
            spent_usd, partial, ..
        } => {
            assert!(close(spent_usd, 3.0), "{spent_usd}");
            assert_eq!(partial.cost_usd.map(|c| (c * 1e6).round()), Some(3e6));
        }
        other => panic!("expected CostBudget, got {other:?}"),
    }
}
