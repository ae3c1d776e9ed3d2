//! GraphQL: Parse Server's GraphQL API (`/graphql`, beside the REST mount), on the same
//! services as REST. This module is the transport: it decodes the request as Apollo Server
//! does for Parse (GET and POST, JSON bodies, no batching), checks the same credentials as
//! REST, refuses what is too deep or too large before anything recurses over it, picks the
//! schema for the caller (cached per isolate, rebuilt when the registry changes), runs the
//! operation through async-graphql and answers Parse 9's statuses and error shapes.

mod bridge;
mod document;
mod inputs;
mod naming;
mod resolve;
mod schema;

use crate::api::http::{add_cors, carries_session_token, mark_no_store, HttpRequest, HttpResponse};
use crate::api::request::parse_body;
use crate::api::request_log::RequestFacts;
use crate::api::router::request_id;
use crate::auth::secret::same_secret;
use crate::engine::access::Access;
use crate::engine::schema::Registry;
use crate::platform::now_ms;
use crate::service::{Client, Services};
use crate::store::Store;
use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Variables};
use bridge::{Bridge, Lent};
use document::Limits;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Where GraphQL is served: Parse's default `graphQLPath`, at the server root.
pub const PATH: &str = "/graphql";

#[cfg(test)]
pub fn global_id_for_tests(class: &str, object_id: &str) -> String {
    naming::global_id(class, object_id)
}

/// Whether a request's path is GraphQL's.
pub fn serves(path: &str) -> bool {
    path == PATH || path.strip_prefix(PATH) == Some("/")
}

/// Handles one GraphQL request, and says what its log line needs to know.
pub async fn handle_logged<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
) -> (HttpResponse, RequestFacts) {
    let mut facts = RequestFacts {
        route: Some(PATH.into()),
        ..RequestFacts::default()
    };
    let mut response = if http.method.eq_ignore_ascii_case("OPTIONS") {
        HttpResponse {
            status: 200,
            headers: vec![],
            body: vec![],
            stream: None,
        }
    } else {
        let response = serve(services, http, &mut facts).await;
        let personal = http
            .header("x-parse-session-token")
            .is_some_and(|t| !t.is_empty())
            || http.header("x-parse-master-key").is_some();
        let mut response = response;
        if personal || carries_session_token(&response) {
            mark_no_store(&mut response);
        }
        response
    };
    add_cors(&mut response);
    response
        .headers
        .push(("x-request-id".into(), request_id(http)));
    (response, facts)
}

/// `{"errors": [{message, extensions: {code}}]}` with `status`, as Apollo answers a request it
/// does not run.
fn refusal(status: u16, message: &str, code: Value) -> HttpResponse {
    HttpResponse::json(
        status,
        &json!({"errors": [{"message": message, "extensions": {"code": code}}]}),
    )
}

fn bad_request(message: &str) -> HttpResponse {
    refusal(400, message, json!("BAD_REQUEST"))
}

/// `query`, `variables` and `operationName`, from the URL (GET) or the JSON body (POST).
struct Params {
    query: String,
    variables: Map<String, Value>,
    operation_name: Option<String>,
}

fn params(http: &HttpRequest, max_body_bytes: usize) -> Result<Params, HttpResponse> {
    let fields: Map<String, Value> = match http.method.to_ascii_uppercase().as_str() {
        "GET" => form_urlencoded::parse(http.query.as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect(),
        "POST" => {
            if http.body.len() > max_body_bytes {
                return Err(refusal(
                    413,
                    &format!("Request body is larger than the limit of {max_body_bytes} bytes"),
                    json!(crate::error::Code::ObjectTooLarge as i32),
                ));
            }
            let json_type = http
                .header("content-type")
                .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
            if !json_type {
                return Err(bad_request(
                    "POST body missing, invalid Content-Type, or JSON object has no keys.",
                ));
            }
            if http.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
                return Err(bad_request("Operation batching disabled."));
            }
            parse_body(&http.body).map_err(|e| bad_request(&e.message))?
        }
        _ => {
            return Err(refusal(
                405,
                "GraphQL only supports GET and POST requests.",
                json!("METHOD_NOT_ALLOWED"),
            ))
        }
    };
    let query = match fields.get("query") {
        Some(Value::String(q)) if !q.trim().is_empty() => q.clone(),
        _ => {
            return Err(bad_request(
                "GraphQL operations must contain a non-empty `query`.",
            ))
        }
    };
    let variables = match fields.get("variables") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(v)) => v.clone(),
        Some(Value::String(text)) if text.trim().is_empty() => Map::new(),
        Some(Value::String(text)) => parse_body(text.as_bytes())
            .map_err(|_| bad_request("`variables` is not a JSON object."))?,
        Some(_) => return Err(bad_request("`variables` must be a JSON object.")),
    };
    let operation_name = match fields.get("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => return Err(bad_request("`operationName` must be a string.")),
    };
    Ok(Params {
        query,
        variables,
        operation_name,
    })
}

async fn serve<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
    facts: &mut RequestFacts,
) -> HttpResponse {
    let config = services.config;
    let header = |name: &str| http.header(name).map(str::to_string);
    if !same_secret(
        header("x-parse-application-id").as_deref(),
        Some(&config.app_id),
    ) {
        return HttpResponse::unauthorized("unauthorized");
    }
    let is_master = same_secret(
        header("x-parse-master-key").as_deref(),
        config.master_key.as_deref(),
    );
    if let Some(key) = &config.client_key {
        let sent = header("x-parse-rest-api-key").or_else(|| header("x-parse-javascript-key"));
        if !same_secret(sent.as_deref(), Some(key)) && !is_master {
            return HttpResponse::unauthorized("unauthorized");
        }
    }
    let params = match params(http, config.max_body_bytes) {
        Ok(p) => p,
        Err(response) => return response,
    };
    // Before parsing: the parser recurses once per level, and a few thousand levels overflow
    // the wasm stack, which traps the instance.
    if document::bracket_depth(&params.query) > document::MAX_BRACKET_DEPTH {
        return bad_request(&format!(
            "The query is nested deeper than {} levels.",
            document::MAX_BRACKET_DEPTH
        ));
    }
    let now = now_ms();
    let token = header("x-parse-session-token").filter(|t| !t.is_empty());
    let access = match (is_master, &token) {
        (true, _) => Access::Master,
        (false, Some(token)) => match services.authenticate(token, now).await {
            Ok(access) => access,
            Err(e) => return HttpResponse::error(&e),
        },
        (false, None) => Access::public(),
    };
    facts.user = match &access {
        Access::Master => Some("master".into()),
        client => client.user_id().map(String::from),
    };

    let mut request = async_graphql::Request::new(params.query)
        .variables(Variables::from_json(Value::Object(params.variables)));
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name.clone());
    }
    let document = match request.parsed_query() {
        Ok(document) => document,
        Err(e) => return errors(400, &[e], "GRAPHQL_PARSE_FAILED", is_master),
    };
    let (name, operation) = match document::choose(document, params.operation_name.as_deref()) {
        Ok(chosen) => chosen,
        Err(message) => return refusal(400, &message, json!("OPERATION_RESOLUTION_FAILURE")),
    };
    let shape = match document::measure(document, operation) {
        Ok(shape) => shape,
        Err(message) => return refusal(400, &message, json!("GRAPHQL_VALIDATION_FAILED")),
    };
    let uses_variables = !operation.node.variable_definitions.is_empty();
    let kind = operation.node.ty;
    facts.operation = Some(format!(
        "{kind} {}",
        name.clone().unwrap_or_else(|| shape.root_names.join(","))
    ));
    if kind == OperationType::Mutation && !http.method.eq_ignore_ascii_case("POST") {
        return refusal(
            405,
            "GET requests only support query operations, not mutation operations",
            json!("BAD_REQUEST"),
        )
        .with_header("allow", "POST");
    }
    if kind == OperationType::Subscription {
        return HttpResponse::ok(&json!({
            "errors": [{"message": "Schema is not configured to execute subscription operation."}],
            "data": null,
        }));
    }
    if shape.introspection && !is_master && !config.graphql_public_introspection {
        return HttpResponse::json(
            403,
            &json!({"errors": [{"message": "Introspection is not allowed"}]}),
        );
    }
    let limits = match (is_master, shape.only_introspection) {
        (true, _) => Limits::MASTER,
        (false, true) => Limits::CLIENT_INTROSPECTION,
        (false, false) => Limits::CLIENT,
    };
    if let Err(message) = limits.check(&shape) {
        return refusal(400, &message, json!("GRAPHQL_VALIDATION_FAILED"));
    }

    let client = Client {
        ip: header("cf-connecting-ip"),
        installation_id: header("x-parse-installation-id"),
        request_id: header("x-parse-request-id").or_else(|| header("idempotency-key")),
        session_token: token,
        // File URLs and mailed links point at the REST mount, as they do for REST callers.
        base_url: Some(services.config.public_base(&http.origin)),
    };
    let ctx = match services.context(access, client, now).await {
        Ok(ctx) => ctx,
        Err(e) => return HttpResponse::error(&e),
    };
    let schema = match cached_schema(&ctx.registry, is_master) {
        Ok(schema) => schema,
        Err(detail) => {
            facts.internal_error = Some(detail);
            return HttpResponse::error(&crate::error::ParseError::internal("schema"));
        }
    };
    let bridge = Bridge::new(services, ctx);
    let answer = {
        // SAFETY: the request, and with it the `Lent`, is consumed by `execute`, which is
        // awaited here, before `bridge` goes out of scope.
        let lent = unsafe { Lent::new(&bridge) };
        schema.execute(request.data(lent)).await
    };
    facts.internal_error = bridge.internal.borrow_mut().take();
    if answer.data == async_graphql::Value::Null
        && !answer.errors.is_empty()
        && answer.errors.iter().all(|e| e.path.is_empty())
    {
        // Refused before execution: validation, or the variables.
        let code = if uses_variables
            && answer
                .errors
                .iter()
                .any(|e| e.message.starts_with("Invalid value for argument"))
        {
            "BAD_USER_INPUT"
        } else {
            "GRAPHQL_VALIDATION_FAILED"
        };
        return errors(400, &answer.errors, code, is_master);
    }
    match serde_json::to_value(&answer) {
        Ok(mut body) => {
            null_failed_roots(&mut body);
            HttpResponse::ok(&body)
        }
        Err(e) => {
            facts.internal_error = Some(e.to_string());
            HttpResponse::error(&crate::error::ParseError::internal("response"))
        }
    }
}

/// A non-null root field that failed makes `data` null, as graphql-js answers (async-graphql
/// leaves the field out and keeps the others).
fn null_failed_roots(body: &mut Value) {
    let failed_root = body["errors"].as_array().is_some_and(|errors| {
        errors
            .iter()
            .any(|e| match e["path"].as_array().map(Vec::as_slice) {
                Some([Value::String(key)]) => body["data"].get(key).is_none(),
                _ => false,
            })
    });
    if failed_root {
        body["data"] = Value::Null;
    }
}

/// Errors of a request that did not run, with Apollo's code; for anyone but the master key
/// without the schema's type names and suggestions, as Parse 9 sanitises them.
fn errors(status: u16, errors: &[ServerError], code: &str, is_master: bool) -> HttpResponse {
    let list: Vec<Value> = errors
        .iter()
        .map(|e| {
            let message = if code == "GRAPHQL_PARSE_FAILED" {
                format!("Syntax Error: {}", e.message)
            } else if is_master {
                e.message.clone()
            } else {
                sanitize(&e.message)
            };
            let locations: Vec<Value> = e
                .locations
                .iter()
                .map(|p| json!({"line": p.line, "column": p.column}))
                .collect();
            json!({"message": message, "locations": locations, "extensions": {"code": code}})
        })
        .collect();
    HttpResponse::json(status, &json!({ "errors": list }))
}

/// `Unknown field "nope" on type "Query". Did you mean "node"?` → `Cannot query field "nope".`
fn sanitize(message: &str) -> String {
    let message = message.split(" Did you mean").next().unwrap_or(message);
    if let Some(rest) = message.strip_prefix("Unknown field \"") {
        if let Some((field, _)) = rest.split_once('"') {
            return format!("Cannot query field \"{field}\".");
        }
    }
    message.to_string()
}

/// The schemas this isolate built, for the registry they were built from.
struct Cached {
    registry: Rc<Registry>,
    master: Option<async_graphql::dynamic::Schema>,
    client: Option<async_graphql::dynamic::Schema>,
}

thread_local! {
    static SCHEMAS: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// The schema for a caller: the master key's has every class, anyone else's the classes the
/// OpenAPI document shows them. Built once per registry (a class or field added through
/// `/schemas` makes a new one), and once per audience.
fn cached_schema(
    registry: &Rc<Registry>,
    master: bool,
) -> Result<async_graphql::dynamic::Schema, String> {
    SCHEMAS.with(|cell| {
        let mut cell = cell.borrow_mut();
        let current = cell
            .as_ref()
            .is_some_and(|c| Rc::ptr_eq(&c.registry, registry) || *c.registry == **registry);
        if !current {
            *cell = Some(Cached {
                registry: registry.clone(),
                master: None,
                client: None,
            });
        }
        let Some(cached) = cell.as_mut() else {
            return Err("no schema cache".to_string());
        };
        // Keep the newest registry, so the next request's pointer comparison succeeds.
        cached.registry = registry.clone();
        let slot = if master {
            &mut cached.master
        } else {
            &mut cached.client
        };
        if let Some(schema) = slot {
            return Ok(schema.clone());
        }
        let schema = if master {
            schema::build(registry, |_| true, true)?
        } else {
            schema::build(registry, crate::api::client_usable, false)?
        };
        *slot = Some(schema.clone());
        Ok(schema)
    })
}
