//! The JavaScript that combines the chunk replies (the array `replies`, errors already left out)
//! into the string `result`, in the expected-answer format of each suite (docs/EVAL.md); and a
//! sentence saying what is asked of each chunk.

use super::SuiteQuery;

/// What the root script asks each chunk, for its reasoning text.
pub(crate) fn plan(query: &SuiteQuery) -> String {
    match query {
        SuiteQuery::Niah { key } => format!("for the secret value of key \"{key}\""),
        SuiteQuery::MultiNiah { keys } => {
            format!("for the secret values of the {} keys", keys.len())
        }
        SuiteQuery::Count { label } => format!("how many records are labelled \"{label}\""),
        SuiteQuery::MostFrequent => "how many records carry each label".to_owned(),
        SuiteQuery::Pairs => "for the badge of every record".to_owned(),
    }
}

/// The combining code for `query`; it declares `const result`.
pub(crate) fn js(query: &SuiteQuery) -> String {
    match query {
        SuiteQuery::Niah { .. } => NIAH.to_owned(),
        SuiteQuery::MultiNiah { keys } => {
            let keys = serde_json::to_string(keys).unwrap_or_else(|_| "[]".to_owned());
            format!("const keys = {keys};\n{MULTI_NIAH}")
        }
        SuiteQuery::Count { .. } => COUNT.to_owned(),
        SuiteQuery::MostFrequent => MOST_FREQUENT.to_owned(),
        SuiteQuery::Pairs => PAIRS.to_owned(),
    }
}

/// `niah`: the first reply that is not `NONE`.
const NIAH: &str = r#"let value_found = "NONE";
for (const reply of replies) {
  const line = reply.split("\n")[0].trim();
  if (line !== "" && line !== "NONE") {
    value_found = line;
    break;
  }
}
const result = value_found;
"#;

/// `multi-niah`: the values found, in the order of `keys`, joined with `, `.
const MULTI_NIAH: &str = r#"const values = new Map();
for (const reply of replies) {
  for (const line of reply.split("\n")) {
    const eq = line.indexOf("=");
    if (eq < 1) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (keys.includes(key) && value !== "" && !values.has(key)) values.set(key, value);
  }
}
const found_values = keys.filter((key) => values.has(key)).map((key) => values.get(key));
const result = found_values.length > 0 ? found_values.join(", ") : "NONE";
print("keys found: " + found_values.length + " of " + keys.length);
"#;

/// `aggregate`, count: the sum of the counts.
const COUNT: &str = r"let total = 0;
for (const reply of replies) {
  const digits = reply.match(/\d+/);
  if (digits) total += parseInt(digits[0], 10);
}
const result = String(total);
";

/// `aggregate`, most frequent: the label with the largest summed count (the first in label
/// order among equals).
const MOST_FREQUENT: &str = r#"const totals = new Map();
for (const reply of replies) {
  for (const line of reply.split("\n")) {
    const m = line.trim().match(/^(.+?)\s*=\s*(\d+)$/);
    if (!m) continue;
    totals.set(m[1], (totals.get(m[1]) || 0) + parseInt(m[2], 10));
  }
}
let best_label = "NONE";
let best_count = -1;
for (const [label, count] of totals) {
  if (count > best_count || (count === best_count && label < best_label)) {
    best_label = label;
    best_count = count;
  }
}
const result = best_label;
print("labels: " + JSON.stringify(Object.fromEntries(totals)));
"#;

/// `pairs`: records grouped by badge, every pair of a group smaller number first, sorted.
const PAIRS: &str = r#"const by_badge = new Map();
let records_seen = 0;
for (const reply of replies) {
  for (const line of reply.split("\n")) {
    const m = line.trim().match(/^(\d+)\s*=\s*(\d+)$/);
    if (!m) continue;
    records_seen += 1;
    if (!by_badge.has(m[2])) by_badge.set(m[2], new Set());
    by_badge.get(m[2]).add(m[1]);
  }
}
const by_number = (a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
const pair_list = [];
for (const members of by_badge.values()) {
  const numbers = Array.from(members).sort(by_number);
  for (let i = 0; i < numbers.length; i++) {
    for (let j = i + 1; j < numbers.length; j++) pair_list.push([numbers[i], numbers[j]]);
  }
}
pair_list.sort((x, y) => by_number(x[0], y[0]) || by_number(x[1], y[1]));
const result = pair_list.length > 0 ? pair_list.map((p) => p[0] + "-" + p[1]).join(", ") : "NONE";
print("records: " + records_seen + ", pairs: " + pair_list.length);
"#;
