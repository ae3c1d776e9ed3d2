//! Sessions: a signed JWT names the user and the session; the `_Session` row
//! (`engine::sessions`) makes logout and revocation immediate. Resolving a token is one
//! signature check at the edge plus one query that also loads the user's roles.

use super::config::Config;
use crate::auth::token::{self, TokenKey};
use crate::engine::access::{Access, Principal};
use crate::engine::sessions::{self, lookup, principal_from, NewSessionRow};
use crate::error::{Code, ParseError, Result};
use crate::platform::{iso_from_ms, ms_from_iso, new_object_id};
use crate::store::{Statement, Store};
use serde_json::Value;

/// The prefix of revocable session tokens, as Parse Server writes them.
const REVOCABLE: &str = "r:";

pub fn invalid_token() -> ParseError {
    ParseError::new(Code::InvalidSessionToken, "Invalid session token")
}

/// The client a session token stands for, under the configured secret; a server without one
/// has no valid sessions.
pub async fn authenticate(
    store: &impl Store,
    config: &Config,
    token: &str,
    now_ms: i64,
) -> Result<Access> {
    let secret = config.session_secret.as_deref().ok_or_else(invalid_token)?;
    resolve(store, &TokenKey::from_secret(secret)?, token, now_ms).await
}

/// The key that signs new sessions; signing in is impossible without one.
pub fn signing_key(config: &Config) -> Result<TokenKey> {
    let secret = config
        .session_secret
        .as_deref()
        .ok_or_else(|| ParseError::internal("SESSION_SECRET is not set"))?;
    TokenKey::from_secret(secret)
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

/// Adds its `sessionToken` to each `_Session` object, as Parse Server's rows carry theirs, for
/// the master key only (Parse Dashboard's "Run as…" signs in with it). The master key already
/// reads and writes everything as anyone, so the token gives its holder nothing new; no other
/// caller gets one (the router calls this for the master key alone). The token is signed anew
/// for the session's id and user and expires with the session: revoking the row ends it.
pub fn add_tokens(config: &Config, objects: &mut [Value], now_ms: i64) -> Result<()> {
    let key = signing_key(config)?;
    for object in objects {
        let session_id = object.get("objectId").and_then(Value::as_str);
        let user_id = object
            .get("user")
            .and_then(|u| u.get("objectId"))
            .and_then(Value::as_str);
        let expires_ms = object
            .get("expiresAt")
            .and_then(|e| e.get("iso"))
            .and_then(Value::as_str)
            .and_then(ms_from_iso);
        let (Some(session_id), Some(user_id), Some(expires_ms)) = (session_id, user_id, expires_ms)
        else {
            continue;
        };
        if expires_ms <= now_ms {
            continue;
        }
        let token = format!(
            "{REVOCABLE}{}",
            token::issue(&key, user_id, session_id, now_ms, expires_ms - now_ms)?
        );
        if let Some(fields) = object.as_object_mut() {
            fields.insert("sessionToken".into(), Value::from(token));
        }
    }
    Ok(())
}

/// A new session for `user_id`: the row to insert and the token to hand out.
pub struct NewSession {
    pub statement: Statement,
    pub token: String,
    /// The new session's id (the tests revoke it by id).
    #[cfg_attr(not(test), allow(dead_code))]
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
    let statement = sessions::insert(&NewSessionRow {
        session_id: &session_id,
        user_id,
        action,
        installation_id,
        created_at: &iso_from_ms(now_ms),
        expires_at: &iso_from_ms(now_ms.saturating_add(ttl_ms)),
    });
    Ok(NewSession {
        statement,
        token,
        session_id,
    })
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
        block_on(store.query(&sessions::revoke(&session.session_id))).unwrap();
        let revoked = block_on(resolve(&store, &key, &session.token, NOW + 1000)).unwrap_err();
        assert_eq!(revoked.code, Code::InvalidSessionToken);
    }
}
