//! Queries that once failed with an SQL error (a 500 the SDK retries), found by the property
//! tests (`query_props`) and reproduced against `wrangler dev`; each now answers what Parse would.

use crate::engine::find::FindOptions;
use crate::error::ParseError;
use crate::testing::fuzz::access;
use crate::testing::World;
use futures::executor::block_on;
use serde_json::{json, Value};

const MASTER: u8 = 0;
const BUYER: u8 = 2;

/// The objectIds `where` finds on `class` for the client `kind`, in insertion order.
fn ids(kind: u8, class: &str, where_: Value) -> Result<Vec<String>, ParseError> {
    let world = World::fuzz();
    let registry = world.registry();
    let access = access(kind);
    let objects = world.objects(&registry, &access);
    let params = json!({"where": where_, "limit": 1000, "count": 1});
    let options = FindOptions::from_params(params.as_object().expect("params"))?;
    let found = block_on(objects.find(class, &options))?;
    Ok(found["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|o| o["objectId"].as_str().map(String::from))
        .collect())
}

#[test]
fn pointer_permissions_on_an_array_skip_elements_that_are_not_pointers() {
    // c000000003's `watchers` holds the buyer's id as a bare string: not a pointer, no access.
    assert_eq!(
        ids(BUYER, "Fenced", json!({})),
        Ok(vec!["c000000001".into(), "c000000002".into()])
    );
}

#[test]
fn in_query_on_an_array_skips_elements_that_are_not_pointers() {
    // f000000003's `arr` holds a pointer to f000000001 (num 1) beside a plain object; others
    // hold strings and numbers.
    assert_eq!(
        ids(
            MASTER,
            "Fuzz",
            json!({"arr": {"$inQuery": {"className": "Fuzz", "where": {"num": 1}}}})
        ),
        Ok(vec!["f000000003".into()])
    );
}

fn fuzz(where_: Value) -> Result<Vec<String>, ParseError> {
    ids(MASTER, "Fuzz", where_)
}

fn f(numbers: &[u8]) -> Result<Vec<String>, ParseError> {
    Ok(numbers.iter().map(|n| format!("f00000000{n}")).collect())
}

#[test]
fn a_dotted_key_named_twice_in_one_predicate_binds_its_path_twice() {
    // obj: f1 {a:1}, f2 {a:"x"}, f3 {}, f4 unset, f5 {a:[1,2]}.
    assert_eq!(fuzz(json!({"obj.a": {"$ne": 1}})), f(&[2, 3, 4, 5]));
    assert_eq!(fuzz(json!({"obj.a": {"$in": [null, "x"]}})), f(&[2, 3, 4]));
    assert_eq!(fuzz(json!({"obj.a": {"$nin": [1]}})), f(&[2, 3, 4, 5]));
    assert_eq!(fuzz(json!({"obj.a": {"$nin": [null, 1]}})), f(&[2, 5]));
    assert_eq!(
        fuzz(json!({"obj.a": {"$exists": true}, "obj.b.c": "x"})),
        f(&[1])
    );
}

#[test]
fn long_value_lists_are_one_parameter() {
    // D1 binds at most 100 parameters per statement; lists may hold 1,000 values.
    let mut titles: Vec<Value> = (0..999).map(|i| json!(format!("t{i}"))).collect();
    titles.push(json!("Vase"));
    assert_eq!(fuzz(json!({"str": {"$in": titles.clone()}})), f(&[1]));
    assert_eq!(
        fuzz(json!({"str": {"$nin": titles}, "num": {"$exists": true}})),
        f(&[2, 3, 5])
    );
    // $all once made one EXISTS per value: beyond D1's expression depth of 100.
    let many_a: Vec<Value> = (0..1000).map(|_| json!("a")).collect();
    assert_eq!(fuzz(json!({"arr": {"$all": many_a}})), f(&[1]));
    assert_eq!(fuzz(json!({"arr": {"$all": ["a", "b"]}})), f(&[1]));
    assert_eq!(fuzz(json!({"arr": {"$all": ["a", "c"]}})), f(&[]));
    let numbers: Vec<Value> = (0..500).map(|n| json!(n)).collect();
    assert_eq!(
        fuzz(json!({"arr": {"$containedBy": numbers}, "num": {"$exists": true}})),
        f(&[2, 5])
    );
}

#[test]
fn all_and_contained_by_read_only_json() {
    // On a String field they once ran json_each over plain text: malformed JSON, a 500.
    for op in ["$all", "$containedBy"] {
        let err = fuzz(json!({"str": {op: ["Vase"]}})).unwrap_err();
        assert_eq!(err.code, crate::error::Code::InvalidQuery, "{op}");
    }
    // At a dotted key a scalar is a one-element array, as in MongoDB.
    assert_eq!(fuzz(json!({"obj.a": {"$all": ["x"]}})), f(&[2]));
    assert_eq!(fuzz(json!({"obj.a": {"$all": [1, 2]}})), f(&[5]));
    assert_eq!(
        fuzz(json!({"obj.a": {"$containedBy": [1, 2, 3]}})),
        f(&[1, 3, 4, 5])
    );
}

#[test]
fn sorting_by_a_relation_sorts_nothing() {
    // A relation has no column: ORDER BY t."rel" was 'no such column', a 500.
    let world = World::fuzz();
    let registry = world.registry();
    let access = access(MASTER);
    let objects = world.objects(&registry, &access);
    let params = json!({"order": "rel,-num", "keys": "num"});
    let options = FindOptions::from_params(params.as_object().expect("params")).expect("options");
    let found = block_on(objects.find("Fuzz", &options)).expect("a sorted answer");
    let order: Vec<&str> = found["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|o| o["objectId"].as_str())
        .collect();
    // By num, descending: f5 (2^53 + 1), f2 (2.5), f1 (1), f3 (-3), f4 (unset).
    assert_eq!(
        order,
        [
            "f000000005",
            "f000000002",
            "f000000001",
            "f000000003",
            "f000000004"
        ]
    );
}

#[test]
fn wide_or_and_and_nest_log_deep() {
    // A flat `a OR b OR ...` nests one level per branch: 100 branches went past D1's
    // expression depth of 100.
    let branches: Vec<Value> = (0..300)
        .map(|_| json!({"str": {"$exists": true}}))
        .collect();
    assert_eq!(fuzz(json!({"$or": branches.clone()})), f(&[1, 2, 3, 4, 5]));
    assert_eq!(fuzz(json!({"$nor": branches.clone()})), f(&[]));
    assert_eq!(
        fuzz(json!({"$and": branches, "num": {"$exists": true}})),
        f(&[1, 2, 3, 5])
    );
    let keys: serde_json::Map<String, Value> = (0..300)
        .map(|i| (format!("unknown{i}"), Value::Null))
        .collect();
    assert_eq!(fuzz(Value::Object(keys)), f(&[1, 2, 3, 4, 5]));
}

#[test]
fn selecting_a_relation_key_is_a_client_error() {
    // A relation has no column: `SELECT s1."rel"` was 'no such column', a 500.
    let select = json!({"query": {"className": "Fuzz", "where": {}}, "key": "rel"});
    for op in ["$select", "$dontSelect"] {
        let err = fuzz(json!({"str": {op: select.clone()}})).unwrap_err();
        assert_eq!(err.code, crate::error::Code::InvalidQuery, "{op}");
    }
    let strings = json!({"query": {"className": "Fuzz", "where": {"num": 1}}, "key": "str"});
    assert_eq!(fuzz(json!({"str": {"$select": strings}})), f(&[1]));
}

#[test]
fn a_query_beyond_d1_limits_is_refused_as_the_clients_to_narrow() {
    // 150 branches bind 150 values: D1 binds at most 100 per statement. The database refuses
    // it; the answer is a 400 the SDK does not retry, not a 500 it retries five times.
    let branches: Vec<Value> = (0..150).map(|i| json!({"str": format!("s{i}")})).collect();
    let err = fuzz(json!({"$or": branches})).unwrap_err();
    assert_eq!(
        (err.code, err.status()),
        (crate::error::Code::InvalidQuery, 400)
    );
}

#[test]
fn long_literal_regexes_fit_d1s_pattern_limit() {
    // The SDK's startsWith/contains/endsWith with more than ~48 characters made a GLOB or
    // LIKE pattern over D1's 50 bytes: 'LIKE or GLOB pattern too complex'.
    let long = "Vase".repeat(15);
    for (pattern, options) in [
        (format!(r"^\Q{long}\E"), ""),
        (format!(r"\Q{long}\E"), ""),
        (format!(r"\Q{long}\E$"), ""),
        (format!(r"^\Q{long}\E"), "i"),
        (format!(r"\Q{long}\E"), "i"),
        (format!(r"^\Q{long}\E$"), "i"),
    ] {
        assert_eq!(
            fuzz(json!({"str": {"$regex": pattern, "$options": options}})),
            f(&[]),
            "{pattern}/{options}"
        );
    }
    assert_eq!(
        fuzz(json!({"arr": {"$regex": format!("^{}", "a".repeat(60)), "$options": "i"}})),
        f(&[])
    );
}

#[test]
fn a_user_with_many_roles_can_still_read() {
    // Each ACL key was its own parameter, in every statement that checks an ACL: a user
    // holding about 100 roles went past D1's 100 bound parameters on every read.
    let world = World::fuzz();
    let registry = world.registry();
    let access = crate::engine::access::Access::Client(crate::engine::access::Principal {
        user_id: Some(crate::testing::fuzz::BUYER.into()),
        session_id: None,
        roles: (0..150)
            .map(|i| format!("r{i}"))
            .chain(["buyer".into()])
            .collect(),
    });
    let objects = world.objects(&registry, &access);
    let params = json!({"where": {"ptr": {"$inQuery": {"className": "Fuzz", "where": {}}}}, "include": "ptr"});
    let options = FindOptions::from_params(params.as_object().expect("params")).expect("options");
    let found = block_on(objects.find("Fuzz", &options)).expect("an answer");
    let ids: Vec<&str> = found["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|o| o["objectId"].as_str())
        .collect();
    // f1 (public) points at f2 (the buyer's); f2 at f1; f3 is role:buyer's but points nowhere.
    assert_eq!(ids, ["f000000001", "f000000002"]);
}

#[test]
fn sorting_by_a_protected_field_is_refused_as_querying_it_is() {
    let world = World::signing_up();
    let sign_up = |name: &str| {
        let answer = world.call(
            "POST",
            "/users",
            Some(&json!({"username": name, "password": "pw-long-enough", "email": format!("{name}@secret.example")})),
            &[],
        );
        answer.body_json()["sessionToken"]
            .as_str()
            .unwrap()
            .to_string()
    };
    sign_up("victim");
    let spy = sign_up("spy");
    let session = [("x-parse-session-token", spy.as_str())];
    for path in [
        "/classes/_User?order=email",
        "/classes/_User?order=-username,email",
    ] {
        let refused = world.call("GET", path, None, &session);
        assert_eq!(refused.status, 400, "{path}");
        assert_eq!(refused.body_json()["code"], 119, "{path}");
    }
    let by_name = world.call("GET", "/classes/_User?order=username", None, &session);
    assert_eq!(by_name.status, 200);
    let master = world.call(
        "GET",
        "/classes/_User?order=email",
        None,
        &[("x-parse-master-key", "master")],
    );
    assert_eq!(master.status, 200);
}
