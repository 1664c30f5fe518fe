//! The sub-model script: answer the evaluation suites' questions ([`super::eval::answer`]), or
//! else report the magic numbers stated in the prompt.

use crate::haystack::find_magic_numbers;

use super::ChatMessage;

/// The answer of a sub turn: the suite answer when the prompt holds a suite's chunk question or
/// question, else `"MAGIC: n1, n2"` (sorted, unique) or `"NONE"`.
///
/// Reads the last user message (the prompt of `llm_query`), or the last message of any role if
/// there is no user message.
pub(crate) fn respond(messages: &[ChatMessage]) -> String {
    let prompt = messages
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .or_else(|| messages.last())
        .map_or("", |m| m.content.as_str());
    super::eval::answer(prompt).unwrap_or_else(|| answer_for(prompt))
}

/// The answer for one prompt.
pub(crate) fn answer_for(prompt: &str) -> String {
    let mut numbers = find_magic_numbers(prompt);
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.is_empty() {
        "NONE".to_owned()
    } else {
        let list: Vec<String> = numbers.iter().map(u64::to_string).collect();
        format!("MAGIC: {}", list.join(", "))
    }
}
