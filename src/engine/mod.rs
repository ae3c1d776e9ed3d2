//! Parse semantics over any SQL store: the schema registry, the value codec, `where` → SQL,
//! field operations, ACLs, and the object lifecycle.
pub mod access;
pub mod account_names;
pub mod account_tokens;
pub mod built_in;
pub mod change;
pub mod clp;
pub mod codec;
pub mod credentials;
pub mod ddl;
pub mod field_ops;
pub mod files;
pub mod find;
mod find_options;
pub mod hooks;
pub mod objects;
pub mod query;
pub mod regex_plan;
pub mod schema;
pub mod sessions;
pub mod write;
