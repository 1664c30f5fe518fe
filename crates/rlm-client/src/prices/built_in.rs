//! The built-in price table: list prices of common OpenAI and Anthropic models (input, cache read,
//! cache write, output; USD per million tokens), with the date they were taken and where from.

use super::{Price, PriceTable};

/// When the built-in prices were taken (year and month).
pub const BUILT_IN_PRICES_AS_OF: &str = "2025-11";

/// Where the built-in OpenAI prices come from (standard tier).
pub const OPENAI_PRICING_URL: &str = "https://platform.openai.com/docs/pricing";

/// Where the built-in Anthropic prices come from.
pub const ANTHROPIC_PRICING_URL: &str = "https://docs.claude.com/en/docs/about-claude/pricing";

/// `(model id, input, cached input, cache write, output)`, USD per million tokens. `None`: the model
/// has no cache price (charged at the input price).
type Row = (&'static str, f64, Option<f64>, Option<f64>, f64);

/// OpenAI, standard tier (not Batch, Flex or Priority). Caching is automatic; a cache write costs the
/// input price (nothing extra).
const OPENAI: &[Row] = &[
    ("gpt-5.1", 1.25, Some(0.125), Some(1.25), 10.0),
    ("gpt-5", 1.25, Some(0.125), Some(1.25), 10.0),
    ("gpt-5-chat", 1.25, Some(0.125), Some(1.25), 10.0),
    ("gpt-5-mini", 0.25, Some(0.025), Some(0.25), 2.0),
    ("gpt-5-nano", 0.05, Some(0.005), Some(0.05), 0.40),
    ("gpt-4.1", 2.0, Some(0.50), Some(2.0), 8.0),
    ("gpt-4.1-mini", 0.40, Some(0.10), Some(0.40), 1.60),
    ("gpt-4.1-nano", 0.10, Some(0.025), Some(0.10), 0.40),
    ("gpt-4o", 2.50, Some(1.25), Some(2.50), 10.0),
    // The first gpt-4o snapshot kept its own, higher price and has no cache discount.
    ("gpt-4o-2024-05-13", 5.0, None, None, 15.0),
    ("gpt-4o-mini", 0.15, Some(0.075), Some(0.15), 0.60),
    ("o1", 15.0, Some(7.50), Some(15.0), 60.0),
    ("o3", 2.0, Some(0.50), Some(2.0), 8.0),
    ("o3-mini", 1.10, Some(0.55), Some(1.10), 4.40),
    ("o4-mini", 1.10, Some(0.275), Some(1.10), 4.40),
];

/// Anthropic: a cache read costs 0.1 × input, a cache write 1.25 × input (the 5-minute cache; the
/// 1-hour cache costs 2 × input and is not told apart in the usage). Sonnet's prices for prompts over
/// 200K tokens (long-context beta) are higher and not covered.
const ANTHROPIC: &[Row] = &[
    ("claude-opus-4-5", 5.0, Some(0.50), Some(6.25), 25.0),
    ("claude-opus-4-1", 15.0, Some(1.50), Some(18.75), 75.0),
    ("claude-opus-4-0", 15.0, Some(1.50), Some(18.75), 75.0),
    ("claude-opus-4", 15.0, Some(1.50), Some(18.75), 75.0),
    ("claude-sonnet-4-5", 3.0, Some(0.30), Some(3.75), 15.0),
    ("claude-sonnet-4-0", 3.0, Some(0.30), Some(3.75), 15.0),
    ("claude-sonnet-4", 3.0, Some(0.30), Some(3.75), 15.0),
    ("claude-3-7-sonnet", 3.0, Some(0.30), Some(3.75), 15.0),
    ("claude-haiku-4-5", 1.0, Some(0.10), Some(1.25), 5.0),
    ("claude-3-5-haiku", 0.80, Some(0.08), Some(1.0), 4.0),
    ("claude-3-haiku", 0.25, Some(0.03), Some(0.30), 1.25),
];

impl PriceTable {
    /// List prices of common models: OpenAI (gpt-5.1, gpt-5, gpt-5-chat, gpt-5-mini, gpt-5-nano,
    /// gpt-4.1, gpt-4.1-mini, gpt-4.1-nano, gpt-4o, gpt-4o-mini, o1, o3, o3-mini, o4-mini; standard tier)
    /// and Anthropic (claude-opus-4-5, claude-opus-4-1, claude-opus-4 / -4-0, claude-sonnet-4-5,
    /// claude-sonnet-4 / -4-0, claude-3-7-sonnet, claude-haiku-4-5, claude-3-5-haiku, claude-3-haiku),
    /// each with input, cache-read, cache-write and output prices in USD per million tokens. Dated
    /// snapshots of these ids match them (see [`PriceTable`]).
    ///
    /// Taken in [`BUILT_IN_PRICES_AS_OF`] (2025-11) from the providers' pricing pages,
    /// [`OPENAI_PRICING_URL`] (<https://platform.openai.com/docs/pricing>) and
    /// [`ANTHROPIC_PRICING_URL`] (<https://docs.claude.com/en/docs/about-claude/pricing>). Prices
    /// change: check them against those pages, and override or extend them with [`PriceTable::insert`],
    /// [`PriceTable::merge`] or a price file ([`PriceTable::from_file`]; `--prices FILE` and `--price`
    /// on the command line). Negotiated, batch and regional prices are not covered.
    ///
    /// ```
    /// use rlm_client::{PriceTable, Usage};
    /// let prices = PriceTable::built_in();
    /// let price = prices.get("claude-sonnet-4-5-20250929").unwrap();
    /// assert_eq!((price.input_per_million, price.cached_input_price(), price.output_per_million), (3.0, 0.3, 15.0));
    /// let cost = prices.cost("gpt-4.1-mini", &Usage::new(1_000_000, 0).with_cached_tokens(1_000_000)).unwrap();
    /// assert!((cost.total_usd - 0.10).abs() < 1e-9 && (cost.saved_by_cache_usd - 0.30).abs() < 1e-9);
    /// ```
    pub fn built_in() -> Self {
        let mut table = Self::new();
        for &(model, input, cached, write, output) in OPENAI.iter().chain(ANTHROPIC) {
            let mut price = Price::new(input, output);
            price.cached_input_per_million = cached;
            price.cache_write_per_million = write;
            table.insert(model, price);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_sane() {
        for &(model, input, cached, write, output) in OPENAI.iter().chain(ANTHROPIC) {
            assert!(input > 0.0 && output >= input, "{model}");
            if let Some(cached) = cached {
                assert!(
                    cached > 0.0 && cached < input,
                    "{model}: a cache read costs less"
                );
            }
            if let Some(write) = write {
                assert!(
                    write >= input,
                    "{model}: a cache write costs at least the input"
                );
            }
        }
        let table = PriceTable::built_in();
        assert_eq!(table.len(), OPENAI.len() + ANTHROPIC.len(), "no id twice");
    }

    #[test]
    fn anthropic_cache_prices_follow_the_documented_multipliers() {
        for &(model, input, cached, write, _) in ANTHROPIC {
            let (Some(cached), Some(write)) = (cached, write) else {
                panic!("{model} has cache prices");
            };
            // claude-3-haiku's read price is rounded to a cent on the pricing page.
            assert!((cached - input * 0.1).abs() < 0.006, "{model}");
            assert!((write - input * 1.25).abs() < 0.013, "{model}");
        }
    }

    #[test]
    fn the_brief_models_are_all_there() {
        let table = PriceTable::built_in();
        for model in [
            "gpt-5",
            "gpt-5-mini",
            "gpt-5-nano",
            "gpt-4.1",
            "gpt-4.1-mini",
            "gpt-4.1-nano",
            "gpt-4o",
            "gpt-4o-mini",
            "o3",
            "o4-mini",
            "claude-opus-4-1",
            "claude-sonnet-4-5",
            "claude-haiku-4-5",
            "claude-3-5-haiku",
        ] {
            assert!(table.get(model).is_some(), "{model}");
        }
    }
}
