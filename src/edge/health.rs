//! The health check's reach into the Durable Object namespaces: a `GET /ping` to a fixed-name
//! instance of each, which answers before any of the hub's own logic runs and touches no
//! storage. A dedicated instance (not the global live hub, not an artisan's) keeps frequent
//! probes from queueing behind real work.

use crate::service::health::{DurableObjectPinger, PingFailure};
use futures::future::{select, Either, LocalBoxFuture};
use std::time::Duration;
use worker::{Delay, Env, Request, Response, Result};

/// The path a hub answers pings on.
pub const PING_PATH: &str = "/ping";
/// The instance pinged in each namespace: an artisan id can never be this (ids are alphanumeric).
const HEALTH_INSTANCE: &str = "_health";
/// A ping slower than this counts as a failure: a load balancer must not hang on us.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// The bindings checked, as `wrangler.toml` names them.
const BINDINGS: [&str; 3] = ["ARTISAN_HUB", "LIVE_HUB", "RATE_LIMITER"];

/// The answer of a hub to a ping, when `req` is one (a WebSocket upgrade never is, whatever
/// its path: a client's socket must reach the hub's live logic).
pub fn answer_ping(req: &Request) -> Option<Result<Response>> {
    let upgrade = req.headers().get("upgrade").ok().flatten();
    (req.path() == PING_PATH && upgrade.is_none()).then(|| Response::ok("pong"))
}

pub struct DurablePinger<'a> {
    pub env: &'a Env,
}

impl DurableObjectPinger for DurablePinger<'_> {
    fn bindings(&self) -> Vec<&'static str> {
        BINDINGS.to_vec()
    }

    fn ping<'a>(&'a self, binding: &'a str) -> LocalBoxFuture<'a, Result<(), PingFailure>> {
        Box::pin(async move {
            let stub = self
                .env
                .durable_object(binding)
                .map_err(|_| PingFailure::Unbound)?
                .id_from_name(HEALTH_INSTANCE)
                .and_then(|id| id.get_stub())
                .map_err(|e| unreachable(binding, e))?;
            // Stub requests need an absolute URL; the host is never resolved.
            let request = Request::new(&format!("https://health{PING_PATH}"), worker::Method::Get)
                .map_err(|e| unreachable(binding, e))?;
            let fetch = Box::pin(stub.fetch_with_request(request));
            let timeout = Box::pin(Delay::from(PING_TIMEOUT));
            let outcome = match select(fetch, timeout).await {
                Either::Left((Ok(response), _)) if response.status_code() == 200 => Ok(()),
                Either::Left((Ok(response), _)) => {
                    Err(PingFailure::BadAnswer(response.status_code()))
                }
                Either::Left((Err(e), _)) => Err(unreachable(binding, e)),
                Either::Right(_) => Err(PingFailure::Timeout),
            };
            outcome
        })
    }
}

/// The detail goes to the operator's log; the health answer only says "unreachable".
fn unreachable(binding: &str, error: worker::Error) -> PingFailure {
    worker::console_error!("health: {binding} did not answer its ping: {error}");
    PingFailure::Unreachable
}
