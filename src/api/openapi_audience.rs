//! Who an OpenAPI document is for, and who may call each operation: the document shows a
//! caller what it may use, never the class-level permissions themselves.

use super::openapi_types::ClassShape;
use crate::engine::schema::{ClassSchema, Registry};
use crate::service::Config;
use serde_json::{json, Value};

/// Whom the document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    /// The master key: internal classes too.
    Master,
}

/// What the operations of one document share.
pub struct DocContext<'a> {
    pub config: &'a Config,
    pub audience: Audience,
    pub registry: &'a Registry,
}

impl DocContext<'_> {
    /// The class as the document shows it, when the audience may see it.
    pub fn class(&self, name: &str) -> Option<&ClassSchema> {
        self.registry
            .get(name)
            .filter(|schema| self.audience == Audience::Master || client_usable(schema))
    }

    pub fn shape<'s>(&self, schema: &'s ClassSchema) -> ClassShape<'s> {
        let may_add = self.audience == Audience::Master
            || (self.config.allow_client_class_creation
                && Caller::for_operation(schema, "addField") != Caller::MasterOnly);
        ClassShape {
            schema,
            open_to_new_fields: may_add,
        }
    }
}

/// Whether anyone but the master key may do something with the class.
pub fn client_usable(schema: &ClassSchema) -> bool {
    ["find", "count", "get", "create", "update", "delete"]
        .iter()
        .any(|op| Caller::for_operation(schema, op) != Caller::MasterOnly)
}

/// The document, with `server_url` (the mount path's absolute URL) as its server.
/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Anyone,
    SignedIn,
    MasterOnly,
}

impl Caller {
    /// What the CLP of `operation` (`find`, `create`, …) asks of a caller. An operation the CLP
    /// does not mention is open, as the server evaluates it.
    pub fn for_operation(schema: &ClassSchema, operation: &str) -> Caller {
        let Some(rule) = schema.clp.get(operation).and_then(Value::as_object) else {
            return Caller::Anyone;
        };
        if rule.get("*").and_then(Value::as_bool) == Some(true) {
            return Caller::Anyone;
        }
        let user_fields = if matches!(operation, "find" | "count" | "get") {
            "readUserFields"
        } else {
            "writeUserFields"
        };
        let grants_someone = rule
            .values()
            .any(|v| v.as_bool() == Some(true) || v.as_array().is_some_and(|a| !a.is_empty()))
            || (operation != "addField"
                && schema
                    .clp
                    .get(user_fields)
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty()));
        if grants_someone {
            Caller::SignedIn
        } else {
            Caller::MasterOnly
        }
    }

    /// The security requirement: alternatives, each a set of headers sent together.
    pub fn security(self, doc: &DocContext) -> Value {
        let client = |session: bool| {
            let mut headers = json!({"appId": []});
            if doc.config.client_key.is_some() {
                headers["restApiKey"] = json!([]);
            }
            if session {
                headers["sessionToken"] = json!([]);
            }
            headers
        };
        let master = json!({"appId": [], "masterKey": []});
        json!(match self {
            Caller::Anyone => vec![client(false), client(true), master],
            Caller::SignedIn => vec![client(true), master],
            Caller::MasterOnly => vec![master],
        })
    }
}
