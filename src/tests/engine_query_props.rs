//! Property tests of the query compiler (issue 7): for random query parameters (`where` with
//! every operator, nested and hostile; `order`, `keys`, `include`, `limit`, `skip`, `count`) on
//! any class, as the master key, an anonymous client or a signed-in user:
//!
//! 1. decoding and compiling never panic, and a refusal is a client error, never code 1 (500);
//! 2. no statement carries a user-supplied value in its SQL text (see `fuzz_world` for the
//!    markers that make this checkable), and its placeholders match its parameters one for one;
//! 3. the plan runs on the real schema (SQLite with the migrations, seeded) without an SQL error,
//!    for find and for count; it answers at most `limit` rows (capped at `MAX_LIMIT`), and the
//!    rows agree with the count (both statements bind the same predicate).
//!
//! `PROPTEST_CASES` raises the number of cases (256 by default).

use crate::engine::clp::{self, Operation};
use crate::engine::find::{FindOptions, FindPlan, MAX_LIMIT};
use crate::error::{Code, ParseError};
use crate::testing::arbitrary::{class_name, query_params, valid_class, valid_query_params};
use crate::testing::fuzz::{access, assert_bound};
use crate::testing::World;
use futures::executor::block_on;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// What a client's query may be refused with.
const QUERY_ERRORS: [Code; 6] = [
    Code::InvalidQuery,
    Code::InvalidJson,
    Code::InvalidKeyName,
    Code::OperationForbidden,
    Code::IncorrectType,
    Code::InvalidClassName,
];

fn assert_client_error(e: &ParseError, what: &str) {
    assert!(
        QUERY_ERRORS.contains(&e.code) && e.status() < 500,
        "{what} answered {e} ({})",
        e.status()
    );
}

fn check_query(class: &str, kind: u8, params: &Map<String, Value>) {
    let world = World::fuzz();
    let registry = world.registry();
    let access = access(kind);
    let options = match FindOptions::from_params(params) {
        Ok(options) => options,
        Err(e) => return assert_client_error(&e, "decoding the query"),
    };
    let mut with_count = options.clone();
    with_count.count = true;

    // Property 2, on the statements themselves (probes included).
    if let Some(schema) = registry.get(class) {
        if let Ok(permission) = clp::check(schema, &access, Operation::Find) {
            match FindPlan::compile(&registry, &access, schema, &with_count, &permission) {
                Ok(plan) => {
                    for statement in plan.statements() {
                        assert_bound(&statement, false);
                    }
                    for probe in &plan.probes {
                        assert_bound(&probe.statement(), false);
                    }
                }
                Err(e) => assert_client_error(&e, "compiling"),
            }
        }
    }

    // Property 3: the whole read path, probes and all, on the seeded database.
    let objects = world.objects(&registry, &access);
    let found = block_on(objects.find(class, &with_count));
    let mut counting = options.clone();
    counting.limit = 0;
    counting.count = true;
    let counted = block_on(objects.find(class, &counting));
    let (found, counted) = match (found, counted) {
        (Ok(found), Ok(counted)) => (found, counted),
        (found, counted) => {
            for e in [found.err(), counted.err()].iter().flatten() {
                assert_client_error(e, "running");
            }
            return;
        }
    };
    let rows = found["results"].as_array().map_or(0, Vec::len) as i64;
    let count = found["count"].as_i64().expect("a count");
    assert!(
        rows <= options.limit.min(MAX_LIMIT),
        "{rows} rows for limit {}",
        options.limit
    );
    assert_eq!(
        rows,
        (count - options.skip.min(count)).min(options.limit),
        "rows and count disagree (count {count}, skip {}, limit {})",
        options.skip,
        options.limit
    );
    assert_eq!(counted["count"].as_i64(), Some(count), "count=1&limit=0");
    assert_eq!(counted["results"], Value::Array(vec![]));
}

proptest! {
    #[test]
    fn hostile_queries_compile_to_bound_sql_that_runs(
        class in class_name(),
        kind in 0u8..3,
        params in query_params(),
    ) {
        check_query(&class, kind, &params);
    }

    #[test]
    fn well_formed_queries_compile_to_bound_sql_that_runs(
        class in valid_class(),
        kind in 0u8..3,
        params in valid_query_params(),
    ) {
        check_query(&class, kind, &params);
    }
}
