//! HTTP in, HTTP out: one route decision per request, then the credentials that route asks
//! for, then its endpoint. Every failure becomes a Parse error response here; nothing below
//! answers 5xx for a client's mistake.

use super::account_pages;
use super::dispatch::dispatch;
use super::http::{add_cors, carries_session_token, mark_no_store, HttpRequest, HttpResponse};
use super::openapi::{self, Audience};
use super::payment_webhook;
use super::request::{decode_with, BodyLimits, ParseRequest};
use super::request_log::RequestFacts;
use super::routes::{self, Credentials, Endpoint, Matched};
use crate::auth::secret::same_secret;
use crate::engine::access::Access;
use crate::error::{Code, ParseError};
use crate::platform::now_ms;
use crate::service::files;
use crate::service::health;
use crate::service::{Client, Services};
use crate::store::Store;

/// Handles one HTTP request, and says what its log line needs to know.
pub async fn handle_logged<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
) -> (HttpResponse, RequestFacts) {
    let mut facts = RequestFacts::default();
    let config = services.config;
    let mut response = if http.method.eq_ignore_ascii_case("OPTIONS") {
        facts.route = preflight_route(http, &config.mount_path);
        HttpResponse {
            status: 200,
            headers: vec![],
            body: vec![],
            stream: None,
        }
    } else if let Some(page) = account_pages::serve(services, http).await {
        facts.route = Some(account_pages::log_template(&http.path).into());
        page
    } else {
        let limits = BodyLimits {
            json: config.max_body_bytes,
            file: config.files.max_body_bytes(),
            file_max: config.files.max_bytes,
        };
        match decode_with(http, &config.mount_path, limits) {
            None => HttpResponse::error(&ParseError::new(
                Code::InvalidJson,
                "Cannot route outside the mount path",
            ))
            .with_status(404),
            Some(Err(e)) => HttpResponse::error(&e),
            Some(Ok(request)) => {
                let mut response = serve(services, http, &request, &mut facts).await;
                let personal = request
                    .session_token
                    .as_deref()
                    .is_some_and(|t| !t.is_empty())
                    || request.master_key.is_some();
                if personal || carries_session_token(&response) {
                    mark_no_store(&mut response);
                }
                response
            }
        }
    };
    if http.method.eq_ignore_ascii_case("HEAD") {
        response.body.clear();
        response.stream = None;
    }
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

async fn serve<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
    request: &ParseRequest,
    facts: &mut RequestFacts,
) -> HttpResponse {
    let segments: Vec<&str> = request.route.iter().map(String::as_str).collect();
    let matched = routes::find(&request.method, &segments)
        .filter(|m| m.route.endpoint.exists(services.config));
    facts.route = matched.as_ref().map(Matched::log_template);
    let config = services.config;
    let is_master = same_secret(request.master_key.as_deref(), config.master_key.as_deref());
    match matched.as_ref().map(|m| m.route.endpoint.credentials()) {
        Some(Credentials::None) => {
            return public(services, http, request, is_master, matched.as_ref()).await
        }
        Some(Credentials::Signature) => {
            let answer = async {
                let ctx = services
                    .context(Access::Master, Client::default(), now_ms())
                    .await?;
                payment_webhook::confirm(&ctx, http).await
            };
            return answer.await.unwrap_or_else(|e| HttpResponse::error(&e));
        }
        Some(Credentials::AppId) | None => {}
    }
    if !same_secret(request.app_id.as_deref(), Some(&config.app_id)) {
        return HttpResponse::unauthorized("unauthorized");
    }
    if let Some(key) = &config.client_key {
        if !same_secret(request.client_key.as_deref(), Some(key)) && !is_master {
            return HttpResponse::unauthorized("unauthorized");
        }
    }
    let Some(matched) = matched else {
        return HttpResponse::error(&ParseError::new(
            Code::InvalidJson,
            format!(
                "unknown route: {} /{}",
                request.method,
                request.route.join("/")
            ),
        ));
    };
    let now = now_ms();
    let token = request.session_token.as_deref().filter(|t| !t.is_empty());
    // A wrong master key grants nothing more than no key, as in Parse Server.
    let access = match (is_master, token) {
        (true, _) => Ok(Access::Master),
        (false, Some(token)) if !matched.route.endpoint.ignores_session_token() => {
            services.authenticate(token, now).await
        }
        (false, _) => Ok(Access::public()),
    };
    let access = match access {
        Ok(access) => access,
        Err(e) => return failed(&e, facts),
    };
    facts.user = match &access {
        Access::Master => Some("master".into()),
        client => client.user_id().map(String::from),
    };
    let client = Client {
        ip: request.client_ip.clone(),
        installation_id: request.installation_id.clone(),
        request_id: request.request_id.clone(),
        session_token: request.session_token.clone(),
        origin: request.origin.clone(),
        base_url: Some(config.public_base(&request.origin)),
    };
    let mut ctx = match services.context(access, client, now).await {
        Ok(ctx) => ctx,
        Err(e) => return failed(&e, facts),
    };
    let response = match dispatch(&mut ctx, &matched, request).await {
        Ok(response) => response,
        Err(e) => failed(&e, facts),
    };
    if facts.user.is_none() {
        facts.user = signed_in_user(matched.route.endpoint, &response);
    }
    response
}

/// The answer to a failure; an internal fault's own words go to the log, not to the client.
fn failed(e: &ParseError, facts: &mut RequestFacts) -> HttpResponse {
    if e.code == Code::Internal {
        facts.internal_error = Some(e.message.clone());
    }
    HttpResponse::error(e)
}

/// The endpoints that answer without credentials: the health check, the API's description
/// (which the master key widens), and files (whose URL carries the app id).
async fn public<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
    request: &ParseRequest,
    is_master: bool,
    matched: Option<&Matched<'_>>,
) -> HttpResponse {
    match matched.map(|m| (m.route.endpoint, m)) {
        Some((Endpoint::Health, _)) => {
            let health = health::check(services.store, services.durable_objects).await;
            return HttpResponse::json(if health.healthy { 200 } else { 503 }, &health.report);
        }
        Some((Endpoint::GetFile, matched)) => return serve_file(services, http, matched).await,
        _ => {}
    }
    let audience = if is_master {
        Audience::Master
    } else {
        Audience::Public
    };
    match services.schema_cache.get(services.store, now_ms()).await {
        Ok(registry) => {
            let server = services.config.public_base(&request.origin);
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

/// `GET`/`HEAD /files/:appId/:name`.
async fn serve_file<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
    matched: &Matched<'_>,
) -> HttpResponse {
    let conditions = files::Conditions {
        if_none_match: http.header("if-none-match").map(String::from),
        range: http.header("range").map(String::from),
        head: http.method.eq_ignore_ascii_case("HEAD"),
    };
    let answer = files::serve(
        services.bucket,
        &services.config.app_id,
        matched.param("appId"),
        matched.param("filename"),
        &conditions,
    )
    .await;
    match answer {
        Ok(answer) if answer.status == 416 => {
            let e = ParseError::invalid_query(
                "Range Not Satisfiable: the range starts past the file's end.",
            );
            let mut response = HttpResponse::error(&e).with_status(416);
            response.headers.extend(answer.headers);
            response
        }
        Ok(answer) => HttpResponse::file(answer),
        // Parse Server answers a wrong application id in a file URL with 403.
        Err(e) if e.code == Code::OperationForbidden => HttpResponse::error(&e).with_status(403),
        Err(e) => HttpResponse::error(&e),
    }
}

/// The user a successful login or sign-up signed in: the request came in anonymous, and the
/// log should still say whose session it opened.
fn signed_in_user(endpoint: Endpoint, response: &HttpResponse) -> Option<String> {
    if !endpoint.ignores_session_token() || !(200..300).contains(&response.status) {
        return None;
    }
    response
        .body_json()
        .get("objectId")
        .and_then(|id| id.as_str())
        .map(String::from)
}

impl HttpResponse {
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
}
