//! Tests of the price-file parsers: good TOML and JSON files, and bad ones with their messages.

use super::*;

const GOOD_TOML: &str = r#"
# USD per million tokens
[models."gpt-4.1-mini"]
input = 0.40
cached_input = 0.10
output = 1.60

[models.claude-sonnet-4-5]
input = 3
cached_input = 0.3
cache_write = 3.75
output = 15

[models.local]
input = 0
output = 0
"#;

#[test]
fn a_good_toml_file() -> Result<(), PriceFileError> {
    let table = PriceTable::from_toml_str(GOOD_TOML)?;
    assert_eq!(table.len(), 3);
    assert_eq!(
        table.get("gpt-4.1-mini"),
        Some(&Price::new(0.4, 1.6).with_cached_input(0.1))
    );
    assert_eq!(
        table.get("claude-sonnet-4-5-20250929"),
        Some(
            &Price::new(3.0, 15.0)
                .with_cached_input(0.3)
                .with_cache_write(3.75)
        )
    );
    assert_eq!(table.get("local"), Some(&Price::new(0.0, 0.0)));
    // No models at all is a valid, empty table.
    assert!(PriceTable::from_toml_str("[models]\n")?.is_empty());
    Ok(())
}

#[test]
fn a_good_json_file_is_the_same_document() -> Result<(), PriceFileError> {
    let json = r#"{"models": {
        "gpt-4.1-mini": {"input": 0.4, "cached_input": 0.1, "output": 1.6},
        "claude-sonnet-4-5": {"input": 3, "cached_input": 0.3, "cache_write": 3.75, "output": 15},
        "local": {"input": 0, "output": 0}
    }}"#;
    assert_eq!(
        PriceTable::from_json_str(json)?,
        PriceTable::from_toml_str(GOOD_TOML)?
    );
    Ok(())
}

/// The error of `text`, as TOML or JSON.
fn error(toml: bool, text: &str) -> String {
    let result = if toml {
        PriceTable::from_toml_str(text)
    } else {
        PriceTable::from_json_str(text)
    };
    match result {
        Ok(table) => panic!("accepted {text:?} as {table:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_toml_files_name_the_line_and_the_model() {
    let cases = [
        (
            "[models.m]\ninput = 1\nouput = 2\n",
            "TOML prices, line 3: model \"m\": unknown key `ouput`",
        ),
        (
            "[models.m]\ninput = 1\n",
            "TOML prices, line 1: model \"m\": missing `output`",
        ),
        (
            "[models.a]\ninput = 1\noutput = 1\n\n[models.m]\ninput = \"cheap\"\noutput = 2\n",
            "TOML prices, line 6: invalid type: string \"cheap\", expected model \"m\": `input` to be a number",
        ),
        (
            "[models.m]\ninput = 1\noutput = -2\n",
            "TOML prices, line 3: model \"m\": `output` is -2; a price is a number of USD per million tokens, 0 or more",
        ),
        (
            "[models.m]\ninput = 1\noutput = nan\n",
            "TOML prices, line 3: model \"m\": `output` is NaN",
        ),
        (
            "[models.m]\ninput = 1\noutput = \n",
            "TOML prices, line 3: ",
        ),
        (
            "[model.m]\ninput = 1\noutput = 2\n",
            "TOML prices, line 1: unexpected top-level key `model`; a price document holds only `models`",
        ),
        ("", "TOML prices, line 1: no `models` table; write e.g."),
        (
            "models = 3\n",
            "TOML prices, line 1: invalid type: integer `3`, expected a table of models",
        ),
        (
            "[models]\nm = 3\n",
            "TOML prices, line 2: invalid type: integer `3`, expected model \"m\" to be a table of prices",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, expected) in cases {
        let message = error(true, text);
        if !message.starts_with(expected) || message.contains('\n') {
            wrong.push(format!("{text:?}\n  got:  {message}\n  want: {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn bad_json_files_name_the_line_and_the_model() {
    let cases = [
        (
            "{\"models\": {\n\"m\": {\"input\": 1, \"cached\": 0.5, \"output\": 2}}}",
            "JSON prices, line 2: model \"m\": unknown key `cached`",
        ),
        (
            "{\"models\": {\n\"m\": {\"input\": 1}\n}}",
            "JSON prices, line 2: model \"m\": missing `output`",
        ),
        (
            "{\"models\": {\n\"a\": {\"input\": 1, \"output\": 1},\n\"m\": {\"input\": \"1\", \"output\": 2}}}",
            "JSON prices, line 3: invalid type: string \"1\", expected model \"m\": `input` to be a number",
        ),
        (
            "{\"models\": {\"m\": {\"input\": -1, \"output\": 2}}}",
            "JSON prices, line 1: model \"m\": `input` is -1",
        ),
        (
            "{\"models\": {\n\"m\": {\"input\": 1, \"output\": 2},\n\"m\": {\"input\": 1, \"output\": 2}}}",
            "JSON prices, line 3: model \"m\" is given twice",
        ),
        (
            "{\"models\": {\"m\": {\"input\": 1, \"input\": 2, \"output\": 2}}}",
            "JSON prices, line 1: model \"m\": `input` is given twice",
        ),
        (
            "{\"models\": {\"\": {\"input\": 1, \"output\": 2}}}",
            "JSON prices, line 1: a model id is empty",
        ),
        (
            "{\"models\": {\n\"m\": {\"input\": 1,",
            "JSON prices, line 2: EOF",
        ),
        (
            "[]",
            "JSON prices, line 1: invalid type: sequence, expected a price document",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, expected) in cases {
        let message = error(false, text);
        if !message.starts_with(expected) || message.contains(" at line ") {
            wrong.push(format!("{text:?}\n  got:  {message}\n  want: {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn files_are_read_by_extension() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("rlm-prices-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let toml_path = dir.join("prices.TOML");
    std::fs::write(&toml_path, GOOD_TOML)?;
    let json_path = dir.join("prices.json");
    std::fs::write(
        &json_path,
        "{\"models\": {\"m\": {\"input\": 1, \"output\": x}}}",
    )?;
    let txt_path = dir.join("prices.txt");
    let table = PriceTable::from_file(&toml_path)?;
    assert_eq!(table.len(), 3);
    let json_error = PriceTable::from_file(&json_path).map_err(|e| e.to_string());
    let txt_error = PriceTable::from_file(&txt_path).map_err(|e| e.to_string());
    let missing_error = PriceTable::from_file(dir.join("missing.toml")).map_err(|e| e.to_string());
    std::fs::remove_dir_all(&dir)?;
    let Err(json_error) = json_error else {
        panic!("bad JSON accepted");
    };
    assert!(
        json_error.starts_with(&format!("{}, line 1: ", json_path.display())),
        "{json_error}"
    );
    assert_eq!(
        txt_error,
        Err(format!(
            "the prices file {} must end in .toml or .json",
            txt_path.display()
        ))
    );
    let Err(missing_error) = missing_error else {
        panic!("a missing file was read");
    };
    assert!(
        missing_error.starts_with("could not read the prices file ")
            && missing_error.contains("missing.toml"),
        "{missing_error}"
    );
    Ok(())
}
