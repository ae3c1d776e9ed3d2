//! The only code that touches the `worker` crate: the fetch handler, the D1 adapter and the
//! Durable Objects. It turns a Worker request into an `HttpRequest`, runs the portable router,
//! turns the answer back, and publishes what the request committed to the live hubs.

mod d1;
mod health;
mod hub;
mod live;
mod live_hub;
mod mail_api;
mod r2;
mod rate_limiter;

use crate::abuse::limiter::{Limiter, LocalLimiter};
use crate::api::http::{HttpRequest, HttpResponse};
use crate::api::request_log;
use crate::api::router;
use crate::engine::change::Change;
use crate::marketplace::hub::{HubClient, LocalHub};
use crate::service::account_policy::MailAdapter;
use crate::service::dev_mailbox::DevMailbox;
use crate::service::mail::{Mailer, NoMail};
use crate::service::outbox::Outbox;
use crate::service::schema_cache::SchemaCache;
use crate::service::{Config, Services};
use crate::store::Counted;
use d1::D1Store;
use hub::DurableHubs;
use mail_api::MailApi;
use r2::R2Files;
use rate_limiter::DurableLimiter;
use worker::{event, web_sys, Context, Env, Method, Request, RequestInit, Response, Result};

thread_local! {
    /// The schema registry outlives requests within an isolate (see `SchemaCache`).
    static SCHEMA_CACHE: &'static SchemaCache = Box::leak(Box::new(SchemaCache::default()));
}

pub(crate) fn schema_cache() -> &'static SchemaCache {
    SCHEMA_CACHE.with(|c| *c)
}

thread_local! {
    /// Counters for a worker deployed without the `RATE_LIMITER` binding: per isolate only, but
    /// better than no limits at all.
    static ISOLATE_LIMITER: &'static LocalLimiter = Box::leak(Box::new(LocalLimiter::default()));
}

thread_local! {
    /// Vars and secrets cannot change within an isolate (a change deploys a new one), so they
    /// are read once instead of a dozen JS calls per request, and lent, never copied.
    static CONFIG: std::cell::OnceCell<&'static Config> = const { std::cell::OnceCell::new() };
}

pub(crate) fn config(env: &Env) -> &'static Config {
    CONFIG.with(|cell| {
        *cell.get_or_init(|| {
            Box::leak(Box::new(Config::from_vars(|name| {
                env.var(name)
                    .map(|v| v.to_string())
                    .ok()
                    .or_else(|| env.secret(name).map(|v| v.to_string()).ok())
            })))
        })
    })
}

/// The alarm time for a timestamp. `set_alarm` takes a bare `i64` as an offset from now, not
/// as a time: passing a timestamp would set the alarm decades ahead and nothing would ever be
/// swept.
pub(crate) fn alarm_at(timestamp_ms: i64) -> worker::ScheduledTime {
    worker::ScheduledTime::new(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        timestamp_ms as f64,
    )))
}

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, ctx: Context) -> Result<web_sys::Response> {
    // The raw request, not `worker::Request`: converting to it reads the `cf` object and the
    // URL for every request, which showed up in browse profiles; routing needs neither.
    let config = config(&env);
    let http = to_http(&req, config).await?;
    if http
        .header("upgrade")
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
    {
        return live_upgrade(Request::from(req), &env, config)
            .await
            .map(Into::into);
    }
    let started = crate::platform::now_ms();
    // Files are immutable: deployed, the colo's cache answers them (ranges and revalidations
    // included) without reaching the worker's storage at all.
    let cacheable = config.files.edge_cache
        && crate::api::request::is_file_download(&http.method, &http.path, &config.mount_path)
        && http.header("authorization").is_none();
    if cacheable {
        if let Ok(Some(hit)) = worker::Cache::default()
            .get(&Request::from(Clone::clone(&req)), false)
            .await
        {
            return Ok(hit.into());
        }
    }
    let store = Counted::new(D1Store { db: env.d1("DB")? });
    let files = R2Files {
        bucket: env.bucket("FILES").ok(),
        evict_prefix: config.files.edge_cache.then(|| {
            crate::service::files::url_prefix(&config.public_base(&http.origin), &config.app_id)
        }),
    };
    let durable = env
        .durable_object("ARTISAN_HUB")
        .ok()
        .map(|namespace| DurableHubs { namespace });
    let local = LocalHub {
        store: &store.inner,
    };
    let hubs: &dyn HubClient = match &durable {
        Some(durable) => durable,
        None => &local,
    };
    let durable_limiter = env
        .durable_object("RATE_LIMITER")
        .ok()
        .map(|namespace| DurableLimiter { namespace });
    let limiter: &dyn Limiter = match &durable_limiter {
        Some(durable) => durable,
        None => ISOLATE_LIMITER.with(|l| *l),
    };
    let outbox = Outbox::default();
    let mail_api = match &config.accounts.mail {
        MailAdapter::HttpApi { url, key, from } => Some(MailApi::new(url, key, from)),
        _ => None,
    };
    let dev_mailbox = DevMailbox {
        store: &store.inner,
        now_ms: started,
    };
    let mailer: &dyn Mailer = match (&config.accounts.mail, &mail_api) {
        (_, Some(api)) => api,
        (MailAdapter::DevOutbox, _) => &dev_mailbox,
        _ => &NoMail,
    };
    let services = Services {
        store: &store,
        config,
        schema_cache: schema_cache(),
        hubs,
        outbox: &outbox,
        limiter,
        durable_objects: &health::DurablePinger { env: &env },
        mailer,
        bucket: &files,
    };
    let (response, facts) = router::handle_logged(&services, &http).await;
    if let Some(api) = &mail_api {
        ctx.wait_until(api.deliver_queued());
    }
    if outbox.take_file_sweep() && file_sweep_due() {
        ctx.wait_until(sweep_files(env.clone()));
    }
    let (changes, from_hubs) = outbox.take_split();
    if !changes.is_empty() {
        // After commit, never before; the response does not wait for subscribers.
        ctx.wait_until(publish(env, changes, from_hubs));
    }
    let latency_ms = crate::platform::now_ms() - started;
    if let Some(line) = request_log::line(config.request_log, &http, &response, &facts, latency_ms)
    {
        worker::console_log!("{line}");
    }
    let mut response = response;
    if config.bench_mode {
        // D1 round trips of this request (hub calls make their own, not counted here).
        response = response.with_header("x-d1-round-trips", &store.round_trips.get().to_string());
    }
    let cache_copy = cacheable && response.status == 200;
    let response = to_web(response)?;
    if cache_copy {
        if let Ok(copy) = response.clone() {
            let url = req.url();
            ctx.wait_until(async move {
                let _ = worker::Cache::default().put(url, copy.into()).await;
            });
        }
    }
    Ok(response)
}

thread_local! {
    /// When this isolate last swept expired uploads (see `service::files::sweep`).
    static LAST_FILE_SWEEP: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

/// Uploads sweep at most once a minute per isolate: under a stream of uploads one sweep in a
/// minute deletes up to `SWEEP_LIMIT` expired files, more than one user may upload.
fn file_sweep_due() -> bool {
    let now = crate::platform::now_ms();
    LAST_FILE_SWEEP.with(|last| {
        let due = now - last.get() >= 60_000;
        if due {
            last.set(now);
        }
        due
    })
}

/// Deletes expired uploads and retries failed deletes (after an upload, and on the cron).
async fn sweep_files(env: Env) {
    let config = config(&env);
    let Ok(db) = env.d1("DB") else {
        return;
    };
    let files = R2Files {
        bucket: env.bucket("FILES").ok(),
        evict_prefix: None,
    };
    let now = crate::platform::now_ms();
    match crate::service::files::cleanup::sweep(&D1Store { db }, &files, &config.files, now).await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("files: swept {n} files nothing references"),
        Err(e) => worker::console_error!("files: the sweep failed: {}", e.message),
    }
}

#[event(scheduled)]
async fn scheduled(_event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    sweep_files(env).await;
}

/// Live connections: `<mount>/live/artisans/:id` joins that artisan's hub (its dashboard);
/// anything else under the mount path, or `/`, joins the global live hub.
async fn live_upgrade(req: Request, env: &Env, config: &Config) -> Result<Response> {
    let path = req.path();
    let mount = config.mount_path.trim_end_matches('/');
    let artisan = path
        .strip_prefix(&format!("{mount}/live/artisans/"))
        .map(|id| id.trim_end_matches('/').to_string());
    let stub = match artisan {
        // Only real artisans have hubs: a made-up id must not create a Durable Object.
        Some(id) if artisan_exists(env, &id).await? => env
            .durable_object("ARTISAN_HUB")?
            .id_from_name(&id)?
            .get_stub()?,
        Some(_) => return Response::error("unknown artisan", 404),
        None if path == "/" || path == mount || path.starts_with(&format!("{mount}/")) => env
            .durable_object("LIVE_HUB")?
            .id_from_name(live_hub::GLOBAL)?
            .get_stub()?,
        None => return Response::error("not found", 404),
    };
    stub.fetch_with_request(req).await
}

async fn artisan_exists(env: &Env, id: &str) -> Result<bool> {
    if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(false);
    }
    let store = D1Store { db: env.d1("DB")? };
    Ok(crate::engine::objects::exists(&store, "Artisan", id)
        .await
        .unwrap_or(false))
}

async fn publish(env: Env, changes: Vec<Change>, from_hubs: Vec<bool>) {
    let post = |changes: Vec<&Change>| -> Result<Request> {
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(
            serde_json::to_string(&changes).unwrap_or_default().into(),
        ));
        Request::new_with_init("https://live/publish", &init)
    };
    if let Ok(stub) = env
        .durable_object("LIVE_HUB")
        .and_then(|ns| ns.id_from_name(live_hub::GLOBAL)?.get_stub())
    {
        if let Ok(request) = post(changes.iter().collect()) {
            if let Err(e) = stub.fetch_with_request(request).await {
                worker::console_error!(
                    "publish: the global live hub did not take the changes: {e}"
                );
            }
        }
    }
    let mut artisans: Vec<&str> = changes
        .iter()
        .zip(&from_hubs)
        .filter(|(_, h)| !**h)
        .filter_map(|(c, _)| c.artisan())
        .collect();
    artisans.dedup();
    for artisan in artisans {
        let theirs: Vec<&Change> = changes
            .iter()
            .zip(&from_hubs)
            .filter(|(c, h)| !**h && c.artisan() == Some(artisan))
            .map(|(c, _)| c)
            .collect();
        let Ok(stub) = env
            .durable_object("ARTISAN_HUB")
            .and_then(|ns| ns.id_from_name(artisan)?.get_stub())
        else {
            continue;
        };
        if let Ok(request) = post(theirs) {
            if let Err(e) = stub.fetch_with_request(request).await {
                worker::console_error!("publish: an artisan hub did not take the changes: {e}");
            }
        }
    }
}

/// The request as plain values, in a handful of JS calls: the headers cross as one JSON text
/// rather than one call per header.
async fn to_http(req: &web_sys::Request, config: &Config) -> Result<HttpRequest> {
    let url = req.url();
    let (origin, path, query) = HttpRequest::split_url(&url);
    let method = req.method();
    let max_body_bytes = if crate::api::request::is_file_upload(&method, path, &config.mount_path) {
        config.files.max_body_bytes()
    } else {
        config.max_body_bytes
    };
    let headers = js_sys::Object::from_entries(&req.headers())?;
    let headers: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&String::from(js_sys::JSON::stringify(&headers)?))
            .map_err(|e| worker::Error::RustError(format!("unreadable headers: {e}")))?;
    let body = match method.as_str() {
        "GET" | "HEAD" | "OPTIONS" => Vec::new(),
        _ => read_body(req, headers.get("content-length"), max_body_bytes).await,
    };
    Ok(HttpRequest {
        method,
        path: path.to_string(),
        query: query.to_string(),
        // Header names come lower-cased from the runtime's Headers.
        headers: headers.into_iter().collect(),
        body,
        origin: origin.to_string(),
    })
}

/// The body, read no further than `max` bytes: a `Content-Length` over it is not read at all,
/// and a body that runs past it (chunked, or longer than it said) stops being read there. Either
/// comes back as `max + 1` bytes, which the router answers with 413 (code 116) like any body
/// over the limit, so no client makes the isolate buffer more than the limit.
async fn read_body(req: &web_sys::Request, declared: Option<&String>, max: usize) -> Vec<u8> {
    use wasm_bindgen::JsCast;
    let too_large = || vec![0; max + 1];
    if declared
        .and_then(|n| n.trim().parse::<u64>().ok())
        .is_some_and(|n| n > max as u64)
    {
        return too_large();
    }
    let Some(stream) = req.body() else {
        return Vec::new();
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let Ok(chunk) = js_sys::futures::JsFuture::from(reader.read()).await else {
            return body;
        };
        let field = |name: &str| js_sys::Reflect::get(&chunk, &name.into()).ok();
        if field("done").and_then(|d| d.as_bool()).unwrap_or(true) {
            return body;
        }
        let Some(value) = field("value") else {
            return body;
        };
        let bytes = js_sys::Uint8Array::new(&value);
        if body.len() + bytes.length() as usize > max {
            // The rest is never read; the runtime drops it with the request.
            let _ = reader.cancel();
            return too_large();
        }
        body.extend(bytes.to_vec());
    }
}

/// The response as a runtime Response: the headers cross as one JSON text of name/value pairs.
fn to_web(response: HttpResponse) -> Result<web_sys::Response> {
    let init = web_sys::ResponseInit::new();
    init.set_status(response.status);
    let headers = serde_json::to_string(&response.headers)
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    init.set_headers(&js_sys::JSON::parse(&headers)?);
    if let Some(stream) = response
        .stream
        .as_ref()
        .and_then(|s| s.0.downcast_ref::<web_sys::ReadableStream>())
    {
        return Ok(web_sys::Response::new_with_opt_readable_stream_and_init(
            Some(stream),
            &init,
        )?);
    }
    let mut body = response.body;
    // A 304 (or a HEAD's answer) has no body: the runtime refuses one, even empty.
    if body.is_empty() {
        return Ok(web_sys::Response::new_with_opt_u8_array_and_init(
            None, &init,
        )?);
    }
    Ok(web_sys::Response::new_with_opt_u8_array_and_init(
        Some(&mut body),
        &init,
    )?)
}
