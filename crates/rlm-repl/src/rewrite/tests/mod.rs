//! Tests of the rewrite: exact output, runs in QuickJS, and a differential test over
//! generated cells.

mod differential;
mod exact;
mod generate;
mod js;
mod runs;
