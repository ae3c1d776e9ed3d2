//! `GET /openapi.json`: an OpenAPI 3.0 description of the whole API, generated at request time
//! from the route table (`routes::ROUTES`, which the router dispatches on) and the schema
//! registry the server enforces, so neither can drift from what the server does.
//!
//! Who sees what: the document needs no credentials, like `/health`, so API tools can fetch it.
//! It describes the routes and every class a client may use (one whose class-level permissions
//! grant some operation to someone other than the master key), with its fields and types: those
//! are the API's contract, as visible in the objects the SDKs handle. Protected fields are listed
//! too (a sign-up writes `email`), since protection hides values, not names. Classes only the
//! master key may touch are internal: they appear only in the document fetched with the master
//! key. Class-level permissions themselves are never shown, only what they mean for a caller
//! (anyone, a signed-in user, or the master key), as each operation's security requirement.

pub use super::openapi_audience::Audience;
use super::openapi_audience::DocContext;
use super::openapi_components;
use super::openapi_operations as operations;
use super::routes::{self, template_segments, Route, ROUTES};
use crate::engine::find::MAX_LIMIT;
use crate::engine::schema::{ClassSchema, Registry};
use crate::service::Config;
use serde_json::{json, Map, Value};

pub fn document(
    registry: &Registry,
    config: &Config,
    server_url: &str,
    audience: Audience,
) -> Value {
    let doc = DocContext {
        config,
        audience,
        registry,
    };
    let mut paths = Map::new();
    for route in ROUTES.iter().filter(|r| r.endpoint.exists(config)) {
        for (path, class) in concrete_paths(&doc, route) {
            let operation = operations::operation(&doc, route, &path, class);
            let item = paths.entry(path).or_insert_with(|| json!({}));
            item[route.method.to_ascii_lowercase()] = operation;
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Artisan Market API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
        },
        "servers": [{"url": server_url}],
        "tags": tags(&doc),
        "paths": paths,
        "components": components(&doc),
    })
}

const DESCRIPTION: &str = "The Parse Server REST API of an artisan marketplace: the Parse SDKs \
work against it unchanged. Every request but `/health`, `/openapi.json` and the payment webhook \
carries `X-Parse-Application-Id`; `X-Parse-Session-Token` speaks for a signed-in user and \
`X-Parse-Master-Key` bypasses ACLs and class-level permissions. Errors are `{code, error}`: code \
101 answers 404, internal faults 500, a missing app id or master key 403 `{error}`, every other \
client mistake 400. The JS SDK's style (a `text/plain` POST with `_method`, `_ApplicationId`, \
`_SessionToken` in the body) is accepted everywhere. This document is generated from the \
server's route table and schema registry; classes only the master key may use are listed only \
when it is fetched with the master key.";

/// The paths `route` documents, each with the class it is about. `/classes/{className}` rows
/// become one path per class, so every class has its own body schemas, except where a more
/// specific row (such as `POST /classes/Order`) serves that class.
fn concrete_paths<'d>(
    doc: &'d DocContext,
    route: &Route,
) -> Vec<(String, Option<&'d ClassSchema>)> {
    let fixed_class = route.class;
    if !route.path.starts_with("/classes/{className}") {
        return vec![(
            route.path.to_string(),
            fixed_class.and_then(|c| doc.class(c)),
        )];
    }
    let visible = doc
        .registry
        .classes
        .values()
        .filter(|c| doc.class(&c.name).is_some());
    visible
        .filter_map(|class| {
            let path = route.path.replace("{className}", &class.name);
            let segments: Vec<&str> = template_segments(&path).collect();
            let served_here =
                routes::find(route.method, &segments).is_some_and(|m| std::ptr::eq(m.route, route));
            served_here.then_some((path, Some(class)))
        })
        .collect()
}

fn tags(doc: &DocContext) -> Value {
    let mut tags = vec![
        json!({"name": "Users", "description": "Accounts, sign-up and login."}),
        json!({"name": "Sessions"}),
        json!({"name": "Orders", "description": "Checkout, the order lifecycle and the payment webhook."}),
        json!({"name": "Batch"}),
        json!({"name": "Schemas", "description": "The schema registry (master key)."}),
        json!({"name": "Files", "description": "Parse files: uploads, served bytes, the master key's delete."}),
        json!({"name": "Server", "description": "Health, configuration and this document."}),
    ];
    for class in doc.registry.classes.values() {
        if doc.class(&class.name).is_some() {
            tags.push(json!({"name": class.name, "description": format!("Objects of class {}.", class.name)}));
        }
    }
    Value::Array(tags)
}

fn components(doc: &DocContext) -> Value {
    let mut schemas: Map<String, Value> = openapi_components::shared_schemas();
    for class in doc.registry.classes.values() {
        if doc.class(&class.name).is_none() {
            continue;
        }
        let shape = doc.shape(class);
        schemas.insert(class.name.clone(), shape.object());
        schemas.insert(format!("{}.create", class.name), shape.input(false));
        schemas.insert(format!("{}.update", class.name), shape.input(true));
    }
    let mut security = json!({
        "appId": {"type": "apiKey", "in": "header", "name": "X-Parse-Application-Id"},
        "sessionToken": {"type": "apiKey", "in": "header", "name": "X-Parse-Session-Token"},
        "masterKey": {"type": "apiKey", "in": "header", "name": "X-Parse-Master-Key"},
    });
    if doc.config.client_key.is_some() {
        security["restApiKey"] =
            json!({"type": "apiKey", "in": "header", "name": "X-Parse-REST-API-Key"});
    }
    json!({
        "securitySchemes": security,
        "schemas": schemas,
        "parameters": parameters(),
        "responses": openapi_components::error_responses(),
    })
}

/// Query and path parameters, as the server reads them.
fn parameters() -> Value {
    let text = |name: &str, description: &str| json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}});
    let path = |name: &str, schema: Value| json!({"name": name, "in": "path", "required": true, "schema": schema});
    json!({
        "where": {
            "name": "where", "in": "query", "required": false,
            "description": "A Parse query constraint, JSON-encoded: `$lt $lte $gt $gte $ne $eq $in $nin $all $containedBy $exists $regex $options $or $and $nor $inQuery $notInQuery $select $dontSelect $relatedTo`.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "order": text("order", "Comma-separated field names; `-` before a name sorts descending."),
        "limit": {
            "name": "limit", "in": "query", "required": false,
            "description": format!("Most results to return (default 100); larger values are clamped to {MAX_LIMIT}."),
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT, "default": 100},
        },
        "skip": {
            "name": "skip", "in": "query", "required": false,
            "schema": {"type": "integer", "minimum": 0, "default": 0},
        },
        "keys": text("keys", "Comma-separated fields to return (dotted paths allowed)."),
        "excludeKeys": text("excludeKeys", "Comma-separated fields to leave out."),
        "include": text("include", "Comma-separated pointer fields to return as whole objects (up to 3 levels: `a.b.c`)."),
        "count": {
            "name": "count", "in": "query", "required": false,
            "description": "1 adds the number of matching objects as `count`; with `limit=0` only counts.",
            "schema": {"type": "integer", "enum": [0, 1]},
        },
        "objectId": path("objectId", json!({"type": "string", "pattern": "^[A-Za-z0-9]{1,32}$"})),
        "className": path("className", json!({"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"})),
        "functionName": path("functionName", json!({"type": "string", "pattern": "^[A-Za-z0-9_]{1,64}$"})),
        "filename": path("filename", json!({"type": "string", "minLength": 1, "maxLength": 1024})),
        "appId": path("appId", json!({"type": "string"})),
    })
}
