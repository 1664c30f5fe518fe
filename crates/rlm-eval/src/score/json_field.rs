//! The `json_field` scorer: find the JSON object in an answer and compare fields (dotted paths)
//! with the expected object's.

use serde_json::{Map, Value};

use super::normalize::{normalize, scalar_text};
use super::number::whole_number;
use super::{Score, ScoreError};

/// How many `{` starts are tried before giving up on an answer.
const MAX_STARTS: usize = 64;

/// `json_field`: the share of `fields` (every top-level key of `expected` when empty) whose value
/// in the answer's object equals the expected one.
pub(crate) fn json_field(
    answer: &str,
    expected: &Value,
    fields: &[String],
) -> Result<Score, ScoreError> {
    let Value::Object(want) = expected else {
        return Err(ScoreError::unusable(
            "json_field",
            expected,
            "it must be a JSON object",
        ));
    };
    let fields: Vec<String> = if fields.is_empty() {
        want.keys().cloned().collect()
    } else {
        fields.to_vec()
    };
    let mut wanted = Vec::with_capacity(fields.len());
    for field in &fields {
        let Some(value) = lookup_in(want, field) else {
            return Err(ScoreError::unusable(
                "json_field",
                expected,
                format!("it has no field {field:?}"),
            ));
        };
        wanted.push((field, value));
    }
    let Some(got) = find_object(answer) else {
        return Ok(Score::new(0.0).with_detail("no JSON object in the answer"));
    };
    if wanted.is_empty() {
        return Ok(Score::new(1.0).with_detail("no fields to compare"));
    }
    let mut wrong = Vec::new();
    let mut missing = Vec::new();
    for (field, want) in &wanted {
        match lookup_in(&got, field) {
            Some(value) if same(value, want) => {}
            Some(_) => wrong.push(field.as_str()),
            None => missing.push(field.as_str()),
        }
    }
    let total = wanted.len();
    let right = total - wrong.len() - missing.len();
    let score = Score::new(right as f64 / total as f64);
    if right == total {
        return Ok(score);
    }
    let mut parts = vec![format!("{right} of {total} fields match")];
    if !wrong.is_empty() {
        parts.push(format!("different: {}", wrong.join(", ")));
    }
    if !missing.is_empty() {
        parts.push(format!("missing: {}", missing.join(", ")));
    }
    let detail = parts.join("; ");
    Ok(score.with_detail(detail))
}

/// The value at a dotted path (`a.b`, `items.0`) of an object.
fn lookup_in<'a>(object: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(value) = object.get(path) {
        return Some(value);
    }
    let mut parts = path.split('.');
    let mut current = object.get(parts.next()?)?;
    for part in parts {
        current = match current {
            Value::Object(map) => map.get(part)?,
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Whether an answer's value matches the expected one.
fn same(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => numbers_match(g.as_f64(), w.as_f64()),
        (Value::String(g), Value::Number(w)) => numbers_match(whole_number(g), w.as_f64()),
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(g, w)| same(g, w))
        }
        (Value::Object(g), Value::Object(w)) => {
            g.len() == w.len() && w.iter().all(|(k, w)| g.get(k).is_some_and(|g| same(g, w)))
        }
        (Value::Null, Value::Null) => true,
        _ => match (scalar_text(got), scalar_text(want)) {
            (Some(g), Some(w)) => normalize(&g) == normalize(&w),
            _ => false,
        },
    }
}

fn numbers_match(got: Option<f64>, want: Option<f64>) -> bool {
    match (got, want) {
        (Some(g), Some(w)) => (g - w).abs() <= 1e-9 * w.abs().max(1.0),
        _ => false,
    }
}

/// The JSON object of an answer: the whole answer, else the first fenced block holding one, else
/// the first balanced `{...}` that parses.
fn find_object(answer: &str) -> Option<Map<String, Value>> {
    parse_object(answer)
        .or_else(|| fenced_blocks(answer).find_map(parse_object))
        .or_else(|| braced(answer))
}

fn parse_object(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(text.trim()) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// The contents of ``` fences, without a language tag on the opening line.
fn fenced_blocks(answer: &str) -> impl Iterator<Item = &str> {
    let mut rest = answer;
    std::iter::from_fn(move || {
        let open = rest.find("```")?;
        let after = &rest[open + 3..];
        let close = after.find("```")?;
        let block = &after[..close];
        rest = &after[close + 3..];
        let body = match block.split_once('\n') {
            Some((tag, body)) if !tag.trim_start().starts_with(['{', '[']) => body,
            _ => block,
        };
        Some(body)
    })
}

/// The first balanced `{...}` of the answer that is a JSON object.
fn braced(answer: &str) -> Option<Map<String, Value>> {
    answer
        .match_indices('{')
        .take(MAX_STARTS)
        .find_map(|(start, _)| {
            let end = balanced_end(&answer[start..])?;
            parse_object(&answer[start..start + end])
        })
}

/// The byte length of the balanced `{...}` at the start of `text` (strings and escapes respected).
fn balanced_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}
