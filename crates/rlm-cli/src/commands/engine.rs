//! Building the `Rlm` of `rlm run` and `rlm eval run` from [`EngineArgs`]: prices (and the check that
//! `--budget-usd` can be enforced), the resilience policy, limits, windows, sandbox and models.

use std::time::Duration;

use rlm::client::{
    ClientError, ContextWindows, DEFAULT_REQUEST_TIMEOUT, Price, PriceTable, RateLimits,
    ResiliencePolicy, RetryPolicy,
};
use rlm::repl::SandboxLimits;
use rlm::{Compaction, Limits, Rlm, RlmError};

use crate::args::EngineArgs;
use crate::exit::CliError;
use crate::provider::{Clients, Endpoint};

/// The per-attempt HTTP limit: the library default, or the run timeout when shorter.
pub(crate) fn attempt_timeout(run_timeout: Option<Duration>) -> Duration {
    run_timeout.map_or(DEFAULT_REQUEST_TIMEOUT, |t| t.min(DEFAULT_REQUEST_TIMEOUT))
}

/// The model ids the run can reach: the root, the default sub-model, the named ones.
pub(crate) fn models(args: &EngineArgs) -> (String, String, Vec<String>) {
    let root = args.provider.model.clone().unwrap_or_default();
    let sub = args
        .provider
        .default_sub_model()
        .map_or_else(|| root.clone(), str::to_owned);
    let named = args
        .provider
        .sub_models
        .iter()
        .filter(|spec| spec.name.is_some())
        .map(|spec| spec.model.clone())
        .collect();
    (root, sub, named)
}

/// The price table: `--price-in/--price-out` for the root model, `--sub-price-*` (default: the root's)
/// for the default sub-model, then every `--price MODEL=IN/OUT`, which wins.
pub(crate) fn prices(args: &EngineArgs) -> PriceTable {
    let mut table = PriceTable::new();
    let (root, sub, _) = models(args);
    if let (Some(input), Some(output)) = (args.price_in, args.price_out) {
        let sub_price = Price::new(
            args.sub_price_in.unwrap_or(input),
            args.sub_price_out.unwrap_or(output),
        );
        table.insert(sub, sub_price);
        table.insert(root, Price::new(input, output));
    }
    for (model, input, output) in &args.prices {
        table.insert(model.clone(), Price::new(*input, *output));
    }
    table
}

/// With `--budget-usd`, every model the run can reach needs a price (checked before any key is read).
pub(crate) fn check_prices(args: &EngineArgs, prices: &PriceTable) -> Result<(), CliError> {
    if args.budget_usd.is_none() {
        return Ok(());
    }
    let (root, sub, named) = models(args);
    let mut missing: Vec<String> = [root, sub]
        .into_iter()
        .chain(named)
        .filter(|m| prices.get(m).is_none())
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "--budget-usd needs a price for every model the run can reach; none for {}: pass --price-in/--price-out (root), --sub-price-in/--sub-price-out (default sub-model) or --price MODEL=IN/OUT",
        missing.join(", ")
    )))
}

/// A clearer message for a 401/403 from a server that was sent no key.
pub(crate) fn missing_key_hint(error: &RlmError, endpoint: &Endpoint) -> Option<String> {
    let RlmError::Provider {
        source:
            ClientError::Http {
                status: status @ (401 | 403),
                message,
                ..
            },
        ..
    } = error
    else {
        return None;
    };
    if endpoint.keyed {
        return None;
    }
    Some(format!(
        "the root model call failed: {} answered HTTP {status} ({}); no API key was sent to it, since OPENAI_API_KEY goes only to https://api.openai.com: pass --api-key-env OPENAI_API_KEY (or the variable that holds this server's key) to send one",
        endpoint.base_url,
        message.split_whitespace().collect::<Vec<_>>().join(" ")
    ))
}

pub(crate) fn build_rlm(
    args: &EngineArgs,
    clients: &Clients,
    prices: PriceTable,
) -> Result<Rlm, CliError> {
    let mut rate_limits = RateLimits::default();
    rate_limits.requests_per_minute = args.rpm;
    rate_limits.tokens_per_minute = args.tpm;
    let policy = ResiliencePolicy::default()
        .with_retry(
            RetryPolicy::default()
                .with_max_retries(args.retries)
                .with_retry_deadline(args.retry_deadline)
                .with_max_retry_after(args.max_retry_after),
        )
        .with_attempt_timeout(attempt_timeout(args.timeout))
        .with_rate_limits(rate_limits);
    let mut limits = Limits::default()
        .with_max_subcalls(args.max_subcalls.0)
        .with_max_context_bytes(Some(
            usize::try_from(args.max_context_size).unwrap_or(usize::MAX),
        ));
    limits.token_budget = args.token_budget;
    limits.cost_budget_usd = args.budget_usd;
    limits.timeout = args.timeout;
    let windows = args
        .context_window
        .iter()
        .fold(ContextWindows::built_in(), |windows, (model, tokens)| {
            windows.with(model.clone(), *tokens)
        });
    let mut builder = Rlm::builder()
        .root(clients.root.clone())
        .sub_client(clients.sub.clone())
        .max_iterations(args.max_iterations as usize)
        .max_depth(args.max_depth as usize)
        .max_concurrent(args.max_concurrent as usize)
        .adaptive_concurrency(args.adaptive_concurrency)
        .max_live_sandboxes(args.max_live_sandboxes as usize)
        .limits(limits)
        .resilience(policy)
        .prices(prices)
        .context_windows(windows)
        .sandbox_limits(
            SandboxLimits::default()
                .with_max_batch_bytes(usize::try_from(args.max_batch_bytes).unwrap_or(usize::MAX))
                .with_cpu_time_per_cell(args.sandbox.cell_cpu_limit),
        )
        .sandbox_isolation(args.sandbox.isolation());
    for (name, description, client) in &clients.named {
        builder = builder.sub_model(name.clone(), description.clone(), client.clone());
    }
    if let Some(chars) = args.sub_prompt_chars {
        builder = builder.sub_prompt_chars(usize::try_from(chars).unwrap_or(usize::MAX));
    }
    if args.no_compaction {
        builder = builder.compaction(Compaction::disabled());
    }
    Ok(builder.build()?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use clap::Parser;
    use rlm::client::LlmClient;
    use rlm::testing::Simulated;

    use super::*;
    use crate::args::{Cli, Command};

    fn rlm_of(flags: &[&str]) -> Rlm {
        let cli = Cli::try_parse_from(
            [
                "rlm",
                "run",
                "--context",
                "-",
                "--model",
                "m",
                "--query",
                "q",
            ]
            .iter()
            .chain(flags),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let Command::Run(args) = cli.command else {
            panic!("not run");
        };
        let client: Arc<dyn LlmClient> = Arc::new(Simulated::new("m", |_: &_| String::new()));
        let clients = Clients {
            root: client.clone(),
            sub: client,
            named: Vec::new(),
            root_endpoint: Endpoint {
                base_url: "http://127.0.0.1:1/v1".into(),
                keyed: false,
            },
        };
        build_rlm(&args.engine, &clients, PriceTable::new()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn adaptive_concurrency_reaches_the_builder_under_the_cap() {
        assert!(rlm_of(&[]).adaptive_limiter().is_none());
        let rlm = rlm_of(&["--adaptive-concurrency", "--max-concurrent", "40"]);
        let Some(limiter) = rlm.adaptive_limiter() else {
            panic!("--adaptive-concurrency did not reach the builder");
        };
        assert_eq!((limiter.snapshot().max_limit, limiter.limit()), (40, 16));
    }

    #[test]
    fn attempt_timeout_is_capped_by_the_run_timeout() {
        assert_eq!(attempt_timeout(None), DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(
            attempt_timeout(Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
    }
}
