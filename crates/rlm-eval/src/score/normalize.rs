//! Text normalisation for comparing answers: case, white space, quotes, trailing punctuation and
//! an `answer:` prefix do not count.

use serde_json::Value;

/// Quote pairs stripped when they surround the whole text.
const QUOTES: [(char, char); 6] = [
    ('"', '"'),
    ('\'', '\''),
    ('`', '`'),
    ('“', '”'),
    ('‘', '’'),
    ('«', '»'),
];

/// Punctuation stripped from the end.
const TRAILING: [char; 5] = ['.', '!', '?', ';', ':'];

/// Prefixes dropped from the start (after lowercasing).
const PREFIXES: [&str; 2] = ["final answer:", "answer:"];

/// `text` lowercased (Unicode), white space collapsed to single spaces and trimmed, a leading
/// `answer:` / `final answer:` dropped, and surrounding quotes and trailing `.!?;:` stripped until
/// none is left.
pub fn normalize(text: &str) -> String {
    let lower = text.to_lowercase();
    let mut out = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        let before = out.len();
        for prefix in PREFIXES {
            if let Some(rest) = out.strip_prefix(prefix) {
                out = rest.trim_start().to_owned();
            }
        }
        let trimmed = out.trim_end_matches(TRAILING).trim_end();
        if trimmed.len() != out.len() {
            out = trimmed.to_owned();
        }
        if let Some(inner) = unquote(&out) {
            out = inner.trim().to_owned();
        }
        if out.len() == before {
            return out;
        }
    }
}

/// The text inside a quote pair that surrounds all of `text`.
fn unquote(text: &str) -> Option<&str> {
    QUOTES.iter().find_map(|&(open, close)| {
        let inner = text.strip_prefix(open)?.strip_suffix(close)?;
        Some(inner)
    })
}

/// An expected scalar as text: a string as itself, a number or bool as its JSON text; `None` for
/// `null`, arrays and objects.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn case_space_quotes_punctuation_and_prefixes_do_not_count() {
        assert_eq!(normalize("  Hello\t\n  World  "), "hello world");
        assert_eq!(normalize("Answer: \"Paris.\""), "paris");
        assert_eq!(normalize("FINAL ANSWER:   `copper-4821`!"), "copper-4821");
        assert_eq!(normalize("“Zürich”?;"), "zürich");
        assert_eq!(normalize("ÉCOLE"), "école");
        assert_eq!(normalize("'quoted'."), "quoted");
        assert_eq!(normalize("it's"), "it's");
        assert_eq!(normalize("3.5."), "3.5");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" ... "), "");
        assert_eq!(normalize("\"\""), "");
        assert_eq!(normalize("the answer: x"), "the answer: x");
    }
}
