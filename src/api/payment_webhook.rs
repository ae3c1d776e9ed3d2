//! `POST /webhooks/payment`: the payment provider confirms an order is paid. The body
//! `{orderId, status: "paid"}` must carry `X-Payment-Signature: sha256=<hex HMAC-SHA256 of the
//! raw body with PAYMENT_WEBHOOK_SECRET>`; no app id is needed, the signature is the credential.

use super::http::{HttpRequest, HttpResponse};
use crate::error::{Code, ParseError, Result};
use crate::service::{orders, Context};
use crate::store::Store;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

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
    if !signature_matches(secret, &http.body, signature) {
        return Err(ParseError::new(
            Code::Unauthorized,
            "unauthorized: bad payment signature",
        ));
    }
    let body: Map<String, Value> =
        serde_json::from_slice(&http.body).map_err(|_| ParseError::invalid_json())?;
    Ok(HttpResponse::ok(
        &orders::confirm_payment(ctx, &body).await?,
    ))
}

/// Compares the hex signature with the body's HMAC in constant time.
fn signature_matches(secret: &str, body: &[u8], signature_hex: &str) -> bool {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    let given: Option<Vec<u8>> = (0..signature_hex.len() / 2)
        .map(|i| {
            signature_hex
                .get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    match given {
        Some(bytes) if signature_hex.len() == 64 => mac.verify_slice(&bytes).is_ok(),
        _ => false,
    }
}
