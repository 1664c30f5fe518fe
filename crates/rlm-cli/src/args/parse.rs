//! The value parsers of the flags: durations, sizes, caps, prices, `MODEL=VALUE` pairs, non-empty
//! queries and variable names. Each error says what to write instead.

use std::time::Duration;

use rlm::client::Price;

/// Parses `90`, `90s`, `500ms`, `10m`, `1h` (a bare number is seconds); zero is refused.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; write e.g. 90s, 500ms or 10m"))?;
    let seconds = match unit.trim() {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1000.0,
        "m" | "min" | "mins" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit {other:?}; use ms, s, m or h"
            ));
        }
    };
    if !(seconds.is_finite() && seconds > 0.0) || seconds > 7.0 * 86_400.0 {
        return Err(format!(
            "duration {text:?} must be longer than zero and at most a week"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a byte size from 1 byte to 1 GiB: `1048576`, `512KiB`, `8MiB`, `1MB`, `64k`.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let bytes = size_bytes(text)?;
    if bytes == 0 || bytes > 1024 * 1024 * 1024 {
        return Err(format!("size {text:?} must be between 1 byte and 1 GiB"));
    }
    Ok(bytes)
}

/// Parses a byte size from 1 byte to 1 TiB (`256MiB`, `4GiB`).
pub(crate) fn parse_big_size(text: &str) -> Result<u64, String> {
    let bytes = size_bytes(text)?;
    if bytes == 0 || bytes > 1024 * 1024 * 1024 * 1024 {
        return Err(format!("size {text:?} must be between 1 byte and 1 TiB"));
    }
    Ok(bytes)
}

/// A byte size with an optional unit.
fn size_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size; write e.g. 1048576, 512KiB or 8MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1024,
        "kb" => 1000,
        "m" | "mib" => 1024 * 1024,
        "mb" => 1_000_000,
        "g" | "gib" => 1024 * 1024 * 1024,
        "gb" => 1_000_000_000,
        "t" | "tib" => 1024 * 1024 * 1024 * 1024,
        other => return Err(format!("unknown size unit {other:?}; use KiB, MiB or GiB")),
    };
    value
        .checked_mul(factor)
        .ok_or_else(|| format!("size {text:?} is too large"))
}

/// Accepts a query with at least one non-blank character.
pub(crate) fn parse_query(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        Err("the query is empty; write the question to answer about the context".to_owned())
    } else {
        Ok(text.to_owned())
    }
}

/// Accepts an environment variable name: not empty, no `=`, no NUL, no whitespace.
pub(crate) fn parse_env_name(text: &str) -> Result<String, String> {
    if text.is_empty() {
        Err("the variable name is empty; write the name of the variable holding the key, e.g. OPENROUTER_API_KEY".to_owned())
    } else if text.contains(['=', '\0']) || text.chars().any(char::is_whitespace) {
        Err(format!(
            "{text:?} is not an environment variable name (no '=', spaces or NUL); write e.g. OPENROUTER_API_KEY"
        ))
    } else {
        Ok(text.to_owned())
    }
}

/// Parses a price in USD per million tokens (zero allowed, negative refused).
pub(crate) fn parse_price(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "{text:?} is not a price; write USD per million tokens, e.g. 0.15"
        )),
    }
}

/// Parses a positive amount of USD.
pub(crate) fn parse_positive_f64(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "{text:?} is not a positive amount of USD, e.g. 0.50"
        )),
    }
}

/// A cap given on the command line: a positive number, or no cap at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cap(pub(crate) Option<u64>);

/// Parses a cap: a positive number, or `none` for no cap.
pub(crate) fn parse_limit(text: &str) -> Result<Cap, String> {
    match text.trim() {
        "none" => Ok(Cap(None)),
        number => match number.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Cap(Some(n))),
            _ => Err(format!(
                "{text:?} is not a cap; write a positive number or none"
            )),
        },
    }
}

/// Splits `MODEL=VALUE` at the last `=` (model ids hold no `=`).
fn model_and(text: &str, what: &str, example: &str) -> Result<(String, String), String> {
    match text.rsplit_once('=') {
        Some((model, value)) if !model.trim().is_empty() => {
            Ok((model.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!(
            "{text:?} is not MODEL={what}; write e.g. {example}"
        )),
    }
}

/// Parses `MODEL=TOKENS` (a positive number).
pub(crate) fn parse_model_number(text: &str) -> Result<(String, u64), String> {
    let (model, value) = model_and(text, "TOKENS", "llama3.1=32768")?;
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok((model, n)),
        _ => Err(format!(
            "{text:?}: the window must be a positive number of tokens"
        )),
    }
}

/// Parses `MODEL=IN/OUT[/CACHED[/WRITE]]`: USD per million input and output tokens, then optionally
/// cache reads and cache writes (each charged at the input price when not given).
pub(crate) fn parse_model_price(text: &str) -> Result<(String, Price), String> {
    const EXAMPLE: &str = "gpt-4.1-mini=0.4/1.6 or gpt-4.1-mini=0.4/1.6/0.1";
    let (model, value) = model_and(text, "IN/OUT[/CACHED[/WRITE]]", EXAMPLE)?;
    let parts: Vec<&str> = value.split('/').collect();
    let [input, output, rest @ ..] = parts.as_slice() else {
        return Err(format!(
            "{text:?}: write the price as IN/OUT[/CACHED[/WRITE]], e.g. {EXAMPLE}"
        ));
    };
    if rest.len() > 2 {
        return Err(format!(
            "{text:?}: at most four prices, IN/OUT/CACHED/WRITE (USD per million input, output, cache-read and cache-write tokens)"
        ));
    }
    let mut price = Price::new(parse_price(input)?, parse_price(output)?);
    if let Some(cached) = rest.first() {
        price = price.with_cached_input(parse_price(cached)?);
    }
    if let Some(write) = rest.get(1) {
        price = price.with_cache_write(parse_price(write)?);
    }
    Ok((model, price))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::{CommandFactory, Parser};

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_mins(10)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("5 days").is_err());
        assert!(parse_duration("fast").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("8MiB"), Ok(8 * 1024 * 1024));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("0").is_err());
        assert!(parse_size("2TiB").is_err());
    }

    #[test]
    fn caps_windows_and_prices() {
        assert_eq!(parse_limit("none"), Ok(Cap(None)));
        assert_eq!(parse_limit("1000"), Ok(Cap(Some(1000))));
        assert!(parse_limit("0").is_err() && parse_limit("lots").is_err());
        assert_eq!(
            parse_model_number("llama3.1:8b=32768"),
            Ok(("llama3.1:8b".into(), 32768))
        );
        assert!(parse_model_number("=5").is_err() && parse_model_number("m=0").is_err());
        assert_eq!(
            parse_model_price("gpt-4.1-mini=0.4/1.6"),
            Ok(("gpt-4.1-mini".into(), Price::new(0.4, 1.6)))
        );
        assert_eq!(
            parse_model_price("gpt-4.1-mini=0.4/1.6/0.1"),
            Ok((
                "gpt-4.1-mini".into(),
                Price::new(0.4, 1.6).with_cached_input(0.1)
            ))
        );
        assert_eq!(
            parse_model_price("claude-sonnet-4-5=3/15/0.3/3.75"),
            Ok((
                "claude-sonnet-4-5".into(),
                Price::new(3.0, 15.0)
                    .with_cached_input(0.3)
                    .with_cache_write(3.75)
            ))
        );
        for bad in ["m=0.4", "m=-1/2", "m=1/2/3/4/5", "m=1/2/x", "m=1/2/"] {
            assert!(parse_model_price(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_big_size("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert!(parse_size("2GiB").is_err());
    }

    #[test]
    fn speed_defaults_cover_every_timing_flag() {
        let demo = |extra: &[&str]| match Cli::try_parse_from(["rlm", "demo"].iter().chain(extra)) {
            Ok(Cli {
                command: Command::Demo(args),
            }) => args,
            other => panic!("{other:?}"),
        };
        assert!(demo(&[]).speed_defaults());
        assert!(demo(&["--seed", "7", "--quiet"]).speed_defaults());
        for changed in [
            ["--size", "1MiB"],
            ["--latency-ms", "20"],
            ["--root-latency-ms", "300"],
            ["--chunks", "8"],
            ["--max-concurrent", "4"],
            ["--model", "gpt-4o-mini"],
            ["--fault", "3:500"],
        ] {
            assert!(!demo(&changed).speed_defaults(), "{changed:?}");
        }
    }

    #[test]
    fn empty_query_and_key_variable_are_refused() {
        let run = |extra: &[&str]| {
            let base = ["rlm", "run", "--context", "f", "--model", "m"];
            Cli::try_parse_from(base.iter().chain(extra))
        };
        for query in ["", "   "] {
            let error = run(&["--query", query]).unwrap_err().to_string();
            assert!(error.contains("the query is empty"), "{error}");
        }
        let error = run(&["--query", "q", "--api-key-env", ""])
            .unwrap_err()
            .to_string();
        assert!(error.contains("the variable name is empty"), "{error}");
        let error = run(&["--query", "q", "--api-key-env", "A=B"])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("not an environment variable name"),
            "{error}"
        );
        assert!(run(&["--query", "q", "--api-key-env", "MY_KEY"]).is_ok());
    }

    #[test]
    fn max_concurrent_zero_is_refused() {
        let parsed = Cli::try_parse_from([
            "rlm",
            "run",
            "--context",
            "f",
            "--query",
            "q",
            "--max-concurrent",
            "0",
        ]);
        assert!(parsed.is_err());
    }
}
