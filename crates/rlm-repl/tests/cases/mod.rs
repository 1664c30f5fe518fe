//! Test modules and the shared fake handler.

mod basics;
mod batch;
mod hostile;
mod isolation;
mod lifecycle;
mod limits;
mod redeclare;
pub(crate) mod support;
mod tools;
