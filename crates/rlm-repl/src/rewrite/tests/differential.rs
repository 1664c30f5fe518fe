//! Differential test: a generated cell and its rewrite behave the same in QuickJS, and the
//! rewrite can run again in the same context.

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::generate::{pieces, render};
use super::js::Js;
use crate::rewrite::parse::parses;
use crate::rewrite::rewrite_declarations as rw;

fn newlines(text: &str) -> usize {
    text.matches('\n').count()
}

proptest! {
    #![proptest_config(Config { cases: 400, failure_persistence: None, ..Config::default() })]

    #[test]
    fn rewritten_cells_print_the_same_and_run_again(pieces in pieces()) {
        let cell = render(&pieces);
        let code = cell.text.as_str();
        let rewritten = rw(code);
        prop_assert!(parses(&rewritten), "does not parse:\n{}\n=>\n{}", code, rewritten);
        prop_assert_eq!(newlines(&rewritten), newlines(code));
        if cell.declares {
            prop_assert_ne!(&rewritten, code, "nothing rewritten");
        }
        let original = Js::new().run(code);
        prop_assert_eq!(&original.error, &None, "the generated cell fails:\n{}", code);
        let js = Js::new();
        let first = js.run(&rewritten);
        prop_assert_eq!(&first, &original, "{}\n=>\n{}", code, rewritten);
        let second = js.run(&rewritten);
        prop_assert_eq!(&second.error, &None, "second run of\n{}", rewritten);
    }
}
