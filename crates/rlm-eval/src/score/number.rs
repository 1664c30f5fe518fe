//! Finding numbers in text: `-12`, `3.5`, `.5`, `1e3`, `1,234,567` (commas only before groups of
//! exactly three digits).

/// A number found in text, and where it ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Found {
    /// Its value.
    pub(crate) value: f64,
    /// The byte just after it.
    pub(crate) end: usize,
}

/// The first number in `text`.
pub(crate) fn first_number(text: &str) -> Option<Found> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(found) = number_at(text, i) {
            return found.value.is_finite().then_some(found);
        }
        i += 1;
        while i < bytes.len() && !text.is_char_boundary(i) {
            i += 1;
        }
    }
    None
}

/// `text` as exactly one number (surrounding white space allowed).
pub(crate) fn whole_number(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let found = number_at(trimmed, 0)?;
    (found.end == trimmed.len() && found.value.is_finite()).then_some(found.value)
}

/// The number starting at byte `start` of `text`, if one does (maybe infinite: `1e999`).
fn number_at(text: &str, start: usize) -> Option<Found> {
    let bytes = text.as_bytes();
    let rest = &text[start..];
    let previous = text[..start].chars().next_back();
    let after_word = previous.is_some_and(char::is_alphanumeric);
    let (negative, sign_len) = if rest.starts_with('-') || rest.starts_with('+') {
        (rest.starts_with('-'), 1)
    } else if rest.starts_with('−') {
        (true, '−'.len_utf8())
    } else {
        (false, 0)
    };
    if sign_len > 0 && after_word {
        return None;
    }
    let digits_start = start + sign_len;
    let mut i = digits_start;
    let mut plain = String::new();
    let int_len = count_digits(bytes, i);
    if int_len == 0 && !(bytes.get(i) == Some(&b'.') && count_digits(bytes, i + 1) > 0) {
        return None;
    }
    // A digit right after a digit belongs to an earlier number; only a sign or a fresh start counts.
    if sign_len == 0 && previous.is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    plain.push_str(&text[i..i + int_len]);
    i += int_len;
    if (1..=3).contains(&int_len) {
        while bytes.get(i) == Some(&b',')
            && count_digits(bytes, i + 1) == 3
            && !bytes.get(i + 4).is_some_and(u8::is_ascii_digit)
        {
            plain.push_str(&text[i + 1..i + 4]);
            i += 4;
        }
    }
    if bytes.get(i) == Some(&b'.') {
        let frac = count_digits(bytes, i + 1);
        if frac > 0 {
            plain.push_str(&text[i..=i + frac]);
            i += 1 + frac;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let signed = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        let exp = count_digits(bytes, i + 1 + signed);
        if exp > 0 {
            plain.push_str(&text[i..i + 1 + signed + exp]);
            i += 1 + signed + exp;
        }
    }
    if plain.starts_with('.') {
        plain.insert(0, '0');
    }
    let value: f64 = plain.parse().ok()?;
    let value = if negative { -value } else { value };
    Some(Found { value, end: i })
}

fn count_digits(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

#[cfg(test)]
mod tests {
    use super::{first_number, whole_number};

    fn first(text: &str) -> Option<f64> {
        first_number(text).map(|f| f.value)
    }

    #[test]
    fn numbers_are_read_in_their_common_forms() {
        assert_eq!(first("about -12 items"), Some(-12.0));
        assert_eq!(first("it is 3.5."), Some(3.5));
        assert_eq!(first("1e3 records"), Some(1000.0));
        assert_eq!(first("2.5E-1"), Some(0.25));
        assert_eq!(first("total: 1,234,567 rows"), Some(1_234_567.0));
        assert_eq!(first("1,234.5"), Some(1234.5));
        assert_eq!(first("value .5"), Some(0.5));
        assert_eq!(first("+7"), Some(7.0));
        assert_eq!(first("−4"), Some(-4.0));
        assert_eq!(first("no digits"), None);
        assert_eq!(first(""), None);
        assert_eq!(first("1e999 then 5"), None);
    }

    #[test]
    fn commas_hyphens_and_exponents_are_not_overread() {
        assert_eq!(first("1,5"), Some(1.0));
        assert_eq!(first("1,2,3"), Some(1.0));
        assert_eq!(first("12,3456"), Some(12.0));
        assert_eq!(first("1234,567"), Some(1234.0));
        assert_eq!(first("1,234,56"), Some(1234.0));
        assert_eq!(first("copper-4821"), Some(4821.0));
        assert_eq!(first("3 eggs"), Some(3.0));
        assert_eq!(first("3e"), Some(3.0));
        assert_eq!(first("é-5"), Some(5.0));
        assert_eq!(first("x = -5"), Some(-5.0));
    }

    #[test]
    fn a_whole_number_is_only_a_number() {
        assert_eq!(whole_number(" 42 "), Some(42.0));
        assert_eq!(whole_number("1,000"), Some(1000.0));
        assert_eq!(whole_number("42 apples"), None);
        assert_eq!(whole_number("forty"), None);
        assert_eq!(whole_number("1e999"), None);
    }
}
