//! `rlm-sandbox`: a dedicated sandbox child program, for library users whose own executable cannot
//! run as one ([`rlm_repl::ProcessOptions::with_program`]). Started with any other arguments it
//! explains itself and exits.

fn main() {
    rlm_repl::run_sandbox_child_if_requested();
    eprintln!(
        "rlm-sandbox runs the JavaScript interpreter of an rlm process sandbox; it is started by \
         the sandbox itself (with {}), not by hand.",
        rlm_repl::CHILD_FLAG
    );
    std::process::exit(2);
}
