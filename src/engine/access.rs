//! Who is asking, and the ACL model: per-object read and write lists stored as `_rperm`/`_wperm`
//! JSON arrays, so read filtering is a SQL predicate and never a post-filter in Rust.

use crate::error::{Code, ParseError, Result};
use crate::store::SqlValue;
use serde_json::{json, Map, Value};

/// The request's authority. The master key bypasses ACL, CLP and protected fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    Master,
    Client(Principal),
}

/// A client: anonymous, or a signed-in user with the roles it holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Principal {
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    /// Role names without the `role:` prefix.
    pub roles: Vec<String>,
}

impl Access {
    pub fn public() -> Self {
        Access::Client(Principal::default())
    }

    pub fn is_master(&self) -> bool {
        matches!(self, Access::Master)
    }

    pub fn user_id(&self) -> Option<&str> {
        match self {
            Access::Client(p) => p.user_id.as_deref(),
            Access::Master => None,
        }
    }

    /// The ACL keys this client matches: `*`, its user id and `role:<name>` for each role.
    pub fn acl_keys(&self) -> Vec<String> {
        let mut keys = vec!["*".to_string()];
        if let Access::Client(p) = self {
            keys.extend(p.user_id.iter().cloned());
            keys.extend(p.roles.iter().map(|r| format!("role:{r}")));
        }
        keys
    }

    /// A SQL predicate that is true when this client may read (or write) the row of `alias`.
    /// A NULL list means the object has no ACL, which Parse treats as public.
    pub fn acl_predicate(&self, alias: &str, column: &str, params: &mut Vec<SqlValue>) -> String {
        if self.is_master() {
            return "1".into();
        }
        // `"*"` can only be the public key (user ids and role names never hold a `*`), so a
        // substring test answers public objects without expanding the list for every row.
        let public =
            format!("{alias}.\"{column}\" IS NULL OR instr({alias}.\"{column}\", '\"*\"') > 0");
        let keys = self.acl_keys();
        if keys.len() == 1 {
            // Anonymous: `*` is its only key, so the public test is the whole answer, and the
            // statement stays as simple as a query can be (browsing is mostly anonymous).
            return format!("({public})");
        }
        // One parameter however many roles the user holds: D1 binds at most 100 per statement.
        params.push(SqlValue::Text(json!(keys).to_string()));
        format!(
            "({public} OR EXISTS (SELECT 1 FROM json_each({alias}.\"{column}\") \
             WHERE value IN (SELECT value FROM json_each(?))))"
        )
    }

    pub fn read_predicate(&self, alias: &str, params: &mut Vec<SqlValue>) -> String {
        self.acl_predicate(alias, "_rperm", params)
    }

    pub fn write_predicate(&self, alias: &str, params: &mut Vec<SqlValue>) -> String {
        self.acl_predicate(alias, "_wperm", params)
    }
}

/// An ACL split into its read and write lists, as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Acl {
    pub read: Vec<String>,
    pub write: Vec<String>,
}

impl Acl {
    /// Parses Parse's ACL JSON: `{"*":{"read":true}, "<userId>":{...}, "role:name":{...}}`.
    pub fn from_json(value: &Value) -> Result<Acl> {
        let entries = value
            .as_object()
            .ok_or_else(|| ParseError::new(Code::InvalidJson, "ACL must be an object"))?;
        let mut acl = Acl::default();
        for (key, perms) in entries {
            validate_acl_key(key)?;
            let perms = perms
                .as_object()
                .ok_or_else(|| ParseError::new(Code::InvalidJson, "ACL entries must be objects"))?;
            for (perm, granted) in perms {
                let list = match perm.as_str() {
                    "read" => &mut acl.read,
                    "write" => &mut acl.write,
                    _ => {
                        return Err(ParseError::new(
                            Code::InvalidJson,
                            format!("invalid permission type: {perm}"),
                        ))
                    }
                };
                match granted {
                    Value::Bool(true) => list.push(key.clone()),
                    Value::Bool(false) => {}
                    _ => {
                        return Err(ParseError::new(
                            Code::InvalidJson,
                            "ACL values must be booleans",
                        ))
                    }
                }
            }
        }
        Ok(acl)
    }

    /// Rebuilds the ACL JSON from the stored lists.
    pub fn to_json(&self) -> Value {
        let mut out: Map<String, Value> = Map::new();
        for (list, perm) in [(&self.read, "read"), (&self.write, "write")] {
            for key in list {
                let entry = out.entry(key.clone()).or_insert_with(|| json!({}));
                entry[perm] = Value::Bool(true);
            }
        }
        Value::Object(out)
    }

    /// The stored form of a permission list: a JSON array of keys.
    pub fn list_param(list: &[String]) -> SqlValue {
        SqlValue::Text(Value::from(list.to_vec()).to_string())
    }

    /// Reads the stored lists back; `None` when the object has no ACL (public).
    pub fn from_columns(rperm: &Value, wperm: &Value) -> Option<Acl> {
        let parse = |v: &Value| -> Option<Vec<String>> {
            let text = v.as_str()?;
            serde_json::from_str::<Vec<String>>(text).ok()
        };
        match (parse(rperm), parse(wperm)) {
            (None, None) => None,
            (r, w) => Some(Acl {
                read: r.unwrap_or_default(),
                write: w.unwrap_or_default(),
            }),
        }
    }
}

fn validate_acl_key(key: &str) -> Result<()> {
    let ok = key == "*"
        || key.strip_prefix("role:").is_some_and(|r| {
            !r.is_empty()
                && r.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_- ".contains(c))
        })
        || (!key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_alphanumeric()));
    if ok {
        Ok(())
    } else {
        Err(ParseError::new(
            Code::InvalidJson,
            format!("invalid ACL key: {key}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_acl_round_trips_through_its_lists() {
        let json = json!({"*": {"read": true}, "u1": {"read": true, "write": true}, "role:admin": {"write": true}});
        let acl = Acl::from_json(&json).unwrap();
        assert_eq!(acl.read, vec!["*", "u1"]);
        assert_eq!(acl.write, vec!["u1", "role:admin"]);
        assert_eq!(acl.to_json(), json);
    }

    #[test]
    fn malformed_acls_are_rejected() {
        assert!(Acl::from_json(&json!([])).is_err());
        assert!(Acl::from_json(&json!({"*": {"read": "yes"}})).is_err());
        assert!(Acl::from_json(&json!({"*": {"delete": true}})).is_err());
        assert!(Acl::from_json(&json!({"'; DROP": {"read": true}})).is_err());
    }

    #[test]
    fn no_stored_lists_means_no_acl() {
        assert_eq!(Acl::from_columns(&Value::Null, &Value::Null), None);
        let acl = Acl::from_columns(&json!("[\"u1\"]"), &Value::Null).unwrap();
        assert_eq!(acl.read, vec!["u1"]);
        assert!(acl.write.is_empty());
    }

    #[test]
    fn a_user_matches_public_its_id_and_its_roles() {
        let access = Access::Client(Principal {
            user_id: Some("u1".into()),
            session_id: None,
            roles: vec!["admin".into()],
        });
        assert_eq!(access.acl_keys(), vec!["*", "u1", "role:admin"]);
        let mut params = vec![];
        assert_eq!(Access::Master.read_predicate("t", &mut params), "1");
        assert!(params.is_empty());
    }

    /// Which of the stored read lists a client's predicate lets through, on SQLite.
    fn readable_lists(access: &Access) -> Vec<&'static str> {
        let lists = [
            "NULL",
            r#"'["*"]'"#,
            r#"'["*","u1"]'"#,
            r#"'["u1"]'"#,
            r#"'["u2"]'"#,
            r#"'["role:admin"]'"#,
            "'[]'",
        ];
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut params = vec![];
        let predicate = access.read_predicate("t", &mut params);
        let bound: Vec<String> = params
            .iter()
            .map(|p| match p {
                SqlValue::Text(t) => t.clone(),
                other => panic!("unexpected parameter {other:?}"),
            })
            .collect();
        lists
            .into_iter()
            .filter(|list| {
                let sql = format!("SELECT {predicate} FROM (SELECT {list} AS \"_rperm\") AS t");
                conn.query_row(&sql, rusqlite::params_from_iter(&bound), |r| {
                    r.get::<_, bool>(0)
                })
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn the_read_predicate_lets_through_exactly_the_lists_naming_the_client() {
        // Anonymous takes the parameterless public test; it must agree with the full one.
        let mut params = vec![];
        Access::public().read_predicate("t", &mut params);
        assert!(params.is_empty());
        assert_eq!(
            readable_lists(&Access::public()),
            vec!["NULL", r#"'["*"]'"#, r#"'["*","u1"]'"#]
        );
        let user = Access::Client(Principal {
            user_id: Some("u1".into()),
            session_id: None,
            roles: vec!["admin".into()],
        });
        assert_eq!(
            readable_lists(&user),
            vec![
                "NULL",
                r#"'["*"]'"#,
                r#"'["*","u1"]'"#,
                r#"'["u1"]'"#,
                r#"'["role:admin"]'"#
            ]
        );
    }
}
