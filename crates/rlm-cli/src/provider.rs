//! Building the root and sub model clients from the flags and the environment (`--provider`,
//! `--model`, `--sub-model`, `--base-url`, `--api-key-env`). Keys are read from the environment only,
//! never printed.

use std::sync::Arc;
use std::time::Duration;

use rlm::client::{ANTHROPIC_BASE_URL, Anthropic, LlmClient, OPENAI_BASE_URL, OpenAiCompatible};

use crate::args::{ProviderArgs, ProviderKind};
use crate::exit::CliError;

/// The two clients of a run.
pub(crate) struct Clients {
    /// The root model (writes the code).
    pub(crate) root: Arc<dyn LlmClient>,
    /// The sub model (answers llm_query / llm_batch).
    pub(crate) sub: Arc<dyn LlmClient>,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clients")
            .field("root", &self.root.model())
            .field("sub", &self.sub.model())
            .finish()
    }
}

/// Builds the root and sub clients, reading variables through `lookup` (the process environment in
/// production). `request_timeout` bounds one HTTP exchange.
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
    let sub_model = args.sub_model.as_deref().unwrap_or(model);
    let lookup = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let root = build_one(args, model, request_timeout, &lookup)?;
    let sub = if sub_model == model {
        Arc::clone(&root)
    } else {
        build_one(args, sub_model, request_timeout, &lookup)?
    };
    Ok(Clients { root, sub })
}

/// The variable the API key is read from.
pub(crate) fn key_variable(args: &ProviderArgs) -> &str {
    match (&args.api_key_env, args.provider) {
        (Some(name), _) => name,
        (None, ProviderKind::Openai) => "OPENAI_API_KEY",
        (None, ProviderKind::Anthropic) => "ANTHROPIC_API_KEY",
    }
}

/// OpenAI's API host: the only host `OPENAI_API_KEY` is sent to without `--api-key-env`.
const OPENAI_HOST: &str = "api.openai.com";
/// Anthropic's API host: the only host `ANTHROPIC_API_KEY` is sent to without `--api-key-env`.
const ANTHROPIC_HOST: &str = "api.anthropic.com";

/// Whether `base_url` is `https://` on exactly `host` (any port, path, case).
fn is_official(base_url: &str, host: &str) -> bool {
    let Some(rest) = base_url
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .and_then(|_| base_url.get(8..))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // userinfo@host:port — the host is after the last '@' and before the port.
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let found = host_port.split(':').next().unwrap_or_default();
    found.eq_ignore_ascii_case(host)
}

/// The key to send to `base_url`, read through `lookup` (blank values count as unset).
///
/// - `--api-key-env NAME`: the key from `NAME`, sent to whatever base URL is used (OpenRouter, LiteLLM,
///   a proxy); missing is a usage error.
/// - otherwise, the provider's own host (`https://api.openai.com`, `https://api.anthropic.com`): the key
///   from the default variable; missing is a usage error.
/// - otherwise (a custom base URL): OpenAI-compatible servers get no key at all (Ollama, vLLM and
///   llama.cpp need none), so the default variable's key never leaks to a third-party server;
///   Anthropic clients always need a key, so a custom Anthropic base URL needs `--api-key-env`.
fn key_for(
    args: &ProviderArgs,
    base_url: &str,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, CliError> {
    let variable = key_variable(args);
    let missing_key = || {
        CliError::usage(format!(
            "{variable} is not set; export it with your API key, or pass --api-key-env NAME to read the key from another variable"
        ))
    };
    let official_host = match args.provider {
        ProviderKind::Openai => OPENAI_HOST,
        ProviderKind::Anthropic => ANTHROPIC_HOST,
    };
    if args.api_key_env.is_some() || is_official(base_url, official_host) {
        return lookup(variable).map(Some).ok_or_else(missing_key);
    }
    match args.provider {
        ProviderKind::Openai => Ok(None),
        ProviderKind::Anthropic => Err(CliError::usage(format!(
            "the base URL is not {official_host}: pass --api-key-env NAME to choose the variable whose key is sent to it"
        ))),
    }
}

fn build_one(
    args: &ProviderArgs,
    model: &str,
    request_timeout: Duration,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Arc<dyn LlmClient>, CliError> {
    match args.provider {
        ProviderKind::Openai => {
            let base_url = args
                .base_url
                .clone()
                .or_else(|| lookup("OPENAI_BASE_URL"))
                .unwrap_or_else(|| OPENAI_BASE_URL.to_owned());
            let key = key_for(args, &base_url, lookup)?;
            let mut builder = OpenAiCompatible::builder(model)
                .base_url(base_url)
                .request_timeout(request_timeout);
            if let Some(key) = key {
                builder = builder.api_key(key);
            }
            Ok(Arc::new(builder.build()?))
        }
        ProviderKind::Anthropic => {
            let base_url = args
                .base_url
                .clone()
                .or_else(|| lookup("ANTHROPIC_BASE_URL"))
                .unwrap_or_else(|| ANTHROPIC_BASE_URL.to_owned());
            let key = key_for(args, &base_url, lookup)?.unwrap_or_default();
            let client = Anthropic::builder(model, key)
                .base_url(base_url)
                .request_timeout(request_timeout)
                .build()?;
            Ok(Arc::new(client))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::ExitClass;

    fn args(provider: ProviderKind, base_url: Option<&str>, key_env: Option<&str>) -> ProviderArgs {
        ProviderArgs {
            provider,
            model: Some("m".into()),
            sub_model: None,
            base_url: base_url.map(Into::into),
            api_key_env: key_env.map(Into::into),
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
    fn official_hosts_are_recognised_exactly() {
        assert!(is_official("https://api.openai.com/v1", OPENAI_HOST));
        assert!(is_official("HTTPS://API.OpenAI.com:443/v1/", OPENAI_HOST));
        assert!(!is_official("http://api.openai.com/v1", OPENAI_HOST));
        assert!(!is_official(
            "https://api.openai.com.evil.example/v1",
            OPENAI_HOST
        ));
        assert!(!is_official(
            "https://api.openai.com@evil.example/v1",
            OPENAI_HOST
        ));
        assert!(!is_official(
            "https://evil.example/api.openai.com",
            OPENAI_HOST
        ));
        assert!(!is_official("http://localhost:11434/v1", OPENAI_HOST));
        assert!(is_official(ANTHROPIC_BASE_URL, ANTHROPIC_HOST));
        assert!(is_official(OPENAI_BASE_URL, OPENAI_HOST));
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
            key_for(&args(provider, Some(url), key_env), url, &env)
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
        a.sub_model = Some("small".into());
        let clients = build_clients(&a, T, |_| None).unwrap();
        assert_eq!((clients.root.model(), clients.sub.model()), ("m", "small"));
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
