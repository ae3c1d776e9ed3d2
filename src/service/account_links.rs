//! The links the account flows mail: a fresh random token, kept only as its SHA-256, in a URL of
//! the server's public address (`PUBLIC_URL`, else the address the client called, which the
//! protocol puts in `Client::base_url`).

use super::context::Context;
use crate::error::Result;
use crate::store::Store;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new token (40 random letters and digits, about 238 bits) and its hash.
pub fn new_token() -> Result<(String, String)> {
    let token = crate::platform::random_alphanumeric(40)?;
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// `<public base>/apps/<appId>/<page>?token=<token>`: the page a mailed link opens.
pub fn link<S: Store>(ctx: &Context<'_, S>, page: &str, token: &str) -> String {
    let base = ctx
        .client
        .base_url
        .clone()
        .unwrap_or_else(|| ctx.config.public_base(""));
    format!(
        "{base}/apps/{}/{page}?token={}",
        utf8_percent_encode(&ctx.config.app_id, NON_ALPHANUMERIC),
        utf8_percent_encode(token, NON_ALPHANUMERIC),
    )
}
