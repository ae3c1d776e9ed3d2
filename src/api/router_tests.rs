//! The router end to end on SQLite: what every response carries.

use super::app::{Config, Outbox, SchemaCache};
use super::http::HttpRequest;
use super::router::{handle, Services};
use crate::abuse::limiter::LocalLimiter;
use crate::marketplace::hub::LocalHub;
use crate::testing::SqliteStore;
use futures::executor::block_on;

fn get(path: &str, headers: &[(&str, &str)]) -> super::http::HttpResponse {
    let store = SqliteStore::migrated();
    let config = Config::default();
    let cache = SchemaCache::default();
    let hubs = LocalHub { store: &store };
    let outbox = Outbox::default();
    let limiter = LocalLimiter::default();
    let services = Services {
        store: &store,
        config: &config,
        cache: &cache,
        hubs: &hubs,
        outbox: &outbox,
        limiter: &limiter,
    };
    let http = HttpRequest {
        method: "GET".into(),
        path: path.into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        origin: "http://localhost".into(),
        ..HttpRequest::default()
    };
    block_on(handle(&services, &http))
}

#[test]
fn every_response_carries_a_request_id_echoed_when_the_client_sent_a_sane_one() {
    let echoed = get("/parse/health", &[("x-request-id", "abc-123")]);
    assert_eq!(echoed.header("x-request-id"), Some("abc-123"));
    let generated = get("/parse/health", &[("x-request-id", "bad id\n")]);
    assert_eq!(generated.header("x-request-id").map(str::len), Some(20));
    let error = get("/parse/classes/Product", &[]);
    assert_eq!(error.status, 403);
    assert!(error.header("x-request-id").is_some());
    assert_eq!(error.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn a_query_answers_through_the_whole_stack() {
    let response = get(
        "/parse/classes/Product",
        &[("x-parse-application-id", "artisan-market")],
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.body_json(), serde_json::json!({"results": []}));
}
