//! Reading the context: a file or stdin (`-`), checked as UTF-8 (errors say where), and passed as JSON
//! when the whole input is a JSON array or object.

use std::io::Read;
use std::path::Path;

use rlm::core::Context;

use crate::exit::CliError;

/// Reads the context named on the command line (`-` is stdin).
pub(crate) fn read_context(source: &str) -> Result<Context, CliError> {
    let (bytes, name) = if source == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::input(format!("could not read the context from stdin: {e}")))?;
        (bytes, "stdin".to_owned())
    } else {
        let bytes = std::fs::read(Path::new(source)).map_err(|e| {
            CliError::input(format!(
                "could not read the context file {source:?}: {e}; check the path and its permissions"
            ))
        })?;
        (bytes, source.to_owned())
    };
    let text = decode_utf8(bytes, &name)?;
    Ok(to_context(text))
}

/// Turns bytes into text, or says where the first invalid UTF-8 byte is (offset, line, column).
pub(crate) fn decode_utf8(bytes: Vec<u8>, name: &str) -> Result<String, CliError> {
    String::from_utf8(bytes).map_err(|e| {
        let error = e.utf8_error();
        let bytes = e.as_bytes();
        let offset = error.valid_up_to();
        let before = &bytes[..offset];
        let line = before.split(|&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        // `before` is valid UTF-8, so the column counts characters.
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        CliError::input(format!(
            "the context {name:?} is not valid UTF-8: invalid byte 0x{:02x} at byte offset {offset} (line {line}, column {column}); convert it to UTF-8 (e.g. iconv -t UTF-8)",
            bytes[offset]
        ))
    })
}

/// A JSON array or object stays JSON; anything else is text.
pub(crate) fn to_context(text: String) -> Context {
    let trimmed = text.trim_start();
    if (trimmed.starts_with('[') || trimmed.starts_with('{'))
        && let Ok(value) = serde_json::from_str::<serde_json::Value>(&text)
        && (value.is_array() || value.is_object())
    {
        return Context::from(value);
    }
    Context::from(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::ExitClass;

    #[test]
    fn invalid_utf8_says_where() {
        let mut bytes = b"line one\nab\xc3\xa9c".to_vec();
        bytes.push(0xff);
        bytes.extend_from_slice(b"tail");
        let error = decode_utf8(bytes, "f.txt").unwrap_err();
        assert_eq!(error.class, ExitClass::Input);
        let text = error.to_string();
        assert!(text.contains("byte offset 14"), "{text}");
        assert!(text.contains("line 2, column 5"), "{text}");
        assert!(text.contains("0xff"), "{text}");
    }

    #[test]
    fn valid_utf8_passes() {
        assert_eq!(
            decode_utf8("héllo".as_bytes().to_vec(), "x").unwrap(),
            "héllo"
        );
    }

    #[test]
    fn json_detection() {
        assert_eq!(to_context(" [1, 2]\n".into()).kind_name(), "json_array");
        assert_eq!(to_context("{\"a\": 1}".into()).kind_name(), "json_object");
        assert_eq!(to_context("[not json".into()).kind_name(), "text");
        assert_eq!(to_context("42".into()).kind_name(), "text");
        assert_eq!(to_context("plain words".into()).kind_name(), "text");
    }

    #[test]
    fn missing_file_is_an_input_error() {
        let error = read_context("/definitely/not/here.txt").unwrap_err();
        assert_eq!(error.class, ExitClass::Input);
        assert!(error.to_string().contains("not/here.txt"), "{error}");
    }
}
