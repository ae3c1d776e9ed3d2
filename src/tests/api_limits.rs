//! The abuse limits through the whole router on SQLite: what a refused request looks like on the
//! wire, and that no route around a handler (`/classes/_User`, `/batch`) escapes its limit.

use crate::abuse::limits::Limits;
use crate::abuse::lockout::Lockout;
use crate::abuse::rate_limit::RateLimit;
use crate::api::http::{HttpRequest, HttpResponse};
use crate::service::config::Config;
use crate::testing::World;
use serde_json::{json, Value};

const MINUTE: i64 = 60_000;

struct Server {
    world: World,
}

impl Server {
    fn new() -> Self {
        Server {
            world: World::new().with_config(Config {
                session_secret: Some("s".repeat(32)),
                master_key: Some("master".into()),
                pbkdf2_iterations: 1_000,
                limits: Limits {
                    login_lockout: Lockout {
                        threshold: 3,
                        duration_ms: 15 * MINUTE,
                    },
                    login_per_client: RateLimit {
                        max: 100,
                        window_ms: 15 * MINUTE,
                    },
                    signup_per_client: RateLimit {
                        max: 3,
                        window_ms: 60 * MINUTE,
                    },
                    checkout_per_buyer: RateLimit::DISABLED,
                },
                ..Config::default()
            }),
        }
    }

    fn post(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> HttpResponse {
        let mut all = vec![(
            "x-parse-application-id".to_string(),
            "artisan-market".to_string(),
        )];
        all.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let http = HttpRequest {
            method: "POST".into(),
            path: format!("/parse{path}"),
            headers: all,
            body: body.to_string().into_bytes(),
            origin: "http://localhost".into(),
            ..HttpRequest::default()
        };
        self.world.handle(&http)
    }
}

const FROM_A: (&str, &str) = ("cf-connecting-ip", "203.0.113.10");
const FROM_B: (&str, &str) = ("cf-connecting-ip", "203.0.113.11");

#[test]
fn a_locked_account_answers_429_code_155_with_retry_after_even_for_its_password() {
    let server = Server::new();
    let signed_up = server.post(
        "/users",
        json!({"username": "ann", "password": "right"}),
        &[FROM_A],
    );
    assert_eq!(signed_up.status, 201);
    for _ in 0..3 {
        let wrong = server.post(
            "/login",
            json!({"username": "ann", "password": "wrong"}),
            &[FROM_A],
        );
        assert_eq!(wrong.status, 404);
    }
    let locked = server.post(
        "/login",
        json!({"username": "ann", "password": "right"}),
        &[FROM_B],
    );
    assert_eq!(locked.status, 429);
    assert_eq!(locked.body_json()["code"], 155);
    assert_eq!(
        locked.body_json()["error"],
        "Your account is locked due to multiple failed login attempts. Please try again after 15 minute(s)"
    );
    assert_eq!(locked.header("retry-after"), Some("900"));
    assert!(locked
        .header("access-control-expose-headers")
        .is_some_and(|h| h.contains("Retry-After")));
    let master = server.post(
        "/login",
        json!({"username": "ann", "password": "right"}),
        &[FROM_B, ("x-parse-master-key", "master")],
    );
    assert_eq!(master.status, 200, "the master key is exempt");
}

#[test]
fn the_lock_covers_the_account_by_username_and_by_email_alike() {
    let server = Server::new();
    let body = json!({"username": "bo", "password": "right", "email": "bo@example.test"});
    assert_eq!(server.post("/users", body, &[FROM_A]).status, 201);
    for who in [
        json!({"username": "bo"}),
        json!({"email": "bo@example.test"}),
        json!({"username": "bo"}),
    ] {
        let mut attempt = who.clone();
        attempt["password"] = json!("wrong");
        assert_eq!(server.post("/login", attempt, &[FROM_A]).status, 404);
    }
    let by_email = server.post(
        "/login",
        json!({"email": "bo@example.test", "password": "right"}),
        &[FROM_A],
    );
    assert_eq!(by_email.status, 429);
}

#[test]
fn sign_ups_are_counted_on_every_route_to_them() {
    let server = Server::new();
    assert_eq!(
        server
            .post(
                "/users",
                json!({"username": "u1", "password": "p"}),
                &[FROM_A]
            )
            .status,
        201
    );
    assert_eq!(
        server
            .post(
                "/classes/_User",
                json!({"username": "u2", "password": "p"}),
                &[FROM_A]
            )
            .status,
        201
    );
    let batch = server.post(
        "/batch",
        json!({"requests": [
            {"method": "POST", "path": "/parse/users", "body": {"username": "u3", "password": "p"}},
            {"method": "POST", "path": "/parse/users", "body": {"username": "u4", "password": "p"}},
        ]}),
        &[FROM_A],
    );
    assert_eq!(batch.status, 200);
    let answers = batch.body_json();
    assert!(answers[0]["success"]["objectId"].is_string(), "{answers}");
    assert_eq!(answers[1]["error"]["code"], 155, "{answers}");
    let elsewhere = server.post(
        "/users",
        json!({"username": "u5", "password": "p"}),
        &[FROM_B],
    );
    assert_eq!(elsewhere.status, 201);
}

#[test]
fn a_malformed_sign_up_costs_no_quota() {
    let server = Server::new();
    for _ in 0..5 {
        let bad = server.post("/users", json!({"username": "nopassword"}), &[FROM_A]);
        assert_eq!(bad.body_json()["code"], 201);
    }
    assert_eq!(
        server
            .post(
                "/users",
                json!({"username": "ok", "password": "p"}),
                &[FROM_A]
            )
            .status,
        201
    );
}
