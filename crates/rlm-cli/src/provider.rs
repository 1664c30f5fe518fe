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

fn build_one(
    args: &ProviderArgs,
    model: &str,
    request_timeout: Duration,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Arc<dyn LlmClient>, CliError> {
    let variable = key_variable(args);
    let key = lookup(variable);
    let missing_key = || {
        CliError::usage(format!(
            "{variable} is not set; export it with your API key, or pass --api-key-env NAME to read the key from another variable"
        ))
    };
    match args.provider {
        ProviderKind::Openai => {
            let base_url = args
                .base_url
                .clone()
                .or_else(|| lookup("OPENAI_BASE_URL"))
                .unwrap_or_else(|| OPENAI_BASE_URL.to_owned());
            let official = base_url.trim_end_matches('/') == OPENAI_BASE_URL;
            // Local servers (Ollama, vLLM, ...) need no key, unless the user named a variable.
            if key.is_none() && (official || args.api_key_env.is_some()) {
                return Err(missing_key());
            }
            let mut builder = OpenAiCompatible::builder(model)
                .base_url(base_url)
                .request_timeout(request_timeout);
            if let Some(key) = key {
                builder = builder.api_key(key);
            }
            Ok(Arc::new(builder.build()?))
        }
        ProviderKind::Anthropic => {
            let key = key.ok_or_else(missing_key)?;
            let base_url = args
                .base_url
                .clone()
                .or_else(|| lookup("ANTHROPIC_BASE_URL"))
                .unwrap_or_else(|| ANTHROPIC_BASE_URL.to_owned());
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
