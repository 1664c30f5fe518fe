//! The template language: `{name}` placeholders, `{{` and `}}` for literal braces.
//!
//! One scanner serves both jobs: [`check`] turns every problem into a [`PromptError`], and [`render`]
//! (only ever given checked templates) is total: it never fails and never drops text.

use crate::{PromptError, TemplateName};

/// A piece of a scanned template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// Text copied as is.
    Literal(&'a str),
    /// `{name}`; `raw` is the whole `{name}` as written.
    Placeholder {
        name: &'a str,
        raw: &'a str,
        at: usize,
    },
    /// `{...}` whose content is not a name.
    Invalid {
        text: &'a str,
        raw: &'a str,
        at: usize,
    },
    /// A `{` never closed; `raw` runs to the end of the template.
    Unclosed { raw: &'a str, at: usize },
    /// A lone `}`.
    Unmatched { at: usize },
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn scan(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let (b, next) = (bytes[i], bytes.get(i + 1).copied());
        if b != b'{' && b != b'}' {
            i += 1;
            continue;
        }
        tokens.push(Token::Literal(&text[literal_start..i]));
        if next == Some(b) {
            // `{{` or `}}`: one literal brace.
            tokens.push(Token::Literal(&text[i..=i]));
            i += 2;
        } else if b == b'}' {
            tokens.push(Token::Unmatched { at: i });
            i += 1;
        } else if let Some(len) = text[i + 1..].find('}') {
            let (inner, raw) = (&text[i + 1..i + 1 + len], &text[i..i + len + 2]);
            tokens.push(if is_name(inner) {
                Token::Placeholder {
                    name: inner,
                    raw,
                    at: i,
                }
            } else {
                Token::Invalid {
                    text: inner,
                    raw,
                    at: i,
                }
            });
            i += len + 2;
        } else {
            tokens.push(Token::Unclosed {
                raw: &text[i..],
                at: i,
            });
            i = bytes.len();
        }
        literal_start = i;
    }
    tokens.push(Token::Literal(&text[literal_start..]));
    tokens
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// Checks `text` as the template `template`: braces well formed, every placeholder accepted.
pub(crate) fn check(template: TemplateName, text: &str) -> Result<(), PromptError> {
    check_against(template, template.placeholders(), text)
}

/// [`check`] with an explicit list of accepted names (used for the built-in sections too).
pub(crate) fn check_against(
    template: TemplateName,
    accepted: &[&str],
    text: &str,
) -> Result<(), PromptError> {
    for token in scan(text) {
        match token {
            Token::Literal(_) => {}
            Token::Placeholder { name, .. } => {
                if !accepted.contains(&name) {
                    return Err(PromptError::UnknownPlaceholder {
                        template,
                        name: name.to_string(),
                    });
                }
            }
            Token::Invalid {
                text: inner, at, ..
            } => {
                return Err(PromptError::InvalidPlaceholder {
                    template,
                    line: line_of(text, at),
                    text: inner.to_string(),
                });
            }
            Token::Unclosed { at, .. } => {
                return Err(PromptError::UnclosedPlaceholder {
                    template,
                    line: line_of(text, at),
                });
            }
            Token::Unmatched { at } => {
                return Err(PromptError::UnmatchedBrace {
                    template,
                    line: line_of(text, at),
                });
            }
        }
    }
    Ok(())
}

/// Values for the placeholders of one rendering.
pub(crate) type Vars<'a> = [(&'static str, String)];

/// Renders a checked template. Anything [`check`] would reject is copied as written (it cannot
/// happen for checked templates; copying keeps the text visible rather than blank).
pub(crate) fn render(text: &str, vars: &Vars<'_>) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    for token in scan(text) {
        match token {
            Token::Literal(s) => out.push_str(s),
            Token::Placeholder { name, raw, .. } => match vars.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => out.push_str(value),
                None => out.push_str(raw),
            },
            Token::Invalid { raw, .. } | Token::Unclosed { raw, .. } => out.push_str(raw),
            Token::Unmatched { .. } => out.push('}'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: TemplateName = TemplateName::FinalRequest;

    #[test]
    fn substitutes_placeholders() {
        let vars = [("query", "why?".to_string())];
        assert_eq!(render("Q: {query} / {query}", &vars), "Q: why? / why?");
        assert_eq!(check(T, "Q: {query}"), Ok(()));
    }

    #[test]
    fn double_braces_are_literal() {
        assert_eq!(check(T, "for (x of y) {{ f({{a: 1}}) }}"), Ok(()));
        assert_eq!(
            render("{{ {query} }}", &[("query", "q".to_string())]),
            "{ q }"
        );
        assert_eq!(render("${{x}}", &[]), "${x}");
    }

    #[test]
    fn unknown_placeholder_is_an_error() {
        assert_eq!(
            check(T, "{query} {qeury}"),
            Err(PromptError::UnknownPlaceholder {
                template: T,
                name: "qeury".into()
            })
        );
    }

    #[test]
    fn unclosed_placeholder_is_an_error_with_line() {
        assert_eq!(
            check(T, "a\nb {query"),
            Err(PromptError::UnclosedPlaceholder {
                template: T,
                line: 2
            })
        );
    }

    #[test]
    fn single_braced_code_is_an_error() {
        assert_eq!(
            check(T, "if (x) { y }"),
            Err(PromptError::InvalidPlaceholder {
                template: T,
                line: 1,
                text: " y ".into()
            })
        );
        assert_eq!(
            check(T, "{}"),
            Err(PromptError::InvalidPlaceholder {
                template: T,
                line: 1,
                text: String::new()
            })
        );
    }

    #[test]
    fn lone_closing_brace_is_an_error() {
        assert_eq!(
            check(T, "x\n\n}"),
            Err(PromptError::UnmatchedBrace {
                template: T,
                line: 3
            })
        );
    }

    #[test]
    fn render_never_drops_text() {
        let odd = "a } b {1x} c {open";
        assert_eq!(render(odd, &[]), odd);
        assert_eq!(render("{missing}", &[]), "{missing}");
    }

    #[test]
    fn non_ascii_around_braces() {
        let vars = [("query", "東京".to_string())];
        assert_eq!(render("é{query}🦀{{", &vars), "é東京🦀{");
    }

    #[test]
    fn error_messages_say_what_to_do() {
        let e = check(T, "{nope}")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("final_request") && e.contains("{nope}") && e.contains("{query}"),
            "{e}"
        );
        let e = check(T, "{ x }")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("{{"), "{e}");
    }
}
