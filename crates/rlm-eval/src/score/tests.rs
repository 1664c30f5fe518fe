//! Tests of the scorers on hand-made answers, through [`Scorers`] as a run uses them.

use serde_json::{Value, json};

use super::{Score, ScoreError, Scorer, ScorerSpec, Scorers};

fn spec(json: &str) -> ScorerSpec {
    serde_json::from_str(json).unwrap_or(ScorerSpec::Custom {
        name: format!("bad spec in test: {json}"),
        params: Value::Null,
    })
}

fn value(spec_json: &str, answer: &str, expected: &Value) -> f64 {
    match Scorers::new().score(&spec(spec_json), answer, expected) {
        Ok(score) => score.value,
        Err(e) => panic!("{spec_json} {answer:?} {expected}: {e}"),
    }
}

fn detail(spec_json: &str, answer: &str, expected: &Value) -> String {
    match Scorers::new().score(&spec(spec_json), answer, expected) {
        Ok(score) => score.detail.unwrap_or_default(),
        Err(e) => panic!("{spec_json} {answer:?} {expected}: {e}"),
    }
}

fn error(spec_json: &str, expected: &Value) -> String {
    match Scorers::new().score(&spec(spec_json), "anything", expected) {
        Ok(score) => panic!("{spec_json} {expected}: scored {score:?}, expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn exact_compares_normalised_text() {
    let e = json!("Copper-4821");
    assert!((value(r#""exact""#, "  copper-4821. ", &e) - 1.0).abs() < 1e-12);
    assert!((value(r#""exact""#, "Answer: `COPPER-4821`", &e) - 1.0).abs() < 1e-12);
    assert!(value(r#""exact""#, "copper-4822", &e).abs() < 1e-12);
    assert!(value(r#""exact""#, "The value is copper-4821", &e).abs() < 1e-12);
    assert!((value(r#""exact""#, "ΣΟΦΊΑ", &json!("σοφία")) - 1.0).abs() < 1e-12);
    assert!((value(r#""exact""#, "42", &json!(42)) - 1.0).abs() < 1e-12);
    assert!((value(r#""exact""#, "True.", &json!(true)) - 1.0).abs() < 1e-12);
    assert!((value(r#""exact""#, "\"\"", &json!("")) - 1.0).abs() < 1e-12);
    assert!(error(r#""exact""#, &json!(["a"])).contains("exact scorer cannot use"));
    assert!(error(r#""exact""#, &Value::Null).contains("null"));
}

#[test]
fn contains_finds_the_expected_text() {
    let e = json!("Paris");
    assert!((value(r#""contains""#, "It is PARIS, France.", &e) - 1.0).abs() < 1e-12);
    assert!(value(r#""contains""#, "Lyon", &e).abs() < 1e-12);
    assert!((value(r#""contains""#, "anything", &json!("")) - 1.0).abs() < 1e-12);
    assert!((value(r#""contains""#, "", &json!("...")) - 1.0).abs() < 1e-12);
    assert!((value(r#""contains""#, "in 1999 it was", &json!(1999)) - 1.0).abs() < 1e-12);
}

#[test]
fn numeric_reads_the_first_number_with_a_tolerance() {
    let n = r#""numeric""#;
    assert!((value(n, "There are 1,234,567 records.", &json!(1_234_567)) - 1.0).abs() < 1e-12);
    assert!((value(n, "-12", &json!("-12")) - 1.0).abs() < 1e-12);
    assert!((value(n, "about 1e3", &json!(1000)) - 1.0).abs() < 1e-12);
    assert!(value(n, "12 or 13", &json!(13)).abs() < 1e-12);
    assert!(detail(n, "12 or 13", &json!(13)).contains("read 12"));
    let abs = r#"{"kind": "numeric", "tolerance": 0.5}"#;
    assert!((value(abs, "3.5", &json!(3)) - 1.0).abs() < 1e-12);
    assert!(value(abs, "3.6", &json!(3)).abs() < 1e-12);
    let rel = r#"{"kind": "numeric", "tolerance": 0.1, "relative": true}"#;
    assert!((value(rel, "1090", &json!(1000)) - 1.0).abs() < 1e-12);
    assert!(value(rel, "1110", &json!(1000)).abs() < 1e-12);
    assert!((value(rel, "-95", &json!(-100)) - 1.0).abs() < 1e-12);
    assert!(value(rel, "0.001", &json!(0)).abs() < 1e-12);
    assert!(value(n, "none at all", &json!(3)).abs() < 1e-12);
    assert_eq!(
        detail(n, "none at all", &json!(3)),
        "no number in the answer"
    );
    let message = error(n, &json!("forty-two"));
    assert!(
        message.contains("numeric") && message.contains("\"forty-two\""),
        "{message}"
    );
    assert!(error(n, &json!([1])).contains("[1]"));
}

#[test]
fn set_f1_compares_item_sets() {
    let s = r#""set_f1""#;
    let e = json!("alpha, beta");
    assert!((value(s, "Beta, ALPHA.", &e) - 1.0).abs() < 1e-12);
    assert!((value(s, "alpha, beta, alpha, ,", &e) - 1.0).abs() < 1e-12);
    // P = 1/2, R = 1/2 -> F1 = 0.5
    assert!((value(s, "alpha, gamma", &e) - 0.5).abs() < 1e-12);
    // P = 1/2, R = 1 -> F1 = 2/3
    let e1 = json!("alpha");
    assert!((value(s, "alpha, gamma", &e1) - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(detail(s, "alpha, gamma", &e1), "precision 0.5, recall 1");
    assert!(value(s, "gamma", &e).abs() < 1e-12);
    assert!((value(s, " , ", &json!("")) - 1.0).abs() < 1e-12);
    assert!(value(s, "", &e).abs() < 1e-12);
    assert!(value(s, "alpha", &json!([])).abs() < 1e-12);
    assert!((value(s, "1, Two", &json!([1, "two"])) - 1.0).abs() < 1e-12);
    let semi = r#"{"kind": "set_f1", "separator": ";"}"#;
    assert!((value(semi, "a, b; c", &json!("c;a, b")) - 1.0).abs() < 1e-12);
    assert!(error(s, &json!({"a": 1})).contains("set_f1"));
}

#[test]
fn json_field_compares_fields_of_the_answer_object() {
    let j = r#""json_field""#;
    let e = json!({"name": "Ada", "age": 36});
    assert!((value(j, r#"{"name": "ada", "age": 36.0}"#, &e) - 1.0).abs() < 1e-12);
    assert!((value(j, r#"{"name": "Ada", "age": 37, "x": 1}"#, &e) - 0.5).abs() < 1e-12);
    assert!(detail(j, r#"{"name": "Ada"}"#, &e).contains("missing: age"));
    let fenced = "Here it is:\n```json\n{\"name\": \"Ada\", \"age\": \"36\"}\n```\nDone.";
    assert!((value(j, fenced, &e) - 1.0).abs() < 1e-12);
    let inline = r#"The result is {"name": "Ada", "note": "a } in {text}", "age": 36}."#;
    assert!((value(j, inline, &e) - 1.0).abs() < 1e-12);
    let later = r#"Set {x} aside; {"name": "Ada", "age": 36}"#;
    assert!((value(j, later, &e) - 1.0).abs() < 1e-12);
    assert!(value(j, "no json {here", &e).abs() < 1e-12);
    assert_eq!(detail(j, "no json", &e), "no JSON object in the answer");
    assert!(error(j, &json!("Ada")).contains("must be a JSON object"));
}

#[test]
fn json_field_follows_dotted_paths() {
    let nested = json!({"user": {"name": "Ada", "tags": ["x", "y"]}, "n": 1});
    let fields = r#"{"kind": "json_field", "fields": ["user.name", "user.tags.1"]}"#;
    let answer = r#"{"user": {"name": "ADA", "tags": ["q", "y"]}, "n": 2}"#;
    assert!((value(fields, answer, &nested) - 1.0).abs() < 1e-12);
    let wrong = r#"{"user": {"name": "Bob", "tags": ["y"]}}"#;
    assert!(value(fields, wrong, &nested).abs() < 1e-12);
    assert!(detail(fields, wrong, &nested).contains("different: user.name"));
    assert!(detail(fields, wrong, &nested).contains("missing: user.tags.1"));
    // Whole nested values compare item by item.
    let all = r#""json_field""#;
    assert!((value(all, answer, &nested) - 0.0).abs() < 1e-12);
    let same = r#"{"n": 1.0000000000001, "user": {"tags": ["X", "y"], "name": "ada"}}"#;
    assert!((value(all, same, &nested) - 1.0).abs() < 1e-12);
    let absent = r#"{"kind": "json_field", "fields": ["user.age"]}"#;
    assert!(error(absent, &nested).contains("no field \"user.age\""));
}

/// A scorer for tests: 1 when the answer has exactly `params.len` characters.
#[derive(Debug)]
struct Length;

impl Scorer for Length {
    fn score(&self, answer: &str, _expected: &Value, params: &Value) -> Score {
        let want = params.get("len").and_then(Value::as_u64).unwrap_or(0);
        Score::binary(answer.chars().count() as u64 == want).with_detail(format!("want {want}"))
    }
}

/// A badly behaved scorer: values out of range.
#[derive(Debug)]
struct Wild(f64);

impl Scorer for Wild {
    fn score(&self, _answer: &str, _expected: &Value, _params: &Value) -> Score {
        Score::new(self.0)
    }
}

#[test]
fn custom_scorers_are_registered_checked_and_used() -> Result<(), ScoreError> {
    let scorers = Scorers::new()
        .with("length", Length)
        .with("nan", Wild(f64::NAN))
        .with("big", Wild(7.0));
    let length = spec(r#"{"kind": "custom", "name": "length", "params": {"len": 3}}"#);
    scorers.check(&length, &Value::Null)?;
    assert_eq!(
        scorers.score(&length, "abc", &Value::Null)?,
        Score::new(1.0).with_detail("want 3")
    );
    assert!(scorers.score(&length, "abcd", &Value::Null)?.value.abs() < 1e-12);
    let clone = scorers.clone();
    assert!(
        clone
            .score(&spec(r#""nan""#), "", &Value::Null)?
            .value
            .abs()
            < 1e-12
    );
    assert!((clone.score(&spec(r#""big""#), "", &Value::Null)?.value - 1.0).abs() < 1e-12);

    let typo = spec(r#""lenght""#);
    let Err(e) = scorers.check(&typo, &Value::Null) else {
        panic!("an unknown scorer passed the check");
    };
    let message = e.to_string();
    assert!(message.contains("\"lenght\""), "{message}");
    assert!(message.contains("exact, contains, numeric, set_f1, json_field, big, length, nan"));
    assert!(scorers.score(&typo, "x", &Value::Null).is_err());
    assert!(
        Scorers::new()
            .check(&spec(r#""length""#), &Value::Null)
            .is_err()
    );
    scorers.check(&ScorerSpec::Exact, &Value::from("x"))
}

#[test]
fn the_check_finds_an_expected_value_a_built_in_scorer_cannot_use() {
    let scorers = Scorers::new();
    let unusable = [
        (r#""exact""#, serde_json::json!(null)),
        (r#""contains""#, serde_json::json!([1, 2])),
        (r#""numeric""#, serde_json::json!("many")),
        (r#""json_field""#, serde_json::json!("not an object")),
        (
            r#"{"kind": "json_field", "fields": ["a.b"]}"#,
            serde_json::json!({"a": 1}),
        ),
    ];
    for (name, expected) in unusable {
        let Err(e) = scorers.check(&spec(name), &expected) else {
            panic!("{name} accepted {expected}");
        };
        assert!(
            matches!(e, ScoreError::UnusableExpected { .. }),
            "{name}: {e}"
        );
    }
    let usable = [
        (r#""exact""#, serde_json::json!(42)),
        (r#""numeric""#, serde_json::json!("17")),
        (r#""set_f1""#, serde_json::json!(["a", "b"])),
        (r#""json_field""#, serde_json::json!({"a": {"b": 2}})),
    ];
    for (name, expected) in usable {
        assert_eq!(scorers.check(&spec(name), &expected), Ok(()), "{name}");
    }
}
