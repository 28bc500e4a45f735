//! The evaluator: runs a checked [`Program`](aims_check::Program) against the documents of each
//! system and produces [`results::RunResults`] — a verdict and evidence per system × control.
//!
//! Semantics that matter for audits: a missing fact is never silently true (any use of it other
//! than `exists`/`default` fails the requirement with a "missing" evidence entry); a value that
//! failed schema validation gives an `error` outcome naming the reason; a waiver past its expiry
//! no longer applies and is reported as expired.

#![warn(missing_docs)]

pub mod codes;
mod eval;
pub mod results;
mod risk;
mod soa_record;
pub mod test_results;
mod value;

pub use eval::{assemble, Evaluator, PluginCaller, DEFAULT_MAX_WORK};
pub use risk::RISK_REGISTER;
pub use soa_record::{is_placeholder, soa_record, SOA_KIND};
pub use value::format_date;
