//! Routing: HTTP in, HTTP out. Every failure becomes a Parse error response here; nothing below
//! answers 5xx for a client's mistake.

use super::app::{Config, Context, Outbox, SchemaCache};
use super::health::{self, DurableObjectPinger};
use super::http::{add_cors, HttpRequest, HttpResponse};
use super::openapi::{self, Audience};
use super::request::{decode, ParseRequest};
use super::routes::{self, Endpoint, Matched};
use super::{batch, classes, orders, schemas, users};
use crate::abuse::limiter::Limiter;
use crate::auth::session;
use crate::auth::token::TokenKey;
use crate::engine::access::Access;
use crate::error::{Code, ParseError, Result};
use crate::marketplace::hub::HubClient;
use crate::platform::now_ms;
use crate::store::Store;
use serde_json::json;
use subtle::ConstantTimeEq;

/// Everything `handle` needs besides the request; the edge builds one per request.
pub struct Services<'a, S: Store> {
    pub store: &'a S,
    pub config: &'a Config,
    pub cache: &'a SchemaCache,
    pub hubs: &'a dyn HubClient,
    /// Receives the changes the request committed, for the live hubs.
    pub outbox: &'a Outbox,
    /// The abuse limiters.
    pub limiter: &'a dyn Limiter,
    /// Reaches the Durable Object namespaces for `/health`.
    pub durable_objects: &'a dyn DurableObjectPinger,
}

/// What the request log says about a request beyond its method, path and status: the route it
/// took and who made it. Never credentials or personal data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFacts {
    /// The route template, e.g. `/classes/Product/:objectId`; `None` when no route matched.
    pub route: Option<String>,
    /// The user id the request spoke for (the one it signed in, for a login or sign-up),
    /// `"master"` for the master key, `None` when anonymous.
    pub user: Option<String>,
}

/// Handles one HTTP request for the Parse API.
pub async fn handle<S: Store>(services: &Services<'_, S>, http: &HttpRequest) -> HttpResponse {
    handle_logged(services, http).await.0
}

/// Handles one HTTP request, and says what its log line needs to know.
pub async fn handle_logged<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
) -> (HttpResponse, RequestFacts) {
    let config = services.config;
    let mut facts = RequestFacts::default();
    let webhook = format!(
        "{}/webhooks/payment",
        config.mount_path.trim_end_matches('/')
    );
    let mut response = if http.method.eq_ignore_ascii_case("OPTIONS") {
        facts.route = preflight_route(http, &config.mount_path);
        HttpResponse {
            status: 200,
            headers: vec![],
            body: vec![],
        }
    } else if http.method.eq_ignore_ascii_case("POST") && http.path == webhook {
        facts.route = routes::find("POST", &["webhooks", "payment"]).map(|m| m.log_template());
        payment_webhook(services, http).await
    } else {
        match decode(http, &config.mount_path, config.max_body_bytes) {
            None => HttpResponse::error(&ParseError::new(
                Code::InvalidJson,
                "Cannot route outside the mount path",
            ))
            .with_status(404),
            Some(Err(e)) => HttpResponse::error(&e),
            Some(Ok(request)) => serve(services, &request, &mut facts).await,
        }
    };
    add_cors(&mut response);
    response
        .headers
        .push(("x-request-id".into(), request_id(http)));
    (response, facts)
}

/// The route a CORS preflight asks about, whatever method it announces.
fn preflight_route(http: &HttpRequest, mount: &str) -> Option<String> {
    let rest = http.path.strip_prefix(mount.trim_end_matches('/'))?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    routes::find_any_method(&segments).map(|m| m.log_template())
}

/// The request's id for logs and support: the client's `X-Request-Id` when it is a sane token,
/// else a new one.
fn request_id(http: &HttpRequest) -> String {
    match http.header("x-request-id") {
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) =>
        {
            id.to_string()
        }
        _ => crate::platform::random_alphanumeric(20).unwrap_or_default(),
    }
}

/// The payment provider's webhook: no app id, its signature is the credential.
async fn payment_webhook<S: Store>(services: &Services<'_, S>, http: &HttpRequest) -> HttpResponse {
    let result = async {
        let ctx = context(services, Access::Master, now_ms()).await?;
        orders::payment_webhook(&ctx, http).await
    };
    result.await.unwrap_or_else(|e| HttpResponse::error(&e))
}

/// The handlers' context for `access`, with the isolate's schema registry.
async fn context<'a, S: Store>(
    services: &Services<'a, S>,
    access: Access,
    now: i64,
) -> Result<Context<'a, S>> {
    let Services {
        store,
        config,
        cache,
        hubs,
        outbox,
        limiter,
        ..
    } = *services;
    let registry = cache.get(store, now).await?;
    Ok(Context {
        store,
        config,
        schema_cache: cache,
        registry,
        access,
        now_ms: now,
        hubs,
        outbox,
        limiter,
    })
}

async fn serve<S: Store>(
    services: &Services<'_, S>,
    request: &ParseRequest,
    facts: &mut RequestFacts,
) -> HttpResponse {
    let (store, config) = (services.store, services.config);
    let segments: Vec<&str> = request.route.iter().map(String::as_str).collect();
    let matched = routes::find(&request.method, &segments);
    facts.route = matched.as_ref().map(Matched::log_template);
    let is_master = same_secret(request.master_key.as_deref(), config.master_key.as_deref());
    // Health and the API's description answer without credentials, as Parse Server's health
    // does, so load balancers and API tools can fetch them.
    match matched.as_ref().map(|m| m.route.endpoint) {
        Some(Endpoint::Health) => return health::check(store, services.durable_objects).await,
        Some(Endpoint::OpenApi) => {
            let audience = if is_master {
                Audience::Master
            } else {
                Audience::Public
            };
            return openapi_document(services, request, audience).await;
        }
        _ => {}
    }
    if !same_secret(request.app_id.as_deref(), Some(&config.app_id)) {
        return HttpResponse::unauthorized("unauthorized");
    }
    if let Some(key) = &config.client_key {
        if !same_secret(request.client_key.as_deref(), Some(key)) && !is_master {
            return HttpResponse::unauthorized("unauthorized");
        }
    }
    let now = now_ms();
    // A wrong master key grants nothing more than no key, as in Parse Server.
    let access = if is_master {
        Access::Master
    } else {
        match client_access(store, config, request, now).await {
            Ok(access) => access,
            Err(e) => return HttpResponse::error(&e),
        }
    };
    facts.user = match &access {
        Access::Master => Some("master".into()),
        client => client.user_id().map(String::from),
    };
    let mut ctx = match context(services, access, now).await {
        Ok(ctx) => ctx,
        Err(e) => return HttpResponse::error(&e),
    };
    let response = match route(&mut ctx, request).await {
        Ok(response) => response,
        Err(e) => HttpResponse::error(&e),
    };
    if facts.user.is_none() {
        facts.user = signed_in_user(matched.as_ref(), request, &response);
    }
    response
}

/// The user a successful login or sign-up signed in: the request came in anonymous, and the
/// log should still say whose session it opened.
fn signed_in_user(
    matched: Option<&Matched>,
    request: &ParseRequest,
    response: &HttpResponse,
) -> Option<String> {
    let endpoint = matched?.route.endpoint;
    let signs_in = match endpoint {
        Endpoint::Login => true,
        Endpoint::Users | Endpoint::UserObjects => request.method == "POST",
        _ => false,
    };
    if !signs_in || !(200..300).contains(&response.status) {
        return None;
    }
    response
        .body_json()
        .get("objectId")
        .and_then(|id| id.as_str())
        .map(String::from)
}

/// `GET /openapi.json`, generated from the route table and this isolate's schema registry.
async fn openapi_document<S: Store>(
    services: &Services<'_, S>,
    request: &ParseRequest,
    audience: Audience,
) -> HttpResponse {
    match services.cache.get(services.store, now_ms()).await {
        Ok(registry) => {
            let server = format!(
                "{}{}",
                request.origin,
                services.config.mount_path.trim_end_matches('/')
            );
            HttpResponse::ok(&openapi::document(
                &registry,
                services.config,
                &server,
                audience,
            ))
        }
        Err(e) => HttpResponse::error(&e),
    }
}

/// The client a request speaks for: anonymous, or the user of a valid session token. Sign-up and
/// login ignore a stale token, as the SDK may still send one.
async fn client_access<S: Store>(
    store: &S,
    config: &Config,
    request: &ParseRequest,
    now: i64,
) -> Result<Access> {
    let Some(token) = request.session_token.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(Access::public());
    };
    let route: Vec<&str> = request.route.iter().map(String::as_str).collect();
    let ignores_token = matches!(
        (request.method.as_str(), route.as_slice()),
        (_, ["login"]) | ("POST", ["users"]) | ("POST", ["classes", "_User"])
    );
    if ignores_token {
        return Ok(Access::public());
    }
    let secret = config
        .session_secret
        .as_deref()
        .ok_or_else(session::invalid_token)?;
    let key = TokenKey::from_secret(secret)?;
    session::resolve(store, &key, token, now).await
}

/// Dispatches a decoded request; `/batch` calls back in here for each sub-request. Which routes
/// exist is the route table's business (`routes::ROUTES`); this says who serves each.
pub async fn route<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
) -> Result<HttpResponse> {
    let segments: Vec<&str> = request.route.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    let Some(matched) = routes::find(method, &segments) else {
        return Err(ParseError::new(
            Code::InvalidJson,
            format!("unknown route: {method} /{}", request.route.join("/")),
        ));
    };
    match matched.route.endpoint {
        Endpoint::Users => users::handle(ctx, request, matched.rest(1)).await,
        Endpoint::UserObjects => users::handle(ctx, request, matched.rest(2)).await,
        Endpoint::Login => users::login(ctx, request).await,
        Endpoint::Logout => users::logout(ctx).await,
        Endpoint::SessionMe => users::session_me(ctx, request).await,
        Endpoint::Sessions => classes::handle(ctx, request, "_Session", matched.rest(1)).await,
        Endpoint::EmailRequest => Err(ParseError::new(
            Code::CommandUnavailable,
            "Emails are not configured on this server: ask an administrator to reset your password.",
        )),
        Endpoint::PlaceOrder if !ctx.access.is_master() => orders::place(ctx, request).await,
        Endpoint::UpdateOrder if request.body.contains_key("status") => {
            orders::change_status(ctx, request, matched.param("objectId")).await
        }
        Endpoint::Checkout => orders::checkout_function(ctx, request).await,
        Endpoint::Function => Err(ParseError::new(
            Code::ScriptFailed,
            format!("Invalid function: \"{}\"", matched.param("functionName")),
        )),
        Endpoint::Objects | Endpoint::PlaceOrder | Endpoint::UpdateOrder => {
            classes::handle(ctx, request, matched.segment(1), matched.rest(2)).await
        }
        Endpoint::Batch => batch::handle(ctx, request).await,
        Endpoint::Schemas => schemas::handle(ctx, request, matched.rest(1)).await,
        Endpoint::Purge => schemas::purge(ctx, matched.param("className")).await,
        Endpoint::Config => Ok(HttpResponse::ok(&json!({"params": {}, "masterKeyOnly": {}}))),
        Endpoint::ServerInfo => Ok(HttpResponse::ok(&json!({
            "parseServerVersion": "8.0.0",
            "features": {"schemas": {"addField": true, "removeField": true, "addClass": true, "removeClass": true, "clearAllDataFromClass": true}},
        }))),
        // Served before decoding or before the app id check; only a batch gets here.
        Endpoint::Health | Endpoint::OpenApi | Endpoint::PaymentWebhook => Err(ParseError::new(
            Code::InvalidJson,
            format!("{method} /{} cannot be part of a batch", request.route.join("/")),
        )),
    }
}

/// Compares secrets in constant time; a missing configured secret never matches.
fn same_secret(given: Option<&str>, expected: Option<&str>) -> bool {
    match (given, expected) {
        (Some(g), Some(e)) => g.as_bytes().ct_eq(e.as_bytes()).into(),
        _ => false,
    }
}

/// Requests that need the master key answer 403 without it, as Parse Server does.
pub fn require_master<S: Store>(ctx: &Context<'_, S>) -> Result<()> {
    if ctx.access.is_master() {
        Ok(())
    } else {
        Err(ParseError::new(
            Code::Unauthorized,
            "unauthorized: master key is required",
        ))
    }
}

impl HttpResponse {
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
}
