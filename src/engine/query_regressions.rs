//! Queries that once failed with an SQL error (a 500 the SDK retries), found by the property
//! tests (`query_props`) and reproduced against `wrangler dev`; each now answers what Parse would.

use super::find::FindOptions;
use super::fuzz_world::{access, World};
use super::objects::Objects;
use crate::error::ParseError;
use crate::marketplace::MarketplaceRules;
use futures::executor::block_on;
use serde_json::{json, Value};

const MASTER: u8 = 0;
const BUYER: u8 = 2;

/// The objectIds `where` finds on `class` for the client `kind`, in insertion order.
fn ids(kind: u8, class: &str, where_: Value) -> Result<Vec<String>, ParseError> {
    let world = World::new();
    let registry = world.registry();
    let access = access(kind);
    let objects = Objects {
        store: &world.store,
        registry: &registry,
        access: &access,
        allow_client_class_creation: false,
        now_ms: 1_700_000_000_000,
        rules: &MarketplaceRules,
    };
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
