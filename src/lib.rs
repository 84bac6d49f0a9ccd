//! journeyc: the compiler, checker and interpreter of `.journey` customer-journey files.
//!
//! Data flows one way: source text ([`syntax`]) to a checked model ([`check`]) to the node graph
//! ([`ir`]), which is either written as a JSON automation spec ([`spec`]), exported to a workflow
//! engine ([`export`]: Step Functions, BPMN) or run ([`interp`]).
//! The library never prints; the `journeyc` binary renders what it returns.

pub mod check;
mod compile;
pub mod diagnostics;
pub mod export;
pub mod fmt;
pub mod fuzz;
pub mod interp;
pub mod ir;
pub mod lsp;
pub mod project;
pub mod source;
pub mod spec;
pub mod syntax;
pub mod units;

pub use compile::{compile, compile_text, Compiled};
