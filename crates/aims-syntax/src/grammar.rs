//! The pest parser generated from `grammar/aims.pest`.
#![allow(missing_docs)]

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/aims.pest"]
pub struct AimsParser;
