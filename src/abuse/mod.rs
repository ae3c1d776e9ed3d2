//! Abuse limits (issue 7): failed logins locked out per account and throttled per client
//! address, sign-ups throttled per address, checkouts per buyer. A refused request answers HTTP
//! 429 with Parse's `{"code": 155, "error": …}` and a `Retry-After`.
//!
//! Everything here is portable: the counting rules (`window`, `rate_limit`, `lockout`), what one
//! key's limiter remembers and answers (`ledger`), how the API reaches it (`limiter`, with an
//! in-memory `LocalLimiter`), the client's key (`client_ip`), the configured limits (`limits`)
//! and the gates the handlers call (`guard`). At the edge, the `RateLimiter` Durable Object
//! (src/edge/rate_limiter.rs) keeps each key's ledger entry, so counts hold across isolates.

mod client_ip;
pub mod guard;
pub mod ledger;
pub mod limiter;
pub mod limits;
pub mod lockout;
pub mod rate_limit;
pub mod verdict;
mod window;
