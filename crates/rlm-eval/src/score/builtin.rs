//! The built-in text scorers: `exact`, `contains`, `numeric` and `set_f1` (semantics in the
//! [`crate::score`] docs).

use std::collections::BTreeSet;

use serde_json::Value;

use super::normalize::{normalize, scalar_text};
use super::number::{first_number, whole_number};
use super::{Score, ScoreError};

/// `exact`: the normalised texts are equal.
pub(crate) fn exact(answer: &str, expected: &Value) -> Result<Score, ScoreError> {
    let want = expected_text("exact", expected)?;
    Ok(Score::binary(normalize(answer) == want))
}

/// `contains`: the normalised answer contains the normalised expected text.
pub(crate) fn contains(answer: &str, expected: &Value) -> Result<Score, ScoreError> {
    let want = expected_text("contains", expected)?;
    Ok(Score::binary(normalize(answer).contains(&want)))
}

fn expected_text(scorer: &str, expected: &Value) -> Result<String, ScoreError> {
    scalar_text(expected).map(|t| normalize(&t)).ok_or_else(|| {
        ScoreError::unusable(scorer, expected, "it must be a string, a number or a bool")
    })
}

/// `numeric`: the first number of the answer is within `tolerance` of the expected number.
pub(crate) fn numeric(
    answer: &str,
    expected: &Value,
    tolerance: f64,
    relative: bool,
) -> Result<Score, ScoreError> {
    let want = match expected {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => whole_number(s),
        _ => None,
    }
    .ok_or_else(|| {
        ScoreError::unusable(
            "numeric",
            expected,
            "it must be a number, or a string holding one number",
        )
    })?;
    let Some(found) = first_number(answer) else {
        return Ok(Score::new(0.0).with_detail("no number in the answer"));
    };
    let got = found.value;
    let allowed = if relative {
        tolerance * want.abs()
    } else {
        tolerance
    };
    let difference = (got - want).abs();
    let score = Score::binary(difference <= allowed);
    Ok(if difference == 0.0 {
        score
    } else {
        score.with_detail(format!(
            "read {} (expected {}, difference {}, allowed {})",
            short(got),
            short(want),
            short(difference),
            short(allowed)
        ))
    })
}

/// `set_f1`: F1 between the answer's and the expected value's sets of normalised items.
pub(crate) fn set_f1(answer: &str, expected: &Value, separator: &str) -> Result<Score, ScoreError> {
    let want: BTreeSet<String> = match expected {
        Value::String(text) => items(text.split(separator)),
        Value::Array(values) => {
            let texts: Vec<String> = values
                .iter()
                .map(|v| scalar_text(v).unwrap_or_else(|| v.to_string()))
                .collect();
            items(texts.iter().map(String::as_str))
        }
        Value::Number(_) | Value::Bool(_) => items(std::iter::once(expected.to_string().as_str())),
        Value::Null | Value::Object(_) => {
            return Err(ScoreError::unusable(
                "set_f1",
                expected,
                "it must be a string of separated items or an array of items",
            ));
        }
    };
    let got = items(answer.split(separator));
    Ok(f1(&got, &want))
}

fn items<'a>(parts: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    parts
        .map(normalize)
        .filter(|item| !item.is_empty())
        .collect()
}

fn f1(got: &BTreeSet<String>, want: &BTreeSet<String>) -> Score {
    match (got.is_empty(), want.is_empty()) {
        (true, true) => return Score::new(1.0).with_detail("no items, none expected"),
        (true, false) => return Score::new(0.0).with_detail("no items in the answer"),
        (false, true) => return Score::new(0.0).with_detail("no items expected"),
        (false, false) => {}
    }
    let common = got.intersection(want).count() as f64;
    let precision = common / got.len() as f64;
    let recall = common / want.len() as f64;
    let value = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Score::new(value).with_detail(format!(
        "precision {}, recall {}",
        short(precision),
        short(recall)
    ))
}

/// A number for a detail: at most 4 decimals, no trailing zeros (`0.5`, `1`, `0.3333`).
pub(crate) fn short(x: f64) -> String {
    if x.is_finite() && x.abs() >= 1e-4 && x.abs() < 1e15 {
        let text = format!("{x:.4}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text == "-0" { "0" } else { text }.to_owned()
    } else if x == 0.0 {
        "0".to_owned()
    } else {
        format!("{x:e}")
    }
}
