//! Building the `Rlm` of `rlm run` and `rlm eval run` from [`EngineArgs`]: prices (and the check that
//! `--budget-usd` can be enforced), the resilience policy, limits, windows, sandbox and models.

use std::sync::Arc;
use std::time::Duration;

use rlm::client::{
    ClientError, ContextWindows, DEFAULT_REQUEST_TIMEOUT, Price, PriceTable, RateLimits,
    ResiliencePolicy, RetryPolicy, SharedQuota,
};
use rlm::repl::SandboxLimits;
use rlm::{Compaction, Limits, Rlm, RlmError};
use rlm_redis::{RedisQuota, RedisQuotaConfig};

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

/// The price table: the built-in one, then the entries of `--prices FILE`, then `--price-in/--price-out`
/// for the root model and `--sub-price-*` (default: the root's) for the default sub-model, then every
/// `--price MODEL=IN/OUT[/CACHED[/WRITE]]`; a later entry replaces an earlier one of the same id.
pub(crate) fn prices(args: &EngineArgs) -> Result<PriceTable, CliError> {
    let mut table = PriceTable::built_in();
    if let Some(path) = &args.prices_file {
        let file =
            PriceTable::from_file(path).map_err(|e| CliError::usage(format!("--prices: {e}")))?;
        table.merge(file);
    }
    let (root, sub, _) = models(args);
    if let (Some(input), Some(output)) = (args.price_in, args.price_out) {
        let sub_price = Price::new(
            args.sub_price_in.unwrap_or(input),
            args.sub_price_out.unwrap_or(output),
        );
        table.insert(sub, sub_price);
        table.insert(root, Price::new(input, output));
    }
    for (model, price) in &args.prices {
        table.insert(model.clone(), *price);
    }
    Ok(table)
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
        "--budget-usd needs a price for every model the run can reach; none for {} (the built-in table knows common OpenAI and Anthropic models): pass --prices FILE, --price MODEL=IN/OUT, or --price-in/--price-out (root) and --sub-price-in/--sub-price-out (default sub-model)",
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

/// The rate limits of `--rpm` and `--tpm`.
fn rate_limits(args: &EngineArgs) -> RateLimits {
    let mut rate_limits = RateLimits::default();
    rate_limits.requests_per_minute = args.rpm;
    rate_limits.tokens_per_minute = args.tpm;
    rate_limits
}

/// With `--redis`, the quota shared through it (connected and checked now, so a Redis that is not
/// there fails the command at start).
pub(crate) async fn shared_quota(
    args: &EngineArgs,
    clients: &Clients,
) -> Result<Option<Arc<dyn SharedQuota>>, CliError> {
    let Some(url) = &args.redis else {
        return Ok(None);
    };
    let (provider, fingerprint) = &clients.root_endpoint.quota_account;
    let mut config = RedisQuotaConfig::new(url.clone())
        .with_prefix(args.redis_prefix.clone())
        .with_provider(provider.clone())
        .with_rate_limits(rate_limits(args))
        .with_max_concurrent(args.redis_max_concurrent)
        .with_lease_time(args.redis_lease_time);
    if let Some(fingerprint) = fingerprint {
        config.key_fingerprint.clone_from(fingerprint);
    }
    let quota = RedisQuota::connect(config)
        .await
        .map_err(|e| CliError::usage(format!("--redis: {e}")))?;
    Ok(Some(Arc::new(quota)))
}

pub(crate) fn build_rlm(
    args: &EngineArgs,
    clients: &Clients,
    prices: PriceTable,
    shared_quota: Option<Arc<dyn SharedQuota>>,
) -> Result<Rlm, CliError> {
    let rate_limits = if shared_quota.is_some() {
        RateLimits::default() // the shared quota enforces --rpm and --tpm instead
    } else {
        rate_limits(args)
    };
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
    if args.no_prompt_cache {
        builder = builder.prompt_cache(false);
    }
    if let Some(quota) = shared_quota {
        builder = builder.shared_quota(quota);
    }
    Ok(builder.build()?)
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use rlm::client::LlmClient;
    use rlm::testing::Simulated;

    use super::*;
    use crate::args::{Cli, Command, EvalCommand};

    /// The engine flags of `rlm eval run` (which shares them with `rlm run`) followed by `extra`.
    fn engine(extra: &[&str]) -> EngineArgs {
        let base = ["rlm", "eval", "run", "tasks.jsonl", "-o", "r.jsonl"];
        match Cli::try_parse_from(base.iter().chain(extra)) {
            Ok(Cli {
                command: Command::Eval(EvalCommand::Run(args)),
            }) => args.engine,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn built_in_then_file_then_flags() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("rlm-cli-prices-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("prices.toml");
        std::fs::write(
            &file,
            "[models.gpt-4o]\ninput = 1\noutput = 2\n\n[models.house]\ninput = 3\ncached_input = 0.3\noutput = 4\n\n[models.root]\ninput = 9\noutput = 9\n",
        )?;
        let path = file.display().to_string();
        let args = engine(&[
            "--model",
            "root",
            "--prices",
            &path,
            "--price",
            "house=5/6",
            "--price-in",
            "7",
            "--price-out",
            "8",
            "--budget-usd",
            "1",
        ]);
        let table = prices(&args);
        std::fs::remove_dir_all(&dir)?;
        let table = table.map_err(|e| e.to_string())?;
        let get = |model: &str| table.get(model).copied();
        // Built-in, untouched: gpt-4.1-mini and its snapshot.
        assert_eq!(
            get("gpt-4.1-mini-2025-04-14"),
            PriceTable::built_in().get("gpt-4.1-mini").copied()
        );
        // The file replaces the built-in gpt-4o entry and adds its own models.
        assert_eq!(get("gpt-4o"), Some(Price::new(1.0, 2.0)));
        // Flags win over the file: --price for `house`, --price-in/--price-out for the root.
        assert_eq!(get("house"), Some(Price::new(5.0, 6.0)));
        assert_eq!(get("root"), Some(Price::new(7.0, 8.0)));
        assert!(check_prices(&args, &table).is_ok());
        Ok(())
    }

    #[test]
    fn a_bad_or_missing_price_file_is_a_usage_error() {
        let Err(error) = prices(&engine(&["--prices", "/no/such/prices.toml"])) else {
            panic!("a missing file is refused");
        };
        assert_eq!(error.class, crate::exit::ExitClass::Usage);
        assert!(
            error
                .to_string()
                .starts_with("--prices: could not read the prices file /no/such/prices.toml"),
            "{error}"
        );
        let Err(error) = prices(&engine(&["--prices", "prices.yaml"])) else {
            panic!("a .yaml file is refused");
        };
        assert!(
            error.to_string().contains("must end in .toml or .json"),
            "{error}"
        );
    }

    #[test]
    fn a_budget_needs_prices_only_for_models_outside_the_table() -> Result<(), CliError> {
        let known = engine(&[
            "--model",
            "gpt-4.1-mini-2025-04-14",
            "--sub-model",
            "claude-haiku-4-5",
            "--provider",
            "anthropic",
            "--budget-usd",
            "1",
        ]);
        check_prices(&known, &prices(&known)?)?;
        let unknown = engine(&[
            "--model",
            "gpt-4.1-mini",
            "--sub-model",
            "house",
            "--budget-usd",
            "1",
        ]);
        let Err(error) = check_prices(&unknown, &prices(&unknown)?) else {
            panic!("house has no price");
        };
        assert_eq!(error.class, crate::exit::ExitClass::Usage);
        assert!(
            error.to_string().contains("none for house (the built-in"),
            "{error}"
        );
        Ok(())
    }

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
                quota_account: ("openai".into(), None),
            },
        };
        build_rlm(&args.engine, &clients, PriceTable::new(), None).unwrap_or_else(|e| panic!("{e}"))
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
