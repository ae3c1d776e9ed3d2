//! The single-use tokens of `_User`'s account flows: email verification and password reset
//! (Parse's "perishable" token). Each lives in internal columns no query can select, as its
//! SHA-256 only (the mail holds the token itself), with an expiry in Unix ms; a user has at
//! most one live token of each kind, and a new request replaces it.

use crate::store::{Row, SqlValue, Statement};
use serde_json::Value;

/// Which flow a token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    VerifyEmail,
    ResetPassword,
}

impl TokenKind {
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            TokenKind::VerifyEmail => ("_email_verify_token", "_email_verify_token_expires_at"),
            TokenKind::ResetPassword => ("_perishable_token", "_perishable_token_expires_at"),
        }
    }
}

/// The account a flow's request names by email, with what the mail needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub object_id: String,
    pub username: String,
    pub email: String,
    pub email_verified: bool,
}

fn text(row: &Row, key: &str) -> String {
    row.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl Account {
    pub fn from_row(row: &Row) -> Self {
        Account {
            object_id: text(row, "objectId"),
            username: text(row, "username"),
            email: text(row, "email"),
            email_verified: row
                .get("emailVerified")
                .is_some_and(|v| v.as_i64() == Some(1) || v.as_bool() == Some(true)),
        }
    }
}

const ACCOUNT_COLUMNS: &str = "\"objectId\", \"username\", \"email\", \"emailVerified\"";

/// The account with this email (emails are unique whatever their case).
pub fn by_email(email: &str) -> Statement {
    Statement::new(
        format!("SELECT {ACCOUNT_COLUMNS} FROM \"_User\" WHERE \"email\" = ?"),
        vec![SqlValue::from(email)],
    )
}

/// The account by its id.
pub fn by_id(user_id: &str) -> Statement {
    Statement::new(
        format!("SELECT {ACCOUNT_COLUMNS} FROM \"_User\" WHERE \"objectId\" = ?"),
        vec![SqlValue::from(user_id)],
    )
}

/// Stores a new token's hash for the user, replacing any earlier one of that kind.
pub fn set(kind: TokenKind, user_id: &str, token_hash: &str, expires_at_ms: i64) -> Statement {
    let (token, expires) = kind.columns();
    Statement::new(
        format!("UPDATE \"_User\" SET \"{token}\" = ?, \"{expires}\" = ? WHERE \"objectId\" = ?"),
        vec![
            SqlValue::from(token_hash),
            SqlValue::Integer(expires_at_ms),
            SqlValue::from(user_id),
        ],
    )
}

/// Whether a token is live, without using it: what the reset page checks before its form.
pub fn peek(kind: TokenKind, token_hash: &str, now_ms: i64) -> Statement {
    let (token, expires) = kind.columns();
    Statement::new(
        format!(
            "SELECT {ACCOUNT_COLUMNS} FROM \"_User\" WHERE \"{token}\" = ? AND \"{expires}\" > ?"
        ),
        vec![SqlValue::from(token_hash), SqlValue::Integer(now_ms)],
    )
}

/// Takes a live verification token and marks its user's email verified, in one statement:
/// answers the user's id, or no row for an unknown, used or expired token.
pub fn verify_email(token_hash: &str, now_ms: i64, now_iso: &str) -> Statement {
    let (token, expires) = TokenKind::VerifyEmail.columns();
    Statement::new(
        format!(
            "UPDATE \"_User\" SET \"emailVerified\" = 1, \"updatedAt\" = ?, \"{token}\" = NULL, \"{expires}\" = NULL \
             WHERE \"{token}\" = ? AND \"{expires}\" > ? RETURNING \"objectId\""
        ),
        vec![SqlValue::from(now_iso), SqlValue::from(token_hash), SqlValue::Integer(now_ms)],
    )
}

/// Takes a live reset token and sets the new password hash, in one statement: answers the
/// user's id, or no row for an unknown, used or expired token (so a token resets once).
pub fn reset_password(
    token_hash: &str,
    now_ms: i64,
    now_iso: &str,
    password_hash: &str,
) -> Statement {
    let (token, expires) = TokenKind::ResetPassword.columns();
    Statement::new(
        format!(
            "UPDATE \"_User\" SET \"{password}\" = ?, \"updatedAt\" = ?, \"{token}\" = NULL, \"{expires}\" = NULL \
             WHERE \"{token}\" = ? AND \"{expires}\" > ? RETURNING \"objectId\"",
            password = super::credentials::PASSWORD_COLUMN,
        ),
        vec![
            SqlValue::from(password_hash),
            SqlValue::from(now_iso),
            SqlValue::from(token_hash),
            SqlValue::Integer(now_ms),
        ],
    )
}
