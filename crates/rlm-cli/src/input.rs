//! Reading the context: a file or stdin (`-`), at most `--max-context-size` bytes, checked as UTF-8
//! (errors say where), and read as text or JSON as `--context-format` says.

use std::io::Read;
use std::path::Path;

use rlm::{Context, ContextFormat};

use crate::exit::CliError;

/// Reads the context named on the command line (`-` is stdin), at most `max_bytes` of it: a bigger
/// input (even an endless one, like `/dev/zero`) is an input error as soon as the limit is passed.
pub(crate) fn read_context(
    source: &str,
    format: ContextFormat,
    max_bytes: u64,
) -> Result<Context, CliError> {
    let too_large = |name: &str| {
        CliError::input(format!(
            "the context {name:?} is larger than --max-context-size ({max_bytes} bytes); raise --max-context-size or pass a smaller input"
        ))
    };
    let (bytes, name) = if source == "-" {
        (
            read_at_most(std::io::stdin().lock(), max_bytes, "stdin")?,
            "stdin".to_owned(),
        )
    } else {
        let path = Path::new(source);
        let cannot_read = |e: std::io::Error| {
            CliError::input(format!(
                "could not read the context file {source:?}: {e}; check the path and its permissions"
            ))
        };
        let file = std::fs::File::open(path).map_err(cannot_read)?;
        if file
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() > max_bytes)
        {
            return Err(too_large(source));
        }
        (read_at_most(file, max_bytes, source)?, source.to_owned())
    };
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(&name));
    }
    let text = decode_utf8(bytes, &name)?;
    Context::parse(text, format).map_err(|e| CliError::input(format!("{e} (in {name:?})")))
}

/// Up to `max_bytes + 1` bytes of `input` (one more than allowed tells that it is too large).
fn read_at_most(input: impl Read, max_bytes: u64, name: &str) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    input
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::input(format!("could not read the context from {name}: {e}")))?;
    Ok(bytes)
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
    fn size_cap_and_format() {
        let dir = std::env::temp_dir().join(format!("rlm-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.json");
        std::fs::write(&file, "[1, 2, 3]").unwrap();
        let path = file.to_str().unwrap();
        let json = read_context(path, ContextFormat::Auto, 100).unwrap();
        assert_eq!(json.format_name(), "json");
        assert_eq!(
            read_context(path, ContextFormat::Text, 100)
                .unwrap()
                .format_name(),
            "text"
        );
        let error = read_context(path, ContextFormat::Auto, 5).unwrap_err();
        assert_eq!(error.class, ExitClass::Input);
        assert!(error.to_string().contains("--max-context-size"), "{error}");
        std::fs::write(&file, "[1, 2").unwrap();
        let error = read_context(path, ContextFormat::Json, 100).unwrap_err();
        assert!(error.to_string().contains("not valid JSON"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_input_fails_at_the_cap() {
        let started = std::time::Instant::now();
        let error = read_context("/dev/zero", ContextFormat::Auto, 1024 * 1024).unwrap_err();
        assert!(
            error.to_string().contains("larger than --max-context-size"),
            "{error}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }

    #[test]
    fn missing_file_is_an_input_error() {
        let error = read_context("/definitely/not/here.txt", ContextFormat::Auto, 10).unwrap_err();
        assert_eq!(error.class, ExitClass::Input);
        assert!(error.to_string().contains("not/here.txt"), "{error}");
    }
}
