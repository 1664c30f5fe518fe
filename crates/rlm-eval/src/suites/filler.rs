//! Filler: generated prose ([`Filler::Generated`]) or sentences from a folder of `*.txt` files
//! ([`Filler::Corpus`]), and [`Source`], which hands out sentences that fit a character budget.

use std::path::Path;

use super::error::GenError;
use super::prose;
use super::rng::Rng;

/// Where filler sentences come from.
#[derive(Debug, Clone, Default)]
pub enum Filler {
    /// Prose generated from seeded word lists and sentence templates.
    #[default]
    Generated,
    /// Sentences of a user corpus, picked by the seed.
    Corpus(FillerCorpus),
}

/// The usable sentences of a user corpus: split on `.`, `!` or `?` followed by white space, white
/// space collapsed to single spaces, and every sentence with no letter or with a reserved string
/// (`"`, `secret`, `record`, `label:`, `badge:`, in any case) dropped.
#[derive(Clone)]
pub struct FillerCorpus {
    /// Sorted by length, shortest first (a stable sort of the corpus order).
    sentences: Vec<String>,
    /// Each sentence's length in characters, in the same order.
    chars: Vec<usize>,
}

impl std::fmt::Debug for FillerCorpus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FillerCorpus")
            .field("sentences", &self.sentences.len())
            .finish_non_exhaustive()
    }
}

impl FillerCorpus {
    /// The sentences of the `*.txt` files directly in `dir`, read in file-name order.
    pub fn from_dir(dir: &Path) -> Result<Self, GenError> {
        let read_error = |path: &Path, source| GenError::CorpusRead {
            path: path.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
            let path = entry.map_err(|e| read_error(dir, e))?.path();
            if path.extension().is_some_and(|ext| ext == "txt") && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        let mut sentences = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).map_err(|e| read_error(file, e))?;
            sentences.extend(split_sentences(&text));
        }
        Self::build(
            sentences,
            format!("the filler folder {} (its *.txt files)", dir.display()),
        )
    }

    /// A corpus of the given sentences (normalised and filtered as a folder's are).
    pub fn from_sentences(sentences: Vec<String>) -> Result<Self, GenError> {
        let sentences = sentences.into_iter().map(|s| normalise(&s)).collect();
        Self::build(sentences, "the given sentences".to_owned())
    }

    fn build(sentences: Vec<String>, origin: String) -> Result<Self, GenError> {
        let mut sentences: Vec<(usize, String)> = sentences
            .into_iter()
            .filter(|s| usable(s))
            .map(|s| (s.chars().count(), s))
            .collect();
        if sentences.is_empty() {
            return Err(GenError::NoSentences { origin });
        }
        sentences.sort_by_key(|(chars, _)| *chars);
        let (chars, sentences) = sentences.into_iter().unzip();
        Ok(Self { sentences, chars })
    }

    /// How many usable sentences it has.
    pub fn len(&self) -> usize {
        self.sentences.len()
    }

    /// Whether it has none (never true for a corpus that was built).
    pub fn is_empty(&self) -> bool {
        self.sentences.is_empty()
    }
}

/// Splits text after `.`, `!` or `?` followed by white space; each piece normalised.
fn split_sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '.' | '!' | '?')
            && chars.peek().is_some_and(|(_, next)| next.is_whitespace())
        {
            let end = i + c.len_utf8();
            out.push(normalise(&text[start..end]));
            start = end;
        }
    }
    out.push(normalise(&text[start..]));
    out
}

fn normalise(sentence: &str) -> String {
    sentence.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a corpus sentence may be filler.
fn usable(sentence: &str) -> bool {
    let lower = sentence.to_lowercase();
    sentence.chars().any(char::is_alphabetic)
        && !["\"", "secret", "record", "label:", "badge:"]
            .iter()
            .any(|bad| lower.contains(bad))
}

/// Hands out filler sentences.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    /// Generated prose.
    Generated,
    /// A user corpus.
    Corpus(&'a FillerCorpus),
}

impl<'a> Source<'a> {
    /// The source of a filler setting.
    pub(crate) fn of(filler: &'a Filler) -> Self {
        match filler {
            Filler::Generated => Self::Generated,
            Filler::Corpus(corpus) => Self::Corpus(corpus),
        }
    }

    /// A sentence of at most `max` characters and its length, or `None` when none fits.
    pub(crate) fn sentence(self, rng: &mut Rng, max: usize) -> Option<(String, usize)> {
        match self {
            Self::Generated => {
                if max >= prose::MAX_SENTENCE_CHARS {
                    return Some(counted(prose::sentence(rng)));
                }
                for _ in 0..8 {
                    let s = prose::sentence(rng);
                    let chars = s.chars().count();
                    if chars <= max {
                        return Some((s, chars));
                    }
                }
                prose::short(rng, max).map(counted)
            }
            Self::Corpus(corpus) => {
                let fitting = corpus.chars.partition_point(|&chars| chars <= max);
                (fitting > 0).then(|| {
                    let i = rng.below(fitting);
                    (corpus.sentences[i].clone(), corpus.chars[i])
                })
            }
        }
    }

    /// A sentence as short as the source has, whatever its length (when a minimum of records
    /// must be met).
    pub(crate) fn shortest(self, rng: &mut Rng) -> (String, usize) {
        match self {
            Self::Generated => {
                prose::short(rng, usize::MAX).map_or_else(|| counted(prose::sentence(rng)), counted)
            }
            Self::Corpus(corpus) => (corpus.sentences[0].clone(), corpus.chars[0]),
        }
    }
}

fn counted(s: String) -> (String, usize) {
    let chars = s.chars().count();
    (s, chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_splits_into_usable_sentences() {
        let pieces = split_sentences("One two.  Three\nfour! Is it 3.5? Yes?!\n\nEnd");
        assert_eq!(
            pieces,
            ["One two.", "Three four!", "Is it 3.5?", "Yes?!", "End"]
        );
        assert!(usable("Plain words."));
        for bad in [
            "He said \"hi\".",
            "A SECRET.",
            "The Record shows.",
            "Its label: red.",
            "badge: 12.",
            "12 34.",
            "",
        ] {
            assert!(!usable(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_folder_gives_its_txt_sentences_sorted_by_length() -> Result<(), GenError> {
        let dir = std::env::temp_dir().join(format!("rlm-eval-filler-{}", std::process::id()));
        let io = |source| GenError::CorpusRead {
            path: dir.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::fs::write(
            dir.join("b.txt"),
            "A longer sentence here. The secret is out.",
        )
        .map_err(io)?;
        std::fs::write(dir.join("a.txt"), "Short one.\n").map_err(io)?;
        std::fs::write(dir.join("c.md"), "Not read at all.").map_err(io)?;
        let corpus = FillerCorpus::from_dir(&dir)?;
        assert_eq!(corpus.sentences, ["Short one.", "A longer sentence here."]);
        assert_eq!(corpus.chars, [10, 23]);
        let source = Source::Corpus(&corpus);
        let mut rng = Rng::new(3);
        assert_eq!(source.sentence(&mut rng, 9), None);
        assert_eq!(
            source.sentence(&mut rng, 22),
            Some(("Short one.".into(), 10))
        );
        assert_eq!(source.shortest(&mut rng).1, 10);
        std::fs::write(dir.join("a.txt"), "\"Quoted.\"").map_err(io)?;
        std::fs::write(dir.join("b.txt"), "Record 0001.").map_err(io)?;
        let empty = FillerCorpus::from_dir(&dir);
        assert!(
            matches!(&empty, Err(e @ GenError::NoSentences { .. }) if e.to_string().contains("no usable sentence")),
            "{empty:?}"
        );
        std::fs::remove_dir_all(&dir).map_err(io)?;
        let missing = FillerCorpus::from_dir(&dir);
        assert!(
            matches!(&missing, Err(e @ GenError::CorpusRead { .. }) if e.to_string().contains("cannot read")),
            "{missing:?}"
        );
        Ok(())
    }

    #[test]
    fn given_sentences_are_normalised_and_filtered() -> Result<(), GenError> {
        let corpus = FillerCorpus::from_sentences(vec![
            "  Spaced\n out. ".into(),
            "badge: 7".into(),
            "Ünïcödé wörds.".into(),
        ])?;
        assert_eq!(corpus.len(), 2);
        assert!(!corpus.is_empty());
        assert_eq!(corpus.sentences, ["Spaced out.", "Ünïcödé wörds."]);
        assert_eq!(corpus.chars, [11, 14]);
        assert!(FillerCorpus::from_sentences(vec!["secret".into()]).is_err());
        Ok(())
    }

    #[test]
    fn generated_sentences_fit_any_budget_down_to_the_shortest() {
        let mut rng = Rng::new(4);
        for max in [10, 30, 60, 149, 150, 1000] {
            for _ in 0..50 {
                let Some((s, chars)) = Source::Generated.sentence(&mut rng, max) else {
                    panic!("nothing fits {max}");
                };
                assert!(
                    chars <= max && chars == s.chars().count(),
                    "{s:?} over {max}"
                );
            }
        }
        assert_eq!(Source::Generated.sentence(&mut rng, 9), None);
        assert!(Source::Generated.shortest(&mut rng).1 <= 15);
    }
}
