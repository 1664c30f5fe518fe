//! `GenError`: why a suite cannot be generated with a configuration.

use std::path::PathBuf;

/// Why [`generate`](super::generate) (or [`GenConfig::validate`](super::GenConfig::validate), or
/// reading a filler corpus) refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    /// The needle depth is not a number between 0 and 1.
    #[error("the needle depth (--depth) must be between 0 and 1, got {0}")]
    Depth(f64),
    /// No task was asked for.
    #[error("the number of tasks (-n) must be at least 1")]
    NoTasks,
    /// The number of needles is 0 or over 50.
    #[error("the number of needles (--needles) must be between 1 and 50, got {0}")]
    Needles(usize),
    /// The number of labels is under 2 or over 12 (the colour words).
    #[error("the number of labels (--labels) must be between 2 and 12, got {0}")]
    Labels(usize),
    /// The number of planted pairs is 0.
    #[error("the number of planted pairs (--pairs) must be at least 1")]
    NoPairs,
    /// More planted pairs than a context of this size can hold.
    #[error(
        "{pairs} planted pairs (--pairs) are too many for a context of {size} characters (--size): at most {max}"
    )]
    TooManyPairs {
        /// Asked for.
        pairs: usize,
        /// The context size asked for.
        size: usize,
        /// The most a context of this size takes.
        max: usize,
    },
    /// A suite name that is not one of `niah`, `multi-niah`, `aggregate`, `pairs`.
    #[error("unknown suite {0:?}: the suites are niah, multi-niah, aggregate and pairs")]
    UnknownSuite(String),
    /// The filler folder, or one of its `*.txt` files, cannot be read.
    #[error("cannot read the filler {}: {source}", path.display())]
    CorpusRead {
        /// The folder or file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The filler corpus has no sentence that can be used.
    #[error(
        "{origin} has no usable sentence (filler sentences must have a letter and no \", secret, Record, label: or badge:)"
    )]
    NoSentences {
        /// Where the sentences came from (the folder, or "the given sentences").
        origin: String,
    },
}
