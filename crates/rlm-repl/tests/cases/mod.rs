//! Test modules and the shared fake handler.

mod basics;
mod batch;
mod isolation;
mod lifecycle;
mod limits;
mod redeclare;
mod support;
