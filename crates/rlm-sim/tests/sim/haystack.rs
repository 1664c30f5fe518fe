//! Haystack generation: determinism, size, needles, and answer checking.

use rlm_sim::haystack::{
    HaystackConfig, MAGIC_NUMBER_RANGE, check_answer, find_magic_numbers, generate, needle_sentence,
};

fn small(seed: u64) -> HaystackConfig {
    HaystackConfig {
        size_bytes: 512 * 1024,
        needles: 8,
        seed,
    }
}

#[test]
fn same_seed_same_haystack_other_seed_other_haystack() {
    let a = generate(&small(1));
    assert_eq!(a, generate(&small(1)));
    let b = generate(&small(2));
    assert_ne!(a.text, b.text);
    assert_ne!(a.magic_numbers, b.magic_numbers);
}

#[test]
fn exact_size_and_every_needle_once_on_its_own_line() {
    for needles in [0, 1, 8, 50] {
        let hay = generate(&HaystackConfig {
            needles,
            ..small(9)
        });
        assert_eq!(hay.text.len(), 512 * 1024);
        assert_eq!(hay.magic_numbers.len(), needles);
        assert_eq!(
            find_magic_numbers(&hay.text),
            hay.magic_numbers,
            "found in order, once each"
        );
        for n in &hay.magic_numbers {
            assert!(MAGIC_NUMBER_RANGE.contains(n));
            let line = needle_sentence(*n);
            assert_eq!(hay.text.lines().filter(|l| *l == line).count(), 1);
            assert_eq!(
                hay.text.matches(&n.to_string()).count(),
                1,
                "{n} appears elsewhere"
            );
        }
        let mut distinct = hay.magic_numbers.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), needles);
    }
}

#[test]
fn needles_are_spread_over_the_text() {
    let hay = generate(&HaystackConfig {
        size_bytes: 1024 * 1024,
        needles: 40,
        seed: 5,
    });
    let offsets: Vec<usize> = hay
        .magic_numbers
        .iter()
        .map(|n| hay.text.find(&needle_sentence(*n)).unwrap())
        .collect();
    let quarter = hay.text.len() / 4;
    for q in 0..4 {
        let in_quarter = offsets.iter().filter(|o| **o / quarter == q).count();
        assert!(in_quarter > 0, "no needle in quarter {q}: {offsets:?}");
    }
}

#[test]
fn filler_is_realistic_text_with_non_ascii() {
    let hay = generate(&small(3));
    assert!(!hay.text.is_ascii());
    let lines: Vec<&str> = hay.text.lines().collect();
    assert!(lines.len() > 2000, "{} lines", lines.len());
    let longest = lines.iter().map(|l| l.len()).max().unwrap();
    assert!(longest < 1000, "a line of {longest} bytes");
}

#[test]
fn default_config_is_8_mib_with_8_needles() {
    let config = HaystackConfig::default();
    assert_eq!((config.size_bytes, config.needles), (8 * 1024 * 1024, 8));
    let hay = generate(&config);
    assert_eq!(hay.text.len(), 8 * 1024 * 1024);
    assert_eq!(find_magic_numbers(&hay.text), hay.magic_numbers);
}

#[test]
fn check_answer_grades_generated_needles() {
    let hay = generate(&small(4));
    let listed: Vec<String> = hay.magic_numbers.iter().map(u64::to_string).collect();
    assert!(check_answer(&listed.join(", "), &hay.magic_numbers));
    assert!(check_answer(
        &format!(
            "The {} numbers are: {}.",
            listed.len(),
            listed.join(" and ")
        ),
        &hay.magic_numbers
    ));
    assert!(
        !check_answer(&listed[1..].join(", "), &hay.magic_numbers),
        "one missing"
    );
    assert!(
        !check_answer(
            &format!("{}, 10000001", listed.join(", ")),
            &hay.magic_numbers
        ),
        "one extra"
    );
    assert!(!check_answer(
        "could not compute: ReferenceError",
        &hay.magic_numbers
    ));
}
