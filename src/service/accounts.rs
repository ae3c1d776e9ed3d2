//! Accounts: sign-up, login, logout, the current user and session, and changes to `_User`
//! objects, whose passwords are hashed here and never leave storage.

use super::context::Context;
use super::sessions::{self, invalid_token};
use super::{email_verification, password_policy};
use crate::abuse::guard::Account;
use crate::auth::password::{dummy_verify, hash_password, verify_password, Verification};
use crate::engine::access::{Access, Principal};
use crate::engine::credentials::{self, LoginName, PASSWORD_COLUMN};
use crate::engine::find::FindOptions;
use crate::engine::objects::self_view;
use crate::engine::sessions as session_rows;
use crate::engine::write::{Extras, Outcome};
use crate::engine::{account_names, account_tokens};
use crate::error::{Code, ParseError, Result};
use crate::store::{SqlValue, Store};
use serde_json::{json, Map, Value};

/// A new account: its id, and the answer Parse gives a sign-up (`objectId`, `createdAt`,
/// `sessionToken` and the fields the server set).
pub struct SignedUp {
    pub object_id: String,
    pub answer: Map<String, Value>,
}

fn required_text<'a>(
    body: &'a Map<String, Value>,
    field: &str,
    code: Code,
    message: &str,
) -> Result<&'a str> {
    match body.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        _ => Err(ParseError::new(code, message)),
    }
}

/// Emails: one `@`, something on both sides, no spaces; the real check is the confirmation mail.
fn validate_email(body: &Map<String, Value>) -> Result<()> {
    match body.get("email") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(e))
            if e.len() <= 254
                && !e.contains(char::is_whitespace)
                && e.split('@').count() == 2
                && e.split('@').all(|p| !p.is_empty()) =>
        {
            Ok(())
        }
        Some(_) => Err(ParseError::new(
            Code::InvalidEmailAddress,
            "Email address format is invalid.",
        )),
    }
}

/// Creates the account and its first session in one transaction.
pub async fn sign_up<S: Store>(
    ctx: &mut Context<'_, S>,
    body: &Map<String, Value>,
) -> Result<SignedUp> {
    let mut body = body.clone();
    required_text(
        &body,
        "username",
        Code::UsernameMissing,
        "bad or missing username",
    )?;
    let password = required_text(
        &body,
        "password",
        Code::PasswordMissing,
        "password is required",
    )?
    .to_string();
    validate_email(&body)?;
    let policy = &ctx.config.accounts;
    password_policy::check(
        &password,
        body.get("username").and_then(Value::as_str),
        policy.password_min_length,
    )?;
    let email = body.get("email").and_then(Value::as_str).map(String::from);
    let verifying = email.is_some() && policy.verifies_emails();
    // Parse's preventLoginWithUnverifiedEmail: the account exists, its session waits for the link.
    let opens_session = !(verifying && policy.prevent_login_with_unverified_email);
    if verifying {
        // A client's own `true` stays in the body, for the rules to refuse.
        body.entry("emailVerified").or_insert(Value::Bool(false));
    }
    ctx.spend_password_hash()?;
    // Counted once the request is well formed, before the costly part (hashing, writing).
    ctx.guard().sign_up().await?;
    body.remove("password");
    let key = sessions::signing_key(ctx.config)?;
    let hash = hash_password(&password, ctx.config.pbkdf2_iterations)?;
    let extras = Extras {
        columns: vec![(PASSWORD_COLUMN.into(), SqlValue::Text(hash))],
        ..Extras::default()
    };
    let mut plan = ctx.objects().plan_create_with("_User", &body, extras)?;
    let user_id = plan.created_id().unwrap_or_default().to_string();
    let session = if opens_session {
        let session = sessions::create(
            &key,
            &user_id,
            "signup",
            ctx.client.installation_id.as_deref(),
            ctx.now_ms,
            ctx.config.session_ttl_ms,
        )?;
        plan.statements.push(session.statement);
        Some(session.token)
    } else {
        None
    };
    let verification = match (&email, verifying) {
        (Some(email), true) => {
            let (statement, message) = email_verification::issue(ctx, &user_id, email)?;
            plan.statements.push(statement);
            Some(message)
        }
        _ => None,
    };
    let Outcome::Created {
        object_id,
        created_at,
        server_fields: mut answer,
    } = ctx.execute(&plan).await?
    else {
        return Err(ParseError::internal("sign-up did not create a user"));
    };
    if let Some(message) = verification {
        ctx.mailer.send(message).await;
    }
    answer.insert("objectId".into(), json!(object_id));
    answer.insert("createdAt".into(), json!(created_at));
    if let Some(token) = session {
        answer.insert("sessionToken".into(), json!(token));
    }
    Ok(SignedUp { object_id, answer })
}

/// Logs in with `username` (or `email`) and `password` from `credentials`: the user as itself
/// sees it, with a new session token. A wrong password and an unknown user answer alike, in
/// comparable time. The abuse limits are checked before the password is (a refused login costs
/// no hashing): the client's failures alongside the user's lookup, then the account's lock.
pub async fn log_in<S: Store>(
    ctx: &mut Context<'_, S>,
    credentials: &Map<String, Value>,
) -> Result<Value> {
    let checked = check_password(ctx, credentials, true).await?;
    let user_id = &checked.user_id;
    let session = sessions::create(
        &sessions::signing_key(ctx.config)?,
        user_id,
        "login",
        ctx.client.installation_id.as_deref(),
        ctx.now_ms,
        ctx.config.session_ttl_ms,
    )?;
    let mut statements = vec![session.statement];
    statements.extend(checked.rehash);
    let user = self_view(ctx.store, &ctx.registry, user_id, statements).await?;
    Ok(with_token(user, &session.token))
}

/// `GET/POST /verifyPassword`: the same check as a login, with its limits, answering the user
/// as itself sees it without opening a session (Parse's verifyPassword; its
/// `ignoreEmailVerification` skips the unverified-email refusal).
pub async fn verify_password_of<S: Store>(
    ctx: &mut Context<'_, S>,
    credentials: &Map<String, Value>,
) -> Result<Value> {
    let ignore = matches!(
        credentials.get("ignoreEmailVerification"),
        Some(Value::Bool(true))
    ) || credentials
        .get("ignoreEmailVerification")
        .and_then(Value::as_str)
        == Some("true");
    let checked = check_password(ctx, credentials, !ignore).await?;
    self_view(ctx.store, &ctx.registry, &checked.user_id, checked.rehash).await
}

/// A password that matched: its user, and the statement that upgrades its hash when the
/// configured iteration count grew since it was made.
struct Checked {
    user_id: String,
    rehash: Vec<crate::store::Statement>,
}

async fn check_password<S: Store>(
    ctx: &mut Context<'_, S>,
    credentials: &Map<String, Value>,
    require_verified_email: bool,
) -> Result<Checked> {
    let invalid = || ParseError::new(Code::ObjectNotFound, "Invalid username/password.");
    let password = required_text(
        credentials,
        "password",
        Code::PasswordMissing,
        "password is required.",
    )?;
    let name = match (
        credentials.get("username").and_then(Value::as_str),
        credentials.get("email").and_then(Value::as_str),
    ) {
        (Some(u), _) if !u.is_empty() => LoginName::Username(u),
        (_, Some(e)) if !e.is_empty() => LoginName::Email(e),
        _ => {
            return Err(ParseError::new(
                Code::UsernameMissing,
                "username/email is required.",
            ))
        }
    };
    ctx.spend_password_hash()?;
    let guard = ctx.guard();
    // The client's checks ride alongside the lookup, so they add no wait of their own.
    let lookup = credentials::lookup(name);
    let (client_allowed, checks_allowed, rows) = futures::join!(
        guard.login_client(),
        guard.password_check(),
        ctx.store.query(&lookup)
    );
    client_allowed?;
    checks_allowed?;
    let rows = rows?;
    let unverified = rows.first().is_some_and(credentials::email_unverified);
    let user = rows.first().map(credentials::from_row);
    let account = match &user {
        Some((user_id, _)) => Account::User(user_id),
        None => Account::Unknown(name.text()),
    };
    let failures_before = guard.login_account(&account).await?;
    let wanted = ctx.config.pbkdf2_iterations;
    let Some((user_id, stored)) = &user else {
        dummy_verify(password, wanted);
        guard.login_failed(&account).await;
        return Err(invalid());
    };
    let needs_rehash = match verify_password(password, stored, wanted) {
        Verification::Invalid => {
            guard.login_failed(&account).await;
            return Err(invalid());
        }
        Verification::Valid { needs_rehash } => needs_rehash,
    };
    guard.login_succeeded(&account, failures_before).await;
    let policy = &ctx.config.accounts;
    // Only after the right password: the answer tells nothing to someone who lacks it.
    if require_verified_email
        && unverified
        && policy.verifies_emails()
        && policy.prevent_login_with_unverified_email
    {
        return Err(ParseError::new(
            Code::EmailNotFound,
            "User email is not verified.",
        ));
    }
    let mut rehash = Vec::new();
    if needs_rehash {
        rehash.push(credentials::set_hash(
            user_id,
            hash_password(password, wanted)?,
        ));
    }
    Ok(Checked {
        user_id: user_id.clone(),
        rehash,
    })
}

/// Adds the session token to a user (or session) object, as Parse answers: the SDKs replace
/// an object's fields with the answer and would otherwise lose the token.
fn with_token(mut object: Value, token: &str) -> Value {
    if let Some(o) = object.as_object_mut() {
        o.insert("sessionToken".into(), Value::from(token));
    }
    object
}

/// The signed-in client's user and session ids, or 209 when it has no valid session.
fn signed_in<S: Store>(ctx: &Context<'_, S>) -> Result<(String, String)> {
    match &ctx.access {
        Access::Client(Principal {
            user_id: Some(user),
            session_id: Some(session),
            ..
        }) => Ok((user.clone(), session.clone())),
        _ => Err(invalid_token()),
    }
}

fn sent_token<'c, S: Store>(ctx: &'c Context<'_, S>) -> &'c str {
    ctx.client.session_token.as_deref().unwrap_or_default()
}

/// The signed-in user, with its session token.
pub async fn me<S: Store>(ctx: &Context<'_, S>) -> Result<Value> {
    let (user, _) = signed_in(ctx)?;
    let found = self_view(ctx.store, &ctx.registry, &user, vec![]).await?;
    Ok(with_token(found, sent_token(ctx)))
}

/// Ends the current session at once.
pub async fn log_out<S: Store>(ctx: &Context<'_, S>) -> Result<()> {
    let (_, session_id) = signed_in(ctx)?;
    ctx.store
        .batch(&[session_rows::revoke(&session_id)])
        .await?;
    Ok(())
}

/// The current session, with its token.
pub async fn current_session<S: Store>(ctx: &Context<'_, S>) -> Result<Value> {
    let (_, session_id) = signed_in(ctx)?;
    let options = FindOptions {
        limit: 1,
        ..FindOptions::default()
    };
    let found = ctx.objects().get("_Session", &session_id, &options).await?;
    Ok(with_token(found, sent_token(ctx)))
}

/// A user as the caller may see it; a user fetching itself gets its session token back.
pub async fn get_user<S: Store>(
    ctx: &Context<'_, S>,
    id: &str,
    options: &FindOptions,
) -> Result<Value> {
    let user = ctx.objects().get("_User", id, options).await?;
    Ok(
        match (ctx.access.user_id(), ctx.client.session_token.as_deref()) {
            (Some(me), Some(token)) if me == id => with_token(user, token),
            _ => user,
        },
    )
}

/// Updates a user; a new password is hashed, and ends every other session of the user.
pub async fn update_user<S: Store>(
    ctx: &mut Context<'_, S>,
    id: &str,
    body: &Map<String, Value>,
) -> Result<Outcome> {
    // An admin changing another user's role (that field alone) runs with the server's authority;
    // the user's ACL lets admins read it, never write it.
    if crate::marketplace::admins::is_role_change_by_admin(&ctx.access, id, body)? {
        let caller = std::mem::replace(&mut ctx.access, Access::Master);
        let outcome = update_user_as_sent(ctx, id, body).await;
        ctx.access = caller;
        return outcome;
    }
    update_user_as_sent(ctx, id, body).await
}

async fn update_user_as_sent<S: Store>(
    ctx: &mut Context<'_, S>,
    id: &str,
    body: &Map<String, Value>,
) -> Result<Outcome> {
    let mut body = body.clone();
    validate_email(&body)?;
    let mut internal = Vec::new();
    let password = body.remove("password");
    let new_email = body.get("email").and_then(Value::as_str).map(String::from);
    let current = if password.is_some() || new_email.is_some() {
        let rows = ctx.store.query(&account_tokens::by_id(id)).await?;
        rows.first().map(account_tokens::Account::from_row)
    } else {
        None
    };
    if let Some(password) = &password {
        let password = password.as_str().filter(|p| !p.is_empty()).ok_or_else(|| {
            ParseError::new(Code::PasswordMissing, "password must be a non-empty string")
        })?;
        let username = body
            .get("username")
            .and_then(Value::as_str)
            .or(current.as_ref().map(|c| c.username.as_str()));
        password_policy::check(password, username, ctx.config.accounts.password_min_length)?;
        ctx.spend_password_hash()?;
        ctx.guard().password_check().await?;
        internal.push((
            PASSWORD_COLUMN.to_string(),
            SqlValue::Text(hash_password(password, ctx.config.pbkdf2_iterations)?),
        ));
    }
    if body
        .get("username")
        .is_some_and(|u| u.as_str().is_none_or(str::is_empty))
    {
        return Err(ParseError::new(
            Code::UsernameMissing,
            "bad or missing username",
        ));
    }
    // A new email is unverified until its link is opened (the same one sent back, whatever its
    // case, is no change).
    let verification = match (&new_email, &current) {
        (Some(email), Some(current))
            if ctx.config.accounts.verifies_emails()
                && account_names::key(email) != account_names::key(&current.email) =>
        {
            internal.push(("emailVerified".to_string(), SqlValue::Integer(0)));
            Some(email_verification::issue(ctx, id, email)?)
        }
        _ => None,
    };
    let mut plan = ctx
        .objects()
        .plan_update_with("_User", id, &body, internal)?;
    let message = verification.map(|(statement, message)| {
        plan.guard_row_exists();
        plan.statements.push(statement);
        message
    });
    if password.is_some() {
        plan.guard_row_exists();
        let current = match &ctx.access {
            Access::Client(p) => p.session_id.clone(),
            Access::Master => None,
        };
        plan.statements
            .push(session_rows::revoke_all(id, current.as_deref()));
    }
    let outcome = ctx.execute(&plan).await?;
    if let Some(message) = message {
        ctx.mailer.send(message).await;
    }
    Ok(outcome)
}

/// Deletes an account: its row (username, email, password hash and every other field), every
/// session, its role memberships, or nothing. What the marketplace keeps of it are the orders,
/// whose `buyer` then points to no user: an artisan's sales history stays, and names nobody.
/// A user deletes itself (its ACL), an admin or the master key anyone.
pub async fn delete_user<S: Store>(ctx: &mut Context<'_, S>, id: &str) -> Result<Outcome> {
    let as_admin = matches!(&ctx.access, Access::Client(p) if p.roles.iter().any(|r| r == "admin"));
    let caller = if as_admin {
        Some(std::mem::replace(&mut ctx.access, Access::Master))
    } else {
        None
    };
    let planned = ctx.objects().plan_delete("_User", id);
    let outcome = match planned {
        Ok(mut plan) => {
            plan.guard_row_exists();
            plan.statements.push(session_rows::revoke_all(id, None));
            plan.statements.extend(session_rows::leave_roles(id));
            ctx.execute(&plan).await
        }
        Err(e) => Err(e),
    };
    if let Some(caller) = caller {
        ctx.access = caller;
    }
    outcome
}
