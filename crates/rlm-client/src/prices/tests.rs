//! Tests of the cost arithmetic (hand-computed), `saved_by_cache` and the table's lookups.

use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn cost_splits_uncached_reads_writes_and_output() {
    // 2,000,000 prompt tokens: 1,200,000 cache reads, 300,000 cache writes, 500,000 uncached;
    // 400,000 output tokens.
    let usage = Usage::new(2_000_000, 400_000)
        .with_cached_tokens(1_200_000)
        .with_cache_write_tokens(300_000);
    let price = Price::new(2.0, 10.0)
        .with_cached_input(0.5)
        .with_cache_write(2.5);
    let cost = price.cost(&usage);
    assert!(close(cost.input_usd, 0.5 * 2.0), "{cost:?}");
    assert!(close(cost.cached_input_usd, 1.2 * 0.5), "{cost:?}");
    assert!(close(cost.cache_write_usd, 0.3 * 2.5), "{cost:?}");
    assert!(close(cost.output_usd, 0.4 * 10.0), "{cost:?}");
    assert!(close(cost.total_usd, 1.0 + 0.6 + 0.75 + 4.0), "{cost:?}");
    // Reads: 1.2 M × (2.0 − 0.5) = 1.80 saved; writes: 0.3 M × (2.5 − 2.0) = 0.15 paid extra.
    assert!(close(cost.saved_by_cache_usd, 1.80 - 0.15), "{cost:?}");
    assert!(close(price.cost_usd(&usage), cost.total_usd));
}

#[test]
fn unknown_cache_prices_are_charged_at_the_input_price() {
    let usage = Usage::new(1_000_000, 0)
        .with_cached_tokens(500_000)
        .with_cache_write_tokens(250_000);
    let cost = Price::new(4.0, 8.0).cost(&usage);
    assert!(close(cost.input_usd, 1.0), "{cost:?}");
    assert!(close(cost.cached_input_usd, 2.0), "{cost:?}");
    assert!(close(cost.cache_write_usd, 1.0), "{cost:?}");
    assert!(
        close(cost.total_usd, 4.0),
        "the same as without any caching"
    );
    assert!(close(cost.saved_by_cache_usd, 0.0), "{cost:?}");
}

#[test]
fn writes_not_paid_back_save_a_negative_amount() {
    // Anthropic's first turn: everything written, nothing read yet.
    let usage = Usage::new(1_000_000, 0).with_cache_write_tokens(1_000_000);
    let price = Price::new(3.0, 15.0)
        .with_cached_input(0.3)
        .with_cache_write(3.75);
    let cost = price.cost(&usage);
    assert!(
        close(cost.total_usd, 3.75) && close(cost.saved_by_cache_usd, -0.75),
        "{cost:?}"
    );
}

#[test]
fn breakdowns_add_up() {
    let price = Price::new(1.0, 2.0).with_cached_input(0.1);
    let a = price.cost(&Usage::new(1_000_000, 1_000_000).with_cached_tokens(1_000_000));
    let b = price.cost(&Usage::new(2_000_000, 0));
    let sum = a + b;
    assert!(
        close(sum.cached_input_usd, 0.1) && close(sum.input_usd, 2.0),
        "{sum:?}"
    );
    assert!(close(sum.total_usd, 0.1 + 2.0 + 2.0), "{sum:?}");
    assert!(close(sum.saved_by_cache_usd, 0.9), "{sum:?}");
}

#[test]
fn snapshots_take_the_price_of_their_base_id() {
    let prices = PriceTable::built_in();
    for (snapshot, base) in [
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("gpt-5-2025-08-07", "gpt-5"),
        ("o4-mini-2025-04-16", "o4-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
    ] {
        let (Some(a), Some(b)) = (prices.get(snapshot), prices.get(base)) else {
            panic!("{snapshot} or {base} has no price");
        };
        assert_eq!(a, b, "{snapshot}");
    }
    // An exact entry wins over the snapshot rule: the first gpt-4o snapshot has its own price.
    let (Some(first), Some(gpt_4o)) = (prices.get("gpt-4o-2024-05-13"), prices.get("gpt-4o"))
    else {
        panic!("gpt-4o prices");
    };
    assert!(close(first.input_per_million, 5.0) && close(gpt_4o.input_per_million, 2.5));
    assert_eq!(first.cached_input_per_million, None);
}

#[test]
fn unknown_models_and_near_misses_have_no_price() {
    let prices = PriceTable::built_in();
    for model in [
        "gpt-9-ultra",
        "openai/gpt-4.1-mini",
        "gpt-4.1-mini-ft",
        "gpt-4.1-mini-2025-04",
        "gpt-4.1-mini-2025-04-1x",
        "claude-sonnet-4-5-2025092",
        "-latest",
        "20250929",
        "",
    ] {
        assert!(prices.get(model).is_none(), "{model}");
    }
    assert_eq!(snapshot_base("x-2025-04-14"), Some("x"));
    assert_eq!(snapshot_base("x-20250414"), Some("x"));
    assert_eq!(snapshot_base("-2025-04-14"), None);
    assert_eq!(snapshot_base("é-20250414"), Some("é"));
}

#[test]
fn later_entries_replace_whole_entries() {
    let mut table = PriceTable::built_in();
    let before = table.len();
    table.merge(
        PriceTable::new()
            .with("gpt-4.1-mini", Price::new(1.0, 2.0))
            .with("my-model", Price::new(0.0, 0.0)),
    );
    assert_eq!(table.len(), before + 1);
    let Some(mini) = table.get("gpt-4.1-mini-2025-04-14") else {
        panic!("gpt-4.1-mini");
    };
    assert_eq!(
        *mini,
        Price::new(1.0, 2.0),
        "the cached price went with the entry"
    );
    assert!(table.iter().any(|(model, _)| model == "my-model"));
    assert!(PriceTable::new().is_empty());
    let Some(cost) = table.cost("my-model", &Usage::new(10, 10)) else {
        panic!("my-model is priced");
    };
    assert!(close(cost.total_usd, 0.0));
    assert!(table.cost("nobody", &Usage::new(1, 1)).is_none());
}
