//! GraphQL through the whole stack, natively: the transport, the schema from the registry, the
//! resolvers on the same services as REST, the errors and the limits.

use crate::api::http::{HttpRequest, HttpResponse};
use crate::store::{Counted, Store};
use crate::testing::{SqliteStore, World};
use futures::executor::block_on;
use serde_json::{json, Value};

type Shop = World<Counted<SqliteStore>>;

fn world() -> Shop {
    World::on(Counted::new(SqliteStore::migrated())).with_config(World::signing_up().config)
}

fn send<S: Store>(
    world: &World<S>,
    method: &str,
    query: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> HttpResponse {
    let mut all = vec![(
        "x-parse-application-id".to_string(),
        "artisan-market".to_string(),
    )];
    if method == "POST" {
        all.push(("content-type".into(), "application/json".into()));
    }
    for (k, v) in headers {
        all.retain(|(name, _)| name != k);
        all.push((k.to_string(), v.to_string()));
    }
    world.services(|services| {
        block_on(crate::graphql::handle_logged(
            services,
            &HttpRequest {
                method: method.into(),
                path: "/graphql".into(),
                query: query.into(),
                headers: all,
                body: body.as_bytes().to_vec(),
                origin: "http://localhost".into(),
            },
        ))
        .0
    })
}

fn gql<S: Store>(
    world: &World<S>,
    q: &str,
    variables: Value,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let r = send(
        world,
        "POST",
        "",
        &json!({ "query": q, "variables": variables }).to_string(),
        headers,
    );
    (r.status, r.body_json())
}

const MASTER: &[(&str, &str)] = &[("x-parse-master-key", "master")];

fn session(token: &str) -> [(&str, &str); 1] {
    [("x-parse-session-token", token)]
}

/// An artisan (with its profile) and a buyer, signed up through REST, and two products.
struct Seeded {
    artisan_token: String,
    artisan_profile: String,
    buyer_token: String,
    buyer_id: String,
    products: Vec<String>,
}

fn seed(world: &Shop) -> Seeded {
    let sign_up = |name: &str, role: &str| {
        let r = world.call(
            "POST",
            "/users",
            Some(&json!({"username": name, "password": "pw-123456", "email": format!("{name}@x.test"), "role": role})),
            &[],
        );
        assert_eq!(r.status, 201, "{:?}", r.body_json());
        let body = r.body_json();
        (
            body["sessionToken"].as_str().unwrap().to_string(),
            body["objectId"].as_str().unwrap().to_string(),
        )
    };
    let (artisan_token, artisan_id) = sign_up("mira", "artisan");
    let (buyer_token, buyer_id) = sign_up("ben", "buyer");
    let r = world.call(
        "POST",
        "/classes/Artisan",
        Some(&json!({"name": "Mira", "user": {"__type": "Pointer", "className": "_User", "objectId": artisan_id}})),
        &session(&artisan_token),
    );
    assert_eq!(r.status, 201, "{:?}", r.body_json());
    let artisan_profile = r.body_json()["objectId"].as_str().unwrap().to_string();
    let products = [("Bowl", 20.0, 1), ("Vase", 35.5, 3)]
        .iter()
        .map(|(title, price, stock)| {
            let r = world.call(
                "POST",
                "/classes/Product",
                Some(&json!({"title": title, "sku": title, "price": price, "stock": stock, "owner": {"__type": "Pointer", "className": "Artisan", "objectId": artisan_profile}})),
                &session(&artisan_token),
            );
            assert_eq!(r.status, 201, "{:?}", r.body_json());
            r.body_json()["objectId"].as_str().unwrap().to_string()
        })
        .collect();
    Seeded {
        artisan_token,
        artisan_profile,
        buyer_token,
        buyer_id,
        products,
    }
}

#[test]
fn health_answers_and_the_schema_builds_for_both_audiences() {
    let world = world();
    let (status, body) = gql(&world, "{ health }", json!(null), &[]);
    assert_eq!((status, &body), (200, &json!({"data": {"health": true}})));
    let (status, body) = gql(&world, "{ health __typename }", json!(null), MASTER);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn products_with_their_owners_are_one_round_trip() {
    let world = world();
    let shop = seed(&world);
    let q = "query Browse($max: Float) { products(first: 20, order: [price_DESC], where: {price: {lessThan: $max}}) { edges { cursor node { id objectId title price owner { name user { username } } } } } }";
    gql(&world, q, json!({"max": 100}), &[]);
    let before = world.store.round_trips.get();
    let (status, body) = gql(&world, q, json!({"max": 100}), &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        world.store.round_trips.get() - before,
        1,
        "one D1 round trip"
    );
    let edges = body["data"]["products"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2, "{body}");
    assert_eq!(edges[0]["node"]["title"], "Vase");
    assert_eq!(edges[0]["node"]["owner"]["name"], "Mira");
    // The artisan's user is private to strangers: null, as Parse answers.
    assert_eq!(edges[0]["node"]["owner"]["user"], Value::Null);
    assert_eq!(edges[1]["node"]["objectId"], shop.products[0].as_str());
    assert_eq!(
        edges[1]["node"]["id"],
        crate::graphql::global_id_for_tests("Product", &shop.products[0])
    );
}

#[test]
fn a_have_by_id_filters_by_the_pointer_and_counts_only_when_asked() {
    let world = world();
    let shop = seed(&world);
    let (status, body) = gql(
        &world,
        "query($a: ID!) { products(where: {owner: {have: {objectId: {equalTo: $a}}}}) { count pageInfo { hasNextPage hasPreviousPage } } }",
        json!({"a": shop.artisan_profile}),
        &[],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["products"]["count"], 2);
    assert_eq!(body["data"]["products"]["pageInfo"]["hasNextPage"], false);
    let (_, body) = gql(
        &world,
        "{ products(first: 1) { edges { node { title } } pageInfo { hasNextPage endCursor } } }",
        json!(null),
        &[],
    );
    assert_eq!(
        body["data"]["products"]["pageInfo"]["hasNextPage"], true,
        "{body}"
    );
}

#[test]
fn create_order_is_the_checkout_and_update_order_the_state_machine() {
    let world = world();
    let shop = seed(&world);
    let create = "mutation($p: Any!) { createOrder(input: {fields: {items: [{product: $p, quantity: 1}], totalAmount: 1}}) { order { objectId status totalAmount buyer { objectId } } } }";
    let pointer =
        json!({"__type": "Pointer", "className": "Product", "objectId": shop.products[0]});
    // The client's total must be the server's: 142, nothing written.
    let (status, body) = gql(
        &world,
        create,
        json!({"p": pointer}),
        &session(&shop.buyer_token),
    );
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], 142, "{body}");
    let create = create.replace(", totalAmount: 1", "");
    let (_, body) = gql(
        &world,
        &create,
        json!({"p": pointer}),
        &session(&shop.buyer_token),
    );
    let order = &body["data"]["createOrder"]["order"];
    assert_eq!(order["status"], "pending", "{body}");
    assert_eq!(order["totalAmount"], 20, "{body}");
    assert_eq!(order["buyer"]["objectId"], shop.buyer_id.as_str());
    let order_id = order["objectId"].as_str().unwrap().to_string();
    // Sold out: 142.
    let (_, body) = gql(
        &world,
        &create,
        json!({"p": pointer}),
        &session(&shop.buyer_token),
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], 142, "{body}");
    // An order is not shipped before it is paid.
    let step = "mutation($id: ID!, $s: String) { updateOrder(input: {id: $id, fields: {status: $s}}) { order { status } } }";
    let (_, body) = gql(
        &world,
        step,
        json!({"id": order_id, "s": "shipped"}),
        &session(&shop.artisan_token),
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], 142, "{body}");
    assert_eq!(body["data"], json!({"updateOrder": null}));
    let (_, body) = gql(
        &world,
        step,
        json!({"id": order_id, "s": "cancelled"}),
        &session(&shop.buyer_token),
    );
    assert_eq!(
        body["data"]["updateOrder"]["order"]["status"], "cancelled",
        "{body}"
    );
}

#[test]
fn sign_up_log_in_viewer_and_log_out_share_rest_sessions() {
    let world = world();
    let (_, body) = gql(
        &world,
        "mutation { signUp(input: {fields: {username: \"ann\", password: \"pw-123456\", role: \"admin\"}}) { viewer { sessionToken } } }",
        json!(null),
        &[],
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"], 119,
        "sign-up cannot choose admin: {body}"
    );
    let (_, body) = gql(
        &world,
        "mutation { signUp(input: {fields: {username: \"ann\", password: \"pw-123456\"}, clientMutationId: \"c1\"}) { clientMutationId viewer { sessionToken user { username role } } } }",
        json!(null),
        &[],
    );
    assert_eq!(body["data"]["signUp"]["clientMutationId"], "c1", "{body}");
    assert_eq!(body["data"]["signUp"]["viewer"]["user"]["username"], "ann");
    let token = body["data"]["signUp"]["viewer"]["sessionToken"]
        .as_str()
        .unwrap()
        .to_string();
    // The GraphQL session works in REST.
    let me = world.call("GET", "/users/me", None, &session(&token));
    assert_eq!(me.body_json()["username"], "ann");
    let (_, body) = gql(&world, "mutation { logIn(input: {username: \"ann\", password: \"nope\"}) { viewer { sessionToken } } }", json!(null), &[]);
    assert_eq!(body["errors"][0]["extensions"]["code"], 101, "{body}");
    assert_eq!(body["data"], json!({"logIn": null}));
    let (_, body) = gql(
        &world,
        "{ viewer { user { username } } }",
        json!(null),
        &session(&token),
    );
    assert_eq!(body["data"]["viewer"]["user"]["username"], "ann", "{body}");
    let (_, body) = gql(
        &world,
        "mutation { logOut(input: {}) { ok } }",
        json!(null),
        &session(&token),
    );
    assert_eq!(body["data"]["logOut"]["ok"], true, "{body}");
    let r = send(
        &world,
        "POST",
        "",
        &json!({"query": "{ health }"}).to_string(),
        &session(&token),
    );
    assert_eq!((r.status, r.body_json()["code"].clone()), (400, json!(209)));
    let (_, body) = gql(&world, "{ viewer { sessionToken } }", json!(null), &[]);
    assert_eq!(body["errors"][0]["extensions"]["code"], 209, "{body}");
    assert_eq!(body["data"], Value::Null);
}

#[test]
fn transport_errors_have_apollo_statuses_and_are_always_json() {
    let world = world();
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Vec<(&'a str, &'a str)>,
        u16,
        Value,
    );
    let cases: Vec<Case> = vec![
        (
            "POST",
            "",
            "{ health",
            vec![("content-type", "application/json")],
            400,
            json!("BAD_REQUEST"),
        ),
        (
            "POST",
            "",
            r#"{"query": "{ health"}"#,
            vec![],
            400,
            json!("GRAPHQL_PARSE_FAILED"),
        ),
        (
            "POST",
            "",
            r#"{"query": "{ nope }"}"#,
            vec![],
            400,
            json!("GRAPHQL_VALIDATION_FAILED"),
        ),
        (
            "POST",
            "",
            r#"[{"query": "{ health }"}]"#,
            vec![],
            400,
            json!("BAD_REQUEST"),
        ),
        (
            "POST",
            "",
            r#"{"query": "{ health }"}"#,
            vec![("content-type", "text/plain")],
            400,
            json!("BAD_REQUEST"),
        ),
        ("POST", "", r#"{}"#, vec![], 400, json!("BAD_REQUEST")),
        (
            "POST",
            "",
            r#"{"query": "query A { health } query B { health }"}"#,
            vec![],
            400,
            json!("OPERATION_RESOLUTION_FAILURE"),
        ),
        (
            "POST",
            "",
            r#"{"query": "query($n: Int) { products(first: $n) { count } }", "variables": {"n": "x"}}"#,
            vec![],
            400,
            json!("BAD_USER_INPUT"),
        ),
        (
            "GET",
            "query=mutation%20%7B%20logOut%20%7B%20ok%20%7D%20%7D",
            "",
            vec![],
            405,
            json!("BAD_REQUEST"),
        ),
        ("PUT", "", "", vec![], 405, json!("METHOD_NOT_ALLOWED")),
    ];
    for (method, qs, body, headers, status, code) in cases {
        let r = send(&world, method, qs, body, &headers);
        let json = r.body_json();
        assert_eq!(r.status, status, "{method} {qs} {body}: {json}");
        assert_eq!(
            json["errors"][0]["extensions"]["code"], code,
            "{body}: {json}"
        );
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
    }
    let r = send(&world, "POST", "", r#"{"query": "{ nope }"}"#, &[]);
    assert_eq!(
        r.body_json()["errors"][0]["message"],
        "Cannot query field \"nope\"."
    );
    let r = send(
        &world,
        "POST",
        "",
        r#"{"query": "{ health }"}"#,
        &[("x-parse-application-id", "wrong")],
    );
    assert_eq!(
        (r.status, r.body_json()),
        (403, json!({"error": "unauthorized"}))
    );
    let r = send(&world, "GET", "query=%7B%20health%20%7D", "", &[]);
    assert_eq!(
        (r.status, r.body_json()),
        (200, json!({"data": {"health": true}}))
    );
    let r = send(
        &world,
        "POST",
        "",
        r#"{"query": "subscription { health }"}"#,
        &[],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body_json()["data"], Value::Null);
}

#[test]
fn deep_input_is_refused_before_parsing_and_limits_hold() {
    let world = world();
    let deep = format!(
        "{{ products(where: {}) {{ count }} }}",
        "{AND: [".repeat(5_000)
    );
    let r = send(&world, "POST", "", &json!({"query": deep}).to_string(), &[]);
    assert_eq!(r.status, 400, "{:?}", r.body_json());
    let deep = format!("{}{}", "{ a ".repeat(3_000), "}".repeat(3_000));
    let r = send(
        &world,
        "POST",
        "",
        &json!({"query": deep}).to_string(),
        MASTER,
    );
    assert_eq!(r.status, 400);
    let aliases: String = (0..21).map(|i| format!("a{i}: health ")).collect();
    let (status, body) = gql(&world, &format!("{{ {aliases} }}"), json!(null), &[]);
    assert_eq!(status, 400, "{body}");
    let nested = "{ products { edges { node { owner { user { username } } } } } }";
    assert_eq!(gql(&world, nested, json!(null), &[]).0, 200);
    let too_deep = "{ node(id: \"x\") { ... on Product { owner { user { username } owner: user { a: username } } } } orders { edges { node { buyer { username } artisan { user { username } } products { ... on Element { value } ... on Product { owner { user { username } } } } } } } }";
    let (status, body) = gql(&world, too_deep, json!(null), &[]);
    assert_eq!(status, 200, "within limits: {body}");
    let body = format!(
        "{{\"query\": \"{{ health }}\", \"pad\": \"{}\"}}",
        "x".repeat(1_100_000)
    );
    let r = send(&world, "POST", "", &body, &[]);
    assert_eq!(r.status, 413);
}

#[test]
fn introspection_is_for_the_master_key_and_typename_for_everyone() {
    let world = world();
    let q = "{ __schema { types { name } } }";
    let r = send(&world, "POST", "", &json!({"query": q}).to_string(), &[]);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body_json()["errors"][0]["message"],
        "Introspection is not allowed"
    );
    let (status, body) = gql(&world, q, json!(null), MASTER);
    assert_eq!(status, 200);
    let names: Vec<&str> = body["data"]["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for expected in [
        "Product",
        "ProductConnection",
        "ProductWhereInput",
        "User",
        "Viewer",
        "AccessLog",
    ] {
        assert!(names.contains(&expected), "{expected}");
    }
    let (status, body) = gql(&world, "{ __typename }", json!(null), &[]);
    assert_eq!(
        (status, body),
        (200, json!({"data": {"__typename": "Query"}}))
    );
}

#[test]
fn a_class_added_through_schemas_appears_without_a_restart() {
    let world = world();
    let (_, body) = gql(&world, "{ gadgets { count } }", json!(null), &[]);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let (_, body) = gql(
        &world,
        "mutation { createClass(input: {name: \"Gadget\", schemaFields: {addStrings: [{name: \"label\"}], addPointers: [{name: \"maker\", targetClassName: \"Artisan\"}]}}) { class { name schemaFields { name ... on SchemaPointerField { targetClassName } } } } }",
        json!(null),
        MASTER,
    );
    assert_eq!(
        body["data"]["createClass"]["class"]["name"], "Gadget",
        "{body}"
    );
    let (_, body) = gql(
        &world,
        "mutation { createClass(input: {name: \"Nope\"}) { class { name } } }",
        json!(null),
        &[],
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], 119, "{body}");
    let (_, body) = gql(
        &world,
        "mutation { createGadget(input: {fields: {label: \"x\"}}) { gadget { id label } } }",
        json!(null),
        MASTER,
    );
    assert_eq!(
        body["data"]["createGadget"]["gadget"]["label"], "x",
        "{body}"
    );
    let (_, body) = gql(
        &world,
        "{ gadgets { count edges { node { label } } } }",
        json!(null),
        MASTER,
    );
    assert_eq!(body["data"]["gadgets"]["count"], 1, "{body}");
}

#[test]
fn a_missing_object_is_101_with_null_data() {
    let world = world();
    let (status, body) = gql(
        &world,
        "{ product(id: \"abcdefghij\") { title } }",
        json!(null),
        &[],
    );
    assert_eq!(status, 200);
    assert_eq!(body["data"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], 101);
    assert_eq!(body["errors"][0]["path"], json!(["product"]));
}

#[test]
fn a_request_reads_at_most_fifty_times_whatever_its_aliases() {
    let world = world();
    let aliases: String = (0..60)
        .map(|i| format!("a{i}: products(first: 1) {{ count }} "))
        .collect();
    let (status, body) = gql(&world, &format!("{{ {aliases} }}"), json!(null), MASTER);
    assert_eq!(status, 200, "{body}");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 10, "{body}");
    assert!(errors.iter().all(|e| e["extensions"]["code"] == 102));
}
