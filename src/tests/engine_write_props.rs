//! Property tests of writes (issue 7): random create and update bodies (field operations with
//! random arguments, `__type` values, ACLs, reserved, hostile and made-up keys) on any class, as
//! the master key (which may add fields), an anonymous client or a signed-in user:
//!
//! 1. planning never panics, and a refusal is a client error, never code 1 (500);
//! 2. no statement carries a user-supplied value in its SQL text, and a made-up field name
//!    reaches SQL only as a quoted identifier, in a write that may add fields (master key);
//! 3. the plan runs on the real schema, where the database may refuse it only with a
//!    constraint (137, 142) or a size limit, never an SQL error; and the class stays readable
//!    afterwards, JSON-reading queries included (what was stored is well-formed).
//!
//! `PROPTEST_CASES` raises the number of cases (256 by default).

use crate::engine::find::FindOptions;
use crate::engine::write::WritePlan;
use crate::error::{Code, ParseError, Result};
use crate::testing::arbitrary::{class_name, valid_write_body, write_body};
use crate::testing::fuzz::{access, assert_bound};
use crate::testing::World;
use futures::executor::block_on;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn assert_client_error(e: &ParseError, what: &str) {
    assert!(
        e.code != Code::Internal && e.status() < 500,
        "{what} answered {e} ({})",
        e.status()
    );
}

/// The objects a write targets: created, an existing one, or one that does not exist.
#[derive(Debug, Clone, Copy)]
enum Target {
    Create,
    Existing,
    Missing,
}

fn existing_id(class: &str) -> &'static str {
    match class {
        "Product" => "p000000001",
        "Order" => "o000000001",
        "_User" => crate::testing::fuzz::BUYER,
        "Artisan" => "a000000001",
        "Fenced" => "c000000001",
        _ => "f000000001",
    }
}

fn check_write(class: &str, kind: u8, target: Target, body: &Map<String, Value>) {
    let world = World::fuzz();
    let registry = world.registry();
    let access = access(kind);
    let objects = world.objects(&registry, &access);
    let planned: Result<WritePlan> = match target {
        Target::Create => objects.plan_create(class, body),
        Target::Existing => objects.plan_update(class, existing_id(class), body),
        Target::Missing => objects.plan_update(class, "vqzMissing", body),
    };
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => return assert_client_error(&e, "planning"),
    };
    for statement in &plan.statements {
        assert_bound(statement, access.is_master());
    }
    if let Err(e) = block_on(objects.execute(&plan)) {
        assert_client_error(&e, "writing");
    }

    // Whatever was stored, the class still answers, JSON-reading predicates included.
    let registry = world.registry();
    let master = access_master();
    let reader = world.objects(&registry, &master);
    for where_ in [
        json!({}),
        json!({"arr": {"$all": [1]}, "obj.a": {"$in": [null, 1]}}),
        json!({"arr": {"$containedBy": ["a", 1]}, "ptr": {"$inQuery": {"className": "Fuzz", "where": {}}}}),
    ] {
        if registry.get(class).is_none() {
            break;
        }
        let params = json!({"where": where_, "limit": 1000, "count": 1});
        let options =
            FindOptions::from_params(params.as_object().expect("params")).expect("a valid query");
        match block_on(reader.find(class, &options)) {
            Ok(_) => {}
            // The JSON-reading predicates name Fuzz's fields; other classes may refuse them.
            Err(e) if class != "Fuzz" && e.code == Code::InvalidQuery => {}
            Err(e) => panic!("{class} unreadable after the write: {e}"),
        }
    }
}

fn access_master() -> crate::engine::access::Access {
    crate::engine::access::Access::Master
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::Create),
        Just(Target::Existing),
        Just(Target::Missing)
    ]
}

fn write_class() -> impl Strategy<Value = String> {
    prop_oneof![4 => Just("Fuzz".to_string()), 2 => class_name()]
}

proptest! {
    #[test]
    fn random_writes_plan_bound_sql_that_runs(
        class in write_class(),
        kind in 0u8..3,
        target in target(),
        body in write_body(),
    ) {
        check_write(&class, kind, target, &body);
    }

    #[test]
    fn well_formed_writes_plan_bound_sql_that_runs(
        kind in 0u8..3,
        target in target(),
        body in valid_write_body(),
    ) {
        check_write("Fuzz", kind, target, &body);
    }
}
