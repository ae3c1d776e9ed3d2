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

/// `POST /dev/pay {orderId}`, only where `DEV_TEST_PAYMENTS` is on (make dev): a signed-in buyer
/// pays its own order as a payment provider would, through the signed webhook above, so an
/// artisan can ship in a local demo. The order is read as the caller reads it (101 when hidden);
/// its total and the shop's currency are what the webhook is told.
pub async fn test_payment<S: Store>(
    ctx: &Context<'_, S>,
    body: &serde_json::Map<String, serde_json::Value>,
) -> Result<HttpResponse> {
    let me = ctx
        .access
        .user_id()
        .ok_or_else(|| ParseError::new(Code::SessionMissing, "You must be signed in to pay."))?
        .to_string();
    let order_id = body
        .get("orderId")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| ParseError::new(Code::ValidationError, "orderId is required"))?;
    let order = orders::read_as_caller(ctx, order_id).await?;
    if order
        .pointer("/buyer/objectId")
        .and_then(serde_json::Value::as_str)
        != Some(me.as_str())
    {
        return Err(ParseError::forbidden("Only the buyer pays an order."));
    }
    let raw = serde_json::json!({
        "orderId": order_id,
        "status": "paid",
        "amount": order.get("totalAmount").cloned().unwrap_or_default(),
        "currency": ctx.config.currency,
    })
    .to_string();
    let secret = ctx
        .config
        .payment_webhook_secret
        .as_deref()
        .unwrap_or_default();
    let signature = crate::auth::signature::hmac_sha256_header(secret, raw.as_bytes())
        .ok_or_else(|| ParseError::internal("the webhook secret cannot key an HMAC"))?;
    let call = HttpRequest {
        method: "POST".into(),
        path: format!("{}/webhooks/payment", ctx.config.mount_path),
        query: String::new(),
        headers: vec![("x-payment-signature".into(), signature)],
        body: raw.into_bytes(),
        origin: String::new(),
    };
    confirm(ctx, &call).await
}
