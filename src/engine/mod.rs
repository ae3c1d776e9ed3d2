//! Parse semantics over any SQL store.
pub mod access;
pub mod codec;
// pub mod regex_plan;
pub mod schema;
