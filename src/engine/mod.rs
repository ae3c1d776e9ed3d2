//! Parse semantics over any SQL store: the schema registry, the value codec, `where` → SQL,
//! field operations, ACLs, and the object lifecycle.
pub mod access;
#[cfg(test)]
pub(crate) mod arbitrary;
pub mod built_in;
pub mod change;
pub mod clp;
pub mod codec;
pub mod ddl;
pub mod field_ops;
pub mod find;
pub mod find_options;
#[cfg(test)]
pub(crate) mod fuzz_world;
pub mod hooks;
pub mod objects;
#[cfg(test)]
mod objects_tests;
pub mod query;
#[cfg(test)]
mod query_props;
#[cfg(test)]
mod query_regressions;
pub mod regex_plan;
pub mod schema;
pub mod write;
#[cfg(test)]
mod write_props;
