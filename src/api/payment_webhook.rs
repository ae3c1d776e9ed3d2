//! `POST /webhooks/payment`: the payment provider confirms an order is paid. The body
//! `{orderId, status: "paid", amount, currency}` (checked against the order) must carry `X-Payment-Signature: sha256=<hex HMAC-SHA256 of the
//! raw body with PAYMENT_WEBHOOK_SECRET>`; no app id is needed, the signature is the credential.

use super::http::{HttpRequest, HttpResponse};
use crate::auth::signature::hmac_sha256_hex_matches;
use crate::error::{Code, ParseError, Result};
use crate::service::{orders, Context};
use crate::store::Store;

pub async fn confirm<S: Store>(ctx: &Context<'_, S>, http: &HttpRequest) -> Result<HttpResponse> {
    let secret = ctx
        .config
        .payment_webhook_secret
        .as_deref()
        .ok_or_else(|| {
            ParseError::new(
                Code::CommandUnavailable,
                "The payment webhook is not configured.",
            )
        })?;
    let signature = http
        .header("x-payment-signature")
        .and_then(|s| s.strip_prefix("sha256="))
        .unwrap_or_default();
    if !hmac_sha256_hex_matches(secret, &http.body, signature) {
        return Err(ParseError::new(
            Code::Unauthorized,
            "unauthorized: bad payment signature",
        ));
    }
    // Strict as every body is: with a key named twice, which order would it be?
    let body = super::request::parse_body(&http.body)?;
    Ok(HttpResponse::ok(
        &orders::confirm_payment(ctx, &body).await?,
    ))
}
