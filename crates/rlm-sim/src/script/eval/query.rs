//! The questions of the built-in evaluation suites (docs/EVAL.md): the suite questions a task asks
//! and the chunk questions the root script asks its sub-calls; finding them in a prompt and
//! writing them out.
//!
//! Matching is exact, as written in docs/EVAL.md: a question with other spacing, other quotes or
//! other words is not recognised, and the caller falls back to the magic-number script.

use std::ops::Range;

/// A question of one of the built-in evaluation suites, with the keys or the label it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuiteQuery {
    /// `niah`: the secret value of one key.
    Niah {
        /// The key, e.g. `amber-falcon`.
        key: String,
    },
    /// `multi-niah`: the secret values of several keys, in this order.
    MultiNiah {
        /// The keys, in the order of the question.
        keys: Vec<String>,
    },
    /// `aggregate`, question `count`: how many records carry a label.
    Count {
        /// The label counted, e.g. `teal`.
        label: String,
    },
    /// `aggregate`, question `most_frequent`: which label the most records carry.
    MostFrequent,
    /// `pairs`: every pair of records that share a badge.
    Pairs,
}

/// The suite a question belongs to, without its arguments (the index into the shape tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Niah = 0,
    MultiNiah = 1,
    Count = 2,
    MostFrequent = 3,
    Pairs = 4,
}

/// What sits between a question's prefix and its suffix.
#[derive(Debug, Clone, Copy)]
enum Args {
    /// Nothing: the prefix is the whole question.
    None,
    /// One quoted word: `"KEY"`.
    One,
    /// Quoted words separated by `, `: `"K1", "K2"`.
    List,
}

/// The fixed text of a question around its quoted arguments.
#[derive(Debug)]
struct Shape {
    kind: Kind,
    prefix: &'static str,
    args: Args,
    suffix: &'static str,
}

/// The suite questions, in [`Kind`] order.
const SUITE_SHAPES: [Shape; 5] = [
    Shape {
        kind: Kind::Niah,
        prefix: "What is the secret value for key ",
        args: Args::One,
        suffix: "? Answer with the value only.",
    },
    Shape {
        kind: Kind::MultiNiah,
        prefix: "What are the secret values for keys ",
        args: Args::List,
        suffix: "? Answer with the values in that order, separated by commas.",
    },
    Shape {
        kind: Kind::Count,
        prefix: "How many records are labelled ",
        args: Args::One,
        suffix: "? Answer with a number.",
    },
    Shape {
        kind: Kind::MostFrequent,
        prefix: "Which label is the most frequent among the records? Answer with the label only.",
        args: Args::None,
        suffix: "",
    },
    Shape {
        kind: Kind::Pairs,
        prefix: "List every pair of records that share the same badge. Answer with the pairs as \
                 NNNN-NNNN (smaller number first), separated by commas.",
        args: Args::None,
        suffix: "",
    },
];

/// The chunk questions, in [`Kind`] order.
const CHUNK_SHAPES: [Shape; 5] = [
    Shape {
        kind: Kind::Niah,
        prefix: "Find the secret value for key ",
        args: Args::One,
        suffix: " in the text below. Reply with the value only, or NONE if it is not there.",
    },
    Shape {
        kind: Kind::MultiNiah,
        prefix: "Find the secret values for keys ",
        args: Args::List,
        suffix: " in the text below. Reply with one line KEY=VALUE for each one found, or NONE.",
    },
    Shape {
        kind: Kind::Count,
        prefix: "Count the records labelled ",
        args: Args::One,
        suffix: " in the text below. Reply with a number only.",
    },
    Shape {
        kind: Kind::MostFrequent,
        prefix: "Count the records of each label in the text below. Reply with one line \
                 LABEL=COUNT per label, or NONE.",
        args: Args::None,
        suffix: "",
    },
    Shape {
        kind: Kind::Pairs,
        prefix: "List every record in the text below with its badge, one line NNNN=BBBB per \
                 record, or NONE.",
        args: Args::None,
        suffix: "",
    },
];

impl SuiteQuery {
    /// The first suite question found anywhere in `text` (a task's query, or a prompt that
    /// contains it), or `None`.
    ///
    /// ```
    /// use rlm_sim::script::eval::SuiteQuery;
    /// let text = "Question: How many records are labelled \"teal\"? Answer with a number.\n\nGo.";
    /// assert_eq!(SuiteQuery::find(text), Some(SuiteQuery::Count { label: "teal".into() }));
    /// assert_eq!(SuiteQuery::find("How many records are labelled teal?"), None);
    /// ```
    pub fn find(text: &str) -> Option<Self> {
        locate(text, &SUITE_SHAPES).map(|(query, _)| query)
    }

    /// The first chunk question (the one [`SuiteQuery::chunk_question`] writes) found anywhere in
    /// `text`, as the suite question it serves, or `None`.
    pub fn find_chunk_question(text: &str) -> Option<Self> {
        locate(text, &CHUNK_SHAPES).map(|(query, _)| query)
    }

    /// The suite question, exactly as docs/EVAL.md writes it.
    ///
    /// ```
    /// use rlm_sim::script::eval::SuiteQuery;
    /// let q = SuiteQuery::MultiNiah { keys: vec!["a-b".into(), "c-d".into()] };
    /// assert_eq!(
    ///     q.question(),
    ///     "What are the secret values for keys \"a-b\", \"c-d\"? Answer with the values in that order, separated by commas."
    /// );
    /// assert_eq!(SuiteQuery::find(&q.question()), Some(q));
    /// ```
    pub fn question(&self) -> String {
        render(&SUITE_SHAPES[self.kind() as usize], &self.args())
    }

    /// The question the root script asks about each chunk (followed by a blank line and the
    /// chunk), exactly as docs/EVAL.md writes it.
    pub fn chunk_question(&self) -> String {
        render(&CHUNK_SHAPES[self.kind() as usize], &self.args())
    }

    /// The name of the suite: `niah`, `multi-niah`, `aggregate` or `pairs`.
    pub fn suite(&self) -> &'static str {
        match self {
            Self::Niah { .. } => "niah",
            Self::MultiNiah { .. } => "multi-niah",
            Self::Count { .. } | Self::MostFrequent => "aggregate",
            Self::Pairs => "pairs",
        }
    }

    /// The first suite question in `text` and where it is.
    pub(crate) fn locate(text: &str) -> Option<(Self, Range<usize>)> {
        locate(text, &SUITE_SHAPES)
    }

    /// The first chunk question in `text` and where it is.
    pub(crate) fn locate_chunk_question(text: &str) -> Option<(Self, Range<usize>)> {
        locate(text, &CHUNK_SHAPES)
    }

    fn kind(&self) -> Kind {
        match self {
            Self::Niah { .. } => Kind::Niah,
            Self::MultiNiah { .. } => Kind::MultiNiah,
            Self::Count { .. } => Kind::Count,
            Self::MostFrequent => Kind::MostFrequent,
            Self::Pairs => Kind::Pairs,
        }
    }

    fn args(&self) -> Vec<&str> {
        match self {
            Self::Niah { key } => vec![key.as_str()],
            Self::MultiNiah { keys } => keys.iter().map(String::as_str).collect(),
            Self::Count { label } => vec![label.as_str()],
            Self::MostFrequent | Self::Pairs => Vec::new(),
        }
    }

    fn build(kind: Kind, mut args: Vec<String>) -> Option<Self> {
        Some(match kind {
            Kind::Niah => Self::Niah { key: args.pop()? },
            Kind::MultiNiah => Self::MultiNiah { keys: args },
            Kind::Count => Self::Count { label: args.pop()? },
            Kind::MostFrequent => Self::MostFrequent,
            Kind::Pairs => Self::Pairs,
        })
    }
}

fn render(shape: &Shape, args: &[&str]) -> String {
    let quoted: Vec<String> = args.iter().map(|a| format!("\"{a}\"")).collect();
    format!("{}{}{}", shape.prefix, quoted.join(", "), shape.suffix)
}

/// The earliest question of any of `shapes` in `text`.
fn locate(text: &str, shapes: &[Shape]) -> Option<(SuiteQuery, Range<usize>)> {
    shapes
        .iter()
        .filter_map(|shape| locate_shape(text, shape))
        .min_by_key(|(_, span)| span.start)
}

fn locate_shape(text: &str, shape: &Shape) -> Option<(SuiteQuery, Range<usize>)> {
    text.match_indices(shape.prefix).find_map(|(start, _)| {
        let after_prefix = start + shape.prefix.len();
        let rest = &text[after_prefix..];
        let (args, used) = parse_args(rest, shape.args)?;
        if !rest[used..].starts_with(shape.suffix) {
            return None;
        }
        let query = SuiteQuery::build(shape.kind, args)?;
        Some((query, start..after_prefix + used + shape.suffix.len()))
    })
}

/// The arguments at the start of `rest` and how many bytes they take.
fn parse_args(rest: &str, args: Args) -> Option<(Vec<String>, usize)> {
    match args {
        Args::None => Some((Vec::new(), 0)),
        Args::One => quoted(rest).map(|(word, used)| (vec![word], used)),
        Args::List => {
            let (first, mut used) = quoted(rest)?;
            let mut items = vec![first];
            while let Some(next) = rest[used..].strip_prefix(", ") {
                let Some((word, n)) = quoted(next) else {
                    break;
                };
                items.push(word);
                used += 2 + n;
            }
            Some((items, used))
        }
    }
}

/// A non-empty `"word"` (no quote or line break inside) at the start of `text`, and its length.
fn quoted(text: &str) -> Option<(String, usize)> {
    let inner = text.strip_prefix('"')?;
    let end = inner.find(['"', '\n'])?;
    if end == 0 || !inner[end..].starts_with('"') {
        return None;
    }
    Some((inner[..end].to_owned(), end + 2))
}

#[cfg(test)]
mod tests {
    use super::{CHUNK_SHAPES, SUITE_SHAPES, SuiteQuery};

    #[test]
    fn shape_tables_are_in_kind_order() {
        for (i, (suite, chunk)) in SUITE_SHAPES.iter().zip(&CHUNK_SHAPES).enumerate() {
            assert_eq!((suite.kind as usize, chunk.kind as usize), (i, i));
        }
    }

    #[test]
    fn located_span_is_the_question() {
        let q = SuiteQuery::Count {
            label: "teal".into(),
        };
        let text = format!("Question: {}\n\nmore", q.question());
        let Some((found, span)) = SuiteQuery::locate(&text) else {
            panic!("not found in {text}");
        };
        assert_eq!((found, &text[span]), (q.clone(), q.question().as_str()));
    }
}
