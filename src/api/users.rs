//! Accounts: sign-up, login, logout, the current user and session, and `_User` objects, whose
//! passwords are hashed here and never leave storage.

use super::app::Context;
use super::classes::{execute, render};
use super::http::HttpResponse;
use super::request::ParseRequest;
use crate::abuse::guard::Account;
use crate::auth::password::{dummy_verify, hash_password, verify_password, Verification};
use crate::auth::session::{self, invalid_token};
use crate::auth::token::TokenKey;
use crate::engine::access::{Access, Principal};
use crate::engine::clp::Permission;
use crate::engine::find::{FindOptions, FindPlan};
use crate::engine::write::{Extras, Outcome, WritePlan};
use crate::error::{Code, ParseError, Result};
use crate::store::{SqlValue, Statement, Store, StoreError};
use serde_json::{json, Map, Value};

const PASSWORD_COLUMN: &str = "_hashed_password";

/// `/users`, `/users/:id`, `/users/me` and `/classes/_User…`.
pub async fn handle<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
    rest: &[&str],
) -> Result<HttpResponse> {
    match (request.method.as_str(), rest) {
        ("POST", []) => sign_up(ctx, request).await,
        ("GET", ["me"]) => me(ctx, request).await,
        ("GET", []) => {
            let options = FindOptions::from_params(&request.params)?;
            Ok(HttpResponse::ok(
                &ctx.objects().find("_User", &options).await?,
            ))
        }
        ("GET", [id]) => {
            let options = FindOptions::from_params(&request.params)?;
            let user = ctx.objects().get("_User", id, &options).await?;
            // A user fetching itself gets its session token back, as Parse Server answers: the
            // SDK replaces the object's fields with the answer and would otherwise lose it.
            Ok(HttpResponse::ok(
                &match (ctx.access.user_id(), request.session_token.as_deref()) {
                    (Some(me), Some(token)) if me == *id => with_token(user, token),
                    _ => user,
                },
            ))
        }
        ("PUT", [id]) => update(ctx, request, id).await,
        ("DELETE", [id]) => delete(ctx, request, id).await,
        (method, _) => Err(ParseError::new(
            Code::InvalidJson,
            format!("unknown route: {method} /users/{}", rest.join("/")),
        )),
    }
}

fn token_key<S: Store>(ctx: &Context<'_, S>) -> Result<TokenKey> {
    let secret = ctx
        .config
        .session_secret
        .as_deref()
        .ok_or_else(|| ParseError::internal("SESSION_SECRET is not set"))?;
    TokenKey::from_secret(secret)
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

/// Unique violations on `_User` name the field that clashed, as Parse's 202 and 203.
fn account_conflict(e: ParseError, store_error: Option<&StoreError>) -> ParseError {
    match store_error {
        Some(StoreError::Unique(what)) if what.contains("username") => ParseError::new(
            Code::UsernameTaken,
            "Account already exists for this username.",
        ),
        Some(StoreError::Unique(what)) if what.contains("email") => ParseError::new(
            Code::EmailTaken,
            "Account already exists for this email address.",
        ),
        _ => e,
    }
}

/// Runs a plan, telling username and email clashes apart.
async fn run_account_plan<S: Store>(
    ctx: &Context<'_, S>,
    plan: &WritePlan,
) -> Result<Vec<Vec<crate::store::Row>>> {
    match ctx.store.batch(&plan.statements).await {
        Ok(results) => Ok(results),
        Err(e) => Err(account_conflict(ParseError::from(e.clone()), Some(&e))),
    }
}

/// `POST /users`: creates the account and its first session in one transaction.
async fn sign_up<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
) -> Result<HttpResponse> {
    let mut body = request.body.clone();
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
    // Counted once the request is well formed, before the costly part (hashing, writing).
    ctx.guard(request).sign_up().await?;
    body.remove("password");
    let key = token_key(ctx)?;
    let hash = hash_password(&password, ctx.config.pbkdf2_iterations)?;
    let extras = Extras {
        columns: vec![(PASSWORD_COLUMN.into(), SqlValue::Text(hash))],
        ..Extras::default()
    };
    let mut plan = ctx.objects().plan_create_with("_User", &body, extras)?;
    let user_id = plan.created_id().unwrap_or_default().to_string();
    let session = session::create(
        &key,
        &user_id,
        "signup",
        request.installation_id.as_deref(),
        ctx.now_ms,
        ctx.config.session_ttl_ms,
    )?;
    plan.statements.push(session.statement);
    let results = run_account_plan(ctx, &plan).await?;
    ctx.outbox.push(plan.change(&results));
    let Outcome::Created {
        object_id,
        created_at,
        mut server_fields,
    } = plan.outcome(&results)?
    else {
        return Err(ParseError::internal("sign-up did not create a user"));
    };
    server_fields.insert("objectId".into(), json!(object_id));
    server_fields.insert("createdAt".into(), json!(created_at));
    server_fields.insert("sessionToken".into(), json!(session.token));
    Ok(
        HttpResponse::json(201, &Value::Object(server_fields)).with_header(
            "location",
            &format!("{}/users/{object_id}", mount_url(ctx, request)),
        ),
    )
}

/// `GET|POST /login`: a wrong password and an unknown user answer alike, in comparable time.
/// The abuse limits are checked before the password is (a refused login costs no hashing): the
/// client's failures alongside the user's lookup, then the account's lock.
pub async fn login<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
) -> Result<HttpResponse> {
    let mut credentials = request.params.clone();
    credentials.extend(request.body.clone());
    let invalid = || ParseError::new(Code::ObjectNotFound, "Invalid username/password.");
    let password = required_text(
        &credentials,
        "password",
        Code::PasswordMissing,
        "password is required.",
    )?;
    let (column, name) = match (
        credentials.get("username").and_then(Value::as_str),
        credentials.get("email").and_then(Value::as_str),
    ) {
        (Some(u), _) if !u.is_empty() => ("username", u),
        (_, Some(e)) if !e.is_empty() => ("email", e),
        _ => {
            return Err(ParseError::new(
                Code::UsernameMissing,
                "username/email is required.",
            ))
        }
    };
    let lookup = Statement::new(
        format!("SELECT \"objectId\", \"{PASSWORD_COLUMN}\" AS hash FROM \"_User\" WHERE \"{column}\" = ?"),
        vec![SqlValue::from(name)],
    );
    let guard = ctx.guard(request);
    // The client's check rides alongside the lookup, so it adds no wait of its own.
    let (client_allowed, rows) = futures::join!(guard.login_client(), ctx.store.query(&lookup));
    client_allowed?;
    let user = rows?.first().map(|row| {
        let text = |k: &str| {
            row.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        (text("objectId"), text("hash"))
    });
    let account = match &user {
        Some((user_id, _)) => Account::User(user_id),
        None => Account::Unknown(name),
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
    let key = token_key(ctx)?;
    let session = session::create(
        &key,
        user_id,
        "login",
        request.installation_id.as_deref(),
        ctx.now_ms,
        ctx.config.session_ttl_ms,
    )?;
    let mut statements = vec![session.statement];
    if needs_rehash {
        // The configured iteration count grew since this hash was made: upgrade it now.
        statements.push(Statement::new(
            format!("UPDATE \"_User\" SET \"{PASSWORD_COLUMN}\" = ? WHERE \"objectId\" = ?"),
            vec![
                SqlValue::Text(hash_password(password, wanted)?),
                SqlValue::from(user_id.as_str()),
            ],
        ));
    }
    let user = self_view(ctx, user_id, statements).await?;
    Ok(HttpResponse::ok(&with_token(user, &session.token)))
}

/// Reads the user as itself sees it, after running `before` in the same batch.
async fn self_view<S: Store>(
    ctx: &Context<'_, S>,
    user_id: &str,
    before: Vec<Statement>,
) -> Result<Value> {
    let access = Access::Client(Principal {
        user_id: Some(user_id.to_string()),
        ..Principal::default()
    });
    let schema = ctx
        .registry
        .get("_User")
        .ok_or_else(|| ParseError::internal("the _User class is missing"))?;
    let options = FindOptions {
        where_: json!({"objectId": user_id}),
        limit: 1,
        ..FindOptions::default()
    };
    let plan = FindPlan::compile(
        &ctx.registry,
        &access,
        schema,
        &options,
        &Permission::Granted,
    )?;
    let skip = before.len();
    let mut statements = before;
    statements.extend(plan.statements());
    let results = ctx.store.batch(&statements).await?;
    let found = plan.respond(results.into_iter().skip(skip).collect());
    found["results"]
        .get(0)
        .cloned()
        .ok_or_else(ParseError::not_found)
}

fn with_token(mut user: Value, token: &str) -> Value {
    if let Some(o) = user.as_object_mut() {
        o.insert("sessionToken".into(), Value::from(token));
    }
    user
}

/// The signed-in client, or 209 when the request carried no valid session.
fn current_user<S: Store>(ctx: &Context<'_, S>) -> Result<(String, String)> {
    match &ctx.access {
        Access::Client(Principal {
            user_id: Some(user),
            session_id: Some(session),
            ..
        }) => Ok((user.clone(), session.clone())),
        _ => Err(invalid_token()),
    }
}

/// `GET /users/me`.
async fn me<S: Store>(ctx: &mut Context<'_, S>, request: &ParseRequest) -> Result<HttpResponse> {
    let (user, _) = current_user(ctx)?;
    let found = self_view(ctx, &user, vec![]).await?;
    Ok(HttpResponse::ok(&with_token(
        found,
        request.session_token.as_deref().unwrap_or_default(),
    )))
}

/// `POST /logout`: the session ends at once.
pub async fn logout<S: Store>(ctx: &mut Context<'_, S>) -> Result<HttpResponse> {
    let (_, session_id) = current_user(ctx)?;
    ctx.store.batch(&[session::revoke(&session_id)]).await?;
    Ok(HttpResponse::ok(&json!({})))
}

/// `GET /sessions/me`.
pub async fn session_me<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
) -> Result<HttpResponse> {
    let (_, session_id) = current_user(ctx)?;
    let found = ctx
        .objects()
        .get(
            "_Session",
            &session_id,
            &FindOptions {
                limit: 1,
                ..FindOptions::default()
            },
        )
        .await?;
    Ok(HttpResponse::ok(&with_token(
        found,
        request.session_token.as_deref().unwrap_or_default(),
    )))
}

/// `PUT /users/:id`: a new password is hashed, and ends every other session of the user.
async fn update<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
    id: &str,
) -> Result<HttpResponse> {
    let mut body = request.body.clone();
    validate_email(&body)?;
    let mut internal = Vec::new();
    let password = body.remove("password");
    if let Some(password) = &password {
        let password = password.as_str().filter(|p| !p.is_empty()).ok_or_else(|| {
            ParseError::new(Code::PasswordMissing, "password must be a non-empty string")
        })?;
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
    let mut plan = ctx
        .objects()
        .plan_update_with("_User", id, &body, internal)?;
    if password.is_some() {
        plan.guard_row_exists();
        let keep = ctx.access.clone();
        let current = match &keep {
            Access::Client(p) => p.session_id.clone(),
            Access::Master => None,
        };
        plan.statements
            .push(session::revoke_all(id, current.as_deref()));
    }
    let results = run_account_plan(ctx, &plan).await?;
    let outcome = plan.outcome(&results)?;
    ctx.outbox.push(plan.change(&results));
    Ok(render(&outcome, "_User", ""))
}

/// `DELETE /users/:id`: the account and every session of it, or nothing.
async fn delete<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
    id: &str,
) -> Result<HttpResponse> {
    let mut plan = ctx.objects().plan_delete("_User", id)?;
    plan.guard_row_exists();
    plan.statements.push(session::revoke_all(id, None));
    execute(ctx, &plan, request).await
}

fn mount_url<S: Store>(ctx: &Context<'_, S>, request: &ParseRequest) -> String {
    format!(
        "{}{}",
        request.origin,
        ctx.config.mount_path.trim_end_matches('/')
    )
}
