//! `RateLimiter`, the Durable Object that keeps the abuse counters (src/abuse) so they hold
//! across isolates, and `DurableLimiter`, which reaches it.
//!
//! Sharding: one object per limited key (`idFromName("login-ip:203.0.113.7")`,
//! `idFromName("login-account:user:<id>")`…). A key's counter then lives in exactly one place
//! and is updated by one thread, so counting needs no locks; keys never contend with each
//! other, so an attacker hammering one address or one account loads that key's object only,
//! not a shared one that every login of every user waits on (one object serves on the order of
//! a thousand requests a second); and the lockout can fail closed (see `abuse::guard`) because
//! an unreachable object then shuts out one account, not a bucket of unrelated ones. Objects are
//! created on first use, cost nothing while idle, and are placed near the first caller, which
//! for an address is near its client. Hash buckets would bound the number of objects, but
//! nothing needs bounding: an object whose entry has expired holds no storage at all.
//!
//! Storage: one entry per key (the ledger `Entry`), deleted by the object's alarm once it has
//! expired, so an object's storage is empty again at most one window (or lock) after its last
//! use, however many keys an attacker makes up.

use crate::abuse::ledger::{apply, Entry};
use crate::abuse::limiter::{Limiter, LimiterRequest, Unreachable};
use crate::abuse::verdict::Verdict;
use crate::platform::now_ms;
use futures::future::LocalBoxFuture;
use futures::lock::Mutex;
use worker::{
    durable_object, DurableObject, Env, Method, ObjectNamespace, Request, RequestInit, Response,
    Result, State,
};

#[durable_object]
pub struct RateLimiter {
    state: State,
    /// One call at a time. Input gates already keep other events out while storage is awaited;
    /// the lock makes the read-count-write of a call atomic without relying on that.
    turn: Mutex<()>,
}

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        RateLimiter {
            state,
            turn: Mutex::new(()),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if let Some(pong) = super::health::answer_ping(&req) {
            return pong;
        }
        let request: LimiterRequest = match req.json().await {
            Ok(request) => request,
            Err(e) => return Response::error(format!("bad limiter call: {e}"), 400),
        };
        let _turn = self.turn.lock().await;
        let storage = self.state.storage();
        let now = now_ms();
        let stored: Option<Entry> = storage.get(&request.key).await?;
        let (verdict, next) = apply(stored, &request.call, now);
        match next {
            Some(entry) if Some(entry) != stored => {
                storage.put(&request.key, entry).await?;
                // The alarm sweeps the entry once it has nothing left to say.
                let due = storage.get_alarm().await?;
                if due.is_none_or(|at| at > entry.expires_at_ms) {
                    storage
                        .set_alarm(super::alarm_at(entry.expires_at_ms))
                        .await?;
                }
            }
            None if stored.is_some() => {
                storage.delete(&request.key).await?;
            }
            _ => {}
        }
        Response::from_json(&verdict)
    }

    async fn alarm(&self) -> Result<Response> {
        let _turn = self.turn.lock().await;
        let storage = self.state.storage();
        let now = now_ms();
        let mut expired = Vec::new();
        let mut next: Option<i64> = None;
        for item in storage.list().await?.entries() {
            let Ok(pair) = item.map(|e| js_sys::Array::from(&e)) else {
                continue;
            };
            let key = pair.get(0).as_string().unwrap_or_default();
            match serde_wasm_bindgen::from_value::<Entry>(pair.get(1)) {
                Ok(entry) if entry.expires_at_ms > now => {
                    next = Some(next.map_or(entry.expires_at_ms, |n| n.min(entry.expires_at_ms)));
                }
                _ => expired.push(key),
            }
        }
        if !expired.is_empty() {
            storage.delete_multiple(expired).await?;
        }
        if let Some(at) = next {
            storage.set_alarm(super::alarm_at(at)).await?;
        }
        Response::ok("")
    }
}

/// Reaches the `RateLimiter` of each key through the `RATE_LIMITER` namespace.
pub struct DurableLimiter {
    pub namespace: ObjectNamespace,
}

impl Limiter for DurableLimiter {
    fn call<'a>(
        &'a self,
        key: &'a str,
        call: crate::abuse::ledger::LimitCall,
    ) -> LocalBoxFuture<'a, std::result::Result<Verdict, Unreachable>> {
        Box::pin(async move {
            let result = async {
                let body = serde_json::to_string(&LimiterRequest {
                    key: key.to_string(),
                    call,
                })
                .map_err(|e| worker::Error::RustError(e.to_string()))?;
                let mut init = RequestInit::new();
                init.with_method(Method::Post).with_body(Some(body.into()));
                // Stub requests need an absolute URL; the host is never resolved.
                let request = Request::new_with_init("https://rate-limiter/call", &init)?;
                let stub = self.namespace.id_from_name(key)?.get_stub()?;
                let mut response = stub.fetch_with_request(request).await?;
                if response.status_code() != 200 {
                    return Err(worker::Error::RustError(format!(
                        "status {}",
                        response.status_code()
                    )));
                }
                response.json::<Verdict>().await
            };
            result.await.map_err(|e| {
                // The kind of key only: the rest is an address or a user id.
                let kind = key.split(':').next().unwrap_or_default();
                worker::console_error!("rate limiter unreachable for a {kind} key: {e}");
                Unreachable(e.to_string())
            })
        })
    }
}
