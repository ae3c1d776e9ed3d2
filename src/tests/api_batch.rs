//! `/batch` through the whole router on SQLite: what a transaction may and may not write.

use crate::error::Code;
use crate::testing::World;
use serde_json::{json, Value};

fn transaction(world: &World, requests: Value, headers: &[(&str, &str)]) -> (u16, Value) {
    let answer = world.call(
        "POST",
        "/batch",
        Some(&json!({"transaction": true, "requests": requests})),
        headers,
    );
    (answer.status, answer.body_json())
}

fn users(world: &World) -> i64 {
    let answer = world.call(
        "GET",
        "/classes/_User?count=1&limit=0",
        None,
        &[("x-parse-master-key", "master")],
    );
    answer.body_json()["count"].as_i64().unwrap()
}

#[test]
fn a_transactional_batch_cannot_create_a_user_even_with_the_master_key() {
    let world = World::signing_up();
    let create = |path: &str| {
        json!([{"method": "POST", "path": path,
                "body": {"username": "squat", "password": "pw-long-enough"}}])
    };
    for headers in [&[][..], &[("x-parse-master-key", "master")][..]] {
        let (status, body) = transaction(&world, create("/parse/classes/_User"), headers);
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["code"], Code::MustCreateUserThroughSignup as i32);
        // `/users` is no object write at all in a transaction.
        let (status, body) = transaction(&world, create("/parse/users"), headers);
        assert_eq!((status, body["code"].clone()), (400, json!(107)), "{body}");
    }
    assert_eq!(users(&world), 0);
    // The same create outside a transaction is a sign-up.
    let one = world.call(
        "POST",
        "/batch",
        Some(&json!({"requests": create("/parse/users")})),
        &[],
    );
    assert!(one.body_json()[0]["success"]["sessionToken"].is_string());
    assert_eq!(users(&world), 1);
}

#[test]
fn a_transactional_batch_cannot_create_a_session_and_writes_nothing_else() {
    let world = World::signing_up();
    let (status, body) = transaction(
        &world,
        json!([
            {"method": "POST", "path": "/parse/classes/Thing", "body": {"n": 1}},
            {"method": "POST", "path": "/parse/classes/_Session", "body": {}}
        ]),
        &[("x-parse-master-key", "master")],
    );
    assert_eq!((status, body["code"].clone()), (400, json!(119)), "{body}");
    let things = world.call(
        "GET",
        "/classes/Thing",
        None,
        &[("x-parse-master-key", "master")],
    );
    let things = things.body_json()["results"].as_array().map_or(0, Vec::len);
    assert_eq!(things, 0, "the transaction wrote nothing");
}
