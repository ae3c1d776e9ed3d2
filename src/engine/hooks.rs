//! The hooks an application gives the engine: rules that run before writes (Parse Cloud Code's
//! beforeSave) and what the server may add to a write.

use super::access::Access;
use super::schema::Registry;
use crate::error::{ParseError, Result};
use crate::store::SqlValue;
use serde_json::{Map, Value};

/// Application rules over writes, the equivalent of Parse Cloud Code's beforeSave triggers.
/// They may rewrite the body (server-set fields, default ACLs) and add what only the server
/// writes (`Extras`); an error rejects the write before anything is planned.
pub trait Rules {
    fn before_create(
        &self,
        ctx: &WriteContext,
        class: &str,
        body: &mut Map<String, Value>,
        extras: &mut Extras,
    ) -> Result<()>;
    fn before_update(
        &self,
        ctx: &WriteContext,
        class: &str,
        object_id: &str,
        body: &mut Map<String, Value>,
    ) -> Result<()>;
    /// Fields of `class` this caller may not change once the object exists. An update may
    /// still name one with the value it already has (SDKs save whole objects); any other value
    /// is refused with 119, checked inside the write.
    fn locked_fields(&self, _ctx: &WriteContext, _class: &str) -> &'static [&'static str] {
        &[]
    }
}

/// What a write may do beyond its own row.
pub struct WriteContext<'a> {
    pub registry: &'a Registry,
    pub access: &'a Access,
    /// Create classes and add fields on write (master key, or `ALLOW_CLIENT_CLASS_CREATION`).
    pub may_change_schema: bool,
    pub now_ms: i64,
    /// The application's rules (Parse's beforeSave), run before a write is planned.
    pub rules: &'a dyn Rules,
}

/// No rules: the generic Parse engine, as the engine's own tests run it.
#[cfg(test)]
pub struct NoRules;

#[cfg(test)]
impl Rules for NoRules {
    fn before_create(
        &self,
        _: &WriteContext,
        _: &str,
        _: &mut Map<String, Value>,
        _: &mut Extras,
    ) -> Result<()> {
        Ok(())
    }
    fn before_update(
        &self,
        _: &WriteContext,
        _: &str,
        _: &str,
        _: &mut Map<String, Value>,
    ) -> Result<()> {
        Ok(())
    }
}

/// What the server adds to a write beyond the client's fields.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// The objectId to use, when the server must know it before planning (e.g. for an ACL).
    pub object_id: Option<String>,
    /// Internal columns (`_hashed_password`), never readable through the API.
    pub columns: Vec<(String, SqlValue)>,
    /// Columns whose value SQL computes in the insert itself (column, expression, parameters),
    /// e.g. an ACL naming the owner of a related row, without a read before the write.
    pub computed: Vec<(String, String, Vec<SqlValue>)>,
    /// A condition the insert must meet, checked in the same statement; when false nothing is
    /// written and the write fails with the guard's error.
    pub guard: Option<Guard>,
}

#[derive(Debug, Clone)]
pub struct Guard {
    pub sql: String,
    pub params: Vec<SqlValue>,
    pub error: ParseError,
}
