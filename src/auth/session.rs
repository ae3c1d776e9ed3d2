//! Sessions: a signed JWT names the user and the session; the `_Session` row makes logout and
//! revocation immediate. Resolving a token is one signature check at the edge plus one query
//! that also loads the user's roles.

use super::token::{self, TokenKey};
use crate::engine::access::{Access, Principal};
use crate::error::{Code, ParseError, Result};
use crate::platform::{iso_from_ms, new_object_id};
use crate::store::{Row, SqlValue, Statement, Store};
use serde_json::{json, Value};

/// The prefix of revocable session tokens, as Parse Server writes them.
const REVOCABLE: &str = "r:";

pub fn invalid_token() -> ParseError {
    ParseError::new(Code::InvalidSessionToken, "Invalid session token")
}

/// The query that checks a session is live and loads its user's roles: the `role` field, every
/// `_Role` whose `users` hold the user, and, as in Parse, every role whose `roles` relation
/// holds one of those (inheritance, followed to any depth; UNION stops cycles).
fn lookup(session_id: &str, user_id: &str, now_iso: &str) -> Statement {
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

/// The client a session token stands for; any bad, expired or revoked token is 209.
pub async fn resolve(
    store: &impl Store,
    key: &TokenKey,
    token: &str,
    now_ms: i64,
) -> Result<Access> {
    let claims = token::verify(key, token.strip_prefix(REVOCABLE).unwrap_or(token), now_ms)?;
    let rows = store
        .query(&lookup(
            &claims.session_id,
            &claims.user_id,
            &iso_from_ms(now_ms),
        ))
        .await?;
    let row = rows.first().ok_or_else(invalid_token)?;
    Ok(Access::Client(principal_from(row, &claims.session_id)))
}

/// Sessions looked up in one batch per `REFRESH_CHUNK`: the current principal of each
/// `(session, user)` that is still live; missing ones were logged out or expired.
pub async fn refresh(
    store: &impl Store,
    sessions: &[(String, String)],
    now_ms: i64,
) -> Result<std::collections::BTreeMap<String, Principal>> {
    const REFRESH_CHUNK: usize = 50;
    let now = iso_from_ms(now_ms);
    let mut live = std::collections::BTreeMap::new();
    for chunk in sessions.chunks(REFRESH_CHUNK) {
        let statements: Vec<Statement> = chunk
            .iter()
            .map(|(sid, user)| lookup(sid, user, &now))
            .collect();
        let results = store.batch(&statements).await?;
        for ((sid, _), rows) in chunk.iter().zip(results) {
            if let Some(row) = rows.first() {
                live.insert(sid.clone(), principal_from(row, sid));
            }
        }
    }
    Ok(live)
}

fn principal_from(row: &Row, session_id: &str) -> Principal {
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

/// A new session for `user_id`: the row to insert and the token to hand out.
pub struct NewSession {
    pub statement: Statement,
    pub token: String,
    pub session_id: String,
}

pub fn create(
    key: &TokenKey,
    user_id: &str,
    action: &str,
    installation_id: Option<&str>,
    now_ms: i64,
    ttl_ms: i64,
) -> Result<NewSession> {
    let session_id = new_object_id()?;
    // `r:` marks a revocable session to the Parse SDKs, which only call /logout for such tokens.
    let token = format!(
        "{REVOCABLE}{}",
        token::issue(key, user_id, &session_id, now_ms, ttl_ms)?
    );
    let now = iso_from_ms(now_ms);
    let owner = SqlValue::Text(json!([user_id]).to_string());
    let statement = Statement::new(
        "INSERT INTO \"_Session\" (\"objectId\", \"createdAt\", \"updatedAt\", \"_rperm\", \"_wperm\", \"user\", \
         \"expiresAt\", \"createdWith\", \"installationId\") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            SqlValue::from(session_id.as_str()),
            SqlValue::from(now.as_str()),
            SqlValue::from(now.as_str()),
            owner.clone(),
            owner,
            SqlValue::from(user_id),
            SqlValue::Text(iso_from_ms(now_ms.saturating_add(ttl_ms))),
            SqlValue::Text(json!({"action": action, "authProvider": "password"}).to_string()),
            installation_id.map(SqlValue::from).unwrap_or(SqlValue::Null),
        ],
    );
    Ok(NewSession {
        statement,
        token,
        session_id,
    })
}

/// Ends a session at once: the next request with its token answers 209.
pub fn revoke(session_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM \"_Session\" WHERE \"objectId\" = ?",
        vec![SqlValue::from(session_id)],
    )
}

/// Ends every session of a user (account deleted, password changed), optionally keeping one.
pub fn revoke_all(user_id: &str, except: Option<&str>) -> Statement {
    Statement::new(
        "DELETE FROM \"_Session\" WHERE \"user\" = ? AND \"objectId\" IS NOT ?",
        vec![
            SqlValue::from(user_id),
            except.map(SqlValue::from).unwrap_or(SqlValue::Null),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SqliteStore;
    use futures::executor::block_on;

    const NOW: i64 = 1_700_000_000_000;

    fn setup() -> (SqliteStore, TokenKey) {
        let store = SqliteStore::migrated();
        block_on(store.query(&Statement::new(
            "INSERT INTO \"_User\" (\"objectId\", \"createdAt\", \"updatedAt\", \"username\", \"role\") VALUES ('u1', 'x', 'x', 'ana', 'artisan')",
            vec![],
        )))
        .unwrap();
        (
            store,
            TokenKey::from_secret("0123456789abcdef0123456789abcdef").unwrap(),
        )
    }

    #[test]
    fn a_live_session_resolves_to_its_user_and_roles() {
        let (store, key) = setup();
        let session = create(&key, "u1", "login", None, NOW, 60_000).unwrap();
        block_on(store.query(&session.statement)).unwrap();
        for sql in [
            "INSERT INTO \"_Role\" VALUES ('r1', 'x', 'x', NULL, NULL, 'moderator')",
            "INSERT INTO \"_Role\" VALUES ('r2', 'x', 'x', NULL, NULL, 'staff')",
            "INSERT INTO \"_Join:users:_Role\" VALUES ('r1', 'u1')",
            // Moderators are staff: staff's `roles` relation holds the moderator role.
            "INSERT INTO \"_Join:roles:_Role\" VALUES ('r2', 'r1')",
        ] {
            block_on(store.query(&Statement::new(sql, vec![]))).unwrap();
        }
        let access = block_on(resolve(&store, &key, &session.token, NOW + 1000)).unwrap();
        assert_eq!(access.user_id(), Some("u1"));
        assert_eq!(
            access.acl_keys(),
            vec!["*", "u1", "role:artisan", "role:moderator", "role:staff"]
        );
    }

    #[test]
    fn a_revoked_or_expired_session_is_209() {
        let (store, key) = setup();
        let session = create(&key, "u1", "login", None, NOW, 60_000).unwrap();
        block_on(store.query(&session.statement)).unwrap();
        let expired = block_on(resolve(&store, &key, &session.token, NOW + 61_000)).unwrap_err();
        assert_eq!(expired.code, Code::InvalidSessionToken);
        block_on(store.query(&revoke(&session.session_id))).unwrap();
        let revoked = block_on(resolve(&store, &key, &session.token, NOW + 1000)).unwrap_err();
        assert_eq!(revoked.code, Code::InvalidSessionToken);
    }
}
