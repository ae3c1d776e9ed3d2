//! Password reset, as Parse's: `POST /requestPasswordReset {email}` mails a link to a page
//! (`/apps/<appId>/request_password_reset?token=…`) whose form sets a new password. The token is
//! single use, expires (`PASSWORD_RESET_TOKEN_MINUTES`), is stored hashed, and the reset ends
//! every session of the user. An unknown email answers as a known one does
//! (`RESET_PASSWORD_SUCCESS_ON_INVALID_EMAIL`, on by default), so the form tells nobody who
//! has an account.

use super::account_links::{link, new_token, token_hash};
use super::context::Context;
use super::email_verification::{account_asked_for, mail_unavailable, requested_email};
use super::mail;
use super::password_policy;
use crate::auth::password::hash_password;
use crate::engine::account_tokens::{self, Account, TokenKind};
use crate::engine::sessions as session_rows;
use crate::error::{Code, ParseError, Result};
use crate::platform::iso_from_ms;
use crate::store::Store;
use serde_json::{Map, Value};

/// `POST /requestPasswordReset`.
pub async fn request<S: Store>(ctx: &mut Context<'_, S>, body: &Map<String, Value>) -> Result<()> {
    if !ctx.config.accounts.can_mail() {
        return Err(mail_unavailable());
    }
    let policy = &ctx.config.accounts;
    let Some(account) = account_asked_for(ctx, body).await? else {
        let email = requested_email(body)?;
        return if policy.reset_success_on_invalid_email {
            Ok(())
        } else {
            Err(ParseError::new(
                Code::EmailNotFound,
                format!("No user found with email {email}."),
            ))
        };
    };
    let (token, hash) = new_token()?;
    let expires = ctx.now_ms + policy.reset_token_ttl_ms;
    ctx.store
        .batch(&[account_tokens::set(
            TokenKind::ResetPassword,
            &account.object_id,
            &hash,
            expires,
        )])
        .await?;
    let message = mail::password_reset(
        &policy.app_name,
        &account.email,
        &link(ctx, "request_password_reset", &token),
        &mail::duration_words(policy.reset_token_ttl_ms),
    );
    ctx.mailer.send(message).await;
    Ok(())
}

/// The account a reset token would reset, while it is live; `None` for an unknown, used or
/// expired token.
pub async fn holder<S: Store>(ctx: &Context<'_, S>, token: &str) -> Result<Option<Account>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let rows = ctx
        .store
        .query(&account_tokens::peek(
            TokenKind::ResetPassword,
            &token_hash(token),
            ctx.now_ms,
        ))
        .await?;
    Ok(rows.first().map(Account::from_row))
}

/// What a reset form's submission came to.
#[derive(Debug, PartialEq)]
pub enum Reset {
    Done,
    /// The link is unknown, used or expired.
    LinkInvalid,
    /// The password breaks the policy: the form shows why and asks again.
    Refused(String),
}

/// Sets the new password with a live token, uses the token up, and ends every session.
pub async fn reset<S: Store>(
    ctx: &mut Context<'_, S>,
    token: &str,
    new_password: &str,
) -> Result<Reset> {
    let Some(account) = holder(ctx, token).await? else {
        return Ok(Reset::LinkInvalid);
    };
    let min = ctx.config.accounts.password_min_length;
    if let Err(e) = password_policy::check(new_password, Some(&account.username), min) {
        return Ok(Reset::Refused(e.message));
    }
    ctx.spend_password_hash()?;
    ctx.guard().password_check().await?;
    let hash = hash_password(new_password, ctx.config.pbkdf2_iterations)?;
    let now_iso = iso_from_ms(ctx.now_ms);
    let results = ctx
        .store
        .batch(&[
            account_tokens::reset_password(&token_hash(token), ctx.now_ms, &now_iso, &hash),
            session_rows::revoke_all(&account.object_id, None),
        ])
        .await?;
    // Another submission of the same link may have used it between the check and the write:
    // then this one changed nothing but sessions the other ended too.
    if results.first().is_some_and(|rows| rows.is_empty()) {
        return Ok(Reset::LinkInvalid);
    }
    Ok(Reset::Done)
}
