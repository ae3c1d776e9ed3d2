//! The only code that touches the `worker` crate: the fetch handler and the D1 adapter. It turns
//! a Worker request into an `HttpRequest`, runs the portable router, and turns the answer back.

mod d1;
mod hub;

use crate::api::app::{Config, Outbox, SchemaCache};
use crate::api::http::{HttpRequest, HttpResponse};
use crate::api::router;
use crate::marketplace::hub::{HubClient, LocalHub};
use d1::D1Store;
use hub::DurableHubs;
use worker::{event, Context, Env, Headers, Request, Response, Result};

thread_local! {
    /// The schema registry outlives requests within an isolate (see `SchemaCache`).
    static SCHEMA_CACHE: &'static SchemaCache = Box::leak(Box::new(SchemaCache::default()));
}

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let config = Config::from_vars(|name| {
        env.var(name).map(|v| v.to_string()).ok().or_else(|| env.secret(name).map(|v| v.to_string()).ok())
    });
    let http = to_http(req).await?;
    let store = D1Store { db: env.d1("DB")? };
    let cache = SCHEMA_CACHE.with(|c| *c);
    let durable = env.durable_object("ARTISAN_HUB").ok().map(|namespace| DurableHubs { namespace });
    let local = LocalHub { store: &store };
    let hubs: &dyn HubClient = match &durable {
        Some(durable) => durable,
        None => &local,
    };
    let outbox = Outbox::default();
    let services = router::Services { store: &store, config: &config, cache, hubs, outbox: &outbox };
    let response = router::handle(&services, &http).await;
    to_worker(response)
}

async fn to_http(mut req: Request) -> Result<HttpRequest> {
    let url = req.url()?;
    let headers = req.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
    let body = match req.method() {
        worker::Method::Get | worker::Method::Head | worker::Method::Options => Vec::new(),
        _ => req.bytes().await.unwrap_or_default(),
    };
    Ok(HttpRequest {
        method: req.method().to_string(),
        path: url.path().to_string(),
        query: url.query().unwrap_or_default().to_string(),
        headers,
        body,
        origin: url.origin().ascii_serialization(),
    })
}

fn to_worker(response: HttpResponse) -> Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    Ok(Response::from_bytes(response.body)?.with_status(response.status).with_headers(headers))
}
