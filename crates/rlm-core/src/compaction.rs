//! `Compaction`: when the root history is replaced by a summary the root model writes, so a long run
//! never outgrows the root model's window. The work itself happens in `engine::compact`.

/// When to compact a run's history.
///
/// ```
/// use rlm_core::Compaction;
/// let c = Compaction::default().with_window_share(0.7).with_chars_when_unknown(200_000);
/// assert!(c.enabled);
/// assert!(!Compaction::disabled().enabled);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Compaction {
    /// Whether histories are compacted at all.
    pub enabled: bool,
    /// Share of the root model's window (estimated tokens) at which the history is compacted.
    /// Default 0.85.
    pub window_share: f64,
    /// Characters of history at which it is compacted when the root model's window is unknown.
    /// Default 400,000 (about 100K tokens).
    pub chars_when_unknown: usize,
}

impl Default for Compaction {
    fn default() -> Self {
        Self {
            enabled: true,
            window_share: 0.85,
            chars_when_unknown: 400_000,
        }
    }
}

impl Compaction {
    /// Never compact.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// Sets the share of the window at which to compact (above 0, at most 1).
    #[must_use]
    pub fn with_window_share(mut self, share: f64) -> Self {
        self.window_share = share;
        self
    }

    /// Sets the characters at which to compact when the window is unknown.
    #[must_use]
    pub fn with_chars_when_unknown(mut self, chars: usize) -> Self {
        self.chars_when_unknown = chars;
        self
    }

    /// The estimated tokens of history above which a history is compacted, for a root model with
    /// `window` tokens (`None`: unknown, so `chars_when_unknown` / 4).
    pub(crate) fn threshold_tokens(&self, window: Option<u64>) -> Option<u64> {
        if !self.enabled {
            return None;
        }
        Some(
            window.map_or((self.chars_when_unknown as u64).div_ceil(4), |w| {
                (w as f64 * self.window_share) as u64
            }),
        )
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(self.window_share > 0.0 && self.window_share <= 1.0) {
            return Err(format!(
                "compaction window_share must be above 0 and at most 1, got {}",
                self.window_share
            ));
        }
        if self.chars_when_unknown == 0 {
            return Err("compaction chars_when_unknown must be at least 1".into());
        }
        Ok(())
    }
}
