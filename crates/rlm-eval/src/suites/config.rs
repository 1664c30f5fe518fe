//! What to generate: [`Suite`] and [`GenConfig`], with its checks.

use super::error::GenError;
use super::filler::Filler;

/// A built-in generated suite (formats in docs/EVAL.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suite {
    /// One needle in filler.
    Niah,
    /// Several needles in filler.
    MultiNiah,
    /// Counting labelled records.
    Aggregate,
    /// Finding the records that share a badge.
    Pairs,
}

impl Suite {
    /// Every suite, in the order of the docs.
    pub const ALL: [Self; 4] = [Self::Niah, Self::MultiNiah, Self::Aggregate, Self::Pairs];

    /// Its name: `niah`, `multi-niah`, `aggregate` or `pairs`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Niah => "niah",
            Self::MultiNiah => "multi-niah",
            Self::Aggregate => "aggregate",
            Self::Pairs => "pairs",
        }
    }
}

impl std::fmt::Display for Suite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Suite {
    type Err = GenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|suite| suite.name() == s)
            .ok_or_else(|| GenError::UnknownSuite(s.to_owned()))
    }
}

/// The most needles a multi-niah task takes.
pub const MAX_NEEDLES: usize = 50;

/// How a suite's tasks are generated.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// The suite.
    pub suite: Suite,
    /// How many tasks.
    pub n: usize,
    /// The context size in characters (sizes under 2,000 are raised to what the needles or records
    /// need).
    pub size: usize,
    /// The seed; task `k` depends only on the seed, the suite and `k`.
    pub seed: u64,
    /// niah: where the needle goes, 0 (start) to 1 (end); `None`: drawn per task.
    pub depth: Option<f64>,
    /// multi-niah: the needles per task (1 to 50).
    pub needles: usize,
    /// aggregate: how many labels (2 to 12).
    pub labels: usize,
    /// pairs: how many planted pairs (at least 1, at most [`GenConfig::max_pairs`]).
    pub pairs: usize,
    /// Where the filler comes from.
    pub filler: Filler,
}

impl GenConfig {
    /// The defaults for a suite: 10 tasks of 100,000 characters, seed 0, drawn depths, 4 needles,
    /// 6 labels, 5 pairs, generated filler.
    pub fn new(suite: Suite) -> Self {
        Self {
            suite,
            n: 10,
            size: 100_000,
            seed: 0,
            depth: None,
            needles: 4,
            labels: 6,
            pairs: 5,
            filler: Filler::Generated,
        }
    }

    /// The most planted pairs a context of `size` characters takes: one per 400 characters (a
    /// record line is about 110), counting sizes under 2,000 as 2,000.
    pub const fn max_pairs(size: usize) -> usize {
        let size = if size < 2000 { 2000 } else { size };
        size / 400
    }

    /// Checks every setting (also those the suite does not use).
    pub fn validate(&self) -> Result<(), GenError> {
        if let Some(depth) = self.depth
            && !(0.0..=1.0).contains(&depth)
        {
            return Err(GenError::Depth(depth));
        }
        if self.n == 0 {
            return Err(GenError::NoTasks);
        }
        if !(1..=MAX_NEEDLES).contains(&self.needles) {
            return Err(GenError::Needles(self.needles));
        }
        if !(2..=super::aggregate::COLOURS.len()).contains(&self.labels) {
            return Err(GenError::Labels(self.labels));
        }
        if self.pairs == 0 {
            return Err(GenError::NoPairs);
        }
        let max = Self::max_pairs(self.size);
        if self.pairs > max {
            return Err(GenError::TooManyPairs {
                pairs: self.pairs,
                size: self.size,
                max,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_parse_and_print_their_names() {
        for suite in Suite::ALL {
            assert_eq!(suite.to_string().parse::<Suite>().ok(), Some(suite));
        }
        assert_eq!("multi-niah".parse::<Suite>().ok(), Some(Suite::MultiNiah));
        let err = "nope".parse::<Suite>().err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("unknown suite \"nope\"")));
    }

    #[test]
    fn bad_settings_are_refused_with_their_name() {
        let base = GenConfig::new(Suite::Niah);
        assert!(base.validate().is_ok());
        assert!(
            GenConfig {
                size: 0,
                ..base.clone()
            }
            .validate()
            .is_ok()
        );
        let cases: Vec<(GenConfig, &str)> = vec![
            (
                GenConfig {
                    depth: Some(1.5),
                    ..base.clone()
                },
                "--depth",
            ),
            (
                GenConfig {
                    depth: Some(-0.1),
                    ..base.clone()
                },
                "--depth",
            ),
            (
                GenConfig {
                    depth: Some(f64::NAN),
                    ..base.clone()
                },
                "--depth",
            ),
            (
                GenConfig {
                    n: 0,
                    ..base.clone()
                },
                "-n",
            ),
            (
                GenConfig {
                    needles: 0,
                    ..base.clone()
                },
                "--needles",
            ),
            (
                GenConfig {
                    needles: 51,
                    ..base.clone()
                },
                "--needles",
            ),
            (
                GenConfig {
                    labels: 1,
                    ..base.clone()
                },
                "--labels",
            ),
            (
                GenConfig {
                    labels: 13,
                    ..base.clone()
                },
                "--labels",
            ),
            (
                GenConfig {
                    pairs: 0,
                    ..base.clone()
                },
                "--pairs",
            ),
            (
                GenConfig {
                    pairs: 6,
                    size: 2000,
                    ..base.clone()
                },
                "at most 5",
            ),
            (
                GenConfig {
                    pairs: 6,
                    size: 10,
                    ..base.clone()
                },
                "at most 5",
            ),
        ];
        for (config, needle) in cases {
            let message = config
                .validate()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(message.contains(needle), "{config:?}: {message:?}");
        }
        for edge in [
            GenConfig {
                depth: Some(0.0),
                ..base.clone()
            },
            GenConfig {
                depth: Some(1.0),
                ..base.clone()
            },
            GenConfig {
                needles: 50,
                labels: 12,
                ..base.clone()
            },
            GenConfig {
                labels: 2,
                pairs: 5,
                size: 2000,
                ..base.clone()
            },
        ] {
            assert!(edge.validate().is_ok(), "{edge:?}");
        }
    }
}
