//! The OpenAPI document against the router it describes: every operation it lists is one the
//! router serves, every row of the route table is in it, every class and field of the registry
//! is in it with its type, and it holds together (references resolve, parameters match paths).
//! Full validation against the OpenAPI 3.0 specification runs in the black-box tests.

use crate::api::http::HttpRequest;
use crate::api::openapi::{document, Audience};
use crate::api::routes::{self, template_segments, ROUTES};
use crate::engine::schema::Registry;
use crate::service::config::Config;
use crate::service::schema_cache::SchemaCache;
use crate::testing::{SqliteStore, World};
use futures::executor::block_on;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const MASTER_KEY: &str = "the-master-key";

fn config() -> Config {
    Config {
        master_key: Some(MASTER_KEY.into()),
        session_secret: Some("a-session-secret-of-enough-length".into()),
        pbkdf2_iterations: 1_000,
        ..Config::default()
    }
}

fn registry(store: &SqliteStore) -> Registry {
    let cache = SchemaCache::default();
    (*block_on(cache.get(store, 0)).unwrap()).clone()
}

fn doc(audience: Audience) -> Value {
    let store = SqliteStore::migrated();
    document(
        &registry(&store),
        &config(),
        "http://localhost/parse",
        audience,
    )
}

/// Every (method, path) of the document.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.push((method.to_ascii_uppercase(), path.clone()));
        }
    }
    out
}

/// A concrete path for a documented one: parameters get values the router accepts.
fn instantiate(path: &str) -> String {
    path.replace("{objectId}", "abcde12345")
        .replace("{className}", "Product")
        .replace("{functionName}", "hello")
}

#[test]
fn every_documented_operation_is_a_row_of_the_route_table_and_every_row_is_documented() {
    let doc = doc(Audience::Master);
    let mut documented_rows = BTreeSet::new();
    for (method, path) in operations(&doc) {
        let concrete = instantiate(&path);
        let segments: Vec<&str> = template_segments(&concrete).collect();
        let matched = routes::find(&method, &segments)
            .unwrap_or_else(|| panic!("{method} {path} is documented but not routed"));
        documented_rows.insert((matched.route.method, matched.route.path));
    }
    let config = crate::service::Config::default();
    for route in ROUTES.iter().filter(|r| r.endpoint.exists(&config)) {
        assert!(
            documented_rows.contains(&(route.method, route.path)),
            "{} {} is routed but not documented",
            route.method,
            route.path
        );
    }
}

#[test]
fn the_router_serves_every_documented_operation() {
    // Each on a fresh database with the master key: whatever the answer, it must come from a
    // handler, not from "unknown route", and never be a server fault.
    for (method, path) in operations(&doc(Audience::Master)) {
        let world = World::new().with_config(config());
        let http = HttpRequest {
            method: method.clone(),
            path: format!("/parse{}", instantiate(&path)),
            headers: vec![
                ("x-parse-application-id".into(), "artisan-market".into()),
                ("x-parse-master-key".into(), MASTER_KEY.into()),
            ],
            body: if method == "GET" {
                vec![]
            } else {
                b"{}".to_vec()
            },
            origin: "http://localhost".into(),
            ..HttpRequest::default()
        };
        let response = world.handle(&http);
        let body = response.body_json();
        let error = body["error"].as_str().unwrap_or_default();
        assert!(
            !error.starts_with("unknown route"),
            "{method} {path}: {error}"
        );
        assert!(response.status < 500, "{method} {path}: {body}");
    }
}

#[test]
fn every_class_and_field_of_the_registry_is_described_with_its_type() {
    let store = SqliteStore::migrated();
    let registry = registry(&store);
    let doc = document(&registry, &config(), "http://x/parse", Audience::Master);
    for (name, class) in &registry.classes {
        let described = &doc["components"]["schemas"][name];
        assert_eq!(described["x-parse-class"], json!(name), "{name}");
        assert!(
            doc["paths"].get(format!("/classes/{name}")).is_some(),
            "{name}"
        );
        for (field, ty) in &class.fields {
            let property = &described["properties"][field];
            assert_eq!(property["x-parse-type"], ty.to_json(), "{name}.{field}");
        }
        for field in ["objectId", "createdAt", "updatedAt", "ACL"] {
            assert!(
                described["properties"].get(field).is_some(),
                "{name}.{field}"
            );
        }
    }
}

#[test]
fn the_public_document_leaves_out_classes_only_the_master_key_may_use() {
    let store = SqliteStore::migrated();
    let mut registry = registry(&store);
    let mut internal = crate::engine::schema::ClassSchema::new("Ledger");
    for op in [
        "find", "count", "get", "create", "update", "delete", "addField",
    ] {
        internal.clp.insert(op.into(), json!({}));
    }
    registry.classes.insert("Ledger".into(), internal);
    let public = document(&registry, &config(), "http://x/parse", Audience::Public);
    let master = document(&registry, &config(), "http://x/parse", Audience::Master);
    assert!(public["components"]["schemas"].get("Ledger").is_none());
    assert!(public["paths"].get("/classes/Ledger").is_none());
    assert!(master["components"]["schemas"].get("Ledger").is_some());
    for class in [
        "_User",
        "_Role",
        "_Session",
        "Artisan",
        "Product",
        "Order",
        "AccessLog",
    ] {
        assert!(
            public["components"]["schemas"].get(class).is_some(),
            "{class}"
        );
    }
    // Class-level permissions are the server's business: only what they mean for a caller shows.
    let text = public.to_string();
    assert!(!text.contains("requiresAuthentication") && !text.contains("role:artisan"));
    let answers = |path: &str| {
        public["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            .clone()
    };
    assert_eq!(answers("/classes/Product")["required"], json!(["results"]));
    assert_eq!(
        answers("/classes/Product/{objectId}")["$ref"],
        "#/components/schemas/Product"
    );
    assert_eq!(answers("/users")["required"], json!(["results"]));
    let order_find = &public["paths"]["/classes/Order"]["get"]["security"];
    assert_eq!(
        order_find,
        &json!([{"appId": [], "sessionToken": []}, {"appId": [], "masterKey": []}])
    );
}

/// Every `$ref` in `value`.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target.clone());
            }
            map.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

#[test]
fn the_document_holds_together() {
    let doc = doc(Audience::Master);
    assert_eq!(doc["openapi"], "3.0.3");
    let mut refs = Vec::new();
    references(&doc, &mut refs);
    for target in refs {
        let pointer = target.trim_start_matches('#');
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }
    let mut operation_ids = BTreeSet::new();
    for (method, path) in operations(&doc) {
        let operation = &doc["paths"][&path][method.to_ascii_lowercase()];
        assert!(
            operation_ids.insert(operation["operationId"].to_string()),
            "{method} {path}: operationId repeats"
        );
        assert!(!operation["responses"].as_object().unwrap().is_empty());
        let declared: BTreeSet<String> = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["$ref"].as_str())
            .filter_map(|r| doc.pointer(r.trim_start_matches('#')))
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        let in_path: BTreeSet<String> = template_segments(&path)
            .filter_map(routes::parameter_name)
            .map(String::from)
            .collect();
        assert_eq!(declared, in_path, "{method} {path}");
        for requirement in operation["security"].as_array().unwrap() {
            for scheme in requirement.as_object().unwrap().keys() {
                assert!(
                    doc["components"]["securitySchemes"].get(scheme).is_some(),
                    "{scheme}"
                );
            }
        }
    }
}

#[test]
fn the_document_links_graphql_beside_the_rest_mount() {
    let doc = doc(Audience::Public);
    assert_eq!(doc["externalDocs"]["url"], "http://localhost/graphql");
    let store = SqliteStore::migrated();
    let behind_a_proxy = document(
        &registry(&store),
        &config(),
        "https://api.example.com/parse",
        Audience::Public,
    );
    assert_eq!(
        behind_a_proxy["externalDocs"]["url"],
        "https://api.example.com/graphql"
    );
}
