//! The router end to end on SQLite: what every response carries.

use crate::api::http::HttpRequest;
use crate::api::request_log::RequestFacts;
use crate::api::router::handle_logged;
use crate::service::config::Config;
use crate::service::health::{DurableObjectPinger, PingFailure};
use crate::service::schema_cache::SchemaCache;
use crate::testing::World;
use futures::executor::block_on;

fn get(path: &str, headers: &[(&str, &str)]) -> crate::api::http::HttpResponse {
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
    World::new().handle(&http)
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

/// A database that is down: every statement fails, with a message that must not reach clients.
struct BrokenStore;

impl BrokenStore {
    fn outage<T>() -> Result<T, crate::store::StoreError> {
        Err(crate::store::StoreError::Other(
            "SQLITE_IOERR at /var/secret/path".into(),
        ))
    }
}

impl crate::store::Store for BrokenStore {
    async fn query(
        &self,
        _: &crate::store::Statement,
    ) -> Result<Vec<crate::store::Row>, crate::store::StoreError> {
        Self::outage()
    }

    async fn query_values(
        &self,
        _: &crate::store::Statement,
    ) -> Result<Vec<crate::store::Values>, crate::store::StoreError> {
        Self::outage()
    }

    async fn batch(
        &self,
        _: &[crate::store::Statement],
    ) -> Result<Vec<Vec<crate::store::Row>>, crate::store::StoreError> {
        Self::outage()
    }
}

/// Durable Object namespaces where `failing` does not answer.
struct Namespaces {
    failing: Option<&'static str>,
}

impl DurableObjectPinger for Namespaces {
    fn bindings(&self) -> Vec<&'static str> {
        vec!["ARTISAN_HUB", "LIVE_HUB"]
    }

    fn ping<'a>(
        &'a self,
        binding: &'a str,
    ) -> futures::future::LocalBoxFuture<'a, Result<(), PingFailure>> {
        let failing = self.failing == Some(binding);
        Box::pin(async move {
            if failing {
                Err(PingFailure::Timeout)
            } else {
                Ok(())
            }
        })
    }
}

fn health<S: crate::store::Store>(world: World<S>) -> crate::api::http::HttpResponse {
    let http = HttpRequest {
        method: "GET".into(),
        path: "/parse/health".into(),
        ..HttpRequest::default()
    };
    world.handle(&http)
}

#[test]
fn health_answers_200_naming_every_dependency_it_checked() {
    let response = health(World::new().with_durable_objects(Namespaces { failing: None }));
    assert_eq!(response.status, 200);
    let body = response.body_json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["checks"]["database"]["status"], "ok");
    assert_eq!(
        body["checks"]["durableObjects"]["ARTISAN_HUB"]["status"],
        "ok"
    );
    assert_eq!(body["checks"]["durableObjects"]["LIVE_HUB"]["status"], "ok");
}

#[test]
fn a_durable_object_namespace_that_does_not_answer_makes_health_503() {
    let response = health(World::new().with_durable_objects(Namespaces {
        failing: Some("LIVE_HUB"),
    }));
    assert_eq!(response.status, 503);
    let body = response.body_json();
    assert_eq!(body["status"], "error");
    assert_eq!(body["checks"]["database"]["status"], "ok");
    assert_eq!(
        body["checks"]["durableObjects"]["ARTISAN_HUB"]["status"],
        "ok"
    );
    let live_hub = &body["checks"]["durableObjects"]["LIVE_HUB"];
    assert_eq!(live_hub["status"], "error");
    assert_eq!(live_hub["error"], "timed out");
}

#[test]
fn a_database_that_fails_makes_health_503_without_its_error_text() {
    let response =
        health(World::on(BrokenStore).with_durable_objects(Namespaces { failing: None }));
    assert_eq!(response.status, 503);
    let body = response.body_json();
    assert_eq!(body["checks"]["database"]["status"], "error");
    let text = String::from_utf8_lossy(&response.body);
    assert!(
        !text.contains("SQLITE_IOERR") && !text.contains("/var/secret"),
        "{text}"
    );
}

/// A request as (method, path, body, headers).
type Call<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Runs `requests` in turn on one server, answering the log facts of the last.
fn facts_of(requests: &[Call]) -> (crate::api::http::HttpResponse, RequestFacts) {
    let world = World::new().with_config(Config {
        master_key: Some("the-master-key".into()),
        session_secret: Some("a-session-secret-of-enough-length".into()),
        pbkdf2_iterations: 1_000,
        ..Config::default()
    });
    let mut last = None;
    for (method, path, body, headers) in requests {
        let mut headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        headers.push(("x-parse-application-id".into(), "artisan-market".into()));
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let http = HttpRequest {
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            headers,
            body: body.as_bytes().to_vec(),
            origin: "http://localhost".into(),
        };
        last = Some(world.handle_logged(&http));
    }
    last.expect("at least one request")
}

#[test]
fn a_login_is_logged_with_the_user_it_signed_in_and_its_route() {
    let signup = r#"{"username":"ada","password":"pw-ada-123","email":"ada@example.com"}"#;
    let login = r#"{"username":"ada","password":"pw-ada-123"}"#;
    let (response, facts) = facts_of(&[
        ("POST", "/parse/users", signup, &[]),
        ("POST", "/parse/login", login, &[]),
    ]);
    assert_eq!(response.status, 200);
    let user = response.body_json()["objectId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        facts,
        RequestFacts {
            route: Some("/login".into()),
            user: Some(user),
            ..RequestFacts::default()
        }
    );
}

#[test]
fn the_log_names_master_and_anonymous_callers_and_keeps_ids_out_of_routes() {
    let master: &[(&str, &str)] = &[("x-parse-master-key", "the-master-key")];
    let (_, facts) = facts_of(&[("GET", "/parse/classes/Product/abc123", "", master)]);
    assert_eq!(facts.route.as_deref(), Some("/classes/Product/:objectId"));
    assert_eq!(facts.user.as_deref(), Some("master"));
    let (_, facts) = facts_of(&[("GET", "/parse/users/abc123", "", &[])]);
    assert_eq!(facts.route.as_deref(), Some("/users/:objectId"));
    assert_eq!(facts.user, None);
    let (_, facts) = facts_of(&[("GET", "/parse/nowhere/at/all", "", &[])]);
    assert_eq!(facts.route, None);
}

/// Found by `make fuzz`: two isolates adding the same new field at once raced on its `ALTER
/// TABLE`, and the loser answered 500 ("duplicate column name"). Here the second isolate's
/// registry is stale, as it would be within the cache's TTL.
#[test]
fn a_field_another_isolate_just_added_is_not_a_server_error() {
    let world = World::new().with_config(Config {
        master_key: Some("mk".into()),
        ..Config::default()
    });
    let (first_isolate, second_isolate) = (SchemaCache::default(), SchemaCache::default());
    let post = |cache: &SchemaCache, body: &str| {
        let http = HttpRequest {
            method: "POST".into(),
            path: "/parse/classes/Scratch".into(),
            headers: vec![
                ("x-parse-application-id".into(), "artisan-market".into()),
                ("x-parse-master-key".into(), "mk".into()),
                ("content-type".into(), "application/json".into()),
            ],
            body: body.as_bytes().to_vec(),
            origin: "http://localhost".into(),
            ..HttpRequest::default()
        };
        world.services_in(cache, |services| block_on(handle_logged(services, &http)).0)
    };
    // Both isolates know the class (and load their registry) before the field exists.
    assert_eq!(post(&first_isolate, r#"{"a":1}"#).status, 201);
    assert_eq!(post(&second_isolate, r#"{"a":2}"#).status, 201);
    assert_eq!(post(&first_isolate, r#"{"b":true}"#).status, 201);
    let raced = post(&second_isolate, r#"{"b":false}"#);
    assert_eq!(raced.status, 201, "{:?}", raced.body_json());
    let wrong_type = post(&second_isolate, r#"{"b":"text"}"#);
    assert_eq!(wrong_type.body_json()["code"], 111);
}

#[test]
fn answers_holding_a_session_token_are_no_store_and_every_json_answer_is_nosniff() {
    use serde_json::json;
    let world = World::signing_up();
    let no_store =
        |r: &crate::api::http::HttpResponse| r.header("cache-control") == Some("no-store");
    let signed_up = world.call(
        "POST",
        "/users",
        Some(&json!({"username": "ann", "password": "pw-long-enough"})),
        &[],
    );
    assert!(no_store(&signed_up), "{:?}", signed_up.headers);
    let token = signed_up.body_json()["sessionToken"]
        .as_str()
        .unwrap()
        .to_string();
    let id = signed_up.body_json()["objectId"]
        .as_str()
        .unwrap()
        .to_string();
    let login = world.call(
        "POST",
        "/login",
        Some(&json!({"username": "ann", "password": "pw-long-enough"})),
        &[],
    );
    assert!(no_store(&login));
    let session = [("x-parse-session-token", token.as_str())];
    for path in ["/users/me", "/sessions/me", &format!("/users/{id}")] {
        let answer = world.call("GET", path, None, &session);
        assert_eq!(answer.status, 200, "{path}");
        assert!(no_store(&answer), "{path}: {:?}", answer.headers);
    }
    let public = world.call("GET", "/classes/Product", None, &[]);
    assert_eq!(public.header("cache-control"), None);
    for answer in [&signed_up, &login, &public, &get("/parse/health", &[])] {
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    }
    let refused = get("/parse/classes/Product", &[]);
    assert_eq!(refused.status, 403);
    assert_eq!(refused.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn a_database_fault_answers_a_fixed_message_and_only_the_log_has_the_driver_text() {
    let world = World::on(BrokenStore);
    let http = HttpRequest {
        method: "GET".into(),
        path: "/parse/classes/Product".into(),
        headers: vec![("x-parse-application-id".into(), "artisan-market".into())],
        origin: "http://localhost".into(),
        ..HttpRequest::default()
    };
    let (response, facts) = world.handle_logged(&http);
    assert_eq!(response.status, 500);
    assert_eq!(
        response.body_json(),
        serde_json::json!({"code": 1, "error": "Internal server error."})
    );
    assert!(facts
        .internal_error
        .is_some_and(|detail| detail.contains("SQLITE_IOERR")));
}

#[test]
fn a_failed_constraint_is_told_as_its_rule_never_by_its_name() {
    use crate::error::ParseError;
    use crate::store::StoreError;
    for (constraint, words) in [
        (
            "stock_must_be_a_non_negative_integer",
            "stock must be a whole number",
        ),
        ("price_must_be_positive", "price must be greater than 0"),
        ("_Session.user", "a value is missing or not allowed"),
    ] {
        let e: ParseError = StoreError::Check(constraint.into()).into();
        assert_eq!(e.code as i32, 142);
        assert!(e.message.contains(words), "{constraint}: {}", e.message);
        assert!(!e.message.contains(constraint), "{}", e.message);
    }
}

#[test]
fn absolute_urls_come_from_public_url_and_else_from_the_requests_origin() {
    use serde_json::json;
    let product_url = |world: &World, origin: &str| {
        let mut headers = vec![
            (
                "x-parse-application-id".to_string(),
                "artisan-market".to_string(),
            ),
            ("x-parse-master-key".to_string(), "master".to_string()),
        ];
        headers.push(("host".into(), "evil.example".into()));
        let created = world.handle(&HttpRequest {
            method: "POST".into(),
            path: "/parse/classes/Thing".into(),
            headers,
            body: json!({"n": 1}).to_string().into_bytes(),
            origin: origin.into(),
            ..HttpRequest::default()
        });
        assert_eq!(created.status, 201, "{:?}", created.body_json());
        let openapi = world.handle(&HttpRequest {
            method: "GET".into(),
            path: "/parse/openapi.json".into(),
            origin: origin.into(),
            ..HttpRequest::default()
        });
        (
            created.header("location").unwrap().to_string(),
            openapi.body_json()["servers"][0]["url"].clone(),
        )
    };
    let configured = World::signing_up().with_config(Config {
        master_key: Some("master".into()),
        public_url: Some("https://api.example.com/parse".into()),
        allow_client_class_creation: true,
        ..Config::default()
    });
    let (location, server) = product_url(&configured, "http://evil.example");
    assert!(
        location.starts_with("https://api.example.com/parse/classes/Thing/"),
        "{location}"
    );
    assert_eq!(server, json!("https://api.example.com/parse"));
    let unset = World::signing_up();
    let (location, server) = product_url(&unset, "http://127.0.0.1:8787");
    assert!(
        location.starts_with("http://127.0.0.1:8787/parse/classes/Thing/"),
        "{location}"
    );
    assert_eq!(server, json!("http://127.0.0.1:8787/parse"));
    let from_vars = Config::from_vars(|name| {
        (name == "PUBLIC_URL").then(|| "https://shop.example/parse/".to_string())
    });
    assert_eq!(
        from_vars.public_url.as_deref(),
        Some("https://shop.example/parse")
    );
    assert_eq!(
        Config::from_vars(|name| (name == "PUBLIC_URL").then(|| "evil".to_string())).public_url,
        None
    );
}
