//! Class-level permissions and protected fields, as Parse Server evaluates them.
//!
//! A CLP entry per operation maps principals (`*`, a user id, `role:name`,
//! `requiresAuthentication`) to `true`, and may name `pointerFields`: `_User` pointers whose
//! target alone may do the operation. `readUserFields`/`writeUserFields` are the same for reads
//! and writes. The master key bypasses all of it.

use super::access::Access;
use super::schema::{ClassSchema, FieldType};
use crate::error::{ParseError, Result};
use crate::store::{ident, SqlValue};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Find,
    Count,
    Get,
    Create,
    Update,
    Delete,
    AddField,
}

impl Operation {
    fn key(self) -> &'static str {
        match self {
            Operation::Find => "find",
            Operation::Count => "count",
            Operation::Get => "get",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::AddField => "addField",
        }
    }

    fn is_read(self) -> bool {
        matches!(self, Operation::Find | Operation::Count | Operation::Get)
    }
}

/// The verdict of a CLP check.
#[derive(Debug, Clone, PartialEq)]
pub enum Permission {
    Granted,
    /// Granted only on objects whose listed `_User` pointer fields point at the user.
    OnlyWhere(Vec<String>),
}

/// Checks `operation` on `schema` for `access`; a denial is 119, as Parse answers.
pub fn check(schema: &ClassSchema, access: &Access, operation: Operation) -> Result<Permission> {
    if access.is_master() {
        return Ok(Permission::Granted);
    }
    let denied = || {
        ParseError::forbidden(format!(
            "Permission denied for action {} on class {}.",
            operation.key(),
            schema.name
        ))
    };
    let rule = schema.clp.get(operation.key()).and_then(Value::as_object);
    let Some(rule) = rule else {
        // An operation the CLP does not mention is open, as in Parse.
        return Ok(Permission::Granted);
    };
    let signed_in = access.user_id().is_some();
    let grants = |key: &str| rule.get(key).and_then(Value::as_bool) == Some(true);
    if access.acl_keys().iter().any(|k| grants(k))
        || (signed_in && grants("requiresAuthentication"))
    {
        return Ok(Permission::Granted);
    }
    let mut fields: Vec<String> = string_list(rule.get("pointerFields"));
    let user_fields_key = if operation.is_read() {
        "readUserFields"
    } else {
        "writeUserFields"
    };
    if operation != Operation::AddField {
        fields.extend(string_list(schema.clp.get(user_fields_key)));
    }
    if signed_in && !fields.is_empty() {
        return Ok(Permission::OnlyWhere(fields));
    }
    Err(denied())
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

impl Permission {
    /// The SQL predicate restricting rows of `alias` to those the user is named in, or `1`.
    pub fn predicate(
        &self,
        schema: &ClassSchema,
        alias: &str,
        access: &Access,
        params: &mut Vec<SqlValue>,
    ) -> String {
        let Permission::OnlyWhere(fields) = self else {
            return "1".into();
        };
        let user = access.user_id().unwrap_or_default().to_string();
        let mut parts = Vec::new();
        for field in fields {
            match schema.field_type(field) {
                Some(FieldType::Pointer(_)) => {
                    params.push(SqlValue::Text(user.clone()));
                    parts.push(format!("{alias}.{} = ?", ident(field)));
                }
                Some(FieldType::Array) => {
                    params.push(SqlValue::Text(user.clone()));
                    parts.push(format!(
                        "EXISTS (SELECT 1 FROM json_each({alias}.{}) WHERE {} = ?)",
                        ident(field),
                        super::codec::ELEMENT_OBJECT_ID
                    ));
                }
                _ => {}
            }
        }
        if parts.is_empty() {
            "0".into()
        } else {
            format!("({})", parts.join(" OR "))
        }
    }
}

/// Fields `access` may not see on `schema`: the intersection of the `protectedFields` lists of
/// every group it belongs to (`*`, `authenticated`, its id, its roles), as Parse computes it.
pub fn protected_fields(schema: &ClassSchema, access: &Access) -> Vec<String> {
    if access.is_master() {
        return vec![];
    }
    let Some(rules) = schema.clp.get("protectedFields").and_then(Value::as_object) else {
        return vec![];
    };
    let mut groups = access.acl_keys();
    if access.user_id().is_some() {
        groups.push("authenticated".into());
    }
    let mut result: Option<Vec<String>> = None;
    for group in groups {
        let Some(list) = rules.get(&group) else {
            continue;
        };
        let list = string_list(Some(list));
        result = Some(match result {
            None => list,
            Some(current) => current.into_iter().filter(|f| list.contains(f)).collect(),
        });
    }
    result.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::access::Principal;
    use serde_json::json;

    fn schema(clp: Value) -> ClassSchema {
        let mut s = ClassSchema::new("Thing");
        s.fields
            .insert("owner".into(), FieldType::Pointer("_User".into()));
        s.clp = clp.as_object().unwrap().clone();
        s
    }

    fn user(id: &str, roles: &[&str]) -> Access {
        Access::Client(Principal {
            user_id: Some(id.into()),
            session_id: None,
            roles: roles.iter().map(|r| r.to_string()).collect(),
        })
    }

    #[test]
    fn an_open_operation_is_granted_to_anyone() {
        let s = schema(json!({"find": {"*": true}}));
        assert_eq!(
            check(&s, &Access::public(), Operation::Find).unwrap(),
            Permission::Granted
        );
    }

    #[test]
    fn an_empty_rule_denies_everyone_but_the_master_key() {
        let s = schema(json!({"create": {}}));
        assert_eq!(
            check(&s, &user("u1", &[]), Operation::Create)
                .unwrap_err()
                .code,
            crate::error::Code::OperationForbidden
        );
        assert_eq!(
            check(&s, &Access::Master, Operation::Create).unwrap(),
            Permission::Granted
        );
    }

    #[test]
    fn roles_users_and_authentication_grant() {
        let s = schema(
            json!({"create": {"role:artisan": true}, "find": {"requiresAuthentication": true}, "delete": {"u9": true}}),
        );
        assert!(check(&s, &user("u1", &["artisan"]), Operation::Create).is_ok());
        assert!(check(&s, &user("u1", &["buyer"]), Operation::Create).is_err());
        assert!(check(&s, &user("u1", &[]), Operation::Find).is_ok());
        assert!(check(&s, &Access::public(), Operation::Find).is_err());
        assert!(check(&s, &user("u9", &[]), Operation::Delete).is_ok());
    }

    #[test]
    fn pointer_fields_restrict_to_the_users_own_objects() {
        let s = schema(
            json!({"get": {"pointerFields": ["owner"]}, "update": {}, "writeUserFields": ["owner"]}),
        );
        let alice = user("alice", &[]);
        let permission = check(&s, &alice, Operation::Get).unwrap();
        assert_eq!(permission, Permission::OnlyWhere(vec!["owner".into()]));
        let mut params = vec![];
        assert_eq!(
            permission.predicate(&s, "t", &alice, &mut params),
            "(t.\"owner\" = ?)"
        );
        assert_eq!(params, vec![SqlValue::Text("alice".into())]);
        assert_eq!(
            check(&s, &alice, Operation::Update).unwrap(),
            Permission::OnlyWhere(vec!["owner".into()])
        );
        assert!(check(&s, &Access::public(), Operation::Get).is_err());
    }

    #[test]
    fn protected_fields_are_the_intersection_over_the_users_groups() {
        let s =
            schema(json!({"protectedFields": {"*": ["email", "phone"], "role:admin": ["phone"]}}));
        assert_eq!(
            protected_fields(&s, &Access::public()),
            vec!["email", "phone"]
        );
        assert_eq!(protected_fields(&s, &user("a", &["admin"])), vec!["phone"]);
        assert!(protected_fields(&s, &Access::Master).is_empty());
    }
}
