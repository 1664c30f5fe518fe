//! Building the model clients from the flags and the environment (`--provider`, `--model`,
//! `--sub-model`, `--base-url`, `--api-key-env`, `--reasoning-effort`, `--token-limit-field`). Keys are
//! read from the environment only, never printed.

use std::sync::Arc;
use std::time::Duration;

use rlm::client::{
    ANTHROPIC_BASE_URL, Anthropic, LlmClient, OPENAI_BASE_URL, OPENAI_HOST, OpenAiCompatible,
    TokenLimitField, is_official_host,
};

use crate::args::{ProviderArgs, ProviderKind, SubModelSpec};
use crate::exit::CliError;

/// Anthropic's API host: the only host `ANTHROPIC_API_KEY` is sent to without `--api-key-env`.
const ANTHROPIC_HOST: &str = "api.anthropic.com";

/// The clients of a run.
pub(crate) struct Clients {
    /// The root model (writes the code).
    pub(crate) root: Arc<dyn LlmClient>,
    /// The default sub-model (answers llm_query / llm_batch).
    pub(crate) sub: Arc<dyn LlmClient>,
    /// The named sub-models: name, description, client.
    pub(crate) named: Vec<(String, String, Arc<dyn LlmClient>)>,
    /// Where the root model's requests go, and whether they carry a key.
    pub(crate) root_endpoint: Endpoint,
}

/// A client's base URL and whether a key is sent there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// The base URL.
    pub(crate) base_url: String,
    /// Whether an API key goes with each request.
    pub(crate) keyed: bool,
    /// The provider and the fingerprint of its API key (never the key), naming a shared quota.
    pub(crate) quota_account: (String, Option<String>),
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clients")
            .field("root", &self.root.model())
            .field("sub", &self.sub.model())
            .field(
                "named",
                &self.named.iter().map(|(n, _, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Builds every client, reading variables through `lookup` (the process environment in production).
/// `request_timeout` bounds one HTTP exchange.
pub(crate) fn build_clients(
    args: &ProviderArgs,
    request_timeout: Duration,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Clients, CliError> {
    let model = args.model.as_deref().ok_or_else(|| {
        CliError::usage(
            "--model is required (e.g. --model gpt-4o-mini or --model claude-sonnet-4-5)",
        )
    })?;
    let lookup = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let (root, root_endpoint) = build_one(args, args.provider, model, request_timeout, &lookup)?;
    let sub = match args.default_sub_model() {
        Some(sub) if sub != model => {
            build_one(args, args.provider, sub, request_timeout, &lookup)?.0
        }
        _ => Arc::clone(&root),
    };
    let mut named = Vec::new();
    for spec in &args.sub_models {
        let SubModelSpec {
            name: Some(name),
            provider,
            model,
            description,
        } = spec
        else {
            continue;
        };
        let provider = provider.unwrap_or(args.provider);
        let (client, _) = build_one(args, provider, model, request_timeout, &lookup)?;
        named.push((name.clone(), description.clone(), client));
    }
    Ok(Clients {
        root,
        sub,
        named,
        root_endpoint,
    })
}

/// The variable the API key of `provider` is read from.
pub(crate) fn key_variable(args: &ProviderArgs, provider: ProviderKind) -> &str {
    match (&args.api_key_env, provider) {
        (Some(name), _) if provider == args.provider => name,
        (_, ProviderKind::Openai) => "OPENAI_API_KEY",
        (_, ProviderKind::Anthropic) => "ANTHROPIC_API_KEY",
    }
}

/// The key to send to `base_url`, read through `lookup` (blank values count as unset).
///
/// - `--api-key-env NAME` (for `--provider`'s clients): the key from `NAME`, sent to whatever base URL
///   is used (OpenRouter, LiteLLM, a proxy); missing is a usage error.
/// - otherwise, the provider's own host (`https://api.openai.com`, `https://api.anthropic.com`): the key
///   from the default variable; missing is a usage error.
/// - otherwise (a custom base URL): OpenAI-compatible servers get no key at all (Ollama, vLLM and
///   llama.cpp need none), so the default variable's key never leaks to a third-party server;
///   Anthropic clients always need a key, so a custom Anthropic base URL needs `--api-key-env`.
fn key_for(
    args: &ProviderArgs,
    provider: ProviderKind,
    base_url: &str,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, CliError> {
    let variable = key_variable(args, provider);
    let missing_key = || {
        CliError::usage(format!(
            "{variable} is not set; export it with your API key, or pass --api-key-env NAME to read the key from another variable"
        ))
    };
    let official_host = match provider {
        ProviderKind::Openai => OPENAI_HOST,
        ProviderKind::Anthropic => ANTHROPIC_HOST,
    };
    let named_variable = args.api_key_env.is_some() && provider == args.provider;
    if named_variable || is_official_host(base_url, official_host) {
        return lookup(variable).map(Some).ok_or_else(missing_key);
    }
    match provider {
        ProviderKind::Openai => Ok(None),
        ProviderKind::Anthropic => Err(CliError::usage(format!(
            "the base URL is not {official_host}: pass --api-key-env NAME to choose the variable whose key is sent to it"
        ))),
    }
}

/// The base URL of `provider`'s clients: `--base-url` for the run's own provider, else the
/// provider's variable, else its public API.
fn base_url_for(
    args: &ProviderArgs,
    provider: ProviderKind,
    lookup: &impl Fn(&str) -> Option<String>,
) -> String {
    let own = if provider == args.provider {
        args.base_url.clone()
    } else {
        None
    };
    let (variable, default) = match provider {
        ProviderKind::Openai => ("OPENAI_BASE_URL", OPENAI_BASE_URL),
        ProviderKind::Anthropic => ("ANTHROPIC_BASE_URL", ANTHROPIC_BASE_URL),
    };
    own.or_else(|| lookup(variable))
        .unwrap_or_else(|| default.to_owned())
}

fn build_one(
    args: &ProviderArgs,
    provider: ProviderKind,
    model: &str,
    request_timeout: Duration,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<(Arc<dyn LlmClient>, Endpoint), CliError> {
    let base_url = base_url_for(args, provider, lookup);
    let key = key_for(args, provider, &base_url, lookup)?;
    let endpoint = Endpoint {
        base_url: base_url.clone(),
        keyed: key.is_some(),
        quota_account: (
            format!("{provider:?}").to_lowercase(),
            key.as_deref().map(rlm_redis::key_fingerprint),
        ),
    };
    let client: Arc<dyn LlmClient> = match provider {
        ProviderKind::Openai => {
            let mut builder = OpenAiCompatible::builder(model)
                .base_url(base_url)
                .request_timeout(request_timeout)
                .stream_idle_timeout(args.stream_idle_timeout);
            if let Some(key) = key {
                builder = builder.api_key(key);
            }
            if let Some(effort) = &args.reasoning_effort {
                builder = builder.reasoning_effort(effort);
            }
            match args.token_limit_field.as_str() {
                "max_tokens" => builder = builder.token_limit_field(TokenLimitField::MaxTokens),
                "max_completion_tokens" => {
                    builder = builder.token_limit_field(TokenLimitField::MaxCompletionTokens);
                }
                _ => {}
            }
            Arc::new(builder.build()?)
        }
        ProviderKind::Anthropic => Arc::new(
            Anthropic::builder(model, key.unwrap_or_default())
                .base_url(base_url)
                .request_timeout(request_timeout)
                .stream_idle_timeout(args.stream_idle_timeout)
                .build()?,
        ),
    };
    Ok((client, endpoint))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::ExitClass;

    fn args(provider: ProviderKind, base_url: Option<&str>, key_env: Option<&str>) -> ProviderArgs {
        ProviderArgs {
            provider,
            model: Some("m".into()),
            sub_models: Vec::new(),
            base_url: base_url.map(Into::into),
            api_key_env: key_env.map(Into::into),
            reasoning_effort: None,
            token_limit_field: "auto".into(),
            stream_idle_timeout: rlm::client::DEFAULT_STREAM_IDLE_TIMEOUT,
        }
    }

    const T: Duration = Duration::from_secs(5);

    #[test]
    fn missing_key_names_the_variable() {
        let e = build_clients(&args(ProviderKind::Openai, None, None), T, |_| None).unwrap_err();
        assert_eq!(e.class, ExitClass::Usage);
        assert!(
            e.to_string().starts_with("OPENAI_API_KEY is not set"),
            "{e}"
        );
        let e = build_clients(&args(ProviderKind::Anthropic, None, None), T, |_| None).unwrap_err();
        assert!(
            e.to_string().starts_with("ANTHROPIC_API_KEY is not set"),
            "{e}"
        );
        let e = build_clients(
            &args(
                ProviderKind::Openai,
                Some("http://127.0.0.1:9/v1"),
                Some("MY_KEY"),
            ),
            T,
            |_| Some("  ".into()),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("MY_KEY is not set"), "{e}");
    }

    #[test]
    fn local_server_needs_no_key_and_keys_stay_secret() {
        let local = args(ProviderKind::Openai, Some("http://127.0.0.1:9/v1"), None);
        let clients = build_clients(&local, T, |_| None).unwrap();
        assert_eq!(clients.root.model(), "m");
        let with_key = build_clients(&args(ProviderKind::Anthropic, None, None), T, |name| {
            (name == "ANTHROPIC_API_KEY").then(|| "sk-ant-very-secret".to_owned())
        })
        .unwrap();
        assert_eq!(with_key.sub.model(), "m");
    }

    #[test]
    fn default_key_goes_only_to_the_official_host() {
        let env = |name: &str| match name {
            "OPENAI_API_KEY" => Some("sk-default".to_owned()),
            "ANTHROPIC_API_KEY" => Some("sk-ant".to_owned()),
            "ROUTER_KEY" => Some("sk-router".to_owned()),
            _ => None,
        };
        let key = |provider, url: &str, key_env: Option<&str>| {
            key_for(&args(provider, Some(url), key_env), provider, url, &env)
        };
        let openai = ProviderKind::Openai;
        assert_eq!(
            key(openai, "https://api.openai.com/v1", None).unwrap(),
            Some("sk-default".into())
        );
        // A custom server never gets OPENAI_API_KEY unasked.
        for url in [
            "http://localhost:11434/v1",
            "https://openrouter.ai/api/v1",
            "http://api.openai.com/v1",
        ] {
            assert_eq!(key(openai, url, None).unwrap(), None, "{url}");
        }
        // --api-key-env sends the named key wherever the base URL points.
        assert_eq!(
            key(openai, "https://openrouter.ai/api/v1", Some("ROUTER_KEY")).unwrap(),
            Some("sk-router".into())
        );
        assert_eq!(
            key(openai, "http://localhost:8000/v1", Some("OPENAI_API_KEY")).unwrap(),
            Some("sk-default".into())
        );
        let anthropic = ProviderKind::Anthropic;
        assert_eq!(
            key(anthropic, ANTHROPIC_BASE_URL, None).unwrap(),
            Some("sk-ant".into())
        );
        let e = key(anthropic, "https://proxy.example/v1", None).unwrap_err();
        assert_eq!(e.class, ExitClass::Usage);
        assert!(e.to_string().contains("--api-key-env"), "{e}");
        assert!(!e.to_string().contains("sk-"), "{e}");
        assert_eq!(
            key(anthropic, "https://proxy.example/v1", Some("ROUTER_KEY")).unwrap(),
            Some("sk-router".into())
        );
    }

    #[test]
    fn sub_model_gets_its_own_client() {
        let mut a = args(ProviderKind::Openai, Some("http://127.0.0.1:9/v1"), None);
        a.sub_models = vec![
            "small".parse().unwrap(),
            "fast=tiny=quick one".parse().unwrap(),
        ];
        let clients = build_clients(&a, T, |_| None).unwrap();
        assert_eq!((clients.root.model(), clients.sub.model()), ("m", "small"));
        let (name, description, client) = &clients.named[0];
        assert_eq!(
            (name.as_str(), description.as_str(), client.model()),
            ("fast", "quick one", "tiny")
        );
        assert!(!clients.root_endpoint.keyed);
        // A named sub-model on another provider uses that provider's URL and key variable.
        a.sub_models = vec!["claude=anthropic:claude-haiku-4-5".parse().unwrap()];
        let e = build_clients(&a, T, |_| None).unwrap_err();
        assert!(
            e.to_string().starts_with("ANTHROPIC_API_KEY is not set"),
            "{e}"
        );
        let clients = build_clients(&a, T, |n| {
            (n == "ANTHROPIC_API_KEY").then(|| "sk-ant-x".into())
        })
        .unwrap();
        assert_eq!(clients.named[0].2.model(), "claude-haiku-4-5");
    }

    #[test]
    fn model_is_required_and_bad_urls_are_usage_errors() {
        let mut a = args(ProviderKind::Openai, Some("http://127.0.0.1:9/v1"), None);
        a.model = None;
        assert_eq!(
            build_clients(&a, T, |_| None).unwrap_err().class,
            ExitClass::Usage
        );
        let bad = args(ProviderKind::Openai, Some("ftp://x"), None);
        assert_eq!(
            build_clients(&bad, T, |_| None).unwrap_err().class,
            ExitClass::Usage
        );
    }
}
