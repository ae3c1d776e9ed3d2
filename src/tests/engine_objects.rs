//! The object lifecycle against a real SQLite with the product's migrations.

use crate::engine::access::{Access, Principal};
use crate::engine::find::FindOptions;
use crate::engine::objects::Objects;
use crate::engine::write::Outcome;
use crate::error::Code;
use crate::store::{Statement, Store};
use crate::testing::{SqliteStore, World};
use futures::executor::block_on;
use serde_json::{json, Map, Value};

/// The engine alone (no marketplace rules) over the test world's store.
trait Lifecycle {
    fn run<T>(&self, access: &Access, f: impl FnOnce(&Objects<SqliteStore>) -> T) -> T;
    fn create(
        &self,
        access: &Access,
        class: &str,
        body: Value,
    ) -> Result<String, crate::error::ParseError>;
    fn update(
        &self,
        access: &Access,
        class: &str,
        id: &str,
        body: Value,
    ) -> Result<Map<String, Value>, crate::error::ParseError>;
    fn find(
        &self,
        access: &Access,
        class: &str,
        params: Value,
    ) -> Result<Value, crate::error::ParseError>;
    fn titles(&self, params: Value) -> Vec<String>;
    fn seed_products(&self) -> String;
}

impl Lifecycle for World {
    fn run<T>(&self, access: &Access, f: impl FnOnce(&Objects<SqliteStore>) -> T) -> T {
        let registry = self.registry();
        let objects = Objects {
            store: &self.store,
            registry: &registry,
            access,
            allow_client_class_creation: false,
            now_ms: 1_700_000_000_000,
            rules: &crate::engine::hooks::NoRules,
            budget: None,
            file_urls: None,
        };
        f(&objects)
    }

    fn create(
        &self,
        access: &Access,
        class: &str,
        body: Value,
    ) -> Result<String, crate::error::ParseError> {
        self.run(access, |o| {
            let plan = o.plan_create(class, body.as_object().unwrap())?;
            match block_on(o.execute(&plan))? {
                Outcome::Created { object_id, .. } => Ok(object_id),
                other => panic!("{other:?}"),
            }
        })
    }

    fn update(
        &self,
        access: &Access,
        class: &str,
        id: &str,
        body: Value,
    ) -> Result<Map<String, Value>, crate::error::ParseError> {
        self.run(access, |o| {
            let plan = o.plan_update(class, id, body.as_object().unwrap())?;
            match block_on(o.execute(&plan))? {
                Outcome::Updated(answer) => Ok(answer),
                other => panic!("{other:?}"),
            }
        })
    }

    fn find(
        &self,
        access: &Access,
        class: &str,
        params: Value,
    ) -> Result<Value, crate::error::ParseError> {
        self.run(access, |o| {
            let options = FindOptions::from_params(params.as_object().unwrap())?;
            block_on(o.find(class, &options))
        })
    }

    fn titles(&self, params: Value) -> Vec<String> {
        let found = self.find(&Access::Master, "Product", params).unwrap();
        found["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["title"].as_str().unwrap_or("").to_string())
            .collect()
    }

    fn seed_products(&self) -> String {
        let artisan = self
            .create(
                &Access::Master,
                "Artisan",
                json!({"name": "Ana", "description": "clay"}),
            )
            .unwrap();
        let owner = json!({"__type":"Pointer","className":"Artisan","objectId": artisan});
        for (i, (title, price, tags)) in [
            ("Blue bowl", json!(25.5), json!(["ceramic", "blue"])),
            ("Oak spoon", json!(12), json!(["wood"])),
            ("Silk scarf", json!(80), json!(["textile", "blue"])),
            ("Clay mug", json!(18), json!(["ceramic"])),
        ]
        .into_iter()
        .enumerate()
        {
            self.create(&Access::Master, "Product", json!({"title": title, "price": price, "tags": tags, "sku": format!("SKU-{i}"), "owner": owner, "stock": 1})).unwrap();
        }
        artisan
    }
}

#[test]
fn created_objects_read_back_with_their_types() {
    let w = World::new();
    let artisan = w.seed_products();
    let found = w
        .find(
            &Access::Master,
            "Product",
            json!({"where": {"title": "Blue bowl"}, "include": "owner"}),
        )
        .unwrap();
    let bowl = &found["results"][0];
    assert_eq!(bowl["price"], json!(25.5));
    assert_eq!(bowl["stock"], json!(1));
    assert_eq!(bowl["tags"], json!(["ceramic", "blue"]));
    assert_eq!(bowl["owner"]["__type"], "Object");
    assert_eq!(bowl["owner"]["objectId"], artisan.as_str());
    assert_eq!(bowl["owner"]["name"], "Ana");
    assert_eq!(bowl["objectId"].as_str().unwrap().len(), 10);
}

#[test]
fn comparison_membership_and_logical_operators_filter_in_sql() {
    let w = World::new();
    w.seed_products();
    assert_eq!(
        w.titles(json!({"where": {"price": {"$gte": 18, "$lt": 80}}, "order": "price"})),
        ["Clay mug", "Blue bowl"]
    );
    assert_eq!(
        w.titles(json!({"where": {"tags": "blue"}, "order": "title"})),
        ["Blue bowl", "Silk scarf"]
    );
    assert_eq!(
        w.titles(json!({"where": {"tags": {"$all": ["ceramic", "blue"]}}})),
        ["Blue bowl"]
    );
    assert_eq!(
        w.titles(json!({"where": {"title": {"$in": ["Oak spoon", "Nope"]}}})),
        ["Oak spoon"]
    );
    assert_eq!(
        w.titles(json!({"where": {"$or": [{"price": 12}, {"price": 80}]}, "order": "-price"})),
        ["Silk scarf", "Oak spoon"]
    );
    assert_eq!(
        w.titles(json!({"where": {"$nor": [{"tags": "ceramic"}]}, "order": "title"})),
        ["Oak spoon", "Silk scarf"]
    );
    assert_eq!(
        w.titles(json!({"where": {"description": {"$exists": true}}})),
        Vec::<String>::new()
    );
    assert_eq!(
        w.titles(json!({"where": {"nosuchfield": {"$exists": false}}}))
            .len(),
        4
    );
}

#[test]
fn regexes_keep_counts_exact_whether_sql_or_the_engine_answers() {
    let w = World::new();
    w.seed_products();
    assert_eq!(
        w.titles(json!({"where": {"title": {"$regex": "^\\QBlue\\E"}}})),
        ["Blue bowl"]
    );
    assert_eq!(
        w.titles(json!({"where": {"title": {"$regex": "MUG", "$options": "i"}}})),
        ["Clay mug"]
    );
    let found = w.find(&Access::Master, "Product", json!({"where": {"title": {"$regex": "^[A-Z][a-z]+ [a-z]{3,4}$"}}, "limit": 1, "count": 1, "order": "title"})).unwrap();
    assert_eq!(found["count"], 2, "{found}");
    assert_eq!(found["results"][0]["title"], "Blue bowl");
}

#[test]
fn subqueries_follow_pointers() {
    let w = World::new();
    let artisan = w.seed_products();
    let other = w
        .create(&Access::Master, "Artisan", json!({"name": "Bo"}))
        .unwrap();
    w.create(&Access::Master, "Product", json!({"title": "Bo's basket", "sku": "B1", "owner": {"__type":"Pointer","className":"Artisan","objectId": other}})).unwrap();
    let in_query =
        json!({"owner": {"$inQuery": {"className": "Artisan", "where": {"name": "Bo"}}}});
    assert_eq!(w.titles(json!({"where": in_query})), ["Bo's basket"]);
    let select = json!({"owner": {"$select": {"query": {"className": "Artisan", "where": {"name": "Ana"}}, "key": "objectId"}}});
    assert_eq!(w.titles(json!({"where": select})).len(), 4);
    let pointer = json!({"owner": {"__type":"Pointer","className":"Artisan","objectId": artisan}});
    assert_eq!(w.titles(json!({"where": pointer})).len(), 4);
}

#[test]
fn paging_counting_and_key_selection() {
    let w = World::new();
    w.seed_products();
    let page = w
        .find(
            &Access::Master,
            "Product",
            json!({"order": "title", "limit": "2", "skip": "1", "count": "1", "keys": "title"}),
        )
        .unwrap();
    assert_eq!(page["count"], 4);
    let results = page["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["title"], "Clay mug");
    assert!(results[0].get("price").is_none());
    let only_count = w
        .find(&Access::Master, "Product", json!({"limit": 0, "count": 1}))
        .unwrap();
    assert_eq!(only_count, json!({"results": [], "count": 4}));
}

#[test]
fn field_operations_happen_in_the_update_and_return_their_results() {
    let w = World::new();
    let id = w
        .create(
            &Access::Master,
            "Product",
            json!({"title": "Vase", "sku": "V1", "tags": ["a"], "price": 10}),
        )
        .unwrap();
    let answer = w
        .update(
            &Access::Master,
            "Product",
            &id,
            json!({
                "stock": {"__op": "Increment", "amount": 4},
                "tags": {"__op": "AddUnique", "objects": ["a", "b", {"k": true}, "b"]},
                "description": {"__op": "Delete"},
            }),
        )
        .unwrap();
    assert_eq!(answer["stock"], 5);
    assert_eq!(answer["tags"], json!(["a", "b", {"k": true}]));
    let answer = w
        .update(
            &Access::Master,
            "Product",
            &id,
            json!({"tags": {"__op": "Remove", "objects": ["a", {"k": true}]}}),
        )
        .unwrap();
    assert_eq!(answer["tags"], json!(["b"]));
    let answer = w
        .update(
            &Access::Master,
            "Product",
            &id,
            json!({"tags": {"__op": "Add", "objects": [false, 2]}}),
        )
        .unwrap();
    assert_eq!(answer["tags"], json!(["b", false, 2]));
}

#[test]
fn the_database_refuses_negative_stock_and_duplicate_skus() {
    let w = World::new();
    let id = w
        .create(
            &Access::Master,
            "Product",
            json!({"title": "Cup", "sku": "C1", "stock": 1}),
        )
        .unwrap();
    let err = w
        .update(
            &Access::Master,
            "Product",
            &id,
            json!({"stock": {"__op": "Increment", "amount": -2}}),
        )
        .unwrap_err();
    assert_eq!(err.code, Code::ValidationError);
    let err = w
        .create(
            &Access::Master,
            "Product",
            json!({"title": "Cup 2", "sku": "C1"}),
        )
        .unwrap_err();
    assert_eq!(err.code, Code::DuplicateValue);
    assert_eq!(w.titles(json!({})), ["Cup"]);
}

#[test]
fn acls_hide_objects_from_reads_and_writes() {
    let w = World::new();
    let alice = Access::Client(Principal {
        user_id: Some("alice".into()),
        ..Default::default()
    });
    let bob = Access::Client(Principal {
        user_id: Some("bob".into()),
        ..Default::default()
    });
    let id = w
        .create(
            &Access::Master,
            "Artisan",
            json!({"name": "Private", "ACL": {"alice": {"read": true, "write": true}}}),
        )
        .unwrap();
    assert_eq!(
        w.find(&alice, "Artisan", json!({})).unwrap()["results"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        w.find(&bob, "Artisan", json!({})).unwrap()["results"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        w.update(&bob, "Artisan", &id, json!({"name": "Mine"}))
            .unwrap_err()
            .code,
        Code::ObjectNotFound
    );
    assert!(w
        .update(&alice, "Artisan", &id, json!({"name": "Ours"}))
        .is_ok());
    let found = w.find(&alice, "Artisan", json!({})).unwrap();
    assert_eq!(
        found["results"][0]["ACL"],
        json!({"alice": {"read": true, "write": true}})
    );
}

#[test]
fn clients_cannot_add_fields_or_classes_unless_allowed() {
    let w = World::new();
    let err = w
        .create(
            &Access::public(),
            "Product",
            json!({"title": "x", "color": "red"}),
        )
        .unwrap_err();
    assert_eq!(err.code, Code::OperationForbidden);
    let err = w
        .create(&Access::public(), "Nope", json!({"a": 1}))
        .unwrap_err();
    assert_eq!(err.code, Code::OperationForbidden);
    let id = w
        .create(
            &Access::Master,
            "Scratch",
            json!({"a": 1, "when": {"__type": "Date", "iso": "2024-01-01T00:00:00Z"}}),
        )
        .unwrap();
    let found = w
        .find(
            &Access::Master,
            "Scratch",
            json!({"where": {"when": {"$lt": {"__type": "Date", "iso": "2025-01-01T00:00:00Z"}}}}),
        )
        .unwrap();
    assert_eq!(found["results"][0]["objectId"], id.as_str());
    assert_eq!(
        found["results"][0]["when"],
        json!({"__type": "Date", "iso": "2024-01-01T00:00:00.000Z"})
    );
}

#[test]
fn wrong_types_and_bad_operators_are_rejected_before_any_write() {
    let w = World::new();
    assert_eq!(
        w.create(&Access::Master, "Product", json!({"title": 5}))
            .unwrap_err()
            .code,
        Code::IncorrectType
    );
    assert_eq!(
        w.create(&Access::Master, "Product", json!({"a b": 5}))
            .unwrap_err()
            .code,
        Code::InvalidKeyName
    );
    assert_eq!(
        w.find(
            &Access::Master,
            "Product",
            json!({"where": {"price": {"$foo": 1}}})
        )
        .unwrap_err()
        .code,
        Code::InvalidQuery
    );
    assert_eq!(
        w.find(&Access::Master, "Product", json!({"where": "{"}))
            .unwrap_err()
            .code,
        Code::InvalidJson
    );
    assert_eq!(
        w.find(&Access::Master, "Product", json!({"limit": -1}))
            .unwrap_err()
            .code,
        Code::InvalidQuery
    );
    assert!(w.titles(json!({})).is_empty());
}

#[test]
fn relations_link_objects_and_related_to_finds_them() {
    let w = World::new();
    let ana = w
        .create(&Access::Master, "_User", json!({"username": "ana"}))
        .unwrap();
    let bo = w
        .create(&Access::Master, "_User", json!({"username": "bo"}))
        .unwrap();
    let user = |id: &str| json!({"__type": "Pointer", "className": "_User", "objectId": id});
    let role = w
        .create(&Access::Master, "_Role", json!({"name": "staff", "users": {"__op": "AddRelation", "objects": [user(&ana), user(&bo)]}}))
        .unwrap();
    let members = |w: &World| -> Vec<String> {
        let found = w
            .find(&Access::Master, "_User", json!({"where": {"$relatedTo": {"object": {"__type": "Pointer", "className": "_Role", "objectId": role}, "key": "users"}}, "order": "username"}))
            .unwrap();
        found["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(members(&w), ["ana", "bo"]);
    w.update(
        &Access::Master,
        "_Role",
        &role,
        json!({"users": {"__op": "RemoveRelation", "objects": [user(&bo)]}}),
    )
    .unwrap();
    assert_eq!(members(&w), ["ana"]);
    let found = w.find(&Access::Master, "_Role", json!({})).unwrap();
    assert_eq!(
        found["results"][0]["users"],
        json!({"__type": "Relation", "className": "_User"})
    );
    let err = w.update(&Access::Master, "_Role", &role, json!({"users": {"__op": "AddRelation", "objects": [{"__type": "Pointer", "className": "Artisan", "objectId": "x"}]}})).unwrap_err();
    assert_eq!(err.code, Code::IncorrectType);
}

#[test]
fn relation_links_change_only_when_the_object_is_writable() {
    let w = World::new();
    let member = json!({"__type": "Pointer", "className": "_User", "objectId": "someone"});
    let add = json!({"members": {"__op": "AddRelation", "objects": [member]}});
    let team = w.create(&Access::Master, "Team", json!({"name": "locked", "ACL": {}, "members": {"__op": "AddRelation", "objects": [{"__type": "Pointer", "className": "_User", "objectId": "first"}]}})).unwrap();
    let stranger = Access::Client(Principal {
        user_id: Some("someone".into()),
        ..Default::default()
    });
    assert_eq!(
        w.update(&stranger, "Team", &team, add.clone())
            .unwrap_err()
            .code,
        Code::ObjectNotFound
    );
    let rows = block_on(w.store.query(&Statement::new(
        "SELECT COUNT(*) AS n FROM \"_Join:members:Team\"",
        vec![],
    )))
    .unwrap();
    assert_eq!(rows[0]["n"], 1);
    w.update(&Access::Master, "Team", &team, add).unwrap();
    let rows = block_on(w.store.query(&Statement::new(
        "SELECT COUNT(*) AS n FROM \"_Join:members:Team\"",
        vec![],
    )))
    .unwrap();
    assert_eq!(rows[0]["n"], 2);
}

/// Runs `f` on a fresh world in its own thread and fails when it takes longer than `limit`,
/// so a write that would hang the database fails the test instead.
fn within<T: Send + 'static>(
    limit: std::time::Duration,
    f: impl FnOnce(&World) -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f(&World::new()));
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}"))
}

#[test]
fn add_unique_and_remove_on_the_largest_allowed_arrays_take_linear_time() {
    use crate::engine::field_ops::{MAX_ARRAY_LENGTH, MAX_ARRAY_OP_OBJECTS};
    // Before: the per-element subqueries took 1.4 s for 4,000 objects and hung at 8,000.
    let (tags, removed) = within(std::time::Duration::from_secs(10), |w| {
        let stored: Vec<Value> = (0..MAX_ARRAY_LENGTH - MAX_ARRAY_OP_OBJECTS / 2)
            .map(Value::from)
            .collect();
        let id = w
            .create(
                &Access::Master,
                "Product",
                json!({"sku": "BIG", "tags": stored}),
            )
            .unwrap();
        // Half of them already there, each twice: only the other half is added, once.
        let objects: Vec<Value> = (0..MAX_ARRAY_OP_OBJECTS)
            .map(|i| Value::from(MAX_ARRAY_LENGTH - MAX_ARRAY_OP_OBJECTS + i / 2 * 2))
            .collect();
        let added = w
            .update(
                &Access::Master,
                "Product",
                &id,
                json!({"tags": {"__op": "AddUnique", "objects": objects}}),
            )
            .unwrap();
        let remove: Vec<Value> = (0..MAX_ARRAY_OP_OBJECTS).map(Value::from).collect();
        let removed = w
            .update(
                &Access::Master,
                "Product",
                &id,
                json!({"tags": {"__op": "Remove", "objects": remove}}),
            )
            .unwrap();
        (added["tags"].clone(), removed["tags"].clone())
    });
    let tags = tags.as_array().unwrap();
    assert_eq!(
        tags.len(),
        MAX_ARRAY_LENGTH - MAX_ARRAY_OP_OBJECTS / 2 + 250
    );
    assert_eq!(tags.last(), Some(&json!(MAX_ARRAY_LENGTH - 2)));
    let removed = removed.as_array().unwrap();
    assert_eq!(removed.len(), tags.len() - MAX_ARRAY_OP_OBJECTS);
    assert_eq!(removed.first(), Some(&json!(MAX_ARRAY_OP_OBJECTS)));
}

#[test]
fn array_operations_refuse_too_many_objects_and_arrays_past_their_cap() {
    use crate::engine::field_ops::{MAX_ARRAY_LENGTH, MAX_ARRAY_OP_OBJECTS};
    let w = World::new();
    let full: Vec<Value> = (0..MAX_ARRAY_LENGTH).map(Value::from).collect();
    let id = w
        .create(
            &Access::Master,
            "Product",
            json!({"sku": "FULL", "tags": full}),
        )
        .unwrap();
    let too_many: Vec<Value> = (0..=MAX_ARRAY_OP_OBJECTS).map(Value::from).collect();
    for op in ["Add", "AddUnique", "Remove"] {
        let err = w
            .update(
                &Access::Master,
                "Product",
                &id,
                json!({"tags": {"__op": op, "objects": too_many}}),
            )
            .unwrap_err();
        assert_eq!(err.code, Code::InvalidJson, "{op}");
    }
    let err = w
        .create(
            &Access::Master,
            "Product",
            json!({"sku": "NEW", "tags": {"__op": "Add", "objects": too_many}}),
        )
        .unwrap_err();
    assert_eq!(err.code, Code::InvalidJson);
    // One more element than the cap: refused, and nothing written.
    for (op, objects) in [("Add", json!([1])), ("AddUnique", json!(["new"]))] {
        let err = w
            .update(
                &Access::Master,
                "Product",
                &id,
                json!({"tags": {"__op": op, "objects": objects}, "title": "changed"}),
            )
            .unwrap_err();
        assert_eq!(err.code, Code::ValidationError, "{op}");
        assert_eq!(err.status(), 400);
    }
    let found = w
        .find(
            &Access::Master,
            "Product",
            json!({"where": {"sku": "FULL"}}),
        )
        .unwrap();
    assert_eq!(
        found["results"][0]["tags"].as_array().unwrap().len(),
        MAX_ARRAY_LENGTH
    );
    assert!(found["results"][0].get("title").is_none());
    // AddUnique of what is already there, and Remove, stay allowed on a full array.
    w.update(
        &Access::Master,
        "Product",
        &id,
        json!({"tags": {"__op": "AddUnique", "objects": [0, 1]}}),
    )
    .unwrap();
    let too_long: Vec<Value> = (0..=MAX_ARRAY_LENGTH).map(Value::from).collect();
    let err = w
        .update(&Access::Master, "Product", &id, json!({"tags": too_long}))
        .unwrap_err();
    assert_eq!(err.code, Code::ValidationError);
    let err = w
        .create(
            &Access::Master,
            "Product",
            json!({"sku": "LONG", "tags": too_long}),
        )
        .unwrap_err();
    assert_eq!(err.code, Code::ValidationError);
}
