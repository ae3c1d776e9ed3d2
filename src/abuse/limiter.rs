//! How the API reaches the limiter of a key. At the edge it is the `RateLimiter` Durable Object
//! of that key (src/edge/rate_limiter.rs); natively, in tests, and in a worker deployed without
//! the binding, `LocalLimiter` keeps the entries in memory.

use super::ledger::{apply, Entry, LimitCall};
use super::verdict::Verdict;
use crate::platform::now_ms;
use futures::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// A call on the wire: the key it concerns and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimiterRequest {
    pub key: String,
    pub call: LimitCall,
}

/// The limiter could not answer (unreachable, overloaded, a bad reply); what that means for the
/// request is the caller's decision (see `guard`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable(pub String);

pub trait Limiter {
    fn call<'a>(
        &'a self,
        key: &'a str,
        call: LimitCall,
    ) -> LocalBoxFuture<'a, Result<Verdict, Unreachable>>;
}

/// Entries in memory: exact within one process (native tests, one isolate), shared with nobody.
#[derive(Default)]
pub struct LocalLimiter {
    entries: RefCell<HashMap<String, Entry>>,
    /// Tests set the time; otherwise the wall clock.
    fixed_now_ms: Cell<Option<i64>>,
}

impl LocalLimiter {
    /// Beyond this many keys, expired entries are swept on the next write, so memory follows the
    /// keys in use rather than every key ever seen.
    const SWEEP_ABOVE: usize = 10_000;

    /// Fixes the limiter's clock at `ms` (tests).
    #[cfg(test)]
    pub fn set_now(&self, ms: i64) {
        self.fixed_now_ms.set(Some(ms));
    }

    fn now(&self) -> i64 {
        self.fixed_now_ms.get().unwrap_or_else(now_ms)
    }

    /// Keys with an entry (tests look at what is remembered).
    #[cfg(test)]
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.entries.borrow().keys().cloned().collect();
        keys.sort();
        keys
    }
}

impl Limiter for LocalLimiter {
    fn call<'a>(
        &'a self,
        key: &'a str,
        call: LimitCall,
    ) -> LocalBoxFuture<'a, Result<Verdict, Unreachable>> {
        let now = self.now();
        let mut entries = self.entries.borrow_mut();
        let (verdict, next) = apply(entries.get(key).copied(), &call, now);
        match next {
            Some(entry) => {
                if entries.len() > Self::SWEEP_ABOVE {
                    entries.retain(|_, e| e.expires_at_ms > now);
                }
                entries.insert(key.to_string(), entry);
            }
            None => {
                entries.remove(key);
            }
        }
        Box::pin(async move { Ok(verdict) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abuse::rate_limit::RateLimit;
    use futures::executor::block_on;

    #[test]
    fn keys_are_counted_apart_and_forgotten_when_their_window_closes() {
        let limiter = LocalLimiter::default();
        limiter.set_now(1_000);
        let hit = LimitCall::Hit {
            limit: RateLimit {
                max: 1,
                window_ms: 10,
            },
        };
        assert!(block_on(limiter.call("a", hit)).unwrap().allowed);
        assert!(!block_on(limiter.call("a", hit)).unwrap().allowed);
        assert!(block_on(limiter.call("b", hit)).unwrap().allowed);
        assert_eq!(limiter.keys(), ["a", "b"]);
        limiter.set_now(1_010);
        assert!(block_on(limiter.call("a", hit)).unwrap().allowed);
        let check = LimitCall::Check {
            limit: RateLimit {
                max: 1,
                window_ms: 10,
            },
        };
        limiter.set_now(1_020);
        block_on(limiter.call("a", check)).unwrap();
        block_on(limiter.call("b", check)).unwrap();
        assert!(limiter.keys().is_empty());
    }
}
