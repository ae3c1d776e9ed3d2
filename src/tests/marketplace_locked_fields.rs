//! Fields a client may not change once an object exists (a user's role, a product's owner…):
//! sending them back unchanged is not a change, as SDKs that save whole objects do; any other
//! value is 119; and the check reveals nothing about objects the caller may not write.

use crate::api::http::HttpResponse;
use crate::service::Config;
use crate::testing::World;
use serde_json::{json, Value};

fn world() -> World {
    World::new().with_config(Config {
        session_secret: Some("a-session-secret-of-enough-length".into()),
        pbkdf2_iterations: 1_000,
        ..Config::default()
    })
}

fn call(world: &World, method: &str, path: &str, token: Option<&str>, body: Value) -> HttpResponse {
    let session = token.map(|t| ("x-parse-session-token", t));
    world.call(method, path, Some(&body), session.as_slice())
}

/// Signs up `name` as `role`: (objectId, session token).
fn sign_up(world: &World, name: &str, role: &str) -> (String, String) {
    let answer = call(
        world,
        "POST",
        "/users",
        None,
        json!({"username": name, "password": "pw-1234567", "role": role}),
    );
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer.body_json();
    (
        body["objectId"].as_str().unwrap().into(),
        body["sessionToken"].as_str().unwrap().into(),
    )
}

#[test]
fn a_locked_field_sent_back_unchanged_is_not_a_change() {
    let world = world();
    let (id, token) = sign_up(&world, "ana", "buyer");
    let saved = call(
        &world,
        "PUT",
        &format!("/users/{id}"),
        Some(&token),
        json!({"role": "buyer", "email": "ana@example.test"}),
    );
    assert_eq!(
        saved.status,
        200,
        "{}",
        String::from_utf8_lossy(&saved.body)
    );
    let me = call(&world, "GET", "/users/me", Some(&token), json!({}));
    assert_eq!(me.body_json()["email"], "ana@example.test");
}

#[test]
fn a_locked_field_with_another_value_is_119_and_changes_nothing() {
    let world = world();
    let (id, token) = sign_up(&world, "ben", "buyer");
    let promoted = call(
        &world,
        "PUT",
        &format!("/users/{id}"),
        Some(&token),
        json!({"role": "artisan", "email": "ben@example.test"}),
    );
    assert_eq!(promoted.status, 400);
    assert_eq!(promoted.body_json()["code"], 119);
    let me = call(&world, "GET", "/users/me", Some(&token), json!({})).body_json();
    assert_eq!(me["role"], "buyer");
    assert!(
        me.get("email").is_none(),
        "the whole update was refused: {me}"
    );
    let op = call(
        &world,
        "PUT",
        &format!("/users/{id}"),
        Some(&token),
        json!({"role": {"__op": "Delete"}}),
    );
    assert_eq!(op.body_json()["code"], 119);
}

#[test]
fn the_check_tells_nothing_about_an_object_the_caller_may_not_read() {
    let world = world();
    let (victim, _) = sign_up(&world, "cleo", "artisan");
    let (_, token) = sign_up(&world, "dan", "buyer");
    for role in ["artisan", "buyer"] {
        let probe = call(
            &world,
            "PUT",
            &format!("/users/{victim}"),
            Some(&token),
            json!({"role": role}),
        );
        assert_eq!(
            (probe.status, probe.body_json()["code"].clone()),
            (404, json!(101)),
            "role {role}"
        );
    }
}
