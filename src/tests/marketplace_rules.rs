//! The template's write rules through the whole router on SQLite: fields only the server sets.

use crate::testing::World;
use serde_json::{json, Value};

fn sign_up(world: &World, name: &str, extra: Value) -> (String, String) {
    let mut body = json!({"username": name, "password": "pw-long-enough"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let answer = world.call("POST", "/users", Some(&body), &[]);
    assert_eq!(answer.status, 201, "{:?}", answer.body_json());
    let body = answer.body_json();
    (
        body["objectId"].as_str().unwrap().to_string(),
        body["sessionToken"].as_str().unwrap().to_string(),
    )
}

/// An artisan with one product; the product's id.
pub(crate) fn product(world: &World) -> String {
    let (artisan, token) = sign_up(world, "maker", json!({"role": "artisan"}));
    let session = [("x-parse-session-token", token.as_str())];
    let profile = world.call(
        "POST",
        "/classes/Artisan",
        Some(&json!({"name": "Maker", "user": {"__type": "Pointer", "className": "_User", "objectId": artisan}})),
        &session,
    );
    assert_eq!(profile.status, 201, "{:?}", profile.body_json());
    let owner = profile.body_json()["objectId"].clone();
    let product = world.call(
        "POST",
        "/classes/Product",
        Some(
            &json!({"sku": "V-1", "title": "Vase", "price": 52, "stock": 7,
                     "owner": {"__type": "Pointer", "className": "Artisan", "objectId": owner}}),
        ),
        &session,
    );
    assert_eq!(product.status, 201, "{:?}", product.body_json());
    product.body_json()["objectId"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_access_log_is_stamped_with_the_servers_time_whatever_the_client_sent() {
    let world = World::signing_up();
    let product = product(&world);
    let (_, token) = sign_up(&world, "viewer", json!({}));
    let session = [("x-parse-session-token", token.as_str())];
    let created = world.call(
        "POST",
        "/classes/AccessLog",
        Some(&json!({
            "product": {"__type": "Pointer", "className": "Product", "objectId": product},
            "accessTime": {"__type": "Date", "iso": "1970-01-01T00:00:00.000Z"}
        })),
        &session,
    );
    assert_eq!(created.status, 201, "{:?}", created.body_json());
    let id = created.body_json()["objectId"]
        .as_str()
        .unwrap()
        .to_string();
    let read = world.call("GET", &format!("/classes/AccessLog/{id}"), None, &session);
    let iso = read.body_json()["accessTime"]["iso"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(iso.as_str() > "2020", "the server's time, not 1970: {iso}");
}

#[test]
fn a_client_cannot_sign_up_with_a_verified_email_but_the_master_key_can() {
    let world = World::signing_up();
    let refused = world.call(
        "POST",
        "/users",
        Some(&json!({"username": "v", "password": "pw-long-enough", "email": "v@example.com", "emailVerified": true})),
        &[],
    );
    assert_eq!(refused.status, 400, "{:?}", refused.body_json());
    assert_eq!(refused.body_json()["code"], 119);
    let users = world.call(
        "GET",
        "/classes/_User?count=1&limit=0",
        None,
        &[("x-parse-master-key", "master")],
    );
    assert_eq!(users.body_json()["count"], 0, "nothing was created");
    sign_up(&world, "unverified", json!({"emailVerified": false}));
    let by_master = world.call(
        "POST",
        "/users",
        Some(&json!({"username": "w", "password": "pw-long-enough", "emailVerified": true})),
        &[("x-parse-master-key", "master")],
    );
    assert_eq!(by_master.status, 201, "{:?}", by_master.body_json());
}

#[test]
fn an_increment_cannot_make_a_price_or_a_stock_invalid_and_a_refused_one_changes_nothing() {
    let world = World::signing_up();
    let product = product(&world);
    let master = [("x-parse-master-key", "master")];
    let path = format!("/classes/Product/{product}");
    let increment = |field: &str, amount: Value| {
        let body = json!({ field: {"__op": "Increment", "amount": amount} });
        let answer = world.call("PUT", &path, Some(&body), &master);
        (answer.status, answer.body_json()["code"].clone())
    };
    let now = |field: &str| world.call("GET", &path, None, &master).body_json()[field].clone();
    for (field, amount) in [
        ("price", json!(0.001)),
        ("price", json!(-52)),
        ("price", json!(-60)),
        ("stock", json!(0.5)),
        ("stock", json!(-8)),
    ] {
        assert_eq!(
            increment(field, amount.clone()),
            (400, json!(142)),
            "{field} += {amount}"
        );
    }
    assert_eq!((now("price"), now("stock")), (json!(52), json!(7)));
    assert_eq!(increment("price", json!(-1.5)).0, 200);
    assert_eq!(increment("stock", json!(-7)).0, 200);
    assert_eq!((now("price"), now("stock")), (json!(50.5), json!(0)));
}

/// A user made an admin by the master key; its session token.
fn admin(world: &World, name: &str) -> String {
    let (id, _) = sign_up(world, name, json!({}));
    let master = [("x-parse-master-key", "master")];
    let made = world.call(
        "PUT",
        &format!("/users/{id}"),
        Some(&json!({"role": "admin"})),
        &master,
    );
    assert_eq!(made.status, 200, "{:?}", made.body_json());
    let login = world.call(
        "POST",
        "/login",
        Some(&json!({"username": name, "password": "pw-long-enough"})),
        &[],
    );
    assert_eq!(login.status, 200, "{:?}", login.body_json());
    login.body_json()["sessionToken"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_admin_reads_every_user_and_a_buyer_only_itself() {
    let world = World::signing_up();
    let (ben, ben_token) = sign_up(&world, "ben", json!({}));
    let (chloe, _) = sign_up(&world, "chloe", json!({}));
    let admin_token = admin(&world, "boss");
    let as_admin = [("x-parse-session-token", admin_token.as_str())];
    let all = world.call("GET", "/users?order=username", None, &as_admin);
    assert_eq!(all.status, 200, "{:?}", all.body_json());
    let names: Vec<String> = all.body_json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["ben", "boss", "chloe"]);
    let one = world.call("GET", &format!("/users/{chloe}"), None, &as_admin);
    assert_eq!(one.status, 200, "{:?}", one.body_json());
    assert_eq!(one.body_json()["role"], "buyer");

    let as_ben = [("x-parse-session-token", ben_token.as_str())];
    let mine = world.call("GET", "/users", None, &as_ben);
    let ids: Vec<Value> = mine.body_json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["objectId"].clone())
        .collect();
    assert_eq!(ids, [json!(ben)]);
    let other = world.call("GET", &format!("/users/{chloe}"), None, &as_ben);
    assert_eq!(other.status, 404, "a buyer reads no other user");
}

#[test]
fn an_admin_changes_another_users_role_but_nothing_else_of_it_and_not_its_own() {
    let world = World::signing_up();
    let (ben, ben_token) = sign_up(&world, "ben", json!({}));
    let admin_token = admin(&world, "boss");
    let as_admin = [("x-parse-session-token", admin_token.as_str())];
    let path = format!("/users/{ben}");

    let changed = world.call("PUT", &path, Some(&json!({"role": "artisan"})), &as_admin);
    assert_eq!(changed.status, 200, "{:?}", changed.body_json());
    let read = world.call("GET", &path, None, &as_admin);
    assert_eq!(read.body_json()["role"], "artisan");

    let password = world.call(
        "PUT",
        &path,
        Some(&json!({"password": "taken-over-now"})),
        &as_admin,
    );
    assert_ne!(
        password.status, 200,
        "an admin may not set another's password"
    );
    let both = world.call(
        "PUT",
        &path,
        Some(&json!({"role": "buyer", "username": "renamed"})),
        &as_admin,
    );
    assert_eq!(both.body_json()["code"], 119, "{:?}", both.body_json());
    let me = world.call("GET", "/users/me", None, &as_admin);
    let my_id = me.body_json()["objectId"].as_str().unwrap().to_string();
    let own = world.call(
        "PUT",
        &format!("/users/{my_id}"),
        Some(&json!({"role": "buyer"})),
        &as_admin,
    );
    assert_eq!(own.body_json()["code"], 119, "{:?}", own.body_json());

    // A buyer changes nobody's role, its own included.
    let as_ben = [("x-parse-session-token", ben_token.as_str())];
    let by_ben = world.call("PUT", &path, Some(&json!({"role": "admin"})), &as_ben);
    assert_ne!(by_ben.status, 200, "{:?}", by_ben.body_json());
}
