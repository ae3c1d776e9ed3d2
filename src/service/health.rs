//! The health check: whether the worker can reach what it depends on — D1, and each Durable Object
//! namespace — so a load balancer or an operator sees a broken binding before users do. It
//! answers 200 when every check passes and 503 naming the failed ones, with no error text from
//! below (that could carry internals); details go to the worker's own log at the edge.

use crate::platform::now_ms;
use crate::store::{Statement, Store};
use futures::future::{join_all, LocalBoxFuture};
use serde_json::{json, Map, Value};

/// Why a Durable Object namespace failed its ping, in words safe to show anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingFailure {
    /// The binding is missing from the worker's environment.
    Unbound,
    /// The object could not be reached, or its answer never came.
    Unreachable,
    /// It answered too late.
    Timeout,
    /// It answered, with this HTTP status instead of 200.
    BadAnswer(u16),
}

impl PingFailure {
    fn describe(self) -> String {
        match self {
            PingFailure::Unbound => "binding missing".into(),
            PingFailure::Unreachable => "unreachable".into(),
            PingFailure::Timeout => "timed out".into(),
            PingFailure::BadAnswer(status) => format!("answered HTTP {status}"),
        }
    }
}

/// How the health check reaches the Durable Object namespaces. The edge pings a fixed-name
/// instance of each with a request that touches no storage; natively there are none.
pub trait DurableObjectPinger {
    /// The bindings checked, as named in `wrangler.toml` (e.g. `ARTISAN_HUB`).
    fn bindings(&self) -> Vec<&'static str>;
    fn ping<'a>(&'a self, binding: &'a str) -> LocalBoxFuture<'a, Result<(), PingFailure>>;
}

/// For native runs, where hubs run in place: nothing to ping.
#[cfg(test)]
pub struct NoDurableObjects;

#[cfg(test)]
impl DurableObjectPinger for NoDurableObjects {
    fn bindings(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn ping<'a>(&'a self, _binding: &'a str) -> LocalBoxFuture<'a, Result<(), PingFailure>> {
        Box::pin(async { Err(PingFailure::Unbound) })
    }
}

/// What the health check found: whether everything answered, and the report to show.
pub struct Health {
    pub healthy: bool,
    pub report: Value,
}

/// Runs every check at once.
pub async fn check<S: Store>(store: &S, pinger: &dyn DurableObjectPinger) -> Health {
    let database = timed(async {
        store
            .query(&Statement::ping())
            .await
            .map(|_| ())
            // The store's message may quote SQL or the driver: it is not for the public.
            .map_err(|_| "query failed".to_string())
    });
    let bindings = pinger.bindings();
    let pings = join_all(bindings.iter().map(|binding| {
        timed(async move { pinger.ping(binding).await.map_err(PingFailure::describe) })
    }));
    let (database, pings) = futures::join!(database, pings);
    let mut healthy = database.is_ok();
    let mut durable_objects = Map::new();
    for (binding, result) in bindings.iter().zip(pings) {
        healthy &= result.is_ok();
        durable_objects.insert(binding.to_string(), result.into_json());
    }
    let report = json!({
        "status": if healthy { "ok" } else { "error" },
        "checks": {
            "database": database.into_json(),
            "durableObjects": durable_objects,
        },
    });
    Health { healthy, report }
}

struct Checked {
    outcome: Result<(), String>,
    latency_ms: i64,
}

impl Checked {
    fn is_ok(&self) -> bool {
        self.outcome.is_ok()
    }

    fn into_json(self) -> Value {
        match self.outcome {
            Ok(()) => json!({"status": "ok", "latencyMs": self.latency_ms}),
            Err(error) => json!({"status": "error", "error": error, "latencyMs": self.latency_ms}),
        }
    }
}

async fn timed(check: impl std::future::Future<Output = Result<(), String>>) -> Checked {
    let started = now_ms();
    let outcome = check.await;
    Checked {
        outcome,
        latency_ms: now_ms() - started,
    }
}
