//! The dev mailbox's table (`_DevMail`): what the server would have mailed, newest first. Only
//! the dev-outbox adapter writes it; it keeps the latest `KEPT` messages.

use crate::store::{SqlValue, Statement};

/// Messages kept; older ones are dropped as new ones arrive.
pub const KEPT: i64 = 1000;
/// Most messages one listing shows.
pub const LISTED: i64 = 100;

pub fn insert(
    sent_at: &str,
    to: &str,
    subject: &str,
    text: &str,
    html: &str,
    links: &str,
) -> Statement {
    Statement::new(
        "INSERT INTO \"_DevMail\" (\"sentAt\", \"to\", \"subject\", \"text\", \"html\", \"links\") VALUES (?, ?, ?, ?, ?, ?)",
        vec![
            SqlValue::from(sent_at),
            SqlValue::from(to),
            SqlValue::from(subject),
            SqlValue::from(text),
            SqlValue::from(html),
            SqlValue::from(links),
        ],
    )
}

pub fn prune() -> Statement {
    Statement::new(
        "DELETE FROM \"_DevMail\" WHERE \"id\" <= (SELECT MAX(\"id\") FROM \"_DevMail\") - ?",
        vec![SqlValue::Integer(KEPT)],
    )
}

/// The newest messages, to one address when `to` is given (compared whatever its case).
pub fn newest_first(to: Option<&str>) -> Statement {
    Statement::new(
        "SELECT \"sentAt\", \"to\", \"subject\", \"text\", \"html\", \"links\" FROM \"_DevMail\" \
         WHERE ?1 IS NULL OR lower(\"to\") = lower(?1) ORDER BY \"id\" DESC LIMIT ?2",
        vec![
            to.map(SqlValue::from).unwrap_or(SqlValue::Null),
            SqlValue::Integer(LISTED),
        ],
    )
}
