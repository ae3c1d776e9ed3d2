//! Where `_User` keeps its password hash: an internal column the API never reads or writes as a
//! field, so no query, include or live event can carry it.

use crate::store::{Row, SqlValue, Statement};
use serde_json::Value;

/// The column of the PHC-formatted password hash.
pub const PASSWORD_COLUMN: &str = "_hashed_password";

/// How a login names its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginName<'a> {
    Username(&'a str),
    Email(&'a str),
}

impl LoginName<'_> {
    pub fn text(&self) -> &str {
        match self {
            LoginName::Username(name) | LoginName::Email(name) => name,
        }
    }
}

/// The account's id and stored hash, by username or email.
pub fn lookup(name: LoginName) -> Statement {
    let column = match name {
        LoginName::Username(_) => "username",
        LoginName::Email(_) => "email",
    };
    Statement::new(
        format!(
            "SELECT \"objectId\", \"{PASSWORD_COLUMN}\" AS hash, \"email\", \"emailVerified\" FROM \"_User\" WHERE \"{column}\" = ?"
        ),
        vec![SqlValue::from(name.text())],
    )
}

/// A row of `lookup` as `(objectId, hash)`.
pub fn from_row(row: &Row) -> (String, String) {
    let text = |k: &str| {
        row.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (text("objectId"), text("hash"))
}

/// Whether a row of `lookup` has an email that was never verified.
pub fn email_unverified(row: &Row) -> bool {
    row.get("email").is_some_and(|e| !e.is_null())
        && row.get("emailVerified").and_then(Value::as_i64) != Some(1)
}

/// Replaces the account's hash (a rehash at a higher iteration count).
pub fn set_hash(user_id: &str, hash: String) -> Statement {
    Statement::new(
        format!("UPDATE \"_User\" SET \"{PASSWORD_COLUMN}\" = ? WHERE \"objectId\" = ?"),
        vec![SqlValue::Text(hash), SqlValue::from(user_id)],
    )
}
