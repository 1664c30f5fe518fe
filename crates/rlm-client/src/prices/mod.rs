//! Prices that know about prompt caching: a [`Price`] per model (input, cache read, cache write and
//! output, USD per million tokens), the [`CostBreakdown`] of a usage at that price, and the
//! [`PriceTable`] that finds a model's price (exact id, then dated snapshot), with a built-in table of
//! common models (`built_in`) and price files (`file`).

mod built_in;
mod file;

use std::collections::BTreeMap;
use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

use crate::Usage;

pub use built_in::{ANTHROPIC_PRICING_URL, BUILT_IN_PRICES_AS_OF, OPENAI_PRICING_URL};
pub use file::PriceFileError;

/// Price of one model, in USD per million tokens.
///
/// The cache prices are optional: an unknown cache-read (`cached_input_per_million`) or cache-write
/// (`cache_write_per_million`) price is charged at the input price. For cache reads that is an upper
/// bound (providers charge less for them); for cache writes it is what OpenAI charges (nothing extra)
/// but less than Anthropic's (1.25 × input for the 5-minute cache), so give it for Anthropic models.
///
/// ```
/// use rlm_client::{Price, Usage};
/// // 1,000,000 input tokens of which 600,000 cache reads and 100,000 cache writes, 10,000 output.
/// let usage = Usage::new(1_000_000, 10_000).with_cached_tokens(600_000).with_cache_write_tokens(100_000);
/// let price = Price::new(3.0, 15.0).with_cached_input(0.30).with_cache_write(3.75);
/// let cost = price.cost(&usage);
/// // 300,000 uncached × $3 + 600,000 × $0.30 + 100,000 × $3.75 + 10,000 × $15 (per million)
/// assert!((cost.total_usd - (0.9 + 0.18 + 0.375 + 0.15)).abs() < 1e-9);
/// // reads: 600,000 × ($3 - $0.30) saved; writes: 100,000 × ($3.75 - $3) paid extra
/// assert!((cost.saved_by_cache_usd - (1.62 - 0.075)).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Price {
    /// USD per million input (prompt) tokens neither read from nor written to a cache.
    pub input_per_million: f64,
    /// USD per million input tokens read from the provider's prompt cache; `None`: the input price.
    #[serde(default)]
    pub cached_input_per_million: Option<f64>,
    /// USD per million input tokens written to the provider's prompt cache; `None`: the input price.
    #[serde(default)]
    pub cache_write_per_million: Option<f64>,
    /// USD per million output (completion) tokens, reasoning tokens included.
    pub output_per_million: f64,
}

impl Price {
    /// A price from USD per million input and output tokens (cache reads and writes at the input price
    /// until set).
    pub fn new(input_per_million: f64, output_per_million: f64) -> Self {
        Self {
            input_per_million,
            cached_input_per_million: None,
            cache_write_per_million: None,
            output_per_million,
        }
    }

    /// Sets the price of cache reads, USD per million tokens.
    #[must_use]
    pub fn with_cached_input(mut self, usd_per_million: f64) -> Self {
        self.cached_input_per_million = Some(usd_per_million);
        self
    }

    /// Sets the price of cache writes, USD per million tokens.
    #[must_use]
    pub fn with_cache_write(mut self, usd_per_million: f64) -> Self {
        self.cache_write_per_million = Some(usd_per_million);
        self
    }

    /// The price charged for cache reads: the cached-input price, or the input price when unknown.
    pub fn cached_input_price(&self) -> f64 {
        self.cached_input_per_million
            .unwrap_or(self.input_per_million)
    }

    /// The price charged for cache writes: the cache-write price, or the input price when unknown.
    pub fn cache_write_price(&self) -> f64 {
        self.cache_write_per_million
            .unwrap_or(self.input_per_million)
    }

    /// Cost of `usage` at this price, split by kind of token: uncached input × input + cache reads ×
    /// cached input + cache writes × cache write + output × output.
    pub fn cost(&self, usage: &Usage) -> CostBreakdown {
        let usd = |tokens: u64, per_million: f64| tokens as f64 * per_million / 1_000_000.0;
        let (input, cached, write) = (
            self.input_per_million,
            self.cached_input_price(),
            self.cache_write_price(),
        );
        let mut cost = CostBreakdown {
            input_usd: usd(usage.uncached_input_tokens(), input),
            cached_input_usd: usd(usage.cached_tokens, cached),
            cache_write_usd: usd(usage.cache_write_tokens, write),
            output_usd: usd(usage.completion_tokens, self.output_per_million),
            total_usd: 0.0,
            saved_by_cache_usd: usd(usage.cached_tokens, input - cached)
                - usd(usage.cache_write_tokens, write - input),
        };
        cost.total_usd =
            cost.input_usd + cost.cached_input_usd + cost.cache_write_usd + cost.output_usd;
        cost
    }

    /// Total cost of `usage` at this price, in USD.
    pub fn cost_usd(&self, usage: &Usage) -> f64 {
        self.cost(usage).total_usd
    }
}

/// What some usage cost, split by kind of token, in USD.
///
/// `saved_by_cache_usd` is what the cache reads would have cost at the input price minus what they
/// cost, minus what the cache writes cost above the input price: the saving of caching against the
/// same calls without it. It is negative when writes were not yet paid back by reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CostBreakdown {
    /// Uncached input tokens at the input price.
    pub input_usd: f64,
    /// Cache reads at the cached-input price.
    pub cached_input_usd: f64,
    /// Cache writes at the cache-write price.
    pub cache_write_usd: f64,
    /// Output tokens at the output price.
    pub output_usd: f64,
    /// The sum of the four.
    pub total_usd: f64,
    /// What caching saved (see the type's documentation); may be negative.
    pub saved_by_cache_usd: f64,
}

impl AddAssign for CostBreakdown {
    fn add_assign(&mut self, rhs: CostBreakdown) {
        self.input_usd += rhs.input_usd;
        self.cached_input_usd += rhs.cached_input_usd;
        self.cache_write_usd += rhs.cache_write_usd;
        self.output_usd += rhs.output_usd;
        self.total_usd += rhs.total_usd;
        self.saved_by_cache_usd += rhs.saved_by_cache_usd;
    }
}

impl Add for CostBreakdown {
    type Output = CostBreakdown;

    fn add(mut self, rhs: CostBreakdown) -> CostBreakdown {
        self += rhs;
        self
    }
}

/// Prices per model id.
///
/// [`Self::get`] finds a model's price by its exact id, else, for a dated snapshot, by the id without
/// its date: a model id ending in `-YYYY-MM-DD` (OpenAI, `gpt-4.1-mini-2025-04-14`), `-YYYYMMDD`
/// (Anthropic, `claude-sonnet-4-5-20250929`) or `-latest` (`claude-3-5-haiku-latest`) takes the price
/// of the id before that suffix (`gpt-4.1-mini`, `claude-sonnet-4-5`, `claude-3-5-haiku`). Nothing else
/// is guessed: `openai/gpt-4.1-mini` (a router's name) or `gpt-4.1-mini-ft` have no price until added.
///
/// [`Self::new`] is empty; [`Self::built_in`] holds the list prices of common OpenAI and Anthropic
/// models (see there for the date and the source); [`Self::from_file`] reads a TOML or JSON price
/// file. An entry replaces the whole earlier entry of its id ([`Self::insert`], [`Self::merge`]).
///
/// ```
/// use rlm_client::{Price, PriceTable};
/// let prices = PriceTable::built_in().with("my-model", Price::new(0.5, 1.5));
/// assert_eq!(prices.get("gpt-4.1-mini-2025-04-14"), prices.get("gpt-4.1-mini"));
/// assert!(prices.get("my-model").is_some() && prices.get("unknown-model").is_none());
/// assert!(PriceTable::new().get("gpt-4.1-mini").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    prices: BTreeMap<String, Price>,
}

impl PriceTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the price of `model`.
    pub fn insert(&mut self, model: impl Into<String>, price: Price) -> &mut Self {
        self.prices.insert(model.into(), price);
        self
    }

    /// Builder form of [`Self::insert`].
    #[must_use]
    pub fn with(mut self, model: impl Into<String>, price: Price) -> Self {
        self.insert(model, price);
        self
    }

    /// Adds every entry of `other`, replacing the entries of the same ids (so `other` wins).
    pub fn merge(&mut self, other: PriceTable) -> &mut Self {
        self.prices.extend(other.prices);
        self
    }

    /// The price of `model`: its exact entry, else the entry of its id without a snapshot suffix (see
    /// the type's documentation), else `None`.
    pub fn get(&self, model: &str) -> Option<&Price> {
        self.prices
            .get(model)
            .or_else(|| snapshot_base(model).and_then(|base| self.prices.get(base)))
    }

    /// The cost of `usage` by `model`, or `None` when the model has no price.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<CostBreakdown> {
        self.get(model).map(|price| price.cost(usage))
    }

    /// The entries, by model id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Price)> {
        self.prices
            .iter()
            .map(|(model, price)| (model.as_str(), price))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.prices.len()
    }

    /// Whether the table has no entry.
    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }
}

/// `model` without a `-YYYY-MM-DD`, `-YYYYMMDD` or `-latest` suffix, when it has one.
fn snapshot_base(model: &str) -> Option<&str> {
    if let Some(base) = model.strip_suffix("-latest") {
        return Some(base).filter(|b| !b.is_empty());
    }
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let bytes = model.as_bytes();
    let n = bytes.len();
    // `-YYYYMMDD`
    if n > 9 && bytes[n - 9] == b'-' && digits(&bytes[n - 8..]) {
        return model.get(..n - 9);
    }
    // `-YYYY-MM-DD`
    if n > 11
        && bytes[n - 11] == b'-'
        && digits(&bytes[n - 10..n - 6])
        && bytes[n - 6] == b'-'
        && digits(&bytes[n - 5..n - 3])
        && bytes[n - 3] == b'-'
        && digits(&bytes[n - 2..])
    {
        return model.get(..n - 11);
    }
    None
}

#[cfg(test)]
mod tests;
