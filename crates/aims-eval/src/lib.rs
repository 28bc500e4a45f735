//! The evaluator's result model (the renderer contract). The evaluator itself lands next.
pub mod results;
