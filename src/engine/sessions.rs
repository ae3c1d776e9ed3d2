//! The `_Session` table: the row that makes a signed token live, so logout and revocation take
//! effect at once. Checking a session also loads its user's roles, in the same statement.

use super::access::Principal;
use crate::store::{Row, SqlValue, Statement};
use serde_json::{json, Value};

/// The statement that checks a session is live and loads its user's roles: the `role` field,
/// every `_Role` whose `users` hold the user, and, as in Parse, every role whose `roles`
/// relation holds one of those (inheritance, followed to any depth; UNION stops cycles).
pub fn lookup(session_id: &str, user_id: &str, now_iso: &str) -> Statement {
    Statement::new(
        "WITH RECURSIVE held(id) AS ( \
           SELECT \"owningId\" FROM \"_Join:users:_Role\" WHERE \"relatedId\" = ?2 \
           UNION SELECT j.\"owningId\" FROM \"_Join:roles:_Role\" AS j JOIN held ON j.\"relatedId\" = held.id) \
         SELECT u.\"objectId\" AS userId, u.\"role\" AS role, \
           (SELECT json_group_array(r.\"name\" ORDER BY r.\"name\") FROM \"_Role\" AS r WHERE r.\"objectId\" IN (SELECT id FROM held)) AS roles \
         FROM \"_Session\" AS s JOIN \"_User\" AS u ON u.\"objectId\" = s.\"user\" \
         WHERE s.\"objectId\" = ?1 AND s.\"user\" = ?2 AND (s.\"expiresAt\" IS NULL OR s.\"expiresAt\" > ?3)",
        vec![SqlValue::from(session_id), SqlValue::from(user_id), SqlValue::from(now_iso)],
    )
}

/// The principal a row of `lookup` describes.
pub fn principal_from(row: &Row, session_id: &str) -> Principal {
    let mut roles: Vec<String> = row
        .get("roles")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str::<Vec<Option<String>>>(s).ok())
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    if let Some(role) = row.get("role").and_then(Value::as_str) {
        roles.insert(0, role.to_string());
    }
    roles.dedup();
    Principal {
        user_id: row.get("userId").and_then(Value::as_str).map(String::from),
        session_id: Some(session_id.to_string()),
        roles,
    }
}

/// A new session row, readable and writable by its user only.
pub struct NewSessionRow<'a> {
    pub session_id: &'a str,
    pub user_id: &'a str,
    /// `signup` or `login`, as Parse's `createdWith.action`.
    pub action: &'a str,
    pub installation_id: Option<&'a str>,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

pub fn insert(row: &NewSessionRow) -> Statement {
    let owner = SqlValue::Text(json!([row.user_id]).to_string());
    Statement::new(
        "INSERT INTO \"_Session\" (\"objectId\", \"createdAt\", \"updatedAt\", \"_rperm\", \"_wperm\", \"user\", \
         \"expiresAt\", \"createdWith\", \"installationId\") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            SqlValue::from(row.session_id),
            SqlValue::from(row.created_at),
            SqlValue::from(row.created_at),
            owner.clone(),
            owner,
            SqlValue::from(row.user_id),
            SqlValue::from(row.expires_at),
            SqlValue::Text(json!({"action": row.action, "authProvider": "password"}).to_string()),
            row.installation_id.map(SqlValue::from).unwrap_or(SqlValue::Null),
        ],
    )
}

/// Ends a session at once: the next request with its token answers 209.
pub fn revoke(session_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM \"_Session\" WHERE \"objectId\" = ?",
        vec![SqlValue::from(session_id)],
    )
}

/// Ends every session of a user (account deleted, password changed), optionally keeping one.
/// Removes a user from every role (`_Role.users`): what a deleted account leaves behind.
pub fn leave_roles(user_id: &str) -> Vec<Statement> {
    vec![Statement::new(
        "DELETE FROM \"_Join:users:_Role\" WHERE \"relatedId\" = ?",
        vec![SqlValue::from(user_id)],
    )]
}

pub fn revoke_all(user_id: &str, except: Option<&str>) -> Statement {
    Statement::new(
        "DELETE FROM \"_Session\" WHERE \"user\" = ? AND \"objectId\" IS NOT ?",
        vec![
            SqlValue::from(user_id),
            except.map(SqlValue::from).unwrap_or(SqlValue::Null),
        ],
    )
}
