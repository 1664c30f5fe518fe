//! Error classes of the `rlm` command and their exit codes, and the mapping from library errors.
//!
//! | code | class    | examples |
//! |------|----------|----------|
//! | 0    | success  | |
//! | 1    | other    | sandbox failure, trajectory not writable, wrong demo answer, demo speedup below 5x with the defaults |
//! | 2    | usage    | bad flag values, unknown provider, missing API key (names the variable) |
//! | 3    | input    | unreadable context file, invalid UTF-8 (with byte offset, line and column) |
//! | 4    | provider | the model API failed after every retry, unreachable server |
//! | 5    | limit    | timeout, token/cost budget, sub-call or consecutive-error limit (partial answer printed), no answer after the last iteration |
//! | 130  | interrupted | Ctrl-C: the run was stopped, its trajectory so far and usage report were written |
//!
//! Library messages name library settings (`Limits::timeout`); the command line's messages name its
//! flags instead (`--timeout`), through [`FLAG_NAMES`].

use std::fmt;
use std::process::ExitCode;

use rlm::client::ClientError;
use rlm::{PartialRun, RlmError};

/// The exit-code table, as shown at the end of `rlm --help`.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  any other failure (sandbox failure, unwritable trajectory, wrong demo answer,
     demo speedup below 5x with the default settings)
  2  usage error: bad flag values, unknown provider, missing API key, unwritable --trajectory
     or --view
  3  input error: unreadable context file, invalid UTF-8 or JSON, context over --max-context-size;
     for rlm eval run, invalid task lines (reported by line number after the others ran);
     for rlm view and rlm trajectory export, a file that is not a trajectory
  4  provider error: the model API failed after every retry, or could not be reached
  5  limit reached: timeout, token or cost budget, sub-call or error limit (partial answer
     printed), or no answer after the last iteration (nothing printed on stdout)
  130 interrupted (Ctrl-C): the run stopped cleanly, trajectory and usage report written;
     a second Ctrl-C exits at once

Environment:
  OPENAI_API_KEY, ANTHROPIC_API_KEY  API keys (or choose the variable with --api-key-env NAME)
  RUST_LOG                           tracing output on stderr (e.g. RUST_LOG=rlm_core=debug; default warn)";

/// What kind of failure ended the command; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitClass {
    /// Anything not covered below (exit 1).
    Other,
    /// Bad flags or configuration (exit 2).
    Usage,
    /// The context could not be read (exit 3).
    Input,
    /// The model provider failed (exit 4).
    Provider,
    /// A run limit was reached (exit 5).
    Limit,
    /// The run was interrupted with Ctrl-C (exit 130, the shell's code for SIGINT).
    Interrupted,
}

impl ExitClass {
    /// The process exit code of this class.
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::Other => 1,
            Self::Usage => 2,
            Self::Input => 3,
            Self::Provider => 4,
            Self::Limit => 5,
            Self::Interrupted => 130,
        }
    }

    /// A short name for machine-readable output.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Other => "other",
            Self::Usage => "usage",
            Self::Input => "input",
            Self::Provider => "provider",
            Self::Limit => "limit",
            Self::Interrupted => "interrupted",
        }
    }
}

impl From<ExitClass> for ExitCode {
    fn from(class: ExitClass) -> Self {
        ExitCode::from(class.code())
    }
}

/// A failure of the command: its class, a one-line message, and what a stopped run had done.
#[derive(Debug)]
pub(crate) struct CliError {
    /// Decides the exit code.
    pub(crate) class: ExitClass,
    /// What happened and what to do, on one line.
    pub(crate) message: String,
    /// What a run stopped by a limit or a provider failure had done: best partial answer, trajectory,
    /// usage, cost, duration, iterations.
    pub(crate) run: Option<Box<PartialRun>>,
    /// Whether the partial answer is printed on stdout (not for a run that gave no answer: a script
    /// must never mistake it for one).
    pub(crate) partial_on_stdout: bool,
}

impl CliError {
    /// A failure of `class` with `message`.
    pub(crate) fn new(class: ExitClass, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
            run: None,
            partial_on_stdout: true,
        }
    }

    /// The best partial answer of a stopped run, if any.
    pub(crate) fn partial_answer(&self) -> Option<&str> {
        self.run.as_ref()?.answer.as_deref()
    }

    /// A usage error (exit 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitClass::Usage, message)
    }

    /// An input error (exit 3).
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self::new(ExitClass::Input, message)
    }

    /// Any other failure (exit 1).
    pub(crate) fn other(message: impl Into<String>) -> Self {
        Self::new(ExitClass::Other, message)
    }

    /// The message as one line (newlines of library messages folded).
    pub(crate) fn one_line(&self) -> String {
        self.message
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.one_line())
    }
}

/// The class of a provider-construction or provider-call error.
pub(crate) fn client_error_class(error: &ClientError) -> ExitClass {
    match error {
        ClientError::Configuration { .. } => ExitClass::Usage,
        _ => ExitClass::Provider,
    }
}

impl From<ClientError> for CliError {
    fn from(error: ClientError) -> Self {
        Self::new(
            client_error_class(&error),
            with_flag_names(&error.to_string()),
        )
    }
}

/// Library setting names in error messages, and the flags that set them.
pub(crate) const FLAG_NAMES: &[(&str, &str)] = &[
    ("Limits::timeout", "--timeout"),
    ("Limits::token_budget", "--token-budget"),
    ("Limits::cost_budget_usd", "--budget-usd"),
    (
        "Limits::max_subcalls",
        "--max-subcalls (or --max-subcalls none)",
    ),
    ("Limits::max_context_bytes", "--max-context-size"),
    ("RetryPolicy::max_retry_after", "--max-retry-after"),
    (
        "RlmBuilder::prices",
        "--price MODEL=IN/OUT or --prices FILE",
    ),
    ("raise max_iterations", "raise --max-iterations"),
];

/// `message` with library setting names replaced by the flags that set them.
pub(crate) fn with_flag_names(message: &str) -> String {
    FLAG_NAMES
        .iter()
        .fold(message.to_owned(), |text, (setting, flag)| {
            text.replace(setting, flag)
        })
}

impl From<RlmError> for CliError {
    fn from(error: RlmError) -> Self {
        let class = match &error {
            RlmError::Timeout { .. }
            | RlmError::TokenBudget { .. }
            | RlmError::CostBudget { .. }
            | RlmError::ConsecutiveErrors { .. }
            | RlmError::SubcallLimit { .. }
            | RlmError::NoAnswer { .. } => ExitClass::Limit,
            RlmError::ContextTooLarge { .. } | RlmError::InvalidContext(_) => ExitClass::Input,
            RlmError::Provider { source, .. } => client_error_class(source),
            RlmError::Config(_) => ExitClass::Usage,
            RlmError::Cancelled { .. } => ExitClass::Interrupted,
            _ => ExitClass::Other,
        };
        let run = error.partial_run().cloned().map(Box::new);
        Self {
            class,
            message: with_flag_names(&error.to_string()),
            run,
            partial_on_stdout: !matches!(error, RlmError::NoAnswer { .. }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn codes_are_distinct_per_class() {
        let classes = [
            ExitClass::Other,
            ExitClass::Usage,
            ExitClass::Input,
            ExitClass::Provider,
            ExitClass::Limit,
        ];
        let mut codes: Vec<u8> = classes.iter().map(|c| c.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes, vec![1, 2, 3, 4, 5]);
        for class in classes {
            assert!(
                EXIT_CODES_HELP.contains(&format!("  {}  ", class.code())),
                "{class:?} missing from help"
            );
        }
    }

    #[test]
    fn rlm_errors_map_to_classes_and_keep_partial() {
        let limit: CliError = RlmError::Timeout {
            after: Duration::from_secs(3),
            partial: Box::new(PartialRun::new(Some("half".into()))),
        }
        .into();
        assert_eq!(
            (limit.class, limit.partial_answer()),
            (ExitClass::Limit, Some("half"))
        );
        let provider: CliError = RlmError::Provider {
            source: ClientError::Connection {
                message: "refused".into(),
            },
            partial: Box::default(),
        }
        .into();
        assert_eq!(provider.class, ExitClass::Provider);
        assert!(provider.run.is_some() && provider.partial_answer().is_none());
        let config: CliError = RlmError::Config("bad".into()).into();
        assert_eq!(config.class, ExitClass::Usage);
        assert!(config.run.is_none());
        let key: CliError = ClientError::configuration("KEY is not set").into();
        assert_eq!(key.class, ExitClass::Usage);
    }

    #[test]
    fn messages_name_flags_not_library_settings() {
        let partial = || Box::new(PartialRun::new(None));
        let errors = [
            RlmError::Timeout {
                after: Duration::from_secs(3),
                partial: partial(),
            },
            RlmError::TokenBudget {
                budget: 1,
                used: 2,
                partial: partial(),
            },
            RlmError::CostBudget {
                budget_usd: 1.0,
                spent_usd: 2.0,
                partial: partial(),
            },
            RlmError::SubcallLimit {
                limit: 3,
                partial: partial(),
            },
            RlmError::NoAnswer {
                iterations: 30,
                partial: partial(),
            },
            RlmError::ContextTooLarge { bytes: 9, limit: 8 },
            RlmError::Provider {
                source: ClientError::RetryAfterTooLong {
                    retry_after: Duration::from_secs(90),
                    limit: Duration::from_mins(1),
                    source: Box::new(ClientError::Cancelled),
                },
                partial: partial(),
            },
        ];
        for error in errors {
            let cli = CliError::from(error);
            let text = cli.to_string();
            assert!(!text.contains("::") && text.contains("--"), "{text}");
            assert!(!text.contains('\n'), "{text}");
        }
        let no_answer = CliError::from(RlmError::NoAnswer {
            iterations: 30,
            partial: partial(),
        });
        assert_eq!(no_answer.class, ExitClass::Limit);
        assert!(
            no_answer
                .to_string()
                .starts_with("no answer after 30 iterations")
        );
        assert!(no_answer.to_string().contains("--max-iterations"));
        assert!(!no_answer.partial_on_stdout);
    }

    #[test]
    fn message_is_one_line() {
        let e = CliError::other("first\nsecond   third");
        assert_eq!(e.to_string(), "first second third");
    }
}
