//! Email verification, as Parse's `verifyUserEmails`: sign-up with an email, and a change of
//! email, send a link (`/apps/<appId>/verify_email?token=…`); opening it sets `emailVerified`.
//! `POST /verificationEmailRequest` sends a new link, and answers the same whether or not an
//! account has that email (Parse's `emailVerifySuccessOnInvalidEmail`).

use super::account_links::{link, new_token, token_hash};
use super::context::Context;
use super::mail::{self, Message};
use crate::engine::account_tokens::{self, Account, TokenKind};
use crate::error::{Code, ParseError, Result};
use crate::platform::iso_from_ms;
use crate::store::{Statement, Store};
use serde_json::{Map, Value};

/// A new verification token for `user_id`: the statement that stores it (to run with the write
/// that set the email) and the message to send once it committed.
pub fn issue<S: Store>(
    ctx: &Context<'_, S>,
    user_id: &str,
    email: &str,
) -> Result<(Statement, Message)> {
    let policy = &ctx.config.accounts;
    let (token, hash) = new_token()?;
    let store = account_tokens::set(
        TokenKind::VerifyEmail,
        user_id,
        &hash,
        ctx.now_ms + policy.verify_token_ttl_ms,
    );
    let message = mail::verification(
        &policy.app_name,
        email,
        &link(ctx, "verify_email", &token),
        &mail::duration_words(policy.verify_token_ttl_ms),
    );
    Ok((store, message))
}

/// `POST /verificationEmailRequest {email}`: a new link for an unverified account with that
/// email; nothing for an unknown or verified one, with the same answer.
pub async fn request_again<S: Store>(
    ctx: &mut Context<'_, S>,
    body: &Map<String, Value>,
) -> Result<()> {
    if !ctx.config.accounts.verifies_emails() {
        return Err(mail_unavailable());
    }
    let Some(account) = account_asked_for(ctx, body).await? else {
        return Ok(());
    };
    if account.email_verified {
        return Ok(());
    }
    let (store, message) = issue(ctx, &account.object_id, &account.email)?;
    ctx.store.batch(&[store]).await?;
    ctx.mailer.send(message).await;
    Ok(())
}

/// Opens a verification link: true when it verified an email, false for an unknown, used or
/// expired token (the page says the link no longer works).
pub async fn verify<S: Store>(ctx: &Context<'_, S>, token: &str) -> Result<bool> {
    if token.is_empty() || token.len() > 128 {
        return Ok(false);
    }
    let statement =
        account_tokens::verify_email(&token_hash(token), ctx.now_ms, &iso_from_ms(ctx.now_ms));
    let results = ctx.store.batch(&[statement]).await?;
    Ok(results.first().is_some_and(|rows| !rows.is_empty()))
}

/// The account a mail request names by `email`, after the request passed the mail limits
/// (counted whether or not the email has an account); `None` when no account has it.
pub async fn account_asked_for<S: Store>(
    ctx: &mut Context<'_, S>,
    body: &Map<String, Value>,
) -> Result<Option<Account>> {
    let email = requested_email(body)?;
    ctx.guard()
        .account_mail(&crate::engine::account_names::key(email))
        .await?;
    let rows = ctx.store.query(&account_tokens::by_email(email)).await?;
    Ok(rows.first().map(Account::from_row))
}

/// The `email` a mail request names: 204 when missing, 125 when it is not text.
pub fn requested_email(body: &Map<String, Value>) -> Result<&str> {
    match body.get("email") {
        Some(Value::String(e)) if !e.trim().is_empty() && e.len() <= 254 => Ok(e),
        None | Some(Value::Null) => Err(ParseError::new(
            Code::EmailMissing,
            "you must provide an email",
        )),
        Some(Value::String(e)) if e.trim().is_empty() => Err(ParseError::new(
            Code::EmailMissing,
            "you must provide an email",
        )),
        _ => Err(ParseError::new(
            Code::InvalidEmailAddress,
            "Email address format is invalid.",
        )),
    }
}

/// What a mail flow answers when no mail adapter is configured.
pub fn mail_unavailable() -> ParseError {
    ParseError::new(
        Code::CommandUnavailable,
        "Emails are not configured on this server: ask an administrator to reset your password or verify your email.",
    )
}
