//! Property test of the whole request path (issue 7): random HTTP requests (any method, routes
//! of every endpoint and hostile ones, query strings, headers with good, bad or no credentials,
//! bodies that are JSON objects of every shape, SDK envelopes, random bytes, JSON nested beyond
//! the depth cap, bodies beyond the size cap) through `router::handle_logged` on the seeded database,
//! as an anonymous client, a signed-in buyer or the master key. Every answer:
//!
//! - comes back (no panic) with a status a client error or a success may have, never 5xx;
//! - is JSON, and an error carries Parse's `{code, error}` with a known code (or the bare
//!   `{error}` of a 403), never code 1.
//!
//! `PROPTEST_CASES` raises the number of cases (256 by default).

use crate::api::http::{HttpRequest, HttpResponse};
use crate::error::Code;
use crate::service::config::Config;
use crate::testing::arbitrary::{query_params, valid_query_params, valid_write_body, write_body};
use crate::testing::World;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const MASTER_KEY: &str = "prop-master-key";
/// A small body cap, so that the 413 path is reached by bodies the generators can afford.
const MAX_BODY_BYTES: usize = 16 * 1024;

fn config() -> Config {
    Config {
        master_key: Some(MASTER_KEY.into()),
        session_secret: Some("prop-session-secret-of-some-length".into()),
        payment_webhook_secret: Some("prop-webhook-secret".into()),
        max_body_bytes: MAX_BODY_BYTES,
        // Sign-ups hash passwords: one iteration keeps a case fast.
        pbkdf2_iterations: 1,
        ..Config::default()
    }
}

/// One request as generated: who sends it, and what.
#[derive(Debug, Clone)]
struct Call {
    method: String,
    route: String,
    query: String,
    /// 0 anonymous, 1 the signed-in buyer, 2 master key, 3 a wrong master key, 4 a forged token.
    credentials: u8,
    app_id: Option<String>,
    request_id: Option<String>,
    body: Vec<u8>,
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec!["GET", "POST", "PUT", "DELETE"]).prop_map(String::from),
        1 => prop::sample::select(vec!["OPTIONS", "PATCH", "get", "HEAD", "X;Y"]).prop_map(String::from),
    ]
}

fn route() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        6 => prop::sample::select(vec![
            "classes/Fuzz", "classes/Fuzz/f000000001", "classes/Fuzz/missing000", "classes/Product",
            "classes/Product/p000000001", "classes/Order", "classes/Order/o000000001", "classes/_User",
            "classes/_Session", "classes/Nqzclass", "users", "users/me", "users/u000000001", "login",
            "logout", "sessions", "sessions/me", "batch", "schemas", "schemas/Fuzz", "schemas/Nqzclass",
            "purge/Fuzz", "functions/checkout", "functions/nqz", "config", "serverInfo", "health",
            "requestPasswordReset", "webhooks/payment", "classes/Fuzz/f000000001/extra", "",
        ])
        .prop_map(String::from),
        1 => "[a-zA-Z0-9%/._~-]{0,20}",
        1 => any::<String>().prop_map(|s| s.chars().take(20).collect()),
    ];
    prop_oneof![
        9 => segment.clone().prop_map(|s| format!("/parse/{s}")),
        1 => segment,
    ]
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Query parameters as a URL query string: each value its string, JSON values as JSON.
fn query_string(params: &Map<String, Value>) -> String {
    params
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{}={}", url_encode(k), url_encode(&text))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        3 => prop_oneof![query_params(), valid_query_params()].prop_map(|p| query_string(&p)),
        1 => "[a-z=&%+0-9A-F{}\"]{0,40}",
    ]
}

/// A JSON value nested `depth` levels deep.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |inner, i| {
        if i % 2 == 0 {
            json!([inner])
        } else {
            json!({ "a": inner })
        }
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let json_object = prop_oneof![
        write_body(),
        valid_write_body(),
        query_params(),
        valid_query_params(),
        // The SDK's envelope: a query or write as a POST with `_method` and credentials.
        (
            prop::sample::select(vec!["GET", "PUT", "DELETE", "POST", "nqz"]),
            prop_oneof![query_params(), valid_write_body()],
            any::<bool>(),
        )
            .prop_map(|(m, mut b, master)| {
                b.insert("_method".into(), json!(m));
                b.insert("_ApplicationId".into(), json!("artisan-market"));
                if master {
                    b.insert("_MasterKey".into(), json!(MASTER_KEY));
                }
                b
            }),
        // Orders and batches, with random parts.
        (vec(prop_oneof![
            Just(json!({"product": {"__type": "Pointer", "className": "Product", "objectId": "p000000001"}, "quantity": 1})),
            crate::testing::arbitrary::value(),
        ], 0..4), prop::option::of(crate::testing::arbitrary::value()))
            .prop_map(|(items, total)| {
                let mut b = Map::new();
                b.insert("items".into(), Value::Array(items));
                if let Some(total) = total {
                    b.insert("totalAmount".into(), total);
                }
                b
            }),
        (vec((method(), route(), write_body()), 0..4), any::<bool>()).prop_map(|(requests, tx)| {
            let requests: Vec<Value> = requests
                .into_iter()
                .map(|(m, p, b)| json!({"method": m, "path": p, "body": b}))
                .collect();
            let mut b = Map::new();
            b.insert("requests".into(), Value::Array(requests));
            b.insert("transaction".into(), json!(tx));
            b
        }),
    ];
    prop_oneof![
        3 => Just(Vec::new()),
        8 => json_object.prop_map(|b| Value::Object(b).to_string().into_bytes()),
        1 => vec(any::<u8>(), 0..64),
        1 => (25usize..40).prop_map(|d| json!({ "where": nested(d) }).to_string().into_bytes()),
        1 => Just(format!("{{\"str\":\"{}\"}}", "x".repeat(MAX_BODY_BYTES)).into_bytes()),
        1 => crate::testing::arbitrary::value().prop_map(|v| v.to_string().into_bytes()),
    ]
}

fn call() -> impl Strategy<Value = Call> {
    (
        method(),
        route(),
        query(),
        prop_oneof![3 => Just(0u8), 3 => Just(1u8), 3 => Just(2u8), 1 => Just(3u8), 1 => Just(4u8)],
        prop_oneof![
            8 => Just(Some("artisan-market".to_string())),
            1 => Just(None),
            1 => Just(Some("nqz-other-app".to_string())),
        ],
        prop::option::weighted(0.3, "[a-zA-Z0-9 -]{0,140}"),
        body(),
    )
        .prop_map(
            |(method, route, query, credentials, app_id, request_id, body)| Call {
                method,
                route,
                query,
                credentials,
                app_id,
                request_id,
                body,
            },
        )
}

/// A request a client would send: a query, a create or an update of the seeded classes, an
/// order, a batch, with the right method and good credentials.
fn coherent_call() -> impl Strategy<Value = Call> {
    let order = vec(
        prop_oneof![
            Just("p000000001"),
            Just("p000000002"),
            Just("f000000001")
        ]
        .prop_flat_map(|id| {
            (0i64..4).prop_map(move |q| {
                json!({"product": {"__type": "Pointer", "className": "Product", "objectId": id}, "quantity": q})
            })
        }),
        1..3,
    )
    .prop_map(|items| json!({ "items": items }));
    let batch = vec(valid_write_body(), 1..4).prop_map(|bodies| {
        let requests: Vec<Value> = bodies
            .into_iter()
            .map(|b| json!({"method": "POST", "path": "/parse/classes/Fuzz", "body": b}))
            .collect();
        json!({ "requests": requests })
    });
    let json = |v: Value| v.to_string().into_bytes();
    let shape = prop_oneof![
        3 => (prop::sample::select(vec!["Fuzz", "Product", "Order", "Fenced"]), valid_query_params())
            .prop_map(|(c, p)| ("GET", format!("/parse/classes/{c}"), query_string(&p), vec![])),
        2 => valid_write_body().prop_map(move |b| ("POST", "/parse/classes/Fuzz".to_string(), String::new(), json(Value::Object(b)))),
        2 => valid_write_body().prop_map(move |b| ("PUT", "/parse/classes/Fuzz/f000000001".to_string(), String::new(), json(Value::Object(b)))),
        2 => order.prop_map(move |b| ("POST", "/parse/classes/Order".to_string(), String::new(), json(b))),
        1 => batch.prop_map(move |b| ("POST", "/parse/batch".to_string(), String::new(), json(b))),
        1 => Just(("GET", "/parse/users/me".to_string(), String::new(), vec![])),
    ];
    (
        shape,
        prop_oneof![Just(1u8), Just(2u8), Just(0u8)],
        prop::option::weighted(0.3, "[a-z0-9]{1,8}"),
    )
        .prop_map(
            |((method, route, query, body), credentials, request_id)| Call {
                method: method.into(),
                route,
                query,
                credentials,
                app_id: Some("artisan-market".into()),
                request_id,
                body,
            },
        )
}

/// Statuses a response may have: successes and client errors.
const STATUSES: [u16; 7] = [200, 201, 400, 403, 404, 413, 429];

fn check(response: &HttpResponse, call: &Call) {
    assert!(
        STATUSES.contains(&response.status),
        "{call:?} answered {} {}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    // A preflight's answer has no body, nor has a HEAD's.
    if call.method.eq_ignore_ascii_case("OPTIONS") || call.method.eq_ignore_ascii_case("HEAD") {
        return;
    }
    let body: Value = serde_json::from_slice(&response.body).unwrap_or_else(|_| {
        panic!(
            "{call:?}: body is not JSON: {}",
            String::from_utf8_lossy(&response.body)
        )
    });
    if response.status >= 400 {
        assert!(body["error"].is_string(), "{call:?}: {body}");
        if response.status != 403 || body.get("code").is_some() {
            let code = body["code"].as_i64().expect("an error code") as i32;
            assert!(
                code != 1 && Code::from_i32(code) != Code::Internal,
                "{call:?}: {body}"
            );
        }
    }
}

fn run(calls: &[Call]) {
    let world = World::fuzz().with_config(config());
    let send = |call: &Call, token: Option<&str>| {
        let mut headers = vec![];
        if let Some(app) = &call.app_id {
            headers.push(("x-parse-application-id".to_string(), app.clone()));
        }
        match call.credentials {
            1 => headers.extend(token.map(|t| ("x-parse-session-token".into(), t.to_string()))),
            2 => headers.push(("x-parse-master-key".into(), MASTER_KEY.into())),
            3 => headers.push(("x-parse-master-key".into(), "nqz-wrong".into())),
            4 => headers.push(("x-parse-session-token".into(), "r:nqz.forged.token".into())),
            _ => {}
        }
        if let Some(id) = &call.request_id {
            headers.push(("x-parse-request-id".into(), id.clone()));
        }
        let http = HttpRequest {
            method: call.method.clone(),
            path: call.route.clone(),
            query: call.query.clone(),
            headers,
            body: call.body.clone(),
            origin: "http://localhost".into(),
        };
        world.handle(&http)
    };
    // A signed-in buyer for the calls that use a session.
    let sign_up = Call {
        method: "POST".into(),
        route: "/parse/users".into(),
        query: String::new(),
        credentials: 0,
        app_id: Some("artisan-market".into()),
        request_id: None,
        body: json!({"username": "prop_buyer", "password": "pw-prop-long"})
            .to_string()
            .into_bytes(),
    };
    let signed_up = send(&sign_up, None);
    assert_eq!(signed_up.status, 201, "{:?}", signed_up.body_json());
    let token = signed_up.body_json()["sessionToken"]
        .as_str()
        .map(String::from);
    for call in calls {
        check(&send(call, token.as_deref()), call);
    }
}

proptest! {
    #[test]
    fn random_requests_never_answer_5xx(
        calls in vec(prop_oneof![call(), coherent_call()], 1..5),
    ) {
        run(&calls);
    }
}
